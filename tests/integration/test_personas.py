"""The receiver personas live on the authenticated network: the providers' rules, reputation and
warm-up on the simulated clock, the recipient's side, and the relay's shaping rules."""
from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from smtplesson import MailNetwork, explain, read_bounce
from smtplesson.relay.personas import primary_domain
from smtplesson.relay.requirements import SPAM_FLAG

RELAY = "127.0.0.10"


@pytest.fixture
def net() -> Iterator[MailNetwork]:
    with MailNetwork(authentication=True) as n:
        yield n


def _mx_attempts(track, host: str):
    return [a for a in track.attempts if a.server == host]


def test_outlook_refuses_a_bulk_sender_without_spf_and_dkim_pass_with_5_7_515(net: MailNetwork) -> None:
    net.dns.set_spf("example.com", "v=spf1 -all")  # SPF now fails; DKIM still passes, so DMARC passes
    before = net.send("alice@example.com", "olivia@outlook.example")
    assert before.fates() == {"olivia@outlook.example": "delivered"}
    net.reputation.observe("outlook", domain="example.com", sent=6000)  # over 5,000 today: a bulk sender
    track = net.send("alice@example.com", "olivia@outlook.example")
    final = _mx_attempts(track, "mx.outlook.example")[-1]
    assert final.stage == "END-OF-DATA" and track.fates() == {"olivia@outlook.example": "bounced"}
    assert final.reply == ("550 5.7.515 Access denied, sending domain example.com does not meet the required "
                           "authentication level. Spf=Fail, Dkim=Pass, DMARC=Pass")
    exp = explain(final.reply)
    assert exp.category == "sender-auth" and exp.bounce_type == "block"


def test_gmail_and_yahoo_take_the_same_mail_outlook_refuses(net: MailNetwork) -> None:
    net.dns.set_spf("example.com", "v=spf1 -all")
    for receiver in ("gmail", "yahoo", "outlook"):
        net.reputation.observe(receiver, domain="example.com", sent=6000)
    track = net.send("alice@example.com", ["bob@example.net", "yuri@yahoo.example", "olivia@outlook.example"])
    assert track.fates() == {"bob@example.net": "delivered", "yuri@yahoo.example": "delivered",
                             "olivia@outlook.example": "bounced"}


def test_a_tenant_rule_comes_back_as_the_tenants_ndr_and_is_not_the_senders_to_fix(net: MailNetwork) -> None:
    track = net.send("alice@example.com", ["kim@contoso.example", "board@contoso.example",
                                           "sales@contoso.example", "ted@contoso.example"])
    assert track.fates() == {"kim@contoso.example": "delivered", "board@contoso.example": "bounced",
                             "sales@contoso.example": "bounced", "ted@contoso.example": "bounced"}
    mx = _mx_attempts(track, "mx.contoso.example")
    assert [a.reply[:3] for a in mx] == ["250"]  # the tenant accepted the message ...
    refused = [a for a in track.attempts if a.outcome == "bounced"]
    assert {a.reply.split(";")[0] for a in refused} >= {"550 5.7.1 RESOLVER.RST.NotAuthorized",
                                                        "550 5.7.1 RESOLVER.RST.AuthRequired"}
    assert all("only its admin" in a.note for a in refused)
    [ndr] = net.dsns("alice@example.com")  # ... and its NDR says why, to the sender
    assert "mx.contoso.example" in str(ndr["From"])
    bounce = read_bounce(ndr)
    assert {r.address for r in bounce.recipients} == {"board@contoso.example", "sales@contoso.example",
                                                      "ted@contoso.example"}
    for r in bounce.recipients:
        exp = explain(r.diagnostic or "")
        assert exp.category == "policy" and exp.bounce_type == "block", r.diagnostic
        assert "administrator" in exp.advice or "admin" in exp.advice
    assert any("5.7.520" in (r.diagnostic or "") for r in bounce.recipients)
    assert net.mailbox("board@contoso.example") == [] and len(net.mailbox("kim@contoso.example")) == 1


