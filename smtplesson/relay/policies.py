"""What each server of a MailNetwork accepts: DebugServer scenarios chained into one policy.

A real server checks a recipient in steps (Postfix: ``smtpd_recipient_restrictions``): is the
domain ours or is the client authenticated (else relay denied), does the mailbox exist, is it
full, does a greylisting policy want a retry.  Each step here *is* a DebugServer scenario
(``relay-denied``, ``unknown-user``, ``greylisting`` ...), asked in order; the first reply wins.
A scenario the learner puts on the host (``MailNetwork(scenarios={host: "rate-limit"})``)
comes last in the chain, and DebugServer rules come before all of it.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..addresses import client_ip, normalise_address
from ..server.scenarios import Greylisting, RelayDenied, Scenario, UnknownUser, make_scenario
from .zone import DNSBL

if TYPE_CHECKING:  # pragma: no cover
    from ..clock import SimClock
    from ..server.debug import DebugServer
    from ..server.rules import Rule
    from .delivery import Delivery
    from .layout import Host
    from .reputation import Reputation
    from .requirements import SenderRequirements
    from .security import Security
    from .zone import Zone

__all__ = ["Chain", "DNSBLCheck", "MailboxPolicy", "ScenarioSpec", "Servers"]

#: a scenario as MailNetwork(scenarios=...) takes it: a name, (name, options) or an instance
ScenarioSpec = str | tuple[str, Mapping[str, Any]] | Scenario


class Chain(Scenario):
    """Several scenarios as one: for each point, the first non-None reply wins."""

    name = "chain"

    def __init__(self, parts: Iterable[Scenario]) -> None:
        self.parts = [p for p in parts if p is not None]
        self.name = " + ".join(p.name for p in self.parts) or "default"
        self.codes = tuple(c for p in self.parts for c in p.codes)
        self.extensions = tuple(e for p in self.parts for e in p.extensions)
        self.parameters = frozenset().union(*(p.parameters for p in self.parts))
        sizes = [p.max_size for p in self.parts if p.max_size]
        self.max_size = min(sizes) if sizes else None
        self.offers_auth = any(p.offers_auth for p in self.parts)
        self.require_tls = any(p.require_tls for p in self.parts)
        self.examines = any(p.examines for p in self.parts)

    def attach(self, server: Any) -> None:
        super().attach(server)
        for p in self.parts:
            p.attach(server)

    def hooks(self) -> dict[str, Callable[..., str | None]]:
        chains: dict[str, list[Callable[..., str | None]]] = {}
        for p in self.parts:
            for point, hook in p.hooks().items():
                chains.setdefault(point, []).append(hook)
        return {point: _first(hooks) for point, hooks in chains.items()}

    def smtp_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {}
        for p in self.parts:
            options.update(p.smtp_options())
        return options

    def reset(self) -> None:
        for p in self.parts:
            p.reset()

    def message_stored(self, stored: Any) -> None:
        for p in self.parts:
            p.message_stored(stored)

    def examine(self, session: Any, envelope: Any) -> None:
        for p in self.parts:
            if p.examines:
                p.examine(session, envelope)

    def authenticate(self, session: Any, mechanism: str, login: str, password: str) -> str | None:
        for p in self.parts:
            if p.offers_auth:
                return p.authenticate(session, mechanism, login, password)
        return super().authenticate(session, mechanism, login, password)

    def describe(self) -> str:
        return "; ".join(p.describe() for p in self.parts)


def _first(hooks: list[Callable[..., str | None]]) -> Callable[..., str | None]:
    if len(hooks) == 1:
        return hooks[0]

    def decide(*args: Any) -> str | None:
        for hook in hooks:
            reply = hook(*args)
            if reply is not None:
                return reply
        return None

    return decide


class MailboxPolicy(Scenario):
    """The mailboxes of a domain: 552 5.2.2 when one is over its quota, 451 4.7.1 for a
    mailbox behind greylisting (per-recipient policy, as a policy service can do)."""

    name = "mailboxes"
    codes = (552, 451)

    def __init__(self, users: Mapping[str, Mapping[str, Any]], usage: Callable[[str], int],
                 greylist_delay: float = 300.0) -> None:
        self.users = users  # live: the network's user table
        self.usage = usage  # bytes already delivered to an address
        self.greylist = Greylisting(delay=greylist_delay)

    def attach(self, server: Any) -> None:
        super().attach(server)
        self.greylist.attach(server)

    def reset(self) -> None:
        self.greylist.reset()

    def _full(self, address: str, size: int | None = None) -> str | None:
        """The 552 reply if the mailbox is full (at RCPT) or the message won't fit (``size``)."""
        quota = self.users.get(normalise_address(address), {}).get("quota")
        if quota is None:
            return None
        used = self.usage(address)
        if (used < quota) if size is None else (used + size <= quota):
            return None
        return f"552 5.2.2 <{address}>: Mailbox full (quota {quota} bytes)"

    def handle_RCPT(self, session: Any, envelope: Any, address: str) -> str | None:
        user = self.users.get(normalise_address(address))
        if user is None or not self.is_local(address):
            return None
        full = self._full(address)
        if full:
            return full
        if user.get("greylist"):
            return self.greylist.handle_RCPT(session, envelope, address)
        return None

    def handle_END_OF_DATA(self, session: Any, envelope: Any) -> str | None:
        size = len(envelope.original_content or b"")
        for rcpt in envelope.rcpt_tos:
            full = self._full(rcpt, size)
            if full:
                return full
        return None


