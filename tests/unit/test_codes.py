"""Tests of the reply-code registry (smtplesson.codes and its JSON data)."""
from __future__ import annotations

import json
import re
import time
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtplesson import cli
from smtplesson.codes import BASIC_CODES, ENHANCED_CODES, STRUCTURE, EnhancedCode, ReplyCode, enhanced, lookup

REQUIRED_BASIC = {211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452, 454, 455,
                  500, 501, 502, 503, 504, 521, 530, 534, 535, 538, 550, 551, 552, 553, 554, 555, 556}
EXTRA_BASIC = {253, 458, 459, 453}  # RFC 1985 ETRN, RFC 2645 ATRN
ARTICLE_CODES = (250, 421, 450, 451, 452, 550, 551, 552, 553, 554)  # codes the vendor article describes

# IANA "SMTP Enhanced Status Codes" registry (RFC 5248), enumerated status codes, through X.7.30
REGISTRY = (
    ["X.0.0"]
    + [f"X.1.{d}" for d in range(0, 11)]
    + [f"X.2.{d}" for d in range(0, 5)]
    + [f"X.3.{d}" for d in range(0, 7)]
    + [f"X.4.{d}" for d in range(0, 8)]
    + [f"X.5.{d}" for d in range(0, 7)]
    + [f"X.6.{d}" for d in range(0, 11)]
    + [f"X.7.{d}" for d in range(0, 31)]
)
COMMANDS = {"CONNECT", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "END-OF-DATA", "RSET", "VRFY", "EXPN",
            "HELP", "NOOP", "QUIT", "AUTH", "STARTTLS", "ETRN", "ATRN", "BDAT", "ANY"}
KIND_BY_DIGIT = {"2": "positive completion", "3": "positive intermediate",
                 "4": "transient negative", "5": "permanent negative"}
RFC_RE = re.compile(r"RFC [1-9][0-9]{2,4}")
ENH_RE = re.compile(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}")


def _raw(name: str) -> list[dict]:
    text = resources.files("smtplesson").joinpath("codes", "data", name).read_text("utf-8")
    return json.loads(text)["codes"]


# --------------------------------------------------------------------------- basic codes

def test_required_and_extra_basic_codes_present() -> None:
    assert set(BASIC_CODES) >= REQUIRED_BASIC | EXTRA_BASIC


def test_no_duplicate_codes_in_data() -> None:
    basic = [e["code"] for e in _raw("basic_codes.json")]
    enh = [e["code"] for e in _raw("enhanced_codes.json")]
    assert len(basic) == len(set(basic)) and len(enh) == len(set(enh))


@pytest.mark.parametrize("code", sorted(BASIC_CODES))
def test_basic_entry_well_formed(code: int) -> None:
    entry = BASIC_CODES[code]
    assert isinstance(entry, ReplyCode) and entry.code == code and 200 <= code <= 599
    assert entry.kind == KIND_BY_DIGIT[str(code)[0]]
    assert entry.outcome == {"2": "success", "3": "continue", "4": "retry", "5": "bounce"}[str(code)[0]]
    for text in (entry.title, entry.meaning, entry.action, entry.section):
        assert isinstance(text, str) and text.strip()
    if entry.registry_only:  # 422, 430, 523, 524, 525, 533 (rfc-audit M02-M07)
        assert entry.rfc == "IANA registry"
        assert re.fullmatch(r"X\.[0-9]\.[0-9]+ associated codes", entry.section)
        assert entry.reference == f"IANA registry ({entry.section})"
    elif entry.experimental:  # 355 (RFC 1845, rfc-audit M01)
        assert RFC_RE.fullmatch(entry.rfc) and entry.reference == f"{entry.rfc} (Experimental)"
    else:
        assert RFC_RE.fullmatch(entry.rfc), entry.rfc
        assert re.fullmatch(r"[0-9]+(\.[0-9]+)*", entry.section)
        assert entry.reference == f"{entry.rfc} §{entry.section}"
    assert entry.commands and set(entry.commands) <= COMMANDS
    assert entry.causes and all(c.strip() for c in entry.causes)
    assert all(ENH_RE.fullmatch(e) for e in entry.enhanced)
    assert all(RFC_RE.match(s) for s in entry.see_also)
    assert entry.first_digit.startswith(str(code)[0]) and entry.second_digit.startswith("x" + str(code)[1])


@pytest.mark.parametrize("code", sorted(BASIC_CODES))
def test_enhanced_codes_of_basic_exist_and_match_class(code: int) -> None:
    entry = BASIC_CODES[code]
    for full in entry.enhanced:
        assert "X" + full[1:] in ENHANCED_CODES, full
        if code >= 400:  # RFC 3463: 4yz travels with 4.x.x, 5yz with 5.x.x
            assert full[0] == str(code)[0], (code, full)


