"""A receiving MX with the providers' sender requirements, hit by clients on distinct loopback
addresses (smtplib's ``source_address``), everything resolved in the stub zone."""
from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator

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


@pytest.mark.parametrize(("provider", "reply"), [
    ("gmail", "5.7.1 [127.0.0.66] Our system has detected that this message is suspicious"),
    ("yahoo", "5.7.1 [BL21] Connections will not be accepted from 127.0.0.66"),
])
def test_a_blocklisted_client_is_refused_at_the_greeting(mx, zone, provider: str, reply: str) -> None:
    zone.list_ip(SPOOFER)
    code, text = send(mx(provider), source=SPOOFER)
    assert code in (550, 553) and text.startswith(reply)


def test_yahoo_profile_refuses_dmarc_failures_554_5_7_9(mx, zone) -> None:
    zone.set_address("spoofer.example", SPOOFER)
    code, text = send(mx("yahoo"), source=SPOOFER, helo="spoofer.example")
    assert (code, text.split()[0]) == (554, "5.7.9")


def test_unknown_provider_is_a_clear_error(zone) -> None:
    with pytest.raises(ValueError, match="provider must be one of gmail, outlook, m365, yahoo, icloud"):
        SenderRequirements(zone, "hotmail")