def test_the_group_takes_its_own_organisations_senders(net: MailNetwork) -> None:
    message = b"From: ann@contoso.example\r\nTo: sales@contoso.example\r\nSubject: Q3\r\n\r\nnumbers\r\n"
    client = net.connect("mx.contoso.example")
    try:
        assert client.sendmail("ann@contoso.example", ["sales@contoso.example"], message) == {}
    finally:
        client.quit()
    net.run()
    assert len(net.mailbox("sales@contoso.example")) == 1  # an insider: the group takes it


def test_private_relay_refuses_an_unregistered_sender_never_a_reason_to_suppress(net: MailNetwork) -> None:
    relay_address = "q7x2m4k9zt@privaterelay.appleid.com"
    track = net.send("alice@example.com", relay_address)
    [refusal] = _mx_attempts(track, "mx.privaterelay.appleid.com")
    assert refusal.stage == "RCPT TO"
    assert refusal.reply == f"550 5.1.1 <{relay_address}>: unauthorized sender"
    exp = explain(refusal.reply)
    assert exp.bounce_type != "hard" and exp.category == "sender-rejected"
    assert net.security is not None
    net.security.relay_registered.append("example.com")  # the sender registers its domain with Apple
    assert net.send("alice@example.com", relay_address).fates() == {relay_address: "delivered"}


def test_gmail_gives_its_low_reputation_verdict_at_end_of_data_not_the_greeting(net: MailNetwork) -> None:
    net.reputation.observe("gmail", ip=RELAY, sent=2000, complaints=10, days_ago=1)  # 0.5 %: bad
    track = net.send("alice@example.com", "bob@example.net")
    final = _mx_attempts(track, "mx1.example.net")[-1]
    assert final.stage == "END-OF-DATA"
    assert final.reply.startswith("550 5.7.1")
    assert "very low reputation of the sending IP address" in final.reply
    assert all(a.stage != "CONNECT" for a in track.attempts)
    exp = explain(final.reply)
    assert exp.provider == "Gmail / Google Workspace" and exp.category == "reputation"


def test_no_persona_greets_a_sender_of_bad_reputation_with_550(net: MailNetwork) -> None:
    for receiver in ("gmail", "yahoo", "outlook", "icloud"):  # every persona sees the client as bad
        net.reputation.observe(receiver, ip="127.0.0.80", domain="example.org", sent=1000, complaints=50)
    for host in net.hosts:
        if host.server is None:
            continue
        try:  # smtplib raises SMTPConnectError for any greeting but 220
            net.connect(host.name).close()
        except smtplib.SMTPConnectError as refused:
            assert refused.smtp_code in (421, 554), (host.name, refused.smtp_code)  # RFC 5321 §4.3.2


def test_yahoo_refuses_a_bad_ip_at_the_greeting_with_ts03(net: MailNetwork) -> None:
    net.reputation.observe("yahoo", ip=RELAY, sent=2000, complaints=10, days_ago=1)
    track = net.submit("alice@example.com", "yuri@yahoo.example")
    net.run(until=60)
    first = _mx_attempts(track, "mx.yahoo.example")[0]
    assert first.stage == "CONNECT" and first.reply.startswith("421 4.7.0 [TS03]")
    assert explain(first.reply).category == "reputation"


def test_a_new_ip_is_deferred_over_its_warm_up_allowance_and_recovers_the_next_day(net: MailNetwork) -> None:
    net.reputation.new_ip(RELAY)
    tracks = net.submit_many([("alice@example.com", "bob@example.net", None)] * 55)
    net.run(until=600)
    replies = [a.reply for t in tracks for a in _mx_attempts(t, "mx1.example.net")]
    assert sum(r.startswith("250") for r in replies) == 50  # the first day's allowance
    deferral = next(r for r in replies if not r.startswith("250"))
    assert deferral.startswith("421 4.7.28") and "unusual rate of unsolicited mail" in deferral
    notes = [a.note for t in tracks for a in t.attempts]
    assert any("throttled to 20 messages an hour by rule gmail-unusual-rate" in n for n in notes)
    net.run()
    assert all(t.fates() == {"bob@example.net": "delivered"} for t in tracks)
    days = net.reputation.history("gmail", ip=RELAY)
    assert [(d.sent, d.allowance) for d in days] == [(50, 50), (5, 100)]
    assert days[0].deferred > 0


