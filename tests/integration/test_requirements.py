"""A receiving MX with the providers' sender requirements, hit by clients on distinct loopback
addresses (smtplib's ``source_address``), everything resolved in the stub zone."""
from __future__ import annotations

import smtplib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from smtplesson import DebugServer
from smtplesson.relay import authentication as auth
from smtplesson.relay.requirements import SenderRequirements
from smtplesson.relay.zone import Zone

RELAY, SPOOFER, MX = "127.0.0.10", "127.0.0.66", "127.0.0.21"
KEYS = {(k.domain, k.selector): k for k in auth.signing_keys()}
MSG = (b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
       b"Date: Mon, 02 Mar 2026 09:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello Bob\r\n")


@pytest.fixture
def zone() -> Zone:
    z = Zone()
    z.set_address("relay.example.com", RELAY)
    z.set_address("mx1.example.net", MX)
    z.set_spf("example.com", f"v=spf1 ip4:{RELAY} -all")
    z.set_dmarc("example.com", "v=DMARC1; p=reject")
    for key in KEYS.values():
        key.publish(z)
    return z


@pytest.fixture
def mx(zone: Zone) -> Iterator[Callable[..., DebugServer]]:
    started: list[DebugServer] = []

    def start(provider: str = "gmail", **options: object) -> DebugServer:
        s = DebugServer(SenderRequirements(zone, provider, **options), host=MX, hostname="mx1.example.net",
                        tls=True)
        started.append(s.start())
        return s

    yield start
    for s in started:
        s.stop()


def send(server: DebugServer, message: bytes = MSG, *, source: str = RELAY, tls: bool = True,
         helo: str = "relay.example.com", sender: str = "alice@example.com") -> tuple[int, str]:
    """One message from ``source``; the MX's final reply as (code, text)."""
    try:
        with smtplib.SMTP(server.host, server.port, local_hostname=helo, source_address=(source, 0)) as c:
            if tls:
                c.starttls(context=server.client_context(verify=False))
            c.ehlo()
            c.sendmail(sender, ["bob@example.net"], message)
    except smtplib.SMTPDataError as error:
        return error.smtp_code, error.smtp_error.decode()
    except smtplib.SMTPConnectError as error:
        return error.smtp_code, error.smtp_error.decode()
    return 250, "accepted"


def test_signed_mail_from_the_listed_relay_is_accepted_and_stamped(mx) -> None:
    s = mx()
    assert send(s, auth.dkim_sign(MSG, KEYS["example.com", "s2026"])) == (250, "accepted")
    header = s.messages[0].message["Authentication-Results"]
    assert header.startswith("mx1.example.net;")
    assert all(f"{m}=pass" in header for m in ("iprev", "spf", "dkim", "dmarc"))
    assert s.messages[0].peer == RELAY


def test_a_spoofer_on_another_address_is_refused_for_dmarc_with_gmails_words(mx, zone) -> None:
    zone.set_address("spoofer.example", SPOOFER)
    code, text = send(mx(), source=SPOOFER, helo="spoofer.example")
    assert code == 550 and text.startswith("5.7.26 Unauthenticated email from example.com is not accepted "
                                           "due to domain's DMARC policy")


def test_without_dmarc_unauthenticated_mail_is_refused_5_7_26(mx, zone) -> None:
    zone.set_dmarc("example.com", None)
    zone.set_address("spoofer.example", SPOOFER)
    code, text = send(mx(), source=SPOOFER, helo="spoofer.example")
    assert code == 550 and "sender is unauthenticated" in text
    assert "SPF [example.com] with ip: [127.0.0.66] = did not pass" in text


def test_dmarc_quarantine_is_accepted_into_spam(mx, zone) -> None:
    # SPF passes, but for the envelope's own domain, not the From domain: DMARC fails
    zone.set_dmarc("example.com", "v=DMARC1; p=quarantine")
    zone.set_address("spoofer.example", SPOOFER)
    zone.set_spf("spoofer.example", f"v=spf1 ip4:{SPOOFER} -all")
    s = mx()
    assert send(s, source=SPOOFER, helo="spoofer.example", sender="bounce@spoofer.example")[0] == 250
    stored = s.messages[0].message
    assert stored["X-Spam-Flag"].startswith("YES (DMARC policy of example.com is quarantine)")
    assert "dmarc=fail" in stored["Authentication-Results"]


def test_missing_or_mismatched_ptr_is_refused_5_7_25(mx, zone) -> None:
    s = mx()
    assert send(s, source=SPOOFER)[0:1] == (550,) and "5.7.25" in send(s, source=SPOOFER)[1]
    zone.set_ptr(SPOOFER, "relay.example.com")  # a PTR whose name does not point back
    code, text = send(s, source=SPOOFER)
    assert code == 550 and text.startswith("5.7.25 [127.0.0.66] The IP address sending this message")


def test_plaintext_is_deferred_4_7_29(mx) -> None:
    code, text = send(mx(), tls=False)
    assert code == 421 and "wasn't sent over a TLS connection" in text


