"""Each named scenario through smtplib: the exception and code a learner sees."""
from __future__ import annotations

import smtplib

import pytest

from smtplesson.server import DebugServer
from smtplesson.server.demos import DemoClock
from smtplesson.server.scenarios import SCENARIOS, Scenario

MSG = "From: bob@example.org\r\nTo: alice@example.net\r\nSubject: t\r\n\r\nbody\r\n"
ISSUE_3 = ["unknown-user", "user-not-local", "mailbox-full", "storage-full", "too-many-recipients",
           "greylisting", "rate-limit", "mailbox-busy", "bad-mailbox-name", "relay-denied",
           "content-rejected", "message-too-big", "shutting-down", "syntax", "auth", "null-mx",
           "params-unknown", "vrfy", "forwarded", "help", "status"]


def send(srv, to=("alice@example.net",), msg=MSG, sender="bob@example.org", **kw):
    with smtplib.SMTP(srv.host, srv.port, local_hostname="client.example.org", timeout=5) as c:
        return c.sendmail(sender, list(to), msg, **kw)


def test_registry_has_every_issue_scenario_with_docs():
    for name in ISSUE_3:
        cls = SCENARIOS[name]
        assert cls.name == name
        assert cls.__doc__ and any(str(code) in cls.__doc__ for code in cls.codes), name


def test_unknown_option_is_a_clear_error():
    with pytest.raises(TypeError, match="delay"):
        DebugServer("greylisting", dleay=5)
    with pytest.raises(KeyError, match="known"):
        DebugServer("no-such-scenario")


def test_unknown_user(server):
    srv = server("unknown-user")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        send(srv, to=["bob@example.net"])
    assert send(srv, to=["postmaster@example.net"]) == {}
    assert send(srv, to=["alice@example.net", "bob@example.net"])["bob@example.net"][0] == 550
    code, text = info.value.recipients["bob@example.net"]
    assert code == 550 and text.startswith(b"5.1.1")


def test_user_not_local_and_forwarded(server):
    srv = server("user-not-local")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        send(srv, to=["carol@example.net"])
    assert info.value.recipients["carol@example.net"] == (
        551, b"5.1.6 User not local; please try <carol@example.org>")
    srv = server("forwarded")
    assert send(srv, to=["carol@example.net"]) == {}  # 251 counts as accepted
    assert srv.messages[0].rcpt_tos == ("carol@example.net",)
    srv.wait_idle()
    assert 251 in srv.transcript.codes


def test_mailbox_full_fills_as_messages_arrive(server):
    tiny = "Subject: s\r\n\r\nx\r\n"
    quota = 2 * len(MSG) + len(tiny)
    srv = server("mailbox-full", quota=quota)
    assert send(srv) == {}
    assert send(srv) == {}
    with pytest.raises(smtplib.SMTPDataError) as eod:
        send(srv, msg=MSG + "x" * 100)          # would overflow: refused after DATA
    assert send(srv, msg=tiny) == {}            # exactly at the quota: now full
    with pytest.raises(smtplib.SMTPRecipientsRefused) as rcpt:
        send(srv)                               # refused at RCPT
    assert send(srv, to=["other@example.net"]) == {}
    assert eod.value.smtp_code == 552 and eod.value.smtp_error.startswith(b"5.2.2")
    assert rcpt.value.recipients["alice@example.net"][0] == 552


def test_storage_full(server):
    srv = server("storage-full", capacity=100)
    assert send(srv) == {}
    with pytest.raises(smtplib.SMTPSenderRefused) as info:
        send(srv)
    assert info.value.smtp_code == 452 and info.value.smtp_error.startswith(b"4.3.1")


def test_too_many_recipients(server):
    srv = server("too-many-recipients", limit=2)
    refused = send(srv, to=["a@example.net", "b@example.net", "c@example.net"])
    assert list(refused) == ["c@example.net"] and refused["c@example.net"][0] == 452
    assert refused["c@example.net"][1].startswith(b"4.5.3")


def test_greylisting_uses_the_clock(server):
    clock = DemoClock()
    srv = server("greylisting", delay=300, clock=clock)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as first:
        send(srv)
    clock.advance(100)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as early:
        send(srv)
    clock.advance(199.5)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as last:
        send(srv)
    clock.advance(1.5)
    assert send(srv) == {}
    with pytest.raises(smtplib.SMTPRecipientsRefused):  # a new triplet starts over
        send(srv, sender="eve@example.org")
    assert first.value.recipients["alice@example.net"][0] == 451
    assert b"4.7.1" in first.value.recipients["alice@example.net"][1]
    assert b"200 seconds" in early.value.recipients["alice@example.net"][1]
    assert last.value.recipients["alice@example.net"][1].endswith(b"try again in 1 second")
    assert len(srv.messages) == 1


