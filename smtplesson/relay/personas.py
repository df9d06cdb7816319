"""Receiver personas: the big mailbox providers' MX hosts as the mail network plays them.

A persona is a :class:`~.requirements.SenderRequirements` MX (TLS, reverse DNS, SPF, DKIM, ARC,
DMARC) that also plays the rest of its provider's published rules, from the provider's entry in
``smtplesson/codes/data/providers.json`` (its ``"requirements"``: the replies, the page each one
follows in ``"cites"``, the numbers in ``"limits"``):

* **reputation**, on the simulated clock (:mod:`.reputation`): a warming IP over its allowance
  and a sender of low reputation are deferred (Gmail ``421 4.7.28``, Yahoo ``[TSS04]``,
  Outlook.com ``4.7.650``); a bad one is refused, at end of data as the provider's own verdict
  (Gmail's "very low reputation of the sending IP/domain", Outlook.com's ``S3150``, iCloud's
  ``[CS01]``/``[HM08]``), or with the 421 Yahoo documents at the greeting (``[TS03]``);
* **bulk senders** (5,000 messages a day from one primary domain: a permanent status): Gmail and
  Yahoo want DMARC and one-click unsubscribe (RFC 8058; without it the message goes to spam),
  Gmail an aligned From; Outlook.com (from 2025-05-05) wants SPF *and* DKIM to pass with DMARC
  aligned, else ``550 5.7.515``;
* **the recipient's side**: a Microsoft 365 tenant's restrictions (``RESOLVER.RST.NotAuthorized``,
  a group for internal senders only, ``5.7.520`` external forwarding disabled) come back as the
  tenant's NDR after it accepted the message (:meth:`Persona.screen`); Apple's Private Email
  Relay refuses a sender whose domain is not registered with Apple (``550 5.1.1 … unauthorized
  sender``): the address is valid and must never be suppressed.

Each persona also tells its :class:`~.reputation.Reputation` what it saw: messages taken,
unknown recipients, deferrals.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..addresses import client_ip, domain_of, normalise_address
from ..clock import SimClock
from .reputation import Reputation
from .requirements import PROFILES, SPAM_FLAG, SenderRequirements

if TYPE_CHECKING:  # pragma: no cover
    from .authentication import Authentication
    from .delivery import Arrival
    from .zone import Zone

__all__ = ["ONE_CLICK", "Persona", "has_one_click", "primary_domain"]

#: RFC 8058 §3.1: the header a one-click unsubscribe needs beside an https List-Unsubscribe URI
ONE_CLICK = "List-Unsubscribe=One-Click"


def primary_domain(zone: Zone, domain: str) -> str:
    """The domain Gmail counts a From domain's mail under: the highest ancestor (two labels at
    least) that publishes a DMARC record, else its last two labels (``news.example.com`` counts
    as ``example.com``)."""
    labels = domain.lower().strip(".").split(".")
    for n in range(2, len(labels) + 1):  # the highest ancestor first
        candidate = ".".join(labels[-n:])
        if any(t.startswith("v=DMARC1") for t in zone.txt(f"_dmarc.{candidate}")):
            return candidate
    return ".".join(labels[-2:])


class Persona(SenderRequirements):
    """One provider's MX: ``Persona(zone, "outlook", reputation)``.

    ``users``: the network's user table (live; an unknown recipient counts against the sender;
    a user's ``"tenant"`` is the check its Microsoft 365 organisation applies after accepting:
    ``"not_authorized"``, ``"group_restricted"``, ``"external_forwarding"``); ``registered``:
    the sender domains registered with Apple's Private Email Relay (live)."""

    name = "receiver-persona"

    def __init__(self, zone: Zone, provider: str = "gmail", reputation: Reputation | None = None, *,
                 users: Mapping[str, Mapping[str, Any]] | None = None,
                 registered: Collection[str] = (), require_tls: bool = True,
                 trusted_sealers: Iterable[str] = ("example.org",)) -> None:
        if provider not in PROFILES:
            raise ValueError(f"provider must be one of {', '.join(PROFILES)} (got {provider!r})")
        self.limits: Mapping[str, Any] = PROFILES[provider].limits
        super().__init__(zone, provider, require_tls=require_tls and bool(self.limits.get("requires_tls")),
                         trusted_sealers=trusted_sealers)
        self.cites: Mapping[str, str] = PROFILES[provider].cites
        self.reputation = reputation if reputation is not None else Reputation(SimClock())
        self.users = users  # live: the network's user table
        self.registered = registered  # live: a lesson registers a domain with Apple
        self._junk: str | None = None  # why the message being judged goes to the spam folder
        self._one_click = False  # the message being judged offers one-click unsubscribe

    def _reply(self, check: str, **values: str) -> str:
        return self.replies[check].format_map(_Blank(values))

    # ------------------------------------------------------------------ the conversation
    def handle_CONNECT(self, session: Any) -> str | None:
        found = super().handle_CONNECT(session)
        if found is None and self.limits.get("reputation_at") == "connect":
            ip = client_ip(session)
            if self.reputation.standing(self.provider, ip=ip) == "bad":
                return self._reply("low_reputation_ip", ip=ip)
        return found

    def handle_RCPT(self, session: Any, envelope: Any, address: str) -> str | None:
        rcpt = normalise_address(address)
        relay = self.limits.get("relay_domain")
        if relay and domain_of(rcpt) == relay:
            sender = domain_of(normalise_address(envelope.mail_from or ""))
            # the address is valid: never a reason to suppress it
            if sender not in {d.lower() for d in self.registered}:
                return self._reply("private_relay", rcpt=rcpt)
        if self.users and self.is_local(rcpt) and rcpt not in self.users:
            sender = domain_of(normalise_address(envelope.mail_from or ""))
            self.reputation.unknown_user(self.provider, client_ip(session),
                                         primary_domain(self.zone, sender) if sender else None)
        return None

    def handle_END_OF_DATA(self, session: Any, envelope: Any) -> str | None:
        self._junk = None
        self._one_click = has_one_click(envelope.original_content or b"")
        reply = super().handle_END_OF_DATA(session, envelope)
        if reply is None and self._junk is not None:
            envelope.original_content = f"{SPAM_FLAG}: YES ({self._junk})\r\n".encode() + (
                envelope.original_content or b"")
        return reply

    # ------------------------------------------------------------------ the verdict
    def verdict(self, found: Authentication, ip: str) -> str | None:
        """Reputation and warm-up first (the provider's own verdict on this sender), then the
        authentication every sender needs, then what bulk senders need."""
        author = str(getattr(found.dmarc, "header_from", "") or "")
        domain = primary_domain(self.zone, author) if author else ""
        held = self._reputation(ip, domain)
        if held is not None:
            self.reputation.deferred(self.provider, ip, domain or None)
            return held
        refused = self._authentication(found, ip, author)
        if refused is None and domain:
            refused = self._bulk(found, ip, domain)
            if refused is None:
                self.reputation.accepted(self.provider, ip, domain)
        return refused

    def _reputation(self, ip: str, domain: str) -> str | None:
        if not self.limits.get("reputation"):
            return None
        rep, me = self.reputation, self.provider
        ip_tier = rep.standing(me, ip=ip)
        domain_tier = rep.standing(me, domain=domain) if domain else None
        at_data = self.limits.get("reputation_at") != "connect"  # Yahoo's refusal comes at the greeting
        if ip_tier == "bad" and "low_reputation_ip" in self.replies and at_data:
            return self._reply("low_reputation_ip", ip=ip)
        if domain_tier == "bad" and "low_reputation_domain" in self.replies:
            return self._reply("low_reputation_domain", ip=ip, domain=domain)
        bad = "bad" in (ip_tier, domain_tier)  # refused above where the provider has its words for it
        over = rep.over_allowance(me, ip=ip) or bool(domain and rep.over_allowance(me, domain=domain))
        if (bad or over) and "throttle" in self.replies:
            return self._reply("throttle", ip=ip, domain=domain)
        return None

    def _authentication(self, found: Authentication, ip: str, author: str) -> str | None:
        if self.vouched(found):
            return None
        if found.dmarc.result == "fail" and found.dmarc_policy == "reject" and "dmarc_reject" in self.replies:
            return self._reply("dmarc_reject", domain=author, ip=ip)
        v = found.verdicts()
        if v["spf"] != "pass" and v["dkim"] != "pass" and "unauthenticated" in self.replies:
            return super().verdict(found, ip)
        return None

    def _bulk(self, found: Authentication, ip: str, domain: str) -> str | None:
        if not self.reputation.is_bulk(self.provider, domain):
            return None
        needs = set(self.limits.get("bulk_needs", ()))
        v = found.verdicts()
        author = str(getattr(found.dmarc, "header_from", "") or domain)
        if {"spf", "dkim"} <= needs and not (v["spf"] == "pass" and v["dkim"] == "pass"
                                             and found.dmarc.result == "pass"):
            return self._reply("bulk_authentication", domain=author, ip=ip, spf=_word(v["spf"]),
                               dkim=_word(v["dkim"]), dmarc=_word(found.dmarc.result))
        if "dmarc" in needs and found.dmarc.result in ("none", "permerror", "temperror"):
            return self._reply("bulk_no_dmarc", domain=author, ip=ip)
        if "aligned" in needs and found.dmarc.result == "fail" and not self.vouched(found):
            return self._reply("bulk_unaligned", domain=author, ip=ip)
        if "one_click" in needs and not self._one_click:
            self._junk = (f"bulk sender {domain} without one-click unsubscribe, RFC 8058; "
                          f"{self.limits.get('source', '')}")
        return None

    # ------------------------------------------------------------------ after acceptance
    def screen(self, arrival: Arrival, recipient: str) -> str | None:
        """The NDR reply the recipient's organisation gives after accepting (Microsoft 365
        tenant rules: only that organisation's admin can lift them), or None to deliver."""
        check = (self.users or {}).get(normalise_address(recipient), {}).get("tenant")
        if check is None or check not in self.replies:
            return None
        if check == "group_restricted" and domain_of(arrival.sender) == domain_of(recipient):
            return None  # the group accepts its own organisation's senders
        return self._reply(check, ip=arrival.peer)

    def describe(self) -> str:
        return f"{PROFILES[self.provider].about} (replies as documented by {'; '.join(self.sources)})"


def has_one_click(content: bytes) -> bool:
    """The message offers RFC 8058 one-click unsubscribe: a ``List-Unsubscribe`` header and
    ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058 §3.1)."""
    head = b"\r\n" + content.split(b"\r\n\r\n", 1)[0].lower()
    return b"\r\nlist-unsubscribe:" in head and b"\r\nlist-unsubscribe-post:" in head and (
        ONE_CLICK.lower().encode() in head)


class _Blank(dict[str, str]):
    """Format values where a reply names one the check did not give: left empty."""

    def __missing__(self, key: str) -> str:
        return ""


def _word(result: str) -> str:
    return "Pass" if result == "pass" else "Fail"