class DNSBLCheck(Scenario):
    """Postfix's ``reject_rbl_client dnsbl.example``: a client whose address the blocklist
    lists (RFC 5782) is refused at RCPT, with Postfix's default reply (``default_rbl_reply``
    in ``src/global/mail_params.h`` of Postfix 3.7: ``$rbl_code Service unavailable; $rbl_class
    [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}``, ``$rbl_code`` 554 and
    the class "Client host").  Postfix answers at RCPT, not at the greeting, because of
    ``smtpd_delay_reject = yes``: the log then shows who the mail was for."""

    name = "dnsbl"
    codes = (554,)

    def __init__(self, zone: Zone, blocklist: str = DNSBL) -> None:
        self.zone = zone
        self.blocklist = blocklist

    def handle_RCPT(self, session: Any, envelope: Any, address: str) -> str | None:
        ip = client_ip(session)
        reason = self.zone.listed(ip, self.blocklist)
        if reason is None:
            return None
        return f"554 5.7.1 Service unavailable; Client host [{ip}] blocked using {self.blocklist}; {reason}"


T = TypeVar("T")


def weakly(method: Callable[..., T], default: T) -> Callable[..., T]:
    """``method`` (bound to a part of the network) without keeping it alive: the server threads
    hold their callbacks, so a strong one would keep a dropped network, and its servers, running
    forever; with a weak one its finalizer stops them (as a dropped DebugServer stops itself)."""
    ref = weakref.WeakMethod(method)

    def call(*args: Any) -> T:
        bound = ref()
        return default if bound is None else bound(*args)

    return call


def _learner_scenario(spec: ScenarioSpec | None) -> Scenario | None:
    """``"rate-limit"``, ``("rate-limit", {"limit": 2})`` or a Scenario instance."""
    if spec is None:
        return None
    if isinstance(spec, tuple):
        name, options = spec
        return make_scenario(name, **dict(options))
    return make_scenario(spec)