def test_rate_limit_messages_then_close(server, client):
    srv = server("rate-limit", limit=2, clock=DemoClock())
    c = client(srv)
    c.sendmail("b@example.org", ["a@example.net"], MSG)
    c.sendmail("b@example.org", ["a@example.net"], MSG)
    with pytest.raises(smtplib.SMTPSenderRefused) as info:
        c.sendmail("b@example.org", ["a@example.net"], MSG)
    assert c.sock is None  # smtplib closed after the 421
    srv.wait_idle()
    assert srv.transcript.closed_by == "server"
    assert info.value.smtp_code == 421 and info.value.smtp_error.startswith(b"4.7.0")


def test_rate_limit_connections_window(server, client):
    clock = DemoClock()
    srv = server("rate-limit", limit=2, per="connection", clock=clock)
    client(srv).quit()
    client(srv).quit()
    with pytest.raises(smtplib.SMTPConnectError) as info:
        client(srv)
    clock.advance(3601)
    client(srv).quit()
    assert info.value.smtp_code == 421


def test_mailbox_busy_after_a_delivery(server):
    clock = DemoClock()
    srv = server("mailbox-busy", hold=30, clock=clock)
    assert send(srv) == {}
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        send(srv)
    clock.advance(31)
    assert send(srv) == {}
    assert info.value.recipients["alice@example.net"][0] == 450


def test_bad_mailbox_name(server):
    srv = server("bad-mailbox-name")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as rcpt:
        send(srv, to=["alice"])
    with pytest.raises(smtplib.SMTPRecipientsRefused) as hack:
        send(srv, to=["eve%evil.example@example.net"])
    with pytest.raises(smtplib.SMTPSenderRefused) as sender:
        send(srv, sender="bob")
    assert rcpt.value.recipients["alice"][0] == 553
    assert hack.value.recipients["eve%evil.example@example.net"][1].startswith(b"5.1.3")
    assert sender.value.smtp_code == 553


@pytest.mark.parametrize("code", [554, 550])
def test_relay_denied(server, code):
    srv = server("relay-denied", code=code)
    assert send(srv, to=["alice@example.net"]) == {}
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        send(srv, to=["dave@example.org"])
    assert info.value.recipients["dave@example.org"] == (
        code, b"5.7.1 <dave@example.org>: Relay access denied")


def test_content_rejected(server):
    srv = server("content-rejected")
    with pytest.raises(smtplib.SMTPDataError) as spam:
        send(srv, msg=MSG + "Cheap VIAGRA\r\n")
    with pytest.raises(smtplib.SMTPDataError) as virus:
        send(srv, msg=MSG + "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\r\n")
    with pytest.raises(smtplib.SMTPDataError) as malformed:
        send(srv, msg="Subject: no from\r\n\r\nhi\r\n")
    assert send(srv) == {}
    assert (spam.value.smtp_code, spam.value.smtp_error[:5]) == (554, b"5.7.1")
    assert b"virus" in virus.value.smtp_error
    assert malformed.value.smtp_error.startswith(b"5.6.0")


def test_message_too_big(server, client):
    srv = server("message-too-big", limit=300)
    c = client(srv)
    c.ehlo()
    assert c.esmtp_features["size"] == "300"
    with pytest.raises(smtplib.SMTPSenderRefused) as info:
        c.sendmail("b@example.org", ["a@example.net"], MSG + "x" * 400)
    assert info.value.smtp_code == 552 and info.value.smtp_error.startswith(b"5.3.4")


@pytest.mark.parametrize("at,error", [("CONNECT", smtplib.SMTPConnectError),
                                      ("MAIL", smtplib.SMTPSenderRefused),
                                      ("RCPT", smtplib.SMTPRecipientsRefused)])
def test_shutting_down(server, at, error):
    srv = server("shutting-down", at=at)
    with pytest.raises(error):
        send(srv)
    srv.wait_idle()
    assert srv.transcript.codes[-1] == 421
    assert srv.transcript.closed_by == "server"


def test_syntax_codes(server, client):
    srv = server("syntax")
    c = client(srv)
    c.ehlo()
    assert c.docmd("HELLO", "x")[0] == 500
    assert c.docmd("MAIL", "FROM bob@example.org")[0] == 501
    assert c.docmd("TURN")[0] == 502
    assert c.docmd("EXPN", "staff")[0] == 502
    assert c.docmd("RCPT", "TO:<a@example.net>")[0] == 503
    assert c.docmd("AUTH", "CRAM-MD5")[0] == 504
    assert c.docmd("HELP", "FOO")[0] == 504


def test_auth(server, client):
    srv = server("auth")
    with pytest.raises(smtplib.SMTPSenderRefused) as required:
        send(srv)
    with client(srv) as c, pytest.raises(smtplib.SMTPAuthenticationError) as bad:
        c.login("alice", "rabbit")
    with client(srv) as c:
        assert c.login("alice", "wonderland")[0] == 235
        assert c.sendmail("alice@example.net", ["x@example.org"], MSG) == {}
    assert (required.value.smtp_code, required.value.smtp_error) == (530, b"5.7.0 Authentication required")
    assert bad.value.smtp_code == 535


@pytest.mark.parametrize("options,code", [({"weak": ["PLAIN", "LOGIN"]}, 534),
                                          ({"backend_down": True}, 454),
                                          ({"transition": ["alice"]}, 432)])
