"""A small mail network on loopback that carries a message hop by hop, queues on 4xx, bounces on 5xx.

Every server is a real :class:`~smtplesson.server.DebugServer` on 127.0.0.1 (ephemeral port) and
every hand-over is a real SMTP conversation with :mod:`smtplib`::

    MUA ──AUTH──▶ MSA smtp.example.com ──▶ MTA relay.example.com (queue, MX lookup)
        ──▶ MX mx1.example.net (or the next MX) ──▶ mailbox

Time is simulated (:class:`~smtplesson.clock.SimClock`): ``run()`` jumps from one queue event to
the next, so a greylisting retry ten minutes later or a give-up after five days takes
milliseconds, and the same story prints the same output every time.  The layout (hosts, MX
records, users) is data: ``smtplesson/relay/data/network.json``.

:class:`MailNetwork` is the facade: it builds the parts and hands each only what it uses —
:mod:`.ledger` (the record and the clock), :mod:`.zone` (stub DNS), :mod:`.routing` (queue runs,
MX choice), :mod:`.delivery` (the receiving side), :mod:`.dsns` (DSNs), :mod:`.policies` (each
server's checks); no part knows the network.  ``MailNetwork().send("alice@example.com",
["bob@example.net", "dan@example.net"]).fates()`` gives ``{'bob@example.net': 'delivered',
'dan@example.net': 'bounced'}``.
"""
from __future__ import annotations

import math
import smtplib
import ssl
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..addresses import normalise_address
from ..bounces.build import is_dsn
from ..clock import SimClock
from .client import TIMEOUT
from .delivery import Delivery, Transform, Wire
from .dsns import Dsns
from .layout import Host, hosts_of, load_layout, stop_hosts
from .ledger import Ledger
from .policies import Servers
from .queue import MailQueue, QueueEntry, RetryPolicy
from .reputation import Reputation
from .routing import REJECTED, Pending, Router
from .security import Security
from .shaping import Shaping
from .tracking import TrackedMessage
from .zone import Zone

if TYPE_CHECKING:  # pragma: no cover
    from email.message import Message

    from ..server.debug import DebugServer
    from ..server.rules import Rule
    from .esp.service import Esp
    from .esp.suppressions import Suppressions
    from .forwarding import Intermediary
    from .policies import ScenarioSpec

__all__ = ["REJECTED", "Host", "MailNetwork", "RetryPolicy", "SimClock", "load_layout"]

