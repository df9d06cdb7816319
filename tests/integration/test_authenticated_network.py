"""MailNetwork(authentication=True): the whole story on loopback, every name in the stub zone."""
from __future__ import annotations

import ipaddress
import smtplib
import socket

import pytest

from smtplesson import MailNetwork
from smtplesson.bounces import read_bounce

BODY = "Hello Bob\n"


@pytest.fixture
def net():
    n = MailNetwork(authentication=True)
    yield n
    n.close()


def mx_replies(track, server: str = "mx1.example.net") -> list[str]:
    return [a.reply for a in track.attempts if a.server == server]


def test_hosts_have_their_own_addresses_and_dns_names(net) -> None:
    assert net.host("relay.example.com").address == "127.0.0.10"
    assert net.dns.addresses("mx1.example.net") == ["127.0.0.21"]
    assert net.dns.ptr("127.0.0.10") == ["relay.example.com"]
    assert net.server("mx1.example.net").host == "127.0.0.21"


def test_signed_mail_arrives_with_every_check_passing(net) -> None:
    track = net.send("alice@example.com", "bob@example.net", BODY)
    assert track.fates() == {"bob@example.net": "delivered"}
    msg = net.mailbox("bob@example.net")[0]
    results = msg["Authentication-Results"]
    for method in ("iprev", "spf", "dkim", "dmarc"):
        assert f"{method}=pass" in results
    assert "header.a=rsa-sha256" in results and "header.a=ed25519-sha256" in results
    assert "[127.0.0.10]" in msg.get_all("Received")[0]
    hop = net.server("mx1.example.net").transcript
    assert any(line.kind == "tls" for line in hop.lines)


def test_a_wrong_spf_record_and_no_dkim_key_bounce_then_the_fix_delivers(net) -> None:
    net.dns.set_txt("example.com", "v=spf1 ip4:127.0.0.99 -all")  # the relay is not listed
    for selector in ("s2026", "ed2026"):
        net.dns.set_dkim_key("example.com", selector, None)
    track = net.send("alice@example.com", "bob@example.net", BODY)
    assert track.fates() == {"bob@example.net": "bounced"}
    assert mx_replies(track)[0].startswith("550 5.7.26 Unauthenticated email from example.com")
    [dsn] = net.dsns("alice@example.com")
    assert read_bounce(dsn).recipients[0].status == "5.7.26"
    net.dns.set_txt("example.com", "v=spf1 ip4:127.0.0.10 -all")
    again = net.send("alice@example.com", "bob@example.net", BODY)
    assert again.fates() == {"bob@example.net": "delivered"}
    assert "spf=pass" in net.mailbox("bob@example.net")[-1]["Authentication-Results"]


def test_the_list_breaks_spf_and_dkim_and_arc_saves_it(net) -> None:
    """The list resends from its bounce address: SPF passes for the list, unaligned with the
    author; the footer breaks DKIM; DMARC fails; ARC saves it (course review N8)."""
    track = net.send("alice@example.com", "team@lists.example.org", "Hello team\n")
    assert track.status["team@lists.example.org"] == "delivered"
    msg = net.mailbox("erin@example.net")[-1]
    results = msg["Authentication-Results"]
    assert "spf=pass" in results and "smtp.mailfrom=team-bounces@lists.example.org" in results
    assert "dkim=fail (body hash mismatch)" in results
    assert "arc=pass" in results and "dmarc=fail" in results
    assert msg["ARC-Seal"] and str(msg.get_payload()).rstrip().endswith("team-leave@lists.example.org")


def test_dkim_and_arc_t_tags_are_simulated_time_like_the_headers(net) -> None:
    net.clock.advance(3600)
    signed_at = int(net.clock())
    net.send("alice@example.com", "team@lists.example.org", "Hello team\n")
    msg = net.mailbox("erin@example.net")[-1]
    tags = [" ".join(str(msg[name]).split()) for name in ("DKIM-Signature", "ARC-Seal",
                                                         "ARC-Message-Signature")]
    assert all(f"t={signed_at};" in t.replace(" ", "") for t in tags), tags
    assert "dkim=pass" in net.mailbox("bob@example.net")[-1]["ARC-Authentication-Results"]