def test_auth_failures(server, client, options, code):
    srv = server("auth", **options)
    c = client(srv)
    c.ehlo()
    c.user, c.password = "alice", "wonderland"
    with pytest.raises(smtplib.SMTPAuthenticationError) as info:
        c.auth("LOGIN", c.auth_login)
    assert info.value.smtp_code == code


def test_auth_requires_tls(server, client):
    srv = server("auth", require_tls=True)
    c = client(srv)
    c.ehlo()
    assert not c.has_extn("auth")
    assert c.docmd("AUTH", "PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=")[0] == 538


def test_null_mx_and_no_mail_host(server, client):
    srv = server("null-mx")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as rcpt:
        send(srv, to=["bob@nomail.example"])
    with pytest.raises(smtplib.SMTPSenderRefused) as sender:
        send(srv, sender="bob@nomail.example")
    assert rcpt.value.recipients["bob@nomail.example"][:1] == (556,)
    assert sender.value.smtp_error.startswith(b"5.7.27")
    srv = server("no-mail-host")
    with pytest.raises(smtplib.SMTPConnectError) as info:
        client(srv)
    assert info.value.smtp_code == 521


def test_no_service_greeting_then_503(server):
    import socket

    srv = server("no-service")
    with socket.create_connection(srv.address, timeout=5) as sock:
        reader = sock.makefile("rb")
        assert reader.readline().startswith(b"554 5.7.1")
        sock.sendall(b"EHLO c.example.org\r\n")
        assert reader.readline().startswith(b"503 5.5.1")
        sock.sendall(b"QUIT\r\n")
        assert reader.readline().startswith(b"221")


def test_params_unknown_and_unavailable(server):
    srv = server("params-unknown")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as unknown:
        send(srv, rcpt_options=["NOTIFY=SUCCESS"])
    assert unknown.value.recipients["alice@example.net"][0] == 555
    srv = server("params-unknown", dsn_down=True)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as down:
        send(srv, rcpt_options=["NOTIFY=SUCCESS"])
    assert send(srv) == {}
    assert down.value.recipients["alice@example.net"][0] == 455


def test_vrfy(server, client):
    srv = server("vrfy")
    c = client(srv)
    assert c.verify("alice")[0] == 252
    srv = server("vrfy", reveal=True)
    c = client(srv)
    assert c.verify("alice")[0] == 250
    assert c.verify("nobody")[0] == 550
    code, text = c.verify("smith")
    assert code == 553 and b"mary.smith" in text


def test_help_and_status(server, client):
    srv = server("help")
    c = client(srv)
    code, text = c.docmd("HELP")
    assert code == 214 and b"HELP <command>" in text
    assert c.docmd("HELP", "MAIL")[0] == 214
    srv = server("status")
    c = client(srv)
    code, text = c.docmd("HELP")
    assert code == 211 and b"messages kept: 0" in text


def test_status_counts_every_session_and_message_not_only_the_kept_ones(server, client):
    from smtplesson.server import Limits

    srv = server("status", limits=Limits(sessions=1, messages=1))
    send(srv)
    send(srv)
    code, text = client(srv).docmd("HELP")
    assert code == 211
    assert b"sessions so far: 3" in text and b"messages kept: 2" in text
    assert srv.forgotten["messages"] == 1


def test_default_help_is_214_not_250(server, client):
    srv = server()
    c = client(srv)
    assert c.docmd("HELP")[0] == 214


def test_etrn_and_atrn(server, client):
    srv = server("etrn")
    c = client(srv)
    c.ehlo()
    assert c.has_extn("etrn")
    assert c.docmd("ETRN", "example.org")[0] == 253
    assert c.docmd("ETRN", "example.com")[0] == 251
    assert c.docmd("ETRN", "@example.org")[0] == 252
    assert c.docmd("ETRN", "example.edu")[0] == 459
    srv = server("odmr")
    c = client(srv)
    c.ehlo()
    assert c.docmd("ATRN", "example.org")[0] == 530
    c.login("alice", "wonderland")
    assert c.docmd("ATRN", "example.org")[0] == 453


def test_custom_scenario_subclass(server):
    class NoBob(Scenario):
        """550 5.1.1 for bob."""

        def handle_RCPT(self, session, envelope, address):
            return "550 5.1.1 no bob" if address.startswith("bob@") else None

    srv = server(NoBob())
    assert send(srv, to=["bob@example.net", "al@example.net"]) == {
        "bob@example.net": (550, b"5.1.1 no bob")}


def test_greylisting_wait_is_exact_on_a_large_clock() -> None:
    """First attempt says the full delay, even when the clock reads a large float (no 301)."""
    from types import SimpleNamespace

    from smtplesson.server.scenarios import Greylisting

    scenario = Greylisting(delay=300)
    scenario.now = lambda: 32631.830834652046  # (t + 300) - t == 300.00000000000364 here
    session = SimpleNamespace(peer=("127.0.0.1", 5000))
    envelope = SimpleNamespace(mail_from="a@example.org")
    assert "in 300 seconds" in scenario.handle_RCPT(session, envelope, "b@example.net")