def test_tss04_suspends_yahoo_for_two_hours_by_rule_shown_in_the_journey(net: MailNetwork) -> None:
    net.reputation.observe("yahoo", ip=RELAY, sent=1400, complaints=2, days_ago=1)  # low: 20 a day
    net.reputation.observe("yahoo", ip=RELAY, sent=20)
    first = net.submit("alice@example.com", "yuri@yahoo.example")
    net.run(until=60)
    second = net.submit("alice@example.com", "yuri@yahoo.example")
    net.run(until=3600)
    tss04 = _mx_attempts(first, "mx.yahoo.example")[0]
    assert "[TSS04]" in tss04.reply and tss04.note.startswith("suspended by rule yahoo-tss04")
    held = [a for a in second.attempts if a.stage == "QUEUE"]
    assert held and held[0].reply.startswith("not sent: yahoo.example suspended by rule yahoo-tss04")
    assert "kumomta" in held[0].note
    assert _mx_attempts(second, "mx.yahoo.example") == []  # nothing went while suspended
    net.run(until=2 * 3600)
    again = _mx_attempts(first, "mx.yahoo.example")
    assert len(again) == 2 and again[1].time - tss04.time >= 7200
    assert "suspended by rule yahoo-tss04" in str(first)


def test_a_bulk_sender_without_one_click_unsubscribe_goes_to_spam(net: MailNetwork) -> None:
    net.reputation.observe("gmail", domain="example.com", sent=6000)
    net.send("alice@example.com", "bob@example.net", "Hello\n", subject="Newsletter")
    from email.message import EmailMessage

    with_header = EmailMessage()
    with_header["Subject"] = "Newsletter"
    with_header["List-Unsubscribe"] = "<https://example.com/unsubscribe/bob>"
    with_header["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    with_header.set_content("Hello\n")
    net.send("alice@example.com", "bob@example.net", with_header)
    plain, unsubscribable = net.mailbox("bob@example.net")
    assert "one-click unsubscribe" in str(plain[SPAM_FLAG])
    assert unsubscribable[SPAM_FLAG] is None


def test_gmail_wants_dmarc_of_a_bulk_sender(net: MailNetwork) -> None:
    net.dns.set_dmarc("example.com", None)
    assert net.send("alice@example.com", "bob@example.net").fates() == {"bob@example.net": "delivered"}
    net.reputation.observe("gmail", domain="example.com", sent=6000)
    track = net.send("alice@example.com", "bob@example.net")
    final = _mx_attempts(track, "mx1.example.net")[-1]
    assert final.reply.startswith("550 5.7.31") and "DMARC" in final.reply


def test_receivers_count_unknown_recipients_against_the_sender(net: MailNetwork) -> None:
    net.send("alice@example.com", ["nobody@outlook.example", "olivia@outlook.example"])
    [today] = net.reputation.history("outlook", ip=RELAY)
    assert (today.sent, today.unknown) == (1, 1)
    assert primary_domain(net.dns, "news.example.com") == "example.com"


@pytest.mark.parametrize(("address", "receiver", "deferral"), [
    ("bob@example.net", "gmail", "421 4.7.28 "), ("yuri@yahoo.example", "yahoo", "421 4.7.0 [TSS04]"),
    ("olivia@outlook.example", "outlook", "451 4.7.650 ")])
def test_each_receiver_defers_a_new_ip_over_its_allowance_in_its_own_words(
        net: MailNetwork, address: str, receiver: str, deferral: str) -> None:
    net.reputation.new_ip(RELAY)
    net.reputation.observe(receiver, ip=RELAY, sent=50)  # the first day's allowance is used up
    track = net.submit("alice@example.com", address)
    net.run(until=60)
    first = next(a for a in track.attempts if a.server.startswith("mx"))
    assert first.reply.startswith(deferral) and first.stage == "END-OF-DATA"
    assert explain(first.reply).category == "reputation"
    net.run()  # the next day the allowance doubles: the queue's retry gets through
    assert track.fates() == {address: "delivered"}
    assert [d.allowance for d in net.reputation.history(receiver, ip=RELAY)] == [50, 100]