@pytest.mark.parametrize("code", ARTICLE_CODES)
def test_article_codes_have_a_misreading(code: int) -> None:
    text = BASIC_CODES[code].misreading
    assert text and "RFC" in text and len(text) > 80


def test_only_article_codes_have_misreadings() -> None:
    assert {c for c, e in BASIC_CODES.items() if e.misreading} == set(ARTICLE_CODES)


def test_rfc_facts_the_article_gets_wrong() -> None:
    assert "not local" in BASIC_CODES[551].title.lower()
    assert "not allowed" in BASIC_CODES[553].title.lower()
    assert "no smtp service here" in BASIC_CODES[554].title.lower()
    assert "local error in processing" in BASIC_CODES[451].title.lower()
    assert BASIC_CODES[451].outcome == "retry"
    assert "4.5.3.1.10" in " ".join(BASIC_CODES[552].see_also) and "452" in BASIC_CODES[552].meaning
    assert "responsibility" in BASIC_CODES[250].meaning
    assert "4.5.3" in BASIC_CODES[452].enhanced
    assert {"RCPT", "END-OF-DATA"} <= set(BASIC_CODES[450].commands)


def test_reference_sources() -> None:
    assert {c for c, e in BASIC_CODES.items() if e.rfc == "RFC 1985"} == {253, 458, 459}
    assert BASIC_CODES[453].rfc == "RFC 2645"
    assert BASIC_CODES[521].rfc == BASIC_CODES[556].rfc == "RFC 7504"
    assert {BASIC_CODES[c].rfc for c in (235, 334, 432, 530, 534, 535, 538)} == {"RFC 4954"}


# --------------------------------------------------------------------------- enhanced codes

def test_every_registry_code_present_and_nothing_else() -> None:
    assert list(ENHANCED_CODES) == REGISTRY


@pytest.mark.parametrize("key", REGISTRY)
def test_enhanced_entry_well_formed(key: str) -> None:
    entry = ENHANCED_CODES[key]
    assert isinstance(entry, EnhancedCode) and entry.code == key
    assert entry.title.strip() and entry.meaning.strip() and entry.section.strip()
    assert RFC_RE.fullmatch(entry.rfc) or entry.rfc.startswith("draft-")
    assert all(c in BASIC_CODES for c in entry.basic_codes)
    assert f"X.{entry.subject}.{entry.detail}" == key
    assert entry.with_class(5) == "5" + key[1:]
    assert entry.subject_name == STRUCTURE["enhanced_subject"][str(entry.subject)]["name"]


def test_registry_associations_kept_when_code_is_known() -> None:
    for raw in _raw("enhanced_codes.json"):
        listed = {int(n) for n in re.findall(r"\b[2-5][0-9]{2}\b", raw["registry_basic_codes"])}
        assert listed & set(BASIC_CODES) <= set(raw["basic_codes"]), raw["code"]


def test_enhanced_sources() -> None:
    rfc7372 = {k for k, e in ENHANCED_CODES.items() if e.rfc == "RFC 7372"}
    assert rfc7372 == {f"X.7.{d}" for d in range(20, 27)}
    assert ENHANCED_CODES["X.1.10"].rfc == ENHANCED_CODES["X.7.27"].rfc == "RFC 7505"
    assert ENHANCED_CODES["X.7.30"].rfc == "RFC 8689"
    assert ENHANCED_CODES["X.2.2"].title == "Mailbox full"


@pytest.mark.parametrize("text,key", [("5.1.1", "X.1.1"), ("X.1.1", "X.1.1"), ("x.1.1", "X.1.1"),
                                      (" 4.7.24 ", "X.7.24"), ("2.0.0", "X.0.0")])
def test_enhanced_function(text: str, key: str) -> None:
    assert enhanced(text) is ENHANCED_CODES[key]


@pytest.mark.parametrize("text", ["", "5.1", "3.1.1", "5.99.99", "5.1.1.1", "abc", "５.1.1", "5.1.1x"])
def test_enhanced_function_rejects(text: str) -> None:
    assert enhanced(text) is None


# --------------------------------------------------------------------------- structure

