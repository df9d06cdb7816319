"""Transcript: lines, replies, codes, text and HTML views."""
from __future__ import annotations

import smtplib

from smtplesson.server import DebugServer
from smtplesson.server.transcript import Line, Transcript, _split_events

MSG = ("From: bob@example.org\r\nTo: alice@example.net\r\nSubject: hi\r\n\r\n"
       + "".join(f"body line {i}\r\n" for i in range(12)))


def session() -> Transcript:
    with DebugServer("unknown-user") as srv:
        with smtplib.SMTP(srv.host, srv.port, local_hostname="client.example.org") as c:
            c.sendmail("bob@example.org", ["alice@example.net", "zed@example.net"], MSG)
        srv.wait_idle()
        return srv.transcript


def test_lines_directions_kinds_and_times():
    t = session()
    assert t.lines[0] == Line("S", t.lines[0].time, t.lines[0].text, "reply")
    assert t.commands == ["EHLO", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"]
    assert t.codes == [220, 250, 250, 250, 550, 354, 250, 221]
    assert len(t.data_lines) == 4 + 12
    times = [line.time for line in t.lines]
    assert times == sorted(times) and times[0] >= 0
    assert t.closed_by == "server"
    assert t.reply_to("RCPT").code == 250
    assert 550 in t and 552 not in t


def test_replies_are_parsed_with_enhanced_codes():
    t = session()
    ehlo = t.replies[1]
    assert ehlo.code == 250 and len(ehlo.lines) > 3
    assert t.replies[4].enhanced == "5.1.1"


def test_text_is_swaks_like_without_times_and_folds_the_body():
    text = str(session())
    assert text.splitlines()[0].startswith("<-  220 mx.example.net")
    assert " -> MAIL FROM:<bob@example.org>" in text.replace("mail FROM", "MAIL FROM")
    assert " -> Subject: hi" in text
    assert "body line 5" not in text and "(12 more message lines)" in text
    assert "127.0.0.1" not in text
    full = session().text(full=True)
    assert "body line 11" in full


def test_html_sequence_diagram():
    html = session().html()
    assert "client" in html and "server mx.example.net" in html
    assert "550" in html and "permanent negative" in html and "positive completion" in html
    assert "──▶" in html and "◀──" in html
    assert "Reply codes in this session" in html
    assert "127.0.0.1" not in html and "<script" not in html
    assert "(12 more message lines)" in html


def test_full_shows_the_whole_body_in_text_and_html():
    from smtplesson.views.transcript import transcript_html

    t = session()
    assert transcript_html(t) == t.html()
    for full in (t.text(full=True), transcript_html(t, full=True), t.html(full=True)):
        assert "body line 0" in full and "body line 11" in full and "more message line" not in full
    assert "body line 11" not in t.text() and "body line 11" not in t.html()


def test_split_handles_partial_and_bare_lf_and_bad_bytes():
    events = [("S", 1.0, "220 hi"), ("C", 1.1, b"EH"), ("C", 1.2, b"LO x\r\nNOOP\n\xff\xfe"),
              ("S", 1.3, "250-a\r\n250 b")]
    lines = _split_events(events, 1.0)
    texts = [(d, t) for d, _, t in lines]
    assert texts == [("S", "220 hi"), ("C", "EHLO x"), ("C", "NOOP"), ("S", "250-a"),
                     ("S", "250 b"), ("C", "\\xff\\xfe")]
    assert lines[1][1] == 0.1 or abs(lines[1][1] - 0.1) < 1e-9


def test_transcript_of_garbage_never_raises():
    t = Transcript.from_events([("S", 0.0, "not a reply"), ("C", 0.1, b"\x00\x01")], 0.0)
    assert t.replies == [] and t.codes == []
    assert str(t) and t._repr_html_()


def test_a_failure_folds_the_routine_exchanges_into_details():
    from smtplesson.views.transcript import transcript_html

    t = session()  # 220 250 250 250 550 354 250 221: the 550 matters
    html = transcript_html(t)
    assert html.count("<details") == 2, "220-250-250-250 before, 354-250-221 after the 550"
    assert "4 routine exchanges (220 250 250 250): click to show" in html
    before, _, after = html.partition("User unknown")
    assert "<details" in before and before.rindex("</details>") > before.rindex("<details")
    assert "3 routine exchanges (354 250 221)" in after
    assert "<details" not in transcript_html(t, full=True)


def test_a_clean_session_is_not_folded():
    from smtplesson.views.transcript import transcript_html

    with DebugServer() as srv:
        with smtplib.SMTP(srv.host, srv.port, local_hostname="client.example.org") as c:
            c.sendmail("bob@example.org", ["alice@example.net"], MSG)
        srv.wait_idle()
        t = srv.transcript
    assert "<details" not in transcript_html(t)


def test_the_legend_explains_each_code_once_per_kernel():
    from smtplesson.views.transcript import transcript_html

    t = session()
    explained: set[int] = set()
    first = transcript_html(t, explained=explained)
    again = transcript_html(t, explained=explained)
    assert "Reply codes new here" in first and explained == {220, 250, 354, 550, 221}
    assert "Reply codes" not in again, "every code is explained already"
    assert "Reply codes in this session" in transcript_html(t)  # no set: the whole legend
