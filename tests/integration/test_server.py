"""DebugServer: life cycle, safety, store, limits and faults (raw sockets)."""
from __future__ import annotations

import os
import smtplib
import socket
import threading
import time

import pytest

from smtplesson.server import DebugServer
from smtplesson.server.rules import Rule

CLIENT = "client.example.org"
MSG = "From: bob@example.org\r\nTo: alice@example.net\r\nSubject: t\r\n\r\nbody\r\n"


@pytest.fixture
def server():
    with DebugServer() as srv:
        yield srv


def test_binds_loopback_ephemeral_and_port_is_real(server, client):
    assert server.host == "127.0.0.1" and server.port > 0
    assert server.address == ("127.0.0.1", server.port)
    with client(server) as c:
        assert c.noop()[0] == 250


def test_accepted_sockets_send_without_waiting_for_acks(server, client):
    """TCP_NODELAY on the server's end: without it, the EHLO reply (written line by line)
    waited 40 ms for the client's delayed ACK, once per session (issue 18)."""
    with client(server) as c:
        c.ehlo()
        (session,) = server._store.live
        own_end = session.transport.get_extra_info("socket")
        assert own_end.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_probe_session_is_not_recorded(server, client):
    assert server.transcripts == []
    with client(server) as c:
        c.noop()
    server.wait_idle()
    assert [t.number for t in server.transcripts] == [1]


def test_greeting_is_fixed(server, client):
    with client(server):
        pass
    server.wait_idle()
    assert server.transcript.lines[0].text == (
        "220 mx.example.net ESMTP smtplesson debug server (keeps mail, never delivers it)")


def test_store_and_mailbox(server, client):
    with client(server) as c:
        assert c.sendmail("bob@example.org", ["alice@example.net", "Carol@Example.net"], MSG) == {}
    assert len(server.messages) == 1
    stored = server.messages[0]
    assert stored.mail_from == "bob@example.org"
    assert stored.rcpt_tos == ("alice@example.net", "Carol@Example.net")
    assert stored.message["Subject"] == "t"
    assert server.mailbox("carol@example.net")[0]["To"] == "alice@example.net"
    assert server.mailbox("nobody@example.net") == []


def test_maildir(tmp_path, client):
    import mailbox

    with DebugServer(maildir=str(tmp_path / "md")) as srv, client(srv) as c:
        c.sendmail("bob@example.org", ["alice@example.net"], MSG)
    box = mailbox.Maildir(str(tmp_path / "md"), create=False)
    assert [m["Subject"] for m in box] == ["t"]


def test_stop_is_idempotent_and_restart_works():
    srv = DebugServer()
    srv.stop()
    srv.start()
    srv.start()  # no-op
    srv.stop()
    srv.stop()
    assert not srv.running


def test_many_servers_at_once(client):
    servers = [DebugServer().start() for _ in range(5)]
    try:
        assert len({s.port for s in servers}) == 5
        for s in servers:
            with client(s) as c:
                assert c.noop()[0] == 250
    finally:
        for s in servers:
            s.stop()


def _fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_no_leaks_after_100_cycles(client):
    DebugServer().start().stop()  # warm up imports / lazy allocations
    threads, fds = threading.active_count(), _fd_count()
    for i in range(100):
        with DebugServer() as srv:
            if i % 10 == 0:
                c = client(srv)  # a client still connected when the server stops
                c.noop()
        if i % 10 == 0:
            c.close()
    assert threading.active_count() == threads, threading.enumerate()
    assert _fd_count() <= fds


def test_non_loopback_only_when_asked():
    assert DebugServer().host == "127.0.0.1"
    with pytest.raises(ValueError, match="IP address"):
        DebugServer(host="mail.example.com")  # never resolves names
    assert DebugServer(host="localhost").host == "127.0.0.1"


def test_nothing_connects_outside_loopback(monkeypatch):
    from smtplesson.server.demos import demo

    real_connect = socket.socket.connect
    seen = []

    def guarded(self, address):
        seen.append(address)
        assert address[0] in ("127.0.0.1", "::1"), address
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    for code in (250, 451, 550, 421, 535):
        demo(code)
    assert seen


def test_twenty_concurrent_clients_nothing_lost(server, client):
    errors = []

    def send(n: int) -> None:
        try:
            with client(server) as c:
                for k in range(5):
                    c.sendmail(f"u{n}@example.org", ["alice@example.net"],
                               MSG.replace("Subject: t", f"Subject: {n}-{k}"))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    subjects = sorted(m.message["Subject"] for m in server.messages)
    assert subjects == sorted(f"{n}-{k}" for n in range(20) for k in range(5))
    server.wait_idle()
    assert len(server.transcripts) == 20