@dataclass
class Servers:
    """Builds each host's DebugServer with the checks its role calls for.

    ``users``: the network's user table (live: ``add_user`` counts at once); ``zone``: what the
    sender checks ask; ``security``: None without authentication; ``delivery``: the hook every
    server calls when it accepts a message, and the mailbox sizes for quotas (both held weakly)."""

    users: Mapping[str, Mapping[str, Any]]
    greylist_delay: float
    zone: Zone
    security: Security | None
    clock: SimClock
    delivery: Delivery
    reputation: Reputation | None = None  # what the receiver personas have seen of each sender

    def policy(self, host: Host) -> list[Scenario]:
        """The checks a host of this role makes, in order (the per-host policy hook: a new kind
        of check, say SPF or DMARC at an MX, is one more part here)."""
        if host.role == "MSA":
            passwords = {u: d["password"] for u, d in self.users.items() if d.get("password")}
            return [make_scenario("auth", users=passwords)]
        security = self.security
        if host.role == "MX":
            unknown = UnknownUser(users=())
            unknown.users = self.users.keys()  # type: ignore[assignment]  # live and set-like: add_user() counts at once
            usage = weakly(self.delivery.usage, 0)
            parts: list[Scenario] = [RelayDenied(code=554), unknown,
                                     MailboxPolicy(self.users, usage, self.greylist_delay)]
            provider = security.receivers.get(host.name) if security is not None else None
            if security is not None:
                parts.insert(0, DNSBLCheck(self.zone))
            if security is not None and provider:
                parts.insert(0, self.persona(host, provider, security))
            return parts
        if host.role == "LIST" and security is not None:
            lists = UnknownUser(users=())
            lists.users = security.served
            return [RelayDenied(code=554), lists]
        return []  # the outbound relay: accepts from the MSA what it is given

    def persona(self, host: Host, provider: str, security: Security) -> Scenario:
        """The receiver persona an MX plays (:mod:`.personas`); what its organisation refuses
        after accepting goes back as its NDR (the delivery's screen for this host)."""
        from .personas import Persona

        persona = Persona(self.zone, provider, self.reputation, users=self.users,
                          registered=security.relay_registered, require_tls=security.tls(host)[0],
                          trusted_sealers=security.trusted_sealers)
        self.delivery.screens[host.name] = weakly(persona.screen, None)
        return persona

    @staticmethod
    def receivers(hosts: Iterable[Host]) -> list[SenderRequirements]:
        """The provider checks running on these hosts' servers, in host order."""
        from .requirements import SenderRequirements

        found: list[SenderRequirements] = []
        for h in hosts:
            scenario = h.server.scenario if h.server is not None else None
            parts = scenario.parts if isinstance(scenario, Chain) else [scenario]
            found += [p for p in parts if isinstance(p, SenderRequirements)]
        return found

    def start(self, host: Host, scenario: ScenarioSpec | None = None, rules: Iterable[Rule] = ()) -> None:
        """Start ``host``'s server (a mail client has none; a host that is down refuses)."""
        if host.role == "MUA":
            return
        if host.state != "up":
            host.refuse_connections()
            return
        host.server = self.server(host, scenario, rules)
        host.server.start()
        host.port = host.server.port

    def server(self, host: Host, scenario: ScenarioSpec | None = None,
               rules: Iterable[Rule] = ()) -> DebugServer:
        """A DebugServer for one host of the network, with the policy its role calls for."""
        from ..server.debug import DebugServer

        parts = self.policy(host)
        extra = _learner_scenario(scenario)
        if extra is not None:
            parts.append(extra)
        policy = parts[0] if len(parts) == 1 else Chain(parts)
        on_message = weakly(self.delivery.on_message, None)
        domains = [host.domain] if host.role in ("MX", "LIST") else []
        tls: dict[str, Any] = {}
        if self.security is not None:  # STARTTLS everywhere; the MSA wants it before AUTH (RFC 8314 §3.3)
            offered, certificate = self.security.tls(host)
            tls = dict(tls=offered, certificate=certificate, require_starttls=host.role == "MSA")
        return DebugServer(policy, rules=list(rules), host=host.address, hostname=host.name, domains=domains,
                           clock=self.clock, on_message=lambda stored: on_message(host, stored), **tls)