def test_without_the_arc_seal_the_list_mail_is_refused_for_dmarc(net) -> None:
    net.lists["team@lists.example.org"]["arc"] = False
    net.send("alice@example.com", "team@lists.example.org", "Hello team\n")
    assert net.mailbox("erin@example.net") == []
    assert net.dsns("alice@example.com") == []  # the bounce goes to the list, not to the author
    (bounce,) = [m for m in net.messages if m.recipients == ("team-bounces@lists.example.org",)]
    assert bounce.fates() == {"team-bounces@lists.example.org": "delivered"}
    assert any("bounce processor of team@lists.example.org" in a.reply for a in bounce.attempts)


def test_a_spoofer_on_its_own_address_is_refused(net) -> None:
    with net.connect("mx1.example.net", client="spoofer.example") as s:
        s.starttls(context=net.tls_context(verify=False))
        s.ehlo()
        with pytest.raises(smtplib.SMTPDataError) as refused:
            s.sendmail("alice@example.com", ["bob@example.net"],
                       b"From: alice@example.com\r\nTo: bob@example.net\r\nSubject: invoice\r\n\r\npay\r\n")
    assert refused.value.smtp_code == 550
    assert net.server("mx1.example.net").transcript.peer.startswith("127.0.0.66:")


def test_a_blocklisted_client_is_refused_at_rcpt_with_postfixs_words(net) -> None:
    """Postfix's reject_rbl_client with its default_rbl_reply, at RCPT (smtpd_delay_reject)."""
    net.dns.list_ip("127.0.0.66", "127.0.0.66 sent mail to spam traps")
    with net.connect("mx1.example.net", client="spoofer.example") as s:
        assert s.ehlo()[0] == 250  # greeted with 220, as RFC 5321 §4.3.2 wants
        s.mail("alice@example.com")
        assert s.rcpt("bob@example.net") == (
            554, b"5.7.1 Service unavailable; Client host [127.0.0.66] blocked using dnsbl.example; "
                 b"127.0.0.66 sent mail to spam traps")
    net.dns.delist("127.0.0.66")
    with net.connect("mx1.example.net", client="spoofer.example") as s:
        s.ehlo()
        s.mail("alice@example.com")
        assert s.rcpt("bob@example.net")[0] == 250


def test_submission_needs_starttls_before_auth(net) -> None:
    with net.connect("smtp.example.com", client="mua.example.com") as s:
        assert not s.has_extn("auth") and s.ehlo()[0] == 250 and not s.has_extn("auth")
        assert s.docmd("AUTH", "PLAIN")[0] == 530
        s.starttls(context=net.tls_context())
        s.ehlo()
        assert s.has_extn("auth")


@pytest.mark.parametrize(("level", "certificate", "reply"), [
    ("encrypt", False, "4.7.4 TLS is required, but was not offered by host mx1.example.net[127.0.0.21]"),
    ("verify", "wrong-name", "4.7.5 Server certificate not verified (Hostname mismatch"),
    ("verify", "expired", "4.7.5 Server certificate not verified (certificate has expired)"),
])
def test_relay_tls_policies_defer(level: str, certificate: object, reply: str) -> None:
    both = {"mx1.example.net": certificate, "mx2.example.net": certificate}
    with MailNetwork(authentication=True, tls_level=level, certificates=both) as n:
        track = n.submit("alice@example.com", "bob@example.net", BODY)
        n.run(until=60)
        assert track.status["bob@example.net"] == "queued"
        assert mx_replies(track)[0].startswith(reply)
        assert mx_replies(track, "mx2.example.net")[0].startswith(reply[:5])


def test_relay_verify_delivers_with_a_good_certificate() -> None:
    with MailNetwork(authentication=True, tls_level="verify") as n:
        track = n.send("alice@example.com", "bob@example.net", BODY)
        assert track.fates() == {"bob@example.net": "delivered"}


def test_nothing_resolves_or_connects_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def loopback_only(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else ""
        assert str(host).startswith("127."), f"connection beyond loopback: {address!r}"
        return real_connect(self, address)

    def no_dns(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a real DNS query: {args!r}")

    real_getaddrinfo = socket.getaddrinfo

    def numeric_only(host: object, *args: object, **kwargs: object) -> object:
        try:  # smtplib passes IP literals through getaddrinfo: no query for those
            ipaddress.ip_address(str(host))
        except ValueError:
            no_dns(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    monkeypatch.setattr(socket, "getaddrinfo", numeric_only)
    monkeypatch.setattr(socket, "gethostbyname", no_dns)
    import dns.resolver
    monkeypatch.setattr(dns.resolver, "resolve", no_dns)
    with MailNetwork(authentication=True) as n:
        n.send("alice@example.com", ["bob@example.net", "team@lists.example.org"], BODY)
        assert n.mailbox("bob@example.net")
