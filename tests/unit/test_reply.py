"""parse_reply: RFC 5321 §4.2 replies on the wire, with and without RFC 3463 enhanced codes."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtplesson.codes.reply import Reply, ReplyError, parse_reply


def test_single_line() -> None:
    reply = parse_reply("250 OK")
    assert reply == Reply(250, None, ("OK",))
    assert reply.text == "OK"
    assert reply.outcome == "success"
    assert reply.kind == "positive completion"


def test_trailing_crlf_is_accepted() -> None:
    assert parse_reply("221 Bye\r\n") == Reply(221, None, ("Bye",))


def test_code_only_line() -> None:
    reply = parse_reply("250")
    assert reply.code == 250 and reply.lines == ("",) and reply.enhanced is None
    assert str(reply) == "250"


def test_multi_line_crlf() -> None:
    reply = parse_reply("250-mx.example.net Hello\r\n250-PIPELINING\r\n250 SIZE 10240000")
    assert reply.code == 250
    assert reply.lines == ("mx.example.net Hello", "PIPELINING", "SIZE 10240000")
    assert reply.text == "mx.example.net Hello\nPIPELINING\nSIZE 10240000"


def test_multi_line_bare_lf() -> None:
    assert parse_reply("250-first\n250 last").lines == ("first", "last")


def test_continuation_line_with_empty_text() -> None:
    assert parse_reply("250-\r\n250 done").lines == ("", "done")


def test_enhanced_code_single_line() -> None:
    reply = parse_reply("550 5.1.1 <bob@example.net>: Recipient address rejected")
    assert reply.enhanced == "5.1.1"
    assert reply.lines == ("<bob@example.net>: Recipient address rejected",)
    assert reply.outcome == "bounce"
    assert reply.kind == "permanent negative"


def test_enhanced_code_on_each_line_is_removed_from_each_line() -> None:
    text = (
        "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
        "550-5.1.1 double-checking the recipient's email address for typos or\r\n"
        "550 5.1.1 unnecessary spaces."
    )
    reply = parse_reply(text)
    assert reply.code == 550 and reply.enhanced == "5.1.1"
    assert reply.lines[1] == "double-checking the recipient's email address for typos or"
    assert all("5.1.1" not in line for line in reply.lines)


def test_code_and_enhanced_only() -> None:
    reply = parse_reply("452 4.5.3")
    assert (reply.code, reply.enhanced, reply.lines) == (452, "4.5.3", ("",))


def test_leading_zero_is_not_an_enhanced_code() -> None:
    # RFC 3463 §2: sub-codes are written without leading zeros
    assert parse_reply("550 5.01.1 odd").enhanced is None


def test_bytes_input() -> None:
    assert parse_reply(b"354 End data with <CR><LF>.<CR><LF>\r\n").code == 354
    assert parse_reply("250 Grüße".encode()).lines == ("Grüße",)


@pytest.mark.parametrize(
    "text",
    ["250 OK", "250", "250-a\r\n250 b", "550-5.1.1 a\r\n550 5.1.1 b", "550 5.1.1", "421 4.7.0 busy"],
)
def test_str_is_wire_form_and_round_trips(text: str) -> None:
    reply = parse_reply(text)
    assert str(reply) == text
    assert parse_reply(str(reply)) == reply


def test_info_comes_from_the_registry() -> None:
    info = parse_reply("550 no").info
    assert info is None or info.code == 550


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("250-first\r\n251 second", "line 2: code 251 differs from the first line's 250"),
        ("99 too short", "line 1: '99' is not a three-digit reply code"),
        ("2500 too long", "line 1: '2500' is not a three-digit reply code"),
        ("250-a\r\n250 b\r\n250 c", "line 3: continuation line after the last line"),
        ("250-a\r\n250-b", "line 2: last line uses '-' (a continuation mark)"),
        ("", "line 1: empty input"),
        ("   \r\n", "line 1: empty input"),
        ("650 nope", "line 1: 650 is not a reply code: the first digit must be 2, 3, 4 or 5"),
        ("170 nope", "line 1: 170 is not a reply code: the first digit must be 2, 3, 4 or 5"),
        ("260 nope", "line 1: 260 is not a reply code: the second digit must be 0 to 5"),
        ("250OK", "line 1: after the code 250 comes 'O'"),
        ("hello", "line 1: starts with 'hello', not a three-digit reply code"),
        ("250-a\r\n\r\n250 b", "line 2: empty line"),
        ("250 a\rb", "line 1: contains a bare CR"),
    ],
)
def test_malformed_replies_name_the_line(text: str, message: str) -> None:
    with pytest.raises(ReplyError) as info:
        parse_reply(text)
    assert str(info.value).startswith(message)


def test_reply_error_attributes() -> None:
    with pytest.raises(ReplyError) as info:
        parse_reply("250-a\r\n250-b\r\n550 c")
    error = info.value
    assert isinstance(error, ValueError)
    assert error.line_number == 3
    assert error.line == "550 c"
    assert "differs" in error.reason


def test_undecodable_bytes() -> None:
    with pytest.raises(ReplyError) as info:
        parse_reply(b"250-ok\r\n250 \xff\xfe")
    assert info.value.line_number == 2
    assert "not valid UTF-8" in str(info.value)


def test_non_text_input_is_a_reply_error() -> None:
    with pytest.raises(ReplyError):
        parse_reply(250)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.binary()))
def test_parse_reply_returns_or_raises_only_reply_error(data: str | bytes) -> None:
    try:
        reply = parse_reply(data)
    except ReplyError as error:
        assert error.line_number >= 1
        assert str(error).startswith(f"line {error.line_number}: ")
    else:
        assert isinstance(reply, Reply) and 200 <= reply.code <= 559


_LINE_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20).filter(
    lambda s: not s[:1].isdigit()
)


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 5), st.integers(0, 5), st.integers(0, 9), st.lists(_LINE_TEXT, min_size=1, max_size=4))
def test_well_formed_replies_parse(first: int, second: int, third: int, texts: list[str]) -> None:
    code = first * 100 + second * 10 + third
    wire = "\r\n".join(
        f"{code}{'-' if i < len(texts) - 1 else ' '}{text}" for i, text in enumerate(texts)
    )
    reply = parse_reply(wire)
    assert reply.code == code
    assert len(reply.lines) == len(texts)
