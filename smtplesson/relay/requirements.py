"""A receiving MX that applies a big mailbox provider's sender requirements, live.

Where the provider documents a refusal of blocklisted addresses at connection time (Yahoo's
``[BL21]``), the client's address is looked up on the DNS blocklist then; at the end of the
message the MX checks TLS, reverse DNS (iprev), SPF, DKIM, ARC and DMARC through the stub zone
(:mod:`smtplesson.relay.authentication`), refuses or defers with the provider's documented
reply (the ``"requirements"`` of its entry in ``smtplesson/codes/data/providers.json``, the one
home of what the project knows about a provider, each profile citing its pages) and stamps
``Authentication-Results`` on what it accepts, the way a milter adds a header at end of data.

In ``MailNetwork(authentication=True)`` the layout's ``"receivers"`` say which MX applies which
provider's rules (example.net's: Gmail's); on its own it is a DebugServer scenario::

    DebugServer(SenderRequirements(zone, "yahoo"), host="127.0.0.21", tls=True)
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..addresses import client_ip
from ..codes.providers import PROVIDERS as _PROVIDERS
from ..codes.providers import Requirements
from ..server.scenarios import Scenario
from .authentication import Authentication, authenticate, check_iprev
from .dmarc_reports import Observation, aggregate_reports

if TYPE_CHECKING:
    from .zone import Zone

__all__ = ["PROFILES", "SenderRequirements"]

#: profile name ("gmail", "yahoo") -> the requirements of the provider it plays
PROFILES: dict[str, Requirements] = {r.profile: r for p in _PROVIDERS.values() for r in p.profiles}
#: the header a message accepted under DMARC p=quarantine carries (SpamAssassin's convention)
SPAM_FLAG = "X-Spam-Flag"


class SenderRequirements(Scenario):
    """The MX checks what Gmail (or Yahoo) checks: blocklist, TLS, reverse DNS, SPF or DKIM,
    DMARC; it refuses with the provider's words and stamps Authentication-Results."""

    name = "bulk-sender-rules"
    codes = (550, 553, 554, 421, 450, 530)

    def __init__(self, zone: Zone, provider: str = "gmail", *, require_tls: bool = True,
                 trusted_sealers: Iterable[str] = ("example.org",)) -> None:
        if provider not in PROFILES:
            raise ValueError(f"provider must be one of {', '.join(PROFILES)} (got {provider!r})")
        self.zone = zone
        self.provider = provider
        self.replies: Mapping[str, str] = PROFILES[provider].replies
        self.sources: tuple[str, ...] = PROFILES[provider].sources
        self.needs_tls = require_tls
        self.trusted_sealers = {d.lower() for d in trusted_sealers}
        self.results: list[Authentication] = []  # what was found about each message, in order
        self.observations: list[Observation] = []  # the DMARC side of each, for aggregate reports

    def reset(self) -> None:
        self.results.clear()
        self.observations.clear()

    def _reply(self, check: str, **values: str) -> str:
        return self.replies[check].format(**values)

    def handle_CONNECT(self, session: Any) -> str | None:
        ip = client_ip(session)
        if "blocklist" in self.replies and self.zone.listed(ip):  # only where documented (Yahoo)
            return self._reply("blocklist", ip=ip)
        return None

    #: signatures are verified in the server's worker threads (Scenario.examine)
    examines = True

    def examine(self, session: Any, envelope: Any) -> None:
        """Verify SPF, DKIM, ARC and DMARC off the event loop, for END-OF-DATA to read."""
        ip = client_ip(session)
        if self.needs_tls and not getattr(session, "tls", None):
            return
        iprev = check_iprev(self.zone, ip)
        if iprev.result == "pass":
            envelope.authentication = self._authenticate(session, envelope, iprev)

    def _authenticate(self, session: Any, envelope: Any, iprev: Any) -> Authentication:
        return authenticate(self.zone, envelope.original_content or b"", ip=client_ip(session),
                            mail_from=envelope.mail_from or "", helo=session.host_name or "",
                            authserv_id=self.hostname, iprev=iprev)

    def handle_END_OF_DATA(self, session: Any, envelope: Any) -> str | None:
        ip = client_ip(session)
        if self.needs_tls and not getattr(session, "tls", None):
            return self._reply("tls", ip=ip)
        iprev = check_iprev(self.zone, ip)
        if iprev.result != "pass" and "ptr" in self.replies:  # a receiver with no such rule goes on
            return self._reply("ptr", ip=ip)
        content = envelope.original_content or b""
        found = getattr(envelope, "authentication", None)  # examine() found it off the event loop
        if not isinstance(found, Authentication):
            found = self._authenticate(session, envelope, iprev)
        self.results.append(found)
        self._observe(found, envelope)
        verdict = self.verdict(found, ip)
        if verdict is not None:
            return verdict
        head = found.header_bytes()
        if found.dmarc.result == "fail" and found.dmarc_policy == "quarantine" and not self.vouched(found):
            head += f"{SPAM_FLAG}: YES (DMARC policy of {found.dmarc.header_from} is quarantine)\r\n".encode()
        envelope.original_content = head + content
        return None

    def _observe(self, found: Authentication, envelope: Any) -> None:
        """Keep what a DMARC aggregate report needs (RFC 9989 §5.3.7)."""
        if found.verdict is None:
            return
        spf_domain = found.mail_from.rpartition("@")[2] if found.mail_from else ""
        dkim = tuple((str(getattr(r, "header_d", "") or ""), str(getattr(r, "header_s", "") or ""), r.result)
                     for r in found.dkim if getattr(r, "header_d", None))
        rcpt = str(envelope.rcpt_tos[0]).rpartition("@")[2] if envelope.rcpt_tos else ""
        override = "trusted_forwarder" if found.verdict.result == "fail" and self.vouched(found) else ""
        self.observations.append(Observation(
            found.source_ip, found.verdict.discovery.author, spf_domain, rcpt, found.verdict,
            (spf_domain, found.spf.result), dkim, override, self.now()))

    def dmarc_reports(self, begin: float, end: float, *, email: str | None = None) -> dict[str, str]:
        """This MX's RFC 9990 aggregate reports for ``[begin, end)``, one per Policy Domain
        that asked for them (``rua``)."""
        seen = [o for o in self.observations if begin <= o.when < end]
        return aggregate_reports(seen, org_name=self.hostname, begin=int(begin), end=int(end) - 1,
                                 email=email or f"noreply-dmarc@{self.hostname}")

    def vouched(self, found: Authentication) -> bool:
        """An ARC chain that passes, sealed by a forwarder this MX trusts (RFC 8617 §7.2)."""
        sealer = str(getattr(found.arc, "header_as_d", "") or "")
        return found.arc.result == "pass" and sealer in self.trusted_sealers

    def verdict(self, found: Authentication, ip: str) -> str | None:
        """The refusal the authentication results call for, or None to accept."""
        if self.vouched(found):
            return None
        v = found.verdicts()
        domain = str(getattr(found.dmarc, "header_from", "") or "")
        if found.dmarc.result == "fail" and found.dmarc_policy == "reject":
            return self._reply("dmarc_reject", domain=domain, ip=ip)
        if v["spf"] != "pass" and v["dkim"] != "pass":
            spf_domain = str(getattr(found.spf, "smtp_mailfrom", "") or getattr(found.spf, "smtp_helo", ""))
            return self._reply("unauthenticated", ip=ip, spf=_passed(v["spf"]), dkim=_passed(v["dkim"]),
                               spf_domain=spf_domain.rpartition("@")[2])
        return None

    def describe(self) -> str:
        return (f"{PROFILES[self.provider].about} (replies as documented by "
                f"{'; '.join(self.sources)})")


def _passed(result: str) -> str:
    return "pass" if result == "pass" else "did not pass"

