"""Reply syntax (codes/syntax.py) and reply classes (codes/classes.py): the one home of each."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smtplesson.codes import classes, syntax
from smtplesson.codes.reply import KINDS, OUTCOMES, parse_reply
from smtplesson.codes.syntax import class_of, code_of, enhanced_of, is_last_line

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "ok"), [
    ("550", True), ("250", True), ("459", True), ("199", False), ("600", False), ("260", False),
    ("55", False), ("5500", False), ("٥٥٠", False),
])
def test_basic_is_rfc_5321_syntax(text: str, ok: bool) -> None:
    assert (syntax.BASIC.fullmatch(text) is not None) is ok


@pytest.mark.parametrize(("text", "strict", "lenient"), [
    ("5.1.1", True, True), ("4.7.26", True, True), ("2.0.0", True, True), ("5.999.999", True, True),
    ("X.1.1", False, True), ("x.1.1", False, True), ("5.01.1", False, True), ("5.1.01", False, True),
    ("3.1.1", False, False), ("5.1", False, False), ("5.1.1000", False, False),
])
def test_enhanced_strict_and_lenient(text: str, strict: bool, lenient: bool) -> None:
    assert (syntax.ENHANCED.fullmatch(text) is not None) is strict
    assert (syntax.ENHANCED_LENIENT.fullmatch(text) is not None) is lenient


@pytest.mark.parametrize(("line", "code", "last"), [
    ("250 OK", 250, True), ("250-SIZE 1000", 250, False), ("250", 250, True), ("354 go\r\n", 354, True),
    ("250OK", None, True), ("199 x", None, True), (" 250 x", None, True), ("", None, True),
    ("hello", None, True),
])
def test_code_of_and_is_last_line(line: str, code: int | None, last: bool) -> None:
    assert code_of(line) == code
    assert is_last_line(line) is last


@pytest.mark.parametrize(("text", "found"), [
    ("550 5.1.1 <dan@example.net>: unknown", "5.1.1"), ("550-5.7.26 Unauthenticated", "5.7.26"),
    ("4.2.2 over quota", "4.2.2"), ("250 2.0.0", "2.0.0"), ("550 5.01.1 x", None),
    ("550 no code", None), ("550 5.1.10x", None), ("", None),
])
def test_enhanced_of(text: str, found: str | None) -> None:
    assert enhanced_of(text) == found


@pytest.mark.parametrize(("value", "digit"), [
    (550, 5), ("550", 5), ("421 closing", 4), ("250-SIZE", 2), (5, 5), ("5xx", 5), ("3yz", 3),
    ("5.1.1", 5), ("4.7.1", 4), ("X.1.1", None), ("3.1.1", None), (600, None), (199, None),
    ("", None), (True, None),
])
def test_class_of(value: int | str, digit: int | None) -> None:
    assert class_of(value) == digit


@given(st.text(max_size=30))
def test_helpers_never_raise(text: str) -> None:
    code_of(text), is_last_line(text), enhanced_of(text), class_of(text)


@given(st.integers(200, 599).filter(lambda n: n // 10 % 10 <= 5), st.sampled_from(" -"), st.text(max_size=20))
def test_code_of_agrees_with_parse_reply(code: int, sep: str, text: str) -> None:
    line = f"{code}{sep}{text}".split("\n")[0].split("\r")[0]
    assert code_of(line) == code
    if sep == " ":
        assert parse_reply(line).code == code


def test_classes_come_from_structure_json() -> None:
    from smtplesson.codes.registry import STRUCTURE

    for digit, reply_class in classes.REPLY_CLASSES.items():
        entry = STRUCTURE["first_digit"][str(digit)]
        assert (reply_class.name, reply_class.outcome, reply_class.reference) == (
            entry["kind"], entry["outcome"], entry["reference"])
        assert reply_class.label and reply_class.summary and reply_class.short == f"{digit}xx"
    assert sorted(classes.REPLY_CLASSES) == [2, 3, 4, 5]
    assert sorted(classes.ENHANCED_CLASSES) == [2, 4, 5]
    assert classes.ENHANCED_CLASSES[5].name == STRUCTURE["enhanced_class"]["5"]["name"]
    assert {d: c.name for d, c in classes.REPLY_CLASSES.items()} == KINDS
    assert OUTCOMES == {2: "success", 3: "continue", 4: "retry", 5: "bounce"}
    assert classes.reply_class_of("451 try later").outcome == "retry"  # type: ignore[union-attr]
    assert classes.enhanced_class_of("X.1.1") is None


def test_class_free_is_the_registry_key() -> None:
    from smtplesson.codes import ENHANCED_CODES

    assert syntax.class_free("5.1.1") == "X.1.1" == syntax.class_free("X.1.1")
    assert all(syntax.class_free(code) == code for code in ENHANCED_CODES)


# Pieces of what surrounds a code and its enhanced code in pasted text: every separator
# CODE_AND_ENHANCED_IN_TEXT knows, the characters its lookbehinds and lookaheads test, dots.
_PIECES = ["550", "421", "250", "5.1.1", "4.7.0", "2.0.0", "5.01.1", "3.1.1", " ", "-", ",", ", ",
           "'", "b'", ", b'", "\"", "“", "\t", "\n", "\u00a0", ".", "=", ":", "x", "é", "5", "12",
           "dsn=", "#", "/"]


@settings(max_examples=1000, derandomize=True, database=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join))
@example("smtplib: (550, b'5.7.1 Denied')")
@example("(550, '5.7.1 Denied')")
@example("dsn=5.1.1, said: 550,  \t\"5.1.1 no")
@example("x 421-4.7.0 try later")
@example("a=550 5.1.1 x 550 5.1.2")
@example("550- 5.1.1 x")
def test_the_fast_code_searches_find_what_the_patterns_find(text: str) -> None:
    """code_and_enhanced and enhanced_in_text start their searches late (at the first dot
    that can follow a class digit); they must find exactly what the patterns find."""
    def found(match: object) -> object:
        return match and (match.span(), match.groups())  # type: ignore[attr-defined]

    match = syntax.CODE_AND_ENHANCED_IN_TEXT.search(text)
    assert syntax.code_and_enhanced(text) == (match and (match.start(), match.end(), *match.groups()))
    assert found(syntax.enhanced_in_text(text)) == found(syntax.ENHANCED_IN_TEXT.search(text))
