"""The sending service on the network: one failure as DSN, log line and event; drops; folders;
one-click unsubscribe; complaints; the log's shape against lines real Postfix wrote."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from smtplesson.bounces import read_bounce
from smtplesson.relay.network import MailNetwork
from smtplesson.server.rules import Rule

pytestmark = pytest.mark.integration

ALICE = "alice@example.com"
FIXTURE = Path(__file__).resolve().parents[1] / "unit" / "data" / "maillog" / "postfix.log"
BLOCK = "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org"


@pytest.fixture
def net():
    with MailNetwork(esp=True) as network:
        yield network


def _final(net: MailNetwork, email: str) -> list[str]:
    return [e["event"] for e in net.events(email=email) if e["event"] not in ("processed", "deferred")]


def test_hard_bounce_is_a_dsn_a_log_line_an_event_and_a_suppression(net):
    track = net.send(ALICE, "dan@example.net", "Hello Dan.\n")
    (bounce,) = net.events("bounce", "dan@example.net")
    assert (bounce["type"], bounce["status"], bounce["bounce_type"], bounce["suppressed"]) == \
        ("bounce", "5.1.1", "hard", True)
    assert bounce["smtp-id"] == track.message_id and bounce["mx"] == "mx1.example.net"
    lines = [line for line in net.maillog("relay.example.com") if "to=<dan@example.net>" in line]
    assert len(lines) == 1
    assert "dsn=5.1.1, status=bounced (host mx1.example.net[127.0.0.1] said: 550 5.1.1" in lines[0]
    assert lines[0].endswith("(in reply to RCPT TO command))")
    report = read_bounce(track.fate("dan@example.net").dsn)
    (failed,) = report.recipients
    assert (report.kind, failed.address, failed.status) == ("dsn", "dan@example.net", "5.1.1")
    assert failed.diagnostic == bounce["reason"]  # the same reply, three ways
    entry = net.suppressions["dan@example.net"]
    assert (entry.reason, entry.evidence) == ("bounce", bounce["reason"])
    assert any("sender non-delivery notification" in line for line in net.maillog("relay.example.com"))
    assert set(net.maillog("relay.example.com")) < set(net.maillog())  # one host's lines are the log's


def test_the_next_send_to_a_suppressed_address_is_dropped_without_smtp(net):
    net.send(ALICE, "dan@example.net")
    msa = net.server("smtp.example.com")
    sessions = len(msa.transcripts)
    log = len(net.maillog())
    again = net.send(ALICE, "dan@example.net", "Second try.\n")
    assert again.fates() == {"dan@example.net": "dropped"} and again.attempts == []
    assert len(msa.transcripts) == sessions and len(net.maillog()) == log
    (dropped,) = net.events("dropped")
    assert (dropped["email"], dropped["reason"], dropped["message_id"]) == \
        ("dan@example.net", "Bounced Address", again.id)


def test_a_block_leaves_the_address_unsuppressed(net):
    net.add_rule("mx1.example.net", Rule("RCPT", BLOCK, to="bob@example.net"))
    track = net.send(ALICE, "bob@example.net")
    (blocked,) = net.events("blocked")
    assert (blocked["type"], blocked["bounce_type"], blocked["category"], blocked["suppressed"]) == \
        ("blocked", "block", "reputation", False)
    assert "bob@example.net" not in net.suppressions
    assert track.fates() == {"bob@example.net": "bounced"}
    assert net.send(ALICE, "bob@example.net").fates() == {"bob@example.net": "bounced"}  # tried again


def test_soft_bounces_suppress_after_three(net):
    for n in range(3):
        assert net.send(ALICE, "dave@example.net").fates() == {"dave@example.net": "bounced"}
        assert ("dave@example.net" in net.suppressions) is (n == 2)
    assert [e["bounce_type"] for e in net.events("bounce")] == ["soft"] * 3
    assert net.send(ALICE, "dave@example.net").fates() == {"dave@example.net": "dropped"}


def test_deferred_then_delivered_events(net):
    net.send(ALICE, "carol@example.net")
    events = net.events(email="carol@example.net")
    assert [e["event"] for e in events] == ["processed", "deferred", "delivered"]
    assert events[1]["response"].startswith("451 4.7.1") and events[1]["attempt"] == 1
    assert events[2]["attempt"] == 2 and events[2]["timestamp"] - events[1]["timestamp"] == 600


def test_a_wrongly_suppressed_address_is_reactivated_safely(net):
    net.suppressions.add("erin@example.net", "manual", "imported from an old list", net.clock())
    assert net.send(ALICE, "erin@example.net").fates() == {"erin@example.net": "dropped"}
    removed = net.suppressions.reactivate("erin@example.net", "the customer confirmed the address",
                                          net.clock())
    assert removed.reason == "manual" and removed.removed_because.startswith("the customer")
    assert net.send(ALICE, "erin@example.net").fates() == {"erin@example.net": "delivered"}
    assert net.suppressions.history == [removed]


def test_a_250_that_landed_in_junk_with_its_reasons(net):
    track = net.send(ALICE, "bob@example.net", "You are a lottery winner! Claim your prize.\n",
                     subject="WINNER")
    assert _final(net, "bob@example.net") == ["delivered"]
    (event,) = net.events("delivered")
    assert event["response"].startswith("250 ")
    folders = net.folders("bob@example.net")
    assert [len(folders[f]) for f in ("Inbox", "Junk", "Quarantine")] == [0, 1, 0]
    junk = folders["Junk"][0]
    assert junk["X-Spam-Status"].startswith("Yes, score=5.5 required=5.0 tests=SUBJ_MONEY,BODY_LOTTERY")
    assert junk["X-Folder"].startswith("Junk (score 5.5")
    assert track.fates() == {"bob@example.net": "delivered"}


def test_one_click_unsubscribe(net):
    net.send(ALICE, "erin@example.net", "Our news.\n")
    (copy,) = net.mailbox("erin@example.net")
    assert copy["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.match(r"<https://127\.0\.0\.1:\d+/unsubscribe/\w+>, <mailto:unsubscribe@example\.com\?",
                    copy["List-Unsubscribe"])
    assert net.unsubscribe("erin@example.net") == 200
    (event,) = net.events("unsubscribe")
    assert event["email"] == "erin@example.net" and event["suppressed"] is True
    assert net.suppressions["erin@example.net"].reason == "unsubscribe"
    url = copy["List-Unsubscribe"][1:].split(">")[0]
    assert net.esp is not None
    assert net.esp.endpoint.requests == [("POST", url[url.index("/unsubscribe/"):], 200)]
    assert net.send(ALICE, "erin@example.net").fates() == {"erin@example.net": "dropped"}


def test_several_recipients_get_no_unsubscribe_link(net):
    track = net.send(ALICE, ["bob@example.net", "erin@example.net"])
    assert track.copy("bob@example.net")["List-Unsubscribe"] is None
    assert track.copy("bob@example.net")["Feedback-ID"] == "newsletter:alice:bulk:esp.example.com"


def test_gmail_sends_no_report_only_a_rate(net):
    net.send(ALICE, "bob@example.net", "News.\n")
    assert net.report_spam("bob@example.net") is None
    assert net.events("spamreport") == [] and "bob@example.net" not in net.suppressions
    assert net.esp is not None and net.esp.feedback.spam_rates("example.net") == {}  # no DKIM: no rate
    with MailNetwork(esp=True, authentication=True) as signed:
        signed.send(ALICE, "bob@example.net", "News.\n")
        signed.send(ALICE, "erin@example.net", "News.\n")
        assert signed.report_spam("bob@example.net") is None
        assert signed.esp is not None and signed.esp.feedback.spam_rates("example.net") == {
            "newsletter:alice:bulk:esp.example.com": {"delivered": 2, "reported": 1, "rate": 0.5}}


def test_a_feedback_loop_report_becomes_a_spamreport_and_a_suppression():
    with MailNetwork(esp={"providers": {"example.net": "microsoft"}}) as net:
        track = net.send(ALICE, "erin@example.net", "News.\n")
        report = net.report_spam("erin@example.net")
        assert report is not None and report.get_param("report-type") == "feedback-report"
        (inbox,) = net.mailbox("fbl@example.com")
        assert inbox["From"] == "feedback@example.net"
        assert b"erin@example.net" not in inbox.as_bytes()  # JMRP-style: the recipient is redacted
        (event,) = net.events("spamreport")
        assert (event["email"], event["message_id"], event["suppressed"]) == \
            ("erin@example.net", track.id, True)
        assert net.suppressions["erin@example.net"].reason == "complaint"


def test_yahoo_loop_is_keyed_by_the_dkim_domain():
    with MailNetwork(esp={"providers": {"example.net": "yahoo"}}) as net:  # no DKIM: no report
        net.send(ALICE, "erin@example.net")
        assert net.report_spam("erin@example.net") is None
    with MailNetwork(esp={"providers": {"example.net": "yahoo"}}, authentication=True) as net:
        net.send(ALICE, "erin@example.net")
        copy = net.mailbox("erin@example.net")[0]
        signed = " ".join(str(v) for v in copy.get_all("DKIM-Signature", []))
        assert "list-unsubscribe" in signed.lower() and "feedback-id" in signed.lower()
        assert net.report_spam("erin@example.net") is not None
        assert [e["email"] for e in net.events("spamreport")] == ["erin@example.net"]


def test_no_service_no_esp_api():
    with MailNetwork() as plain:
        with pytest.raises(ValueError, match="esp=True"):
            plain.events()
        plain.send(ALICE, "dan@example.net")
        assert plain.send(ALICE, "dan@example.net").fates() == {"dan@example.net": "bounced"}


# --- the log against real Postfix -----------------------------------------------------
PREFIX = re.compile(r"^(?P<stamp>[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d) (?P<host>[a-z0-9-]+) "
                    r"postfix/(?P<program>[a-z]+)\[(?P<pid>\d+)\]: (?P<text>.*)$")
QID = r"[0-9A-Z]{5,12}"
ADDR = r"[^\s\[\]]+\[\d+\.\d+\.\d+\.\d+\]"
KINDS = {
    "connect": re.compile(rf"^connect from {ADDR}$"),
    "disconnect": re.compile(rf"^disconnect from {ADDR}(?: [a-z]+=\d+(?:/\d+)?)+ commands=\d+(?:/\d+)?$"),
    "client": re.compile(rf"^{QID}: client={ADDR}(?:, sasl_method=\w+, sasl_username=\S+)?$"),
    "message-id": re.compile(rf"^{QID}: message-id=<[^>]+>$"),
    "from": re.compile(rf"^{QID}: from=<[^>]*>, size=\d+, nrcpt=\d+ \(queue active\)$"),
    "removed": re.compile(rf"^{QID}: removed$"),
    "notification": re.compile(rf"^{QID}: sender non-delivery notification: {QID}$"),
    "connect-to": re.compile(rf"^connect to {ADDR}:\d+: Connection refused$"),
    "delivery": re.compile(rf"^{QID}: to=<[^>]+>, (?P<fields>relay=.*)$"),
}
DETAILS = {
    "said": re.compile(rf"^host {ADDR} said: \d{{3}} \d\.\d+\.\d+ .* \(in reply to [A-Za-z ]+ command\)$"),
    "refused": re.compile(rf"^host {ADDR} refused to talk to me: \d{{3}} \d\.\d+\.\d+ "),
    "connect": re.compile(rf"^connect to {ADDR}:\d+: Connection refused$"),
    "suspended": re.compile(r"^delivery temporarily suspended: "),
    "local": re.compile(r"^delivered to mailbox$"),
    "reply": re.compile(r"^250 2\.0\.0 "),
}
VALUES = {"relay": re.compile(rf"^(?:none|local|{ADDR}:\d+)$"), "delay": re.compile(r"^\d+(?:\.\d+)?$"),
          "delays": re.compile(r"^\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?){3}$"),
          "dsn": re.compile(r"^[245]\.\d+\.\d+$")}


def _shape(line: str) -> tuple[str, ...]:
    """(program, kind[, field names..., detail kind]): what must agree with real Postfix."""
    m = PREFIX.match(line)
    assert m is not None, line
    text = m["text"]
    for kind, pattern in KINDS.items():
        found = pattern.match(text)
        if found is None:
            continue
        if kind != "delivery":
            return (m["program"], kind)
        head, _, rest = found["fields"].partition(", status=")
        fields = dict(part.split("=", 1) for part in head.split(", "))
        for name, value in fields.items():
            assert VALUES[name].match(value), (name, value, line)
        status, _, detail = rest.partition(" (")
        assert status in ("sent", "deferred", "bounced") and detail.endswith(")"), line
        why = next((k for k, p in DETAILS.items() if p.match(detail[:-1])), "?")
        return (m["program"], kind, *fields, why)
    return (m["program"], "other: " + text)


def test_log_lines_have_the_shape_real_postfix_writes():
    real = {_shape(line) for line in FIXTURE.read_text().splitlines() if "postfix-script" not in line
            and "master[" not in line and "postsuper[" not in line}
    with MailNetwork(esp=True, retry={"lifetime": 1200}) as net:
        net.send(ALICE, ["bob@example.net", "erin@example.net"])  # sent, local delivery
        net.send(ALICE, "dan@example.net")  # bounced, and the bounce daemon's notification
        net.send(ALICE, "carol@example.net")  # greylisted: deferred, then sent
        net.submit_many([(ALICE, "frank@example.org", None)] * 2)  # refused, then suspended
        net.run()
        ours = {_shape(line) for line in net.maillog()}
    with MailNetwork(esp=True, scenarios={"mx1.example.net": "no-service"}) as net:
        net.send(ALICE, "bob@example.net")  # refused to talk to me
        ours |= {_shape(line) for line in net.maillog()}
    assert not [s for s in real if s[1].startswith("other")], real
    missing = real - ours
    assert not missing, f"kinds real Postfix wrote that the network does not: {missing}"
    # the network writes more kinds than this fixture has (NOQUEUE rejects, expiry); every kind
    # the fixture has, it writes with the same fields in the same order
    extra = {s for s in ours - real if s[1] in {k for _, k, *_ in real} and s[1] != "client"}
    assert not {s for s in extra if s[1] != "delivery" or s[-1] not in ("said", "refused")}, extra


def test_relay_demo_log_and_events():
    import io
    import json

    from smtplesson.cli import cli_relay_demo, main

    out = io.StringIO()
    assert cli_relay_demo(log=True, events=True, stdout=out) == 0
    lines = out.getvalue().splitlines()
    log = [line for line in lines if not line.startswith("{")]
    events = [json.loads(line) for line in lines if line.startswith("{")]
    assert all(PREFIX.match(line) for line in log) and lines[: len(log)] == log
    assert any("to=<dan@example.net>" in line and "dsn=5.1.1, status=bounced" in line for line in log)
    assert [e["event"] for e in events if e["email"] == "dan@example.net"] == \
        ["processed", "bounce", "dropped"]
    assert [e["event"] for e in events if e["email"] == "carol@example.net"] == \
        ["processed", "deferred", "delivered"]
    with pytest.raises(SystemExit):
        main(["relay-demo", "--nonsense"])


def test_complaints_at_a_receiver_send_the_next_mail_to_junk(net):
    net.send(ALICE, "bob@example.net", "News.\n")
    assert net.report_spam("bob@example.net") is None  # Gmail: counted, not reported
    net.send(ALICE, "erin@example.net", "More news.\n")
    junk = net.folders("erin@example.net")["Junk"]
    assert len(junk) == 1 and "HIGH_COMPLAINTS" in junk[0]["X-Spam-Status"]
    assert net.events("delivered", "erin@example.net")  # the sender only ever saw a 250


def test_dmarc_quarantine_files_to_junk():
    with MailNetwork(esp=True, authentication=True) as net:
        net.dns.set_dmarc("example.org", "v=DMARC1; p=quarantine")
        smtp = net.connect("mx1.example.net", client="relay.example.com")  # SPF passes, unaligned
        try:
            smtp.starttls(context=net.tls_context())
            smtp.ehlo("relay.example.com")
            smtp.sendmail("bounces@relay.example.com", ["bob@example.net"],
                          b"From: news@example.org\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
                          b"Message-ID: <q1@example.org>\r\n\r\nHello.\r\n")
        finally:
            smtp.quit()
        (copy,) = net.folders("bob@example.net")["Junk"]
        assert "dmarc=fail" in copy["Authentication-Results"]
        assert copy["X-Folder"] == "Junk (score 1.0, required 5.0: DKIM_NONE, DMARC_QUAR)"


def test_a_dropped_recipient_in_the_journey(net):
    net.send(ALICE, "dan@example.net")
    again = net.send(ALICE, "dan@example.net")
    assert "dan@example.net: DROPPED\n    not sent: on the sending service's suppression list" in str(again)
    assert "⊘ dropped" in again._repr_html_()


def test_unsubscribe_by_mailto(net):
    net.send(ALICE, "bob@example.net", "Our news.\n")
    assert net.unsubscribe("bob@example.net", via="mailto") == 250
    (request,) = net.mailbox("unsubscribe@example.com")
    assert request["Subject"].startswith("unsubscribe ") and request["From"] == "bob@example.net"
    (event,) = net.events("unsubscribe")
    assert (event["email"], event["reason"], event["suppressed"]) == ("bob@example.net", "mailto", True)
    with pytest.raises(ValueError, match="via"):
        net.unsubscribe("bob@example.net", via="carrier pigeon")


def test_dropped_networks_with_the_service_leave_no_thread_or_port():
    import gc
    import socket
    import threading
    import time

    threads = threading.active_count()
    ports = []
    for _ in range(5):
        dropped = MailNetwork(esp=True)  # a re-run notebook cell: never closed
        dropped.send(ALICE, "bob@example.net")  # starts the unsubscribe endpoint too
        assert dropped.esp is not None
        ports += [h.port for h in dropped.hosts if h.server is not None] + [dropped.esp.endpoint.port]
    del dropped
    gc.collect()
    deadline = time.monotonic() + 10
    while threading.active_count() > threads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= threads
    for port in ports:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
