"""Bounded, line-by-line session records and what a line shows (no sockets)."""
from __future__ import annotations

import pytest

from smtplesson.server.history import LINE_BYTES, History, Limits, SessionRecord
from smtplesson.server.rules import normalise_reply
from smtplesson.server.transcript import visible, wire_text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "shown"), [
    ("plain\ttext", "plain\ttext"),
    ("a\rb\nc", "a\\rb\\nc"),
    ("\x1b[2J\x1b]0;title\x07", "\\x1b[2J\\x1b]0;title\\x07"),
    ("\x7f\x85\x9b", "\\x7f\\x85\\x9b"),
    ("line\u2028sep\u2029\u202eevil\u2066", "line\\u2028sep\\u2029\\u202eevil\\u2066"),
])
def test_visible_escapes_every_control_character(text, shown):
    assert visible(text) == shown


def test_wire_text_drops_only_the_crlf():
    assert wire_text(b"NOOP\r\n") == "NOOP"
    assert wire_text(b"NOOP\n") == "NOOP\\n"
    assert wire_text(b"NOOP\r\r\n") == "NOOP\\r"
    assert wire_text(b"\xff") == "\\xff"


@pytest.mark.parametrize("char", ["\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_an_echoed_line_separator_keeps_the_reply_whole(char):
    reply = normalise_reply(f"550 5.1.1 <bob{char}@example.net>: User unknown")
    assert reply.startswith("550 5.1.1 <bob\\") and "\r" not in reply and "\n" not in reply


def test_multiline_replies_still_split_on_lf_or_crlf():
    assert normalise_reply("250-a\n250 b") == "250-a\r\n250 b"
    assert normalise_reply(["250-a", "250 b"]) == "250-a\r\n250 b"


@pytest.mark.parametrize("field", ["sessions", "messages", "message_bytes", "transcript_bytes", "data_bytes"])
def test_limits_must_be_positive(field):
    with pytest.raises(ValueError, match=field):
        Limits(**{field: 0})


def _session(number: int, limits: Limits, lines: int = 10) -> SessionRecord:
    record = SessionRecord(number, "127.0.0.1:1", "mx.example.net", limits)
    record.reply("220 hi")
    for _ in range(lines):
        record.client(b"NOOP\r\n", "command")
        record.reply("250 2.0.0 Ok")
    return record


def test_history_forgets_the_oldest_sessions_beyond_the_byte_budget():
    limits = Limits(transcript_bytes=40_000)
    history = History(limits)
    for number in range(1, 21):
        record = _session(number, limits)
        history.opened(record)
        record.close("client")
        history.closed(record)
    kept = sum(r.size for r in history.records)
    assert kept <= limits.transcript_bytes
    assert history.records[-1].number == 20 and history.forgotten["sessions"] == 20 - len(history.records)


def test_record_keeps_a_long_line_start_and_says_how_much_is_missing():
    record = SessionRecord(1, "", "mx.example.net", Limits())
    record.fragment(b"x" * 5000)
    record.client(b"y" * 5000 + b"\r\n", "data")
    (line,) = record.transcript().lines
    assert line.text.startswith("x" * LINE_BYTES) and line.text.endswith("(9,002 more bytes not kept)")


def test_message_lines_beyond_the_limit_are_counted_not_kept():
    record = SessionRecord(1, "", "mx.example.net", Limits(data_bytes=100))
    record.reply("354 go ahead")
    for _ in range(50):
        record.client(b"0123456789\r\n", "data")
    record.client(b".\r\n", "data")
    t = record.transcript()
    assert len(t.data_lines) == 8
    assert t.notes == ("42 more message lines (504 bytes) not kept in the transcript: "
                       "it keeps 100 bytes of each message",)


def test_watchers_see_each_line_as_it_is_recorded():
    seen = []
    record = SessionRecord(3, "peer", "mx.example.net", Limits(), lambda *event: seen.append(event))
    record.reply("220 hi")
    record.client(b"QUIT\r\n", "command")
    record.close("client")
    assert [(event, number) for event, number, _ in seen] == [
        ("open", 3), ("line", 3), ("line", 3), ("close", 3)]
    assert seen[2][2].text == "QUIT"


def _as_read(record: SessionRecord, chunks: list[bytes], reads: list[tuple[str, bytes]]) -> None:
    """Give ``record`` what the client sent, then say after each read how much is unread."""
    for chunk in chunks:
        record.received_bytes(chunk)
    left = sum(map(len, chunks))
    for mode, read in reads:
        record.mode = mode
        left -= len(read)
        record.read_up_to(left)


@pytest.mark.parametrize(("data_bytes", "cut"),
                         [(30, -3), (30, 99), (16_000, -3), (16_000, 9), (16_000, 0), (16_000, 99)])
def test_reads_noted_in_steps_are_the_lines_kept_one_by_one(data_bytes, cut):
    """read_up_to splits what the server read by its mode and keeps the same lines as
    client()/fragment() would, in the same places, with the same notes (the message kept
    whole or in part, arriving in one piece or two)."""
    limits = Limits(data_bytes=data_bytes)
    message = b"one\r\ntwo\nstill two\r\n" * 3 + b".\r\n"
    sent = [b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n", b"DATA\r\n", message[:cut], message[cut:] + b"QUIT\r\n",
            b"x" * 1500]
    sent = [chunk for chunk in sent if chunk]
    steps = [("command", b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"), ("command", b"DATA\r\n"),
             ("data", message), ("command", b"QUIT\r\n"), ("command", b"x" * 1000)]
    lazily = SessionRecord(1, "", "mx.example.net", limits)
    _as_read(lazily, sent, steps)
    at_once = SessionRecord(1, "", "mx.example.net", limits)
    for chunk in sent:
        at_once.received_bytes(chunk)
    for line in (b"MAIL FROM:<a@b>\r\n", b"RCPT TO:<c@d>\r\n", b"DATA\r\n"):
        at_once.client(line, "command")
    for line in [b"one\r\n", b"two\nstill two\r\n"] * 3 + [b".\r\n"]:
        at_once.client(line, "data")
    at_once.client(b"QUIT\r\n", "command")
    at_once.fragment(b"x" * 1000)
    assert lazily.consumed == at_once.consumed == len(b"".join(sent)) - 500
    lazily.close("client")
    at_once.close("client")
    shown = [[(line.direction, line.text, line.kind) for line in r.transcript().lines]
             for r in (lazily, at_once)]
    assert shown[0] == shown[1] and [text[:4] for _, text, _ in shown[0]][-3:] == [".", "QUIT", "x" * 4]
    assert lazily.size == at_once.size
    assert lazily.transcript().notes == at_once.transcript().notes
    assert [line.kind for line in lazily.transcript().lines][:4] == ["command", "command", "command", "data"]


def test_what_the_server_threw_away_unread_is_not_kept_as_read():
    record = SessionRecord(1, "", "mx.example.net", Limits())
    record.received_bytes(b"STARTTLS\r\nRSET\r\n")
    record.read_up_to(6)
    record.drop_unread()  # the handshake: the injected RSET is never read
    record.received_bytes(b"EHLO me\r\n")
    record.read_up_to(0)
    assert [line.text for line in record.transcript().lines] == ["STARTTLS", "EHLO me"]


def test_lines_beyond_the_sessions_share_are_counted_alike_read_in_steps_or_one_by_one():
    limits = Limits(transcript_bytes=8 * 1000)  # a session keeps 1,000 bytes
    lines = [b"NOOP %d\r\n" % n for n in range(200)]
    lazily, at_once = (SessionRecord(1, "", "mx.example.net", limits) for _ in range(2))
    _as_read(lazily, [b"".join(lines)], [("command", b"".join(lines))])
    at_once.received_bytes(b"".join(lines))
    for line in lines:
        at_once.client(line, "command")
    for record in (lazily, at_once):
        record.close("client")
    assert lazily.transcript().lines[-1].text == at_once.transcript().lines[-1].text == "NOOP 6"
    assert lazily.transcript().notes == at_once.transcript().notes != ()
