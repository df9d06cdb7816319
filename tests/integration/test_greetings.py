"""No server of the package greets with 550: RFC 5321 §4.3.2 allows 220 or 554 at connection
establishment (§3.1: 554 "No SMTP service here"), RFC 7504 adds 521, and 421 closes a channel
(§3.8).  Every scenario, every provider profile and every MX of the network is asked, by a client
whose address is on the blocklist.  The one documented exception is a provider's own published
reply (Yahoo's 553 [BL21]), which its profile's data names."""
from __future__ import annotations

import smtplib

import pytest

from smtplesson import DebugServer
from smtplesson.relay import MailNetwork
from smtplesson.relay.requirements import PROFILES, SenderRequirements
from smtplesson.relay.zone import Zone
from smtplesson.server.scenarios import SCENARIOS

LISTED = "127.0.0.66"
ALLOWED = {220, 421, 521, 554}
#: options that make a scenario answer at the greeting
AT_GREETING = {"shutting-down": {"at": "CONNECT"}, "rate-limit": {"per": "connection", "limit": 0}}


def greeting(host: str, port: int, source: str = LISTED) -> int:
    try:
        with smtplib.SMTP(host, port, local_hostname="spoofer.example", source_address=(source, 0)) as c:
            return 220 if c.noop()[0] else 0
    except smtplib.SMTPConnectError as refused:
        return refused.smtp_code


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_no_scenario_greets_with_a_forbidden_code(name: str) -> None:
    with DebugServer(name, **AT_GREETING.get(name, {})) as s:
        assert greeting(s.host, s.port, "127.0.0.1") in ALLOWED


@pytest.mark.parametrize("provider", sorted(PROFILES))
def test_no_provider_profile_greets_a_listed_client_with_550(provider: str) -> None:
    """A provider's own greeting refusal stands only where its profile says RFC 5321 differs."""
    zone = Zone()
    zone.list_ip(LISTED)
    with DebugServer(SenderRequirements(zone, provider), host="127.0.0.21") as s:
        code = greeting(s.host, s.port)
    profile = PROFILES[provider]
    documented = "RFC 5321 §4.3.2" in profile.about and code == int(profile.replies.get("blocklist", "0")[:3])
    assert code in ALLOWED or documented
    assert code != 550


def test_no_mx_of_the_network_refuses_a_listed_client_at_the_greeting() -> None:
    """Only the Yahoo persona does, with Yahoo's documented 553 [BL21] (its profile says so)."""
    with MailNetwork(authentication=True) as net:
        net.dns.list_ip(LISTED)
        assert net.security is not None
        for host in net.hosts:
            if host.role == "MX" and host.state == "up":
                profile = PROFILES.get(net.security.receivers.get(host.name, ""))
                documented = profile.replies.get("blocklist") if profile is not None else None
                if documented is not None:
                    assert "RFC 5321 §4.3.2" in profile.about
                    assert greeting(host.address, host.port) == int(documented[:3]), host.name
                    continue
                with net.connect(host.name, client="spoofer.example") as s:
                    assert s.noop()[0] == 250, host.name