def test_structure() -> None:
    outcomes = [STRUCTURE["first_digit"][d]["outcome"] for d in "2345"]
    assert outcomes == ["success", "continue", "retry", "bounce"]
    assert {d: STRUCTURE["first_digit"][d]["kind"] for d in "2345"} == KIND_BY_DIGIT
    names = [STRUCTURE["second_digit"][d]["name"] for d in "0125"]
    assert names == ["syntax", "information", "connections", "mail system"]
    assert set(STRUCTURE["enhanced_class"]) == {"2", "4", "5"}
    assert set(STRUCTURE["enhanced_subject"]) == set("01234567")
    assert STRUCTURE["enhanced_subject"]["7"]["name"] == "Security or Policy Status"
    with pytest.raises(TypeError):
        STRUCTURE["first_digit"]["2"]["outcome"] = "x"  # read-only
    with pytest.raises(TypeError):
        BASIC_CODES[999] = BASIC_CODES[250]  # type: ignore[index]


# --------------------------------------------------------------------------- lookup

def _codes(query: str) -> list:
    return [e.code for e in lookup(query)]


def test_lookup_exact_basic() -> None:
    assert _codes("550") == [550]
    assert _codes(" 421 ") == [421]


def test_lookup_enhanced_then_basic() -> None:
    assert _codes("5.1.1")[0] == "X.1.1" and 550 in _codes("5.1.1")
    assert _codes("4.2.2") == ["X.2.2", 452]  # class 4: only the 4yz partner
    assert _codes("X.2.2") == ["X.2.2", 552, 452]


@pytest.mark.parametrize("query,expected", [
    ("5", [500, 501, 502, 503, 504, 521, 523, 524, 525, 530, 533, 534, 535, 538, 550, 551, 552, 553,
           554, 555, 556]),
    ("55", [550, 551, 552, 553, 554, 555, 556]),
    (" 45 ", [450, 451, 452, 453, 454, 455, 458, 459]),
    ("2", [211, 214, 220, 221, 235, 250, 251, 252, 253]),
    ("5.1.", [f"X.1.{n}" for n in range(11)]),
    ("4.2", ["X.2.0", "X.2.1", "X.2.2", "X.2.3", "X.2.4"]),
    ("x.5.", [f"X.5.{n}" for n in range(7)]),
    ("9", []), ("59", []), ("0", []), ("5.9.", []),
])
def test_lookup_partial_code_lists_the_codes_under_it(query: str, expected: list) -> None:
    assert _codes(query) == expected


def test_lookup_enhanced_class_prefix_lists_every_enhanced_code() -> None:
    assert _codes("5.") == list(ENHANCED_CODES)
    assert _codes("5.1.1")[0] == "X.1.1"  # a whole code is still exact, not a prefix of X.1.10


@pytest.mark.parametrize("query,expected,within", [
    ("mailbox full", "X.2.2", 1), ("greylist", 450, 2), ("greylisting", 451, 2), ("graylisted", 451, 2),
    ("too many recipients", 452, 2), ("too many recipients", "X.5.3", 2), ("relay", 550, 3),
    ("spam", 554, 3), ("auth", 535, 6), ("authentication failed", "X.7.8", 3),
    ("user unknown", 550, 2), ("quota", "X.2.2", 1), ("null mx", 556, 3), ("spf", "X.7.23", 3),
    ("got 550 5.7.1 relaying denied from them", 550, 1),
])
def test_lookup_words(query: str, expected, within: int) -> None:
    assert expected in _codes(query)[:within], _codes(query)


@pytest.mark.parametrize(
    "query", ["", "   ", "999", "abc", "5.99.99", "xyzzy plugh", "\x00\x01\x7f", "１２３"])
def test_lookup_nonsense(query: str) -> None:
    assert lookup(query) == []


def test_lookup_huge_input_is_fast() -> None:
    query = "mailbox full " * 800  # about 10 kB
    start = time.process_time()  # CPU time: other processes on a busy machine do not count
    result = lookup(query)
    assert time.process_time() - start < 0.25 and result and result[0].code == "X.2.2"


def test_lookup_is_fast() -> None:
    queries = ["550", "5.1.1", "mailbox full", "too many recipients", "relay access denied"] * 200
    start = time.process_time()  # CPU time: other processes on a busy machine do not count
    for q in queries:
        lookup(q)
    assert (time.process_time() - start) / len(queries) < 0.002


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_lookup_never_raises(query: str) -> None:
    result = lookup(query)
    assert isinstance(result, list) and all(isinstance(e, (ReplyCode, EnhancedCode)) for e in result)


def test_cli_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.cli_codes() == 0
    out = capsys.readouterr().out
    assert "RFC 5321 §4.2.3" in out and "X.7.30" in out and "556" in out
    assert len(out.splitlines()) > len(BASIC_CODES) + len(ENHANCED_CODES)