def test_on_message_can_answer_and_not_keep(client):
    seen = []

    def on_message(stored):
        seen.append(stored.rcpt_tos)
        return "451 4.3.0 queue full" if "full" in stored.rcpt_tos[0] else None

    with DebugServer(on_message=on_message) as srv:
        with client(srv) as c:
            c.sendmail("bob@example.org", ["alice@example.net"], MSG)
            with pytest.raises(smtplib.SMTPDataError) as info:
                c.sendmail("bob@example.org", ["full@example.net"], MSG)
        assert info.value.smtp_code == 451
        assert [m.rcpt_tos for m in srv.messages] == [("alice@example.net",)]
        assert len(seen) == 2


def test_hook_exception_is_a_451_not_a_crash(client):
    from smtplesson.server.scenarios import Scenario

    class Broken(Scenario):
        def handle_RCPT(self, session, envelope, address):
            raise RuntimeError("boom")

    with DebugServer(Broken()) as srv, client(srv) as c:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
            c.sendmail("bob@example.org", ["alice@example.net"], MSG)
        assert c.noop()[0] == 250  # still serving
    assert info.value.recipients["alice@example.net"][0] == 451
    assert isinstance(srv.errors[0], RuntimeError)


# --- rules ------------------------------------------------------------------------
def test_rule_for_recipient_and_attempt(client):
    rules = [Rule("RCPT", "550 5.1.1 No such user", to="bob@example.net"),
             Rule("MAIL", "451 4.3.0 Try later", attempt=1)]
    with DebugServer(rules=rules) as srv, client(srv) as c:
        with pytest.raises(smtplib.SMTPSenderRefused) as first:
            c.sendmail("x@example.org", ["alice@example.net"], MSG)
        refused = c.sendmail("x@example.org", ["alice@example.net", "bob@example.net"], MSG)
    assert first.value.smtp_code == 451
    assert refused == {"bob@example.net": (550, b"5.1.1 No such user")}


def test_rule_multiline_and_connection(client):
    rules = [Rule("CONNECT", ["421-4.3.2 going down", "421 4.3.2 bye"], connection=2)]
    with DebugServer(rules=rules) as srv:
        with client(srv) as c:
            c.noop()
        with pytest.raises(smtplib.SMTPConnectError) as info:
            client(srv)
        srv.wait_idle()
        assert info.value.smtp_code == 421
        assert srv.transcripts[1].closed_by == "server"
        assert srv.transcripts[1].codes == [421]


def test_rule_validation():
    with pytest.raises(ValueError):
        Rule("NOPE", "250 ok")
    with pytest.raises(ValueError):
        Rule("RCPT", "hello")
    with pytest.raises(ValueError):
        Rule("MAIL", "451 x", attempt=0)
    assert Rule("eod", "250 ok").point == "END-OF-DATA"


def test_rule_at_data_and_end_of_data(client):
    rules = [Rule("DATA", "554 5.5.1 No valid recipients", to="nobody@example.net"),
             Rule("END-OF-DATA", "552 5.2.2 Mailbox full", to="full@example.net")]
    with DebugServer(rules=rules) as srv, client(srv) as c:
        with pytest.raises(smtplib.SMTPDataError) as a:
            c.sendmail("b@example.org", ["nobody@example.net"], MSG)
        with pytest.raises(smtplib.SMTPDataError) as b:
            c.sendmail("b@example.org", ["full@example.net"], MSG)
    assert (a.value.smtp_code, b.value.smtp_code) == (554, 552)
    assert srv.messages == []


def test_add_rule_on_a_running_server(client):
    with DebugServer() as srv, client(srv) as c:
        assert c.sendmail("b@example.org", ["bob@example.net"], MSG) == {}
        rule = srv.add_rule(Rule("RCPT", "550 5.1.1 No such user", to="bob@example.net"))
        srv.add_rule(("MAIL", "451 4.3.0 Try later", "x@example.org"))
        refused = c.sendmail("b@example.org", ["alice@example.net", "bob@example.net"], MSG)
        with pytest.raises(smtplib.SMTPSenderRefused):
            c.sendmail("x@example.org", ["alice@example.net"], MSG)
    assert refused == {"bob@example.net": (550, b"5.1.1 No such user")}
    assert srv.rules[0] is rule and len(srv.rules) == 2 and rule.hits == 1
    assert isinstance(srv.rules, tuple)  # a snapshot: add rules with add_rule()