class MailNetwork:
    """Servers on loopback, a stub DNS, queues on a simulated clock, and the fate of every message.

    ``layout``: a dict or JSON path shaped like ``smtplesson/relay/data/network.json`` (default).
    ``retry``: a :class:`RetryPolicy` or dict overriding the layout's (``first``, ``factor``,
    ``max``, ``lifetime``, ``delay_warning`` in seconds).  ``scenarios``: ``{host: name or
    Scenario}`` and ``rules``: ``{host: [Rule, ...]}`` put DebugServer faults on any server.
    ``maildir``: also write every delivered copy into ``<maildir>/<address>/`` Maildirs.
    ``authentication``: the network as mailbox providers see it (:mod:`.security`): own
    addresses, SPF/DKIM/DMARC records, DKIM signing, STARTTLS, the receivers' sender rules and
    an ARC-sealing mailing list; ``tls_level`` (relay to MX: ``"may"``, ``"encrypt"``,
    ``"verify"``) and ``certificates`` (``{host: False | "expired" | "wrong-name"}``) with it.
    ``esp``: the sending service's layer (:mod:`.esp`, ``docs/esp.md``): suppression list, events,
    Postfix-format log, spam folders at the MX hosts, one-click unsubscribe, feedback loops; True,
    or a dict overriding sections of ``smtplesson/relay/data/esp.json``.
    """

    def __init__(
        self,
        layout: str | Path | Mapping[str, Any] | None = None,
        *,
        clock: SimClock | None = None,
        retry: RetryPolicy | Mapping[str, Any] | None = None,
        scenarios: Mapping[str, ScenarioSpec] | None = None,
        rules: Mapping[str, Sequence[Rule]] | None = None,
        maildir: str | Path | None = None,
        authentication: bool = False,
        tls_level: str = "may",
        certificates: Mapping[str, bool | str] | None = None,
        esp: bool | Mapping[str, Any] = False,
    ) -> None:
        self.layout = load_layout(layout)
        self.clock = clock or SimClock(self.layout.get("start"))
        if isinstance(retry, RetryPolicy):
            self.retry = retry
        else:
            self.retry = RetryPolicy.from_data({**self.layout.get("retry", {}), **dict(retry or {})})
        self.dns = Zone()  # the stub DNS: every look-up of the network, and nothing else, asks it
        for domain, rows in self.layout.get("mx", {}).items():
            self.dns.set_mx(domain, rows)
        self.users: dict[str, dict[str, Any]] = {
            k.lower(): dict(v) for k, v in self.layout.get("users", {}).items()
        }
        self.greylist_delay = float(self.layout.get("greylist_delay", 300))
        self.maildir = Path(maildir) if maildir else None
        self.hosts: list[Host] = hosts_of(self.layout)
        self.security: Security | None = None
        if authentication:
            self.security = Security(self.layout.get("authentication", {}), tls_level=tls_level,
                                     certificates=certificates)
            self.hosts += self.security.extra_hosts()
            self.users.update(self.security.extra_users())
            self.security.place(self.hosts)
            self.security.publish(self.dns, self.hosts)
        self._by_name = {h.name: h for h in self.hosts}
        roles = {h.name: h.role for h in self.hosts} | {"mailbox": "mailbox", "DNS": "DNS"}
        self.ledger = Ledger(self.clock, roles)
        wire = Wire()
        self.delivery = Delivery(self.ledger, self.dns, self.security, wire, self.maildir)
        self.dsn_writer = Dsns(self.ledger, self.delivery.enqueue, self.retry)
        options = self.security.session_options if self.security is not None else _plain_session
        relay = next((h.name for h in self.hosts if h.role == "MTA"), "relay")
        transport = self.security.start_policies(self.dns, self.clock, relay) if self.security else None
        self.shaping = Shaping(self.clock, label=self.clock.label)
        self.router = Router(self.ledger, self.dns, self._by_name, wire, options,
                             self.dsn_writer.bounce, self.dsn_writer.maybe_warn, transport, self.shaping)
        self.delivery.on_refused = self.dsn_writer.refused
        established = [h.address for h in self.hosts if h.role in ("MTA", "LIST")]
        self.reputation = Reputation(self.clock, established=established)
        self._servers = Servers(self.users, self.greylist_delay, self.dns, self.security, self.clock,
                                self.delivery, self.reputation)
        self._closed = False
        self._scenarios = dict(scenarios or {})
        self._rules = {k: list(v) for k, v in (rules or {}).items()}
        unknown = (set(self._scenarios) | set(self._rules)) - set(self._by_name)
        if unknown:
            raise ValueError(f"no such host in the network: {', '.join(sorted(unknown))}")
        try:
            for h in self.hosts:
                # an MX's queue holds only the DSNs it writes (its organisation's refusals)
                h.queue = MailQueue(h.name, self.retry) if h.role in ("MSA", "MTA", "LIST", "MX") else None
                self._servers.start(h, self._scenarios.get(h.name), self._rules.get(h.name, ()))
        except BaseException:
            self.close()
            raise
        self.esp: Esp | None = self._start_esp(esp) if esp else None
        self._finalizer = weakref.finalize(self, _stop, list(self.hosts), self.security, self.esp)

    def _start_esp(self, spec: bool | Mapping[str, Any]) -> Esp:
        """The sending service: the MSA and the outbound relay are its hosts; it sees every
        attempt recorded and stamps every submission; every server logs, every MX files."""
        from .esp.service import Esp

        own = [h.name for h in self.hosts if h.role in ("MSA", "MTA")]
        by_name, delivery = self._by_name, self.delivery  # the service holds parts, never the network

        def address_of(name: str) -> str:
            h = by_name.get(name.lower())
            return h.address if h is not None else "127.0.0.1"

        def mailbox(address: str) -> list[EmailMessage]:
            return [c.message for c in delivery.copies(address)]

        service = Esp(self.clock, own, address_of=address_of, mailbox=mailbox,
                      post=_poster(self.dns, by_name, self.security),
                      spec=spec if isinstance(spec, Mapping) else None)
        self.ledger.observers.append(service.observe)
        self.ledger.stamp = service.headers
        for h in self.hosts:
            if h.role != "MUA" and h.state == "up":
                self.add_transform(h.name, service.log.accepted)
            if h.role == "MX" and h.state == "up":
                self.add_transform(h.name, service.file)
        for address in (service.sender["fbl"], service.sender["unsubscribe"]):
            self.users.setdefault(normalise_address(address), {})
        return service

    # ------------------------------------------------------------------ life cycle
    def close(self) -> None:
        """Stop every server (idempotent)."""
        self._closed = True
        _stop(self.hosts, self.security, getattr(self, "esp", None))

    def stop(self) -> None:
        """Same as :meth:`close` (the name lesson clean-up cells use for every server)."""
        self.close()

    def __enter__(self) -> MailNetwork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ look-ups
    def host(self, name: str) -> Host:
        """A host by name (``"mx1.example.net"``)."""
        try:
            return self._by_name[name.lower()]
        except KeyError:
            raise KeyError(f"no host {name!r}; hosts: {', '.join(self._by_name)}") from None

    def server(self, name: str) -> DebugServer:
        """The DebugServer of a host (for its transcripts, rules and store)."""
        h = self.host(name)
        if h.server is None:
            raise ValueError(f"{h.name} has no running server (role {h.role}, state {h.state})")
        return h.server

    def add_rule(self, name: str, rule: Rule) -> Rule:
        """Put a DebugServer :class:`~smtplesson.rules.Rule` on a running host (checked after
        its other rules, before its policy); returns the rule, e.g.
        ``net.add_rule("mx1.example.net", Rule("RCPT", "550 5.1.1 gone", to="bob@example.net"))``.
        """
        return self.server(name).add_rule(rule)

    def add_transform(self, name: str, step: Transform) -> Transform:
        """Have host ``name`` apply ``step(arrival, message) -> message`` to every message it
        accepts, after its Received: header (steps run in the order added); returns it."""
        return self.delivery.add_transform(self.host(name), step)

    def connect(self, name: str, client: str = "client.example.org") -> smtplib.SMTP:
        """An ``smtplib.SMTP`` session to one host, as an outside client (say, a spammer trying
        the MX as an open relay).  Its port stays hidden; close it with ``quit()``.  In an
        authenticated network the client connects from its own address (``spoofer.example``:
        127.0.0.66); ``smtp.starttls(context=net.tls_context())`` then works as with any MX."""
        self._check_open()
        h = self.host(name)
        if h.role == "MUA":
            raise ValueError(f"{h.name} is a mail client, it does not listen")
        source = self.security.source(client) if self.security is not None else None
        return smtplib.SMTP(h.address, h.port, local_hostname=client, timeout=TIMEOUT,
                            source_address=(source, 0) if source else None)

    # ------------------------------------------------------------------ receivers' policies, live
    def set_mta_sts(self, domain: str, *, mode: str, mx: Sequence[str], max_age: int = 86_400) -> str:
        """Publish a new MTA-STS policy for ``domain`` (RFC 8461) and bump its ``_mta-sts`` id,
        as the domain's owner does: ``net.set_mta_sts("example.net", mode="enforce",
        mx=["mx9.example.net"])``; the relay fetches it at its next delivery there."""
        if self.security is None:
            raise ValueError("MTA-STS needs MailNetwork(authentication=True)")
        return self.security.set_mta_sts(self.dns, domain, mode=mode, mx=list(mx), now=self.clock())

    def tls_report(self, domain: str, day: float | None = None) -> dict[str, Any]:
        """The relay's RFC 8460 TLS-RPT report for ``domain`` over one simulated day (UTC; the
        current one by default), as the JSON object it would send to the ``_smtp._tls`` rua."""
        transport = self.router.transport
        if transport is None:
            raise ValueError("TLS reports need MailNetwork(authentication=True) and 'mta_sts' in the layout")
        start = _day_start(self.clock() if day is None else day)
        return transport.log.report(domain, start, start + 86_400)

    def dmarc_reports(self, day: float | None = None) -> dict[str, str]:
        """The receivers' RFC 9990 DMARC aggregate reports over one simulated day (UTC; the
        current one by default), keyed by the file name RFC 9990 gives them
        (``receiver!policy-domain!begin!end.xml``)."""
        start = _day_start(self.clock() if day is None else day)
        found: dict[str, str] = {}
        for receiver in self._servers.receivers(self.hosts):
            for domain, xml in receiver.dmarc_reports(start, start + 86_400).items():
                found[f"{receiver.hostname}!{domain}!{int(start)}!{int(start) + 86_399}.xml"] = xml
        return found

    @property
    def lists(self) -> dict[str, Intermediary]:
        """The lists and forwarders of an authenticated network, live (:mod:`.forwarding`):
        ``net.lists["team@lists.example.org"]["arc"] = False`` takes the list's ARC seal off,
        ``["munge"] = True`` munges From: for p=reject authors, ``net.lists["carol@forward.
        example.org"]["srs"] = True`` gives the forwarder SRS."""
        return self.security.lists if self.security is not None else {}

    def tls_context(self, *, verify: bool = True) -> ssl.SSLContext:
        """An ``ssl`` context trusting the network's local CA (for :meth:`connect` sessions)."""
        from ..server.tls import local_ca

        return local_ca().client_context(verify=verify)

    @property
    def roles(self) -> dict[str, str]:
        return dict(self.ledger.roles)

    @property
    def messages(self) -> list[TrackedMessage]:
        """Every message the network has seen, in the order it entered (bounces among them)."""
        return self.ledger.messages

    def mailbox(self, address: str) -> list[EmailMessage]:
        """Messages delivered to ``address``, oldest first (each with its trace headers)."""
        return [c.message for c in self.delivery.copies(address)]

    def dsns(self, address: str) -> list[EmailMessage]:
        """The delivery-status reports (bounces and warnings) in ``address``'s mailbox."""
        return [m for m in self.mailbox(address) if is_dsn(m)]

    # ------------------------------------------------------------------ the sending service
    def _service(self) -> Esp:
        if self.esp is None:
            raise ValueError("this network has no sending service: make it with MailNetwork(esp=True)")
        return self.esp

    @property
    def suppressions(self) -> Suppressions:
        """The service's suppression list: ``address in net.suppressions``, ``.reactivate()``."""
        return self._service().suppressions

    def events(self, kind: str | None = None, email: str | None = None) -> list[dict[str, Any]]:
        """The service's webhook events, oldest first (schema: :mod:`.esp.events`)."""
        return self._service().events(kind, email)

    def maillog(self, host: str | None = None) -> list[str]:
        """Postfix-format log lines of every host (or of ``host``), oldest first."""
        return self._service().log.lines(self.messages, self.roles, host)

    def folders(self, address: str) -> dict[str, list[EmailMessage]]:
        """A mailbox by folder: ``{"Inbox": [...], "Junk": [...], "Quarantine": [...]}``."""
        return self._service().folders(self.mailbox(address))

    def unsubscribe(self, address: str, message: EmailMessage | None = None, *, via: str = "https") -> int:
        """The mailbox clicks "unsubscribe" on ``message`` (default: its newest with a
        ``List-Unsubscribe``): an RFC 8058 POST to the service's endpoint (the HTTP status), or
        with ``via="mailto"`` a mail to the service's unsubscribe address (250 once sent)."""
        service = self._service()
        msg = message or service.newest(self.mailbox(address), "List-Unsubscribe", address)
        if via == "https":
            return service.unsubscribe(msg)
        if via != "mailto":
            raise ValueError(f"via must be 'https' or 'mailto' (got {via!r})")
        mx = self.dns.lookup(address.rpartition("@")[2])
        provider = mx.hosts[0] if not mx.error and mx.hosts else address.rpartition("@")[2]
        return service.unsubscribe_by_mail(address, msg, provider)

    def report_spam(self, address: str, message: EmailMessage | None = None) -> Message | None:
        """The mailbox clicks "report spam" on ``message`` (default: its newest from the
        service): the RFC 5965 report its provider mailed the service, or None where the
        provider sends none (Gmail: only the aggregate rate, ``net.esp.feedback``)."""
        service = self._service()
        msg = message or service.newest(self.mailbox(address), "Feedback-ID", address)
        mx = self.dns.lookup(address.rpartition("@")[2])
        reporter = mx.hosts[0] if not mx.error and mx.hosts else address.rpartition("@")[2]
        relay = next(h for h in self.hosts if h.role == "MTA")
        return service.report_spam(address, msg, reporter, relay.address)

    def usage(self, address: str) -> int:
        """Bytes delivered to a mailbox so far (for quotas)."""
        return self.delivery.usage(address)

    def add_user(self, address: str, **options: Any) -> None:
        """Create a mailbox (options as in network.json: ``greylist``, ``quota``, ``password``)."""
        with self.ledger.lock:
            self.users[normalise_address(address)] = dict(options)

    @property
    def queued(self) -> list[QueueEntry]:
        """Every queue entry still waiting, on every MTA."""
        return [e for h in self.hosts if h.queue is not None for e in h.queue]

    # ------------------------------------------------------------------ submission (MUA -> MSA)
    def submit(self, sender: str, recipients: str | Iterable[str], body: str | EmailMessage | None = None, *,
               subject: str | None = None, auth: bool | tuple[str, str] = True) -> TrackedMessage:
        """Hand a message from the sender's mail client to the MSA, now; returns its tracker.

        ``auth``: True logs in with the sender's password from the layout, False skips AUTH
        (the MSA answers 530 5.7.0), or a ``(user, password)`` pair.  Nothing moves further until
        :meth:`run` or :meth:`advance`.
        """
        return self.submit_many([(sender, recipients, body)], subject=subject, auth=auth)[0]

    def submit_many(self, items: Iterable[tuple[str, str | Iterable[str], str | EmailMessage | None]], *,
                    subject: str | None = None, auth: bool | tuple[str, str] = True) -> list[TrackedMessage]:
        """Submit several messages over one SMTP session (as a mail client with an outbox does).

        If the connection breaks, the messages it never reached go again over a new one.  A
        message whose submission got no final reply is *rejected* unless the MSA had in fact
        queued it: then it goes on (the mail client showed an error; the record says both).
        """
        self._check_open()
        tracks: list[TrackedMessage] = []
        pending: list[Pending] = []
        for sender, recipients, body in items:
            rcpts = [recipients] if isinstance(recipients, str) else list(recipients)
            if not rcpts:
                raise ValueError("a message needs at least one recipient")
            track, data = self.ledger.submission(sender, rcpts, body, subject)
            tracks.append(track)
            kept = track.recipients if self.esp is None else self.esp.admit(track)
            if kept:  # a suppressed recipient is dropped here: no SMTP attempt at all
                pending.append(Pending(track, sender, kept, data))
        creds = self._credentials(tracks[0].sender, auth) if tracks else None
        mua, msa = (next(h for h in self.hosts if h.role == role) for role in ("MUA", "MSA"))
        if pending:
            self.router.submit(mua, msa, pending, creds)
        return tracks

    def send(self, sender: str, recipients: str | Iterable[str], body: str | EmailMessage | None = None,
             **options: Any) -> TrackedMessage:
        """Submit, then :meth:`run` until the network settles: the one-liner story."""
        track = self.submit(sender, recipients, body, **options)
        self.run()
        return track

    def _credentials(self, sender: str, auth: bool | tuple[str, str]) -> tuple[str, str] | None:
        if isinstance(auth, tuple) or auth is False:
            return auth or None
        password = self.users.get(normalise_address(sender), {}).get("password")
        return (sender, password) if password else None

    # ------------------------------------------------------------------ time
    def run(self, until: float | None = None, *, max_steps: int = 1_000_000) -> MailNetwork:
        """Process the queues, jumping the clock from event to event, until nothing is queued
        or (with ``until``: seconds from now) that much simulated time has passed."""
        self._check_open()
        if until is not None and not math.isfinite(until):
            raise ValueError(f"until must be a finite number of seconds (got {until})")
        self.router.run(None if until is None else self.clock() + until, max_steps)
        return self

    def advance(self, seconds: float) -> MailNetwork:
        """Let ``seconds`` of simulated time pass, delivering whatever falls due meanwhile."""
        if not seconds >= 0 or math.isinf(seconds):  # NaN fails the first test
            raise ValueError(f"time moves forward by a finite amount: seconds must be >= 0 (got {seconds})")
        return self.run(until=seconds)

    @property
    def settled(self) -> bool:
        return self.router.next_due() is None

    # ------------------------------------------------------------------ pictures and text
    def _repr_html_(self) -> str:
        from ..views.journey import network_html

        return network_html(self)

    def __str__(self) -> str:
        from ..views.journey import network_text

        return network_text(self)

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self.messages)} messages, {len(self.queued)} queued"
        return f"<MailNetwork {len(self.hosts)} hosts, {state}, {self.clock.label()} simulated>"

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this MailNetwork is closed; make a new one: MailNetwork()")




def _poster(dns: Zone, by_name: Mapping[str, Host], security: Security | None
            ) -> Callable[[str, str, str, bytes], None]:
    """How a receiver mails the service (a report, an unsubscribe): SMTP from the receiver's
    host name (and address) to the MX of the recipient's domain."""
    def post(client: str, sender: str, rcpt: str, data: bytes) -> None:
        h = by_name[dns.lookup(rcpt.rpartition("@")[2]).hosts[0]]
        source = security.source(client) if security is not None else None
        smtp = smtplib.SMTP(h.address, h.port, local_hostname=client, timeout=TIMEOUT,
                            source_address=(source, 0) if source else None)
        try:
            smtp.sendmail(sender, [rcpt], data)
        finally:
            smtp.quit()

    return post


def _plain_session(client: str, server: Host) -> dict[str, Any]:
    """Without authentication every session is plain loopback SMTP."""
    return {}


def _stop(hosts: list[Host], security: Security | None, service: Esp | None = None) -> None:
    """Stop every server, the policy hosts and the sending service's endpoint (also when
    nobody closed the network)."""
    stop_hosts(hosts)
    if security is not None:
        security.close()
    if service is not None:
        service.close()


def _day_start(when: float) -> float:
    return when - when % 86_400
