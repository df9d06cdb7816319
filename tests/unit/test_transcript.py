"""Transcript: lines, replies, codes, text and HTML views."""
from __future__ import annotations

import smtplib

from smtplesson.server import DebugServer
from smtplesson.server.history import Limits, SessionRecord
from smtplesson.server.transcript import Line, Transcript

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


def test_record_keeps_lines_as_read_with_partial_bare_lf_and_bad_bytes():
    record = SessionRecord(1, "127.0.0.1:5000", "mx.example.net", Limits())
    record.reply("220 hi")
    record.fragment(b"EH")  # the server read a line in two parts
    record.client(b"LO x\r\n", "command")
    record.client(b"NOOP\n", "command")  # aiosmtpd ends a command at a bare LF
    record.reply("250-a\r\n250 b")
    record.client(b"\xff\xfe\r\n", "command")
    texts = [(line.direction, line.text) for line in record.transcript().lines]
    assert texts == [("S", "220 hi"), ("C", "EHLO x"), ("C", "NOOP\\n"), ("S", "250-a"),
                     ("S", "250 b"), ("C", "\\xff\\xfe")]
    assert record.transcript().lines[2].verb == "NOOP"
    assert all(0 <= line.time < 1 for line in record.transcript().lines)


def test_transcript_of_garbage_never_raises():
    record = SessionRecord(1, "", "mx.example.net", Limits())
    record.reply("not a reply")
    record.client(b"\x00\x01", "command")
    record.close("client")
    t = record.transcript()
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


def test_without_meanings_neither_legend_nor_hover_says_what_a_code_means():
    from html import escape

    from smtplesson.codes import BASIC_CODES
    from smtplesson.views.transcript import transcript_html

    t = session()
    meaning = escape(BASIC_CODES[550].meaning)
    plain = transcript_html(t, meanings=False)
    assert "Reply codes" not in plain and meaning not in plain
    assert "550" in plain and "permanent negative" in plain  # the code and its class stay
    assert meaning in transcript_html(t)


def test_the_html_transcript_is_a_table_with_header_scopes() -> None:
    from smtplesson.server.transcript import Line, Transcript
    from smtplesson.views.transcript import transcript_html

    t = Transcript([Line("S", 0.0, "220 mx.example.net ESMTP", "reply"),
                    Line("C", 0.0, "MAIL FROM:<a@example.com>", "command"),
                    Line("S", 0.0, "550 5.7.1 refused", "reply")])
    html = transcript_html(t)
    assert html.count("<table") == 1 and "<caption" in html
    assert html.count('<th scope="col"') == 3
    assert 'scope="row" ' in html and 'aria-label="client to server"' in html
    assert "display:grid" not in html


def test_every_figure_has_alt_text_and_a_text_version() -> None:
    from smtplesson.views.diagrams import alignment, dsn_parts, retry_timeline

    figures = [dsn_parts(), alignment("shop.example.com", ("esp-mail.example", True, False),
                                      ("esp-mail.example", True, False)),
               alignment("example.com", ("example.com", False, True), ("example.com", True, True)),
               retry_timeline([0, 300, 900, 2100, 4500, 8500], 5 * 86400, 4 * 3600)]
    for figure in figures:
        svg = figure.svg()
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        assert "Text version" in figure._repr_html_() and str(figure).startswith(figure.title)
    assert "DMARC fail" in str(figures[1]) and "DMARC pass" in str(figures[2])
    assert "6 attempts" in str(figures[3]) and "5.0 d" in str(figures[3])