def test_add_rule_while_clients_send(client):
    """Rules added from another thread while 4 clients send: no error, every reply whole."""
    with DebugServer() as srv:
        errors: list[BaseException] = []

        def send(n: int) -> None:
            try:
                with client(srv) as c:
                    for i in range(15):
                        c.sendmail("b@example.org", [f"u{n}-{i}@example.net"], MSG)
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for i in range(200):
            srv.add_rule(Rule("RCPT", "550 5.1.1 gone", to=f"never{i}@example.net"))
        for t in threads:
            t.join(10)
        srv.wait_idle()
    assert errors == [] and len(srv.messages) == 60 and srv.errors == []


def test_rules_keep_their_order_with_exact_recipient_index(client):
    """Indexed exact-address rules and domain/general rules still answer first-match-first."""
    rules = [Rule("RCPT", "450 4.2.1 busy", to="@example.net", attempt=1),
             *(Rule("RCPT", f"550 5.1.1 user{i} unknown", to=f"user{i}@example.net")
               for i in range(300)),
             Rule("RCPT", "553 5.1.3 everyone else")]
    with DebugServer(rules=rules) as srv, client(srv) as c:
        c.ehlo()
        c.mail("b@example.org")
        answers = [c.rcpt(a) for a in ("user7@example.net", "USER7@Example.NET",
                                       "<user299@example.net>", "nobody@example.net")]
    assert [code for code, _ in answers] == [450, 550, 550, 553]
    assert answers[1][1] == b"5.1.1 user7 unknown" and answers[2][1] == b"5.1.1 user299 unknown"
    assert rules[8].hits == 1 and rules[9].hits == 0  # the first RCPT got the 450


def test_exact_recipient_rule_at_end_of_data_with_several_recipients(client):
    rule = Rule("END-OF-DATA", "552 5.2.2 Mailbox full", to=["full@example.net", "x@example.net"])
    with DebugServer(rules=[rule]) as srv, client(srv) as c:
        with pytest.raises(smtplib.SMTPDataError):
            c.sendmail("b@example.org", ["a@example.net", "full@example.net", "x@example.net"], MSG)
        assert c.sendmail("b@example.org", ["a@example.net"], MSG) == {}
    assert rule.hits == 1 and len(srv.messages) == 1


# --- limits (RFC 5321 §4.5.3.1) ---------------------------------------------------------
def test_command_line_too_long_then_keeps_serving(server, raw_client):
    raw = raw_client(server)
    raw.reply()
    assert raw.cmd(b"EHLO " + b"a" * 600).startswith("500 5.5.2 Line too long")
    assert raw.cmd(b"EHLO " + b"b" * 5000).startswith("500 5.5.2")
    assert raw.cmd(b"EHLO client.example.org").startswith("250")
    raw.close()


def test_text_line_too_long(server, raw_client):
    raw = raw_client(server)
    raw.reply()
    raw.cmd(b"EHLO c.example.org")
    raw.cmd(b"MAIL FROM:<b@example.org>")
    raw.cmd(b"RCPT TO:<a@example.net>")
    assert raw.cmd(b"DATA").startswith("354")
    raw.send(b"Subject: x\r\n\r\n" + b"x" * 3000 + b"\r\n.\r\n")
    assert raw.reply().startswith("500 5.5.2 Line too long")
    assert raw.cmd(b"NOOP").startswith("250")
    raw.close()
    assert server.messages == []


def test_size_advertised_and_enforced(client, raw_client):
    with DebugServer(max_size=400) as srv:
        with client(srv) as c:
            c.ehlo()
            assert c.esmtp_features["size"] == "400"
            with pytest.raises(smtplib.SMTPSenderRefused) as declared:
                c.sendmail("b@example.org", ["a@example.net"], MSG + "x" * 500)
        raw = raw_client(srv)
        raw.reply()
        raw.cmd(b"EHLO c.example.org")
        raw.cmd(b"MAIL FROM:<b@example.org>")  # no SIZE= declared
        raw.cmd(b"RCPT TO:<a@example.net>")
        raw.cmd(b"DATA")
        raw.send(b"Subject: x\r\n\r\n" + b"y" * 80 + b"\r\n" * 1 + (b"z" * 80 + b"\r\n") * 10 + b".\r\n")
        assert raw.reply().startswith("552 5.3.4")
        raw.close()
    assert declared.value.smtp_code == 552 and srv.messages == []


def test_recipient_limit(client):
    with DebugServer(max_recipients=2) as srv, client(srv) as c:
        refused = c.sendmail("b@example.org", [f"u{i}@example.net" for i in range(3)], MSG)
    assert refused["u2@example.net"][0] == 452
    assert srv.messages[0].rcpt_tos == ("u0@example.net", "u1@example.net")