def test_yahoo_refuses_a_blocklisted_client_at_the_greeting_as_it_documents(mx, zone) -> None:
    """Yahoo documents 553 [BL21] at connection (RFC 5321 §4.3.2 allows only 554 there: the
    profile's data says so)."""
    zone.list_ip(SPOOFER)
    code, text = send(mx("yahoo"), source=SPOOFER)
    assert code == 553 and text.startswith("5.7.1 [BL21] Connections will not be accepted from 127.0.0.66")


def test_the_gmail_profile_does_not_answer_a_blocklist_at_the_greeting(mx, zone) -> None:
    """Gmail's "very low reputation of the sending IP" is its own verdict on a message, not a
    DNSBL listing at the greeting (course review N2)."""
    zone.list_ip(SPOOFER)
    s = mx()
    with smtplib.SMTP(s.host, s.port, local_hostname="spoofer.example", source_address=(SPOOFER, 0)) as c:
        assert c.noop()[0] == 250


def test_yahoo_profile_refuses_dmarc_failures_554_5_7_9(mx, zone) -> None:
    zone.set_address("spoofer.example", SPOOFER)
    code, text = send(mx("yahoo"), source=SPOOFER, helo="spoofer.example")
    assert (code, text.split()[0]) == (554, "5.7.9")


def test_unknown_provider_is_a_clear_error(zone) -> None:
    with pytest.raises(ValueError, match="provider must be one of gmail, outlook, m365, yahoo, icloud"):
        SenderRequirements(zone, "hotmail")


# ----------------------------------------------------------------------------- hostile messages
def test_only_the_first_three_signatures_are_verified(zone) -> None:
    """OpenDKIM's MaximumSignaturesToVerify default (three, from the top); RFC 6376 §6.1."""
    signed = MSG
    for _ in range(10):
        signed = auth.dkim_sign(signed, KEYS["example.com", "s2026"])
    results = auth.check_dkim(zone, signed)
    assert [r.result for r in results] == ["pass", "pass", "pass", "policy"]
    assert "7 more signatures not verified" in str(results[-1])


class SlowZone(Zone):
    """A zone whose answer for one DKIM key waits until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.asked, self.answer = threading.Event(), threading.Event()

    def txt_record(self, name: str | bytes, timeout: float = 5) -> str | None:
        if (name.decode() if isinstance(name, bytes) else name).startswith("slow._domainkey."):
            self.asked.set()
            self.answer.wait(30)
        return super().txt_record(name, timeout)


def test_other_clients_are_served_while_a_message_is_verified() -> None:
    """Verification runs in the server's worker threads (Scenario.examine): while one message's
    key look-up hangs, another client is greeted, and its message is answered."""
    zone = SlowZone()
    zone.set_address("relay.example.com", RELAY)
    zone.set_spf("example.com", f"v=spf1 ip4:{RELAY} -all")
    slow = auth.SigningKey("example.com", "slow", "rsa-sha256", KEYS["example.com", "s2026"].private)
    slow.publish(zone)
    KEYS["example.com", "s2026"].publish(zone)
    with DebugServer(SenderRequirements(zone), host=MX, hostname="mx1.example.net", tls=True) as s:
        first: list[tuple[int, str]] = []
        worker = threading.Thread(target=lambda: first.append(send(s, auth.dkim_sign(MSG, slow))))
        worker.start()
        try:
            assert zone.asked.wait(30), "the first message never reached verification"
            with smtplib.SMTP(s.host, s.port, local_hostname="relay.example.com", timeout=10,
                              source_address=(RELAY, 0)) as c:
                assert c.noop()[0] == 250
            assert send(s, auth.dkim_sign(MSG, KEYS["example.com", "s2026"])) == (250, "accepted")
            assert not first  # still being verified
        finally:
            zone.answer.set()
            worker.join(30)
    assert first == [(250, "accepted")]


def test_a_days_dmarc_aggregate_report_from_the_receiver(mx, zone) -> None:
    """RFC 9990: what the receiver saw, for the Domain Owner that asked (rua)."""
    import xmlschema

    zone.set_dmarc("example.com", "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com")
    zone.set_address("spoofer.example", SPOOFER)
    s = mx()
    requirements = s.scenario
    assert isinstance(requirements, SenderRequirements)
    signed = auth.dkim_sign(MSG, KEYS["example.com", "s2026"])
    assert send(s, signed) == (250, "accepted") and send(s, signed) == (250, "accepted")
    assert send(s, source=SPOOFER, helo="spoofer.example")[0] == 550
    reports = requirements.dmarc_reports(0, 4e9)
    assert list(reports) == ["example.com"]
    schema = xmlschema.XMLSchema(str(Path(__file__).parents[1] / "unit" / "data" / "rfc9990-dmarc-2.0.xsd"))
    schema.validate(reports["example.com"])
    assert "<source_ip>127.0.0.10</source_ip>" in reports["example.com"]
    assert "<count>2</count>" in reports["example.com"]
    assert "<disposition>reject</disposition>" in reports["example.com"]
