"""The shortcuts explain takes (codes/silence.py, codes/phrases.py, codes/locate.py): each gives exactly
what the long way gives."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))  # corpus.py

import corpus

from smtplesson.codes.causes import DATA
from smtplesson.codes.explanation import _IDS, _masked_low, _no_code, _nothing, _scan
from smtplesson.codes.lexicon import _INFIX_CUES, ascii_cues, may_find, score
from smtplesson.codes.locate import command_of, context, locate, squeezed
from smtplesson.codes.phrases import PhraseIndex, split_alternatives, starts
from smtplesson.codes.providers import PROVIDERS
from smtplesson.codes.providers import match as provider_match
from smtplesson.codes.silence import silent

LOG_NOISE = [
    "Mar  1 00:02:52 mail postfix/smtpd[13500]: connect from unknown[192.0.2.1]",
    "Mar 21 01:37:55 mail postfix/qmgr[58965]: 8C216DBE6CF: from=<bounce@example.net>, size=8548, "
    "nrcpt=1 (queue active)",
    "Mar 21 01:37:55 mail postfix/smtpd[58965]: disconnect from mx.example.org[192.0.2.7] ehlo=1 quit=1",
]
# words of the keyword rules, the cues and log lines, glued into texts without a code
WORDS = sorted({word for text in [*LOG_NOISE, *ascii_cues()[0][::40], *_INFIX_CUES[::4],
                                  *(pattern for _, pattern in DATA["keywords"])]
                for word in re.findall(r"[a-z]+", text.lower())})


def _said_the_long_way(text: str) -> dict[str, object]:
    found = locate(text)
    assert found.code is None and found.enhanced is None
    return _no_code(text, _masked_low(found.scan), None, command_of(text)).to_dict()


def _check(text: str) -> bool:
    """True when ``text`` (no code in it) is silent; then the phrase index finds no keyword
    rule or provider rule in it, the lexicon no cue (masked or not), and the long way says
    nothing too."""
    found = locate(text)
    if found.code is not None or found.enhanced is not None:
        return False
    low = _masked_low(found.scan)
    said = silent(low)
    if said:
        keywords, hits = _scan(low)
        assert not keywords, text
        assert provider_match(low, None, None, hits)[1] is None, text
        assert score(low) is None and score(_IDS.sub("0", low)) is None, text
        assert _said_the_long_way(text) == _nothing(text).to_dict(), text
    return said


def test_silent_text_is_explained_as_nothing_the_long_way_too() -> None:
    said = [_check(text) for text in [*LOG_NOISE, *(line.text for line in corpus.load("tuning"))]]
    assert said[0] and said[1]  # log noise takes the shortcut
    assert not all(said)  # and lines that say something do not


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*WORDS, " ", "  ", "\t", ": ", "[0]", "-", "(", "8", ".org"]),
                max_size=12))
def test_silent_on_any_text_means_nothing_is_said(words: list[str]) -> None:
    _check("".join(words))


# every ASCII alternative of the keyword rules and provider rule texts, each with a text it
# matches drawn from it (non-ASCII text is never silent)
_RULES = sorted({alternative for pattern in [*(pattern for _, pattern in DATA["keywords"]),
                                             *(r.text for p in PROVIDERS.values() for r in p.rules if r.text)]
                 for alternative in split_alternatives(pattern) if alternative.isascii()})
_ASCII = st.characters(codec="ascii", exclude_categories=["Cc"])


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(_RULES).flatmap(lambda rule: st.from_regex(rule, alphabet=_ASCII)),
       st.sampled_from(["", "Mar  1 00:02:52 mail postfix/smtpd[13500]: ", "x", "-", "0"]))
@example("8bit data", "-")  # rules without a literal start, found inside a word
@example("(bl)", "x")
@example("not supported", "0")
@example("disallowed", "-")
def test_silent_is_never_said_where_a_rule_is_found(drawn: str, before: str) -> None:
    _check(before + drawn)  # silent: then no rule is found by the index


_PATTERNS = ["user unknown|no such user", "e?mail loop", "\\b(?:dt|hl):[a-z]{2}\\b", "\\(bl\\)|\\b163\\.com",
             "(?:user |table )?lookup (?:failure|error)", "from:? ?domain must resolve",
             "(?:eight|8)[- ]?bit data", "quota"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["user ", "unknown", "no such user", "mail loop", "email", " loop",
                                 "dt:ab", "(bl)", "163.com", "table ", "lookup ", "error", "from",
                                 ":", " ", "domain must resolve", "eight", "8", "-bit data", "quota",
                                 "x", "\t", "  "]), max_size=8))
def test_starts_are_in_every_text_the_index_finds_something_in(words: list[str]) -> None:
    text = "".join(words)
    found = starts(_PATTERNS)
    assert found is not None
    at_word, anywhere = found
    squeezed = f" {' '.join(text.split())} "
    held = any(re.search(rf"(?<![a-z]){re.escape(s)}", squeezed) for s in at_word) or any(
        s in squeezed for s in anywhere)
    if PhraseIndex(_PATTERNS).all(text):
        assert held, text


def test_starts_refuses_what_it_cannot_promise() -> None:
    assert starts(["[0-9]+ ?h"]) is None  # no literal text every match holds
    assert starts(["mailbox\tfull"]) is None  # a blank other than one space
    assert starts(["from:? ?domain"]) == ({"from: domain", "from:domain", "from domain", "fromdomain"}, set())


def _command_the_long_way(scan: str) -> str | None:
    """command_of as a regex says it: one search per prefix for the prefix and the command
    named right after it."""
    from smtplesson.codes import locate as located

    for prefix in located._COMMAND_PREFIXES:
        match = re.search(rf"{re.escape(prefix)}(?i:{located._COMMAND_NAME})?", scan)
        if match is not None and match.group(1) is not None:
            return located._COMMANDS.get(match.group(1).lower())
    return None


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["in reply to ", "(in reply to ", "RCPT TO", "rcpt to", "Mail From",
                                 "end of DATA", "the ", "data", "datax", " command", "host after ",
                                 "reject: ", "while sending ", "while receiving the ", "while receiving ",
                                 "initial server greeting", "ſtarttls", "STARTTLS", "x", " ", ")"]),
                max_size=10))
def test_command_of_finds_what_the_prefix_loop_finds(words: list[str]) -> None:
    text = "".join(words)
    assert command_of(text) == _command_the_long_way(text), text


# pieces of ASCII cues (whole, cut, glued into compounds) and of what masking changes
_CUE_PIECES = sorted({piece for cue in [*ascii_cues()[0][::25], *_INFIX_CUES[::10]]
                      for piece in (cue, cue[: len(cue) // 2], cue[len(cue) // 2:], *cue.split())})


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*_CUE_PIECES, " ", "0", "12", "4fjk2a9", "deadbeef12", "x", "-", "@", "ab"]),
                max_size=8))
def test_may_find_is_false_only_where_no_cue_is_found_masked_or_not(pieces: list[str]) -> None:
    low = "".join(pieces)
    if not may_find(low):
        assert score(low) is None and score(_IDS.sub("0", low)) is None, low


_REPLY_PIECES = [
    "550", "550 5.1.1", "550-5.1.1", "452 4.2.2", "(550, b'5.7.1", "x550", "user550", " said: ",
    " (in reply to RCPT TO command)", "(in reply to ", "; from=<a@b>", " ##", "host mx[192.0.2.1] ",
    "relay=mx.example.org[1.2.3.4]:25, ", "no such user", " ", "'", '"', ")", "(", "-", ":",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_REPLY_PIECES), max_size=10))
@example(["x550 ", "550 5.1.1 ", "no such user", " (in reply to RCPT TO command)"])
def test_context_from_where_the_code_stands_is_context_found_again(pieces: list[str]) -> None:
    found = locate("".join(pieces))
    assert (context(found.scan, found.body, found.code, found.enhanced, found.start, found.stop)
            == context(found.scan, found.body, found.code, found.enhanced))


_BLANKS_AND_MORE = [" ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0",
                    "\u2028", "\u3000", "a", "5", ".", "é"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_BLANKS_AND_MORE)).map("".join) | st.text())
@example("Mar  9 14:16:52 mail postfix/smtp[56623]: (250 2.0.0 OK  1389672699) ")
def test_squeezed_is_the_words_joined_by_one_space(text: str) -> None:
    assert squeezed(text) == " ".join(text.split()), repr(text)


@pytest.mark.parametrize("char", [chr(code) for code in range(128)])
def test_squeezed_knows_every_ascii_blank(char: str) -> None:
    text = f" a  b{char}{char}c {char}"  # its fast way holds for the space alone
    assert squeezed(text) == " ".join(text.split()), repr(char)