# --- faults -------------------------------------------------------------------------
def test_garbage_and_non_utf8(server, raw_client):
    raw = raw_client(server)
    raw.reply()
    assert raw.cmd(b"\xff\xfe\x00garbage").startswith("500")
    assert raw.cmd(b"EHLO h\xe9llo.example").startswith("250")
    assert raw.cmd(b"MAIL FROM:<b\xff@example.org>")[:3] in ("250", "553", "501")
    assert raw.cmd(b"") .startswith("500")
    assert raw.cmd(b"NOOP").startswith("250")
    raw.close()
    server.wait_idle()
    assert "\\xff" in str(server.transcript)


def test_too_many_unknown_commands_closes_but_server_lives(server, client, raw_client):
    raw = raw_client(server)
    raw.reply()
    replies = [raw.cmd(b"XYZZY") for _ in range(5)]
    assert replies[-1].startswith("502 5.5.1")
    raw.close()
    with client(server) as c:
        assert c.noop()[0] == 250


def test_disconnect_mid_data(server, client, raw_client):
    raw = raw_client(server)
    raw.reply()
    raw.cmd(b"EHLO c.example.org")
    raw.cmd(b"MAIL FROM:<b@example.org>")
    raw.cmd(b"RCPT TO:<a@example.net>")
    raw.cmd(b"DATA")
    raw.send(b"Subject: half\r\n\r\nhalf a mess")
    raw.close()
    assert server.wait_idle(2.0)
    t = server.transcript
    assert t.closed_by == "client"
    assert "half a mess" in t.text(full=True)
    assert server.messages == []
    with client(server) as c:
        assert c.sendmail("b@example.org", ["a@example.net"], MSG) == {}
    assert len(server.messages) == 1


def test_pipelining(server, raw_client):
    raw = raw_client(server)
    raw.reply()
    assert "PIPELINING" in raw.cmd(b"EHLO c.example.org")
    raw.send(b"MAIL FROM:<b@example.org>\r\nRCPT TO:<a@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n")
    assert [raw.reply()[:3] for _ in range(4)] == ["250", "250", "250", "354"]
    raw.send(b"Subject: p\r\n\r\nhi\r\n.\r\nNOOP\r\nQUIT\r\n")
    assert [raw.reply()[:3] for _ in range(3)] == ["250", "250", "221"]
    raw.close()
    assert server.messages[0].message["Subject"] == "p"


def test_server_thread_never_prints(capfd, raw_client):
    with DebugServer("auth") as srv:
        raw = raw_client(srv)
        raw.reply()
        raw.cmd(b"XYZZY")
        raw.cmd(b"EHLO c.example.org")
        raw.cmd(b"AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=")
        raw.close()
        srv.wait_idle()
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_cli_serve_prints_live_transcript_and_stops_on_ctrl_c():
    import re
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "smtplesson", "serve", "--scenario", "greylisting:delay=0.5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", first)
        assert match, first
        port = int(match.group(1))
        for attempt in range(2):
            with smtplib.SMTP("127.0.0.1", port, local_hostname=CLIENT, timeout=5) as c:
                if attempt == 0:
                    with pytest.raises(smtplib.SMTPRecipientsRefused):
                        c.sendmail("bob@example.org", ["alice@example.net"], MSG)
                else:
                    assert c.sendmail("bob@example.org", ["alice@example.net"], MSG) == {}
            time.sleep(0.6)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "<-  451 4.7.1" in out and "<-  250 2.0.0 Ok: queued as 1" in out
    assert "=== session 2" in out and "stopped." in out


def test_rule_at_ehlo_replaces_the_whole_reply(client):
    with DebugServer(rules=[Rule("EHLO", "250-mx.example.net\n250 SIZE 1000")]) as srv, client(srv) as c:
        code, _ = c.ehlo()
        assert code == 250 and c.esmtp_features == {"size": "1000"}
        assert c.sendmail("b@example.org", ["a@example.net"], MSG) == {}


def test_transcript_read_right_after_quit_is_complete() -> None:
    """The close that follows 221 is recorded before `transcript` returns (no race in notebooks)."""
    import smtplib

    from smtplesson.server import DebugServer

    with DebugServer() as srv:
        for _ in range(50):
            with smtplib.SMTP(srv.host, srv.port, local_hostname="client.example.org") as client:
                client.noop()
            assert srv.transcript is not None and srv.transcript.closed_by is not None
