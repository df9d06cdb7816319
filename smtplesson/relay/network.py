"""A small mail network on loopback that carries a message hop by hop, queues on 4xx, bounces on 5xx.

Every server is a real :class:`~smtplesson.server.DebugServer` on 127.0.0.1 (ephemeral port) and
every hand-over is a real SMTP conversation with :mod:`smtplib`::

    MUA ──AUTH──▶ MSA smtp.example.com ──▶ MTA relay.example.com (queue, MX lookup)
        ──▶ MX mx1.example.net (or the next MX) ──▶ mailbox

Time is simulated (:class:`~smtplesson.clock.SimClock`): ``run()`` jumps from one queue event to
the next, so a greylisting retry ten minutes later or a give-up after five days takes
milliseconds, and the same story prints the same output every time.  The layout (hosts, MX
records, users) is data: ``smtplesson/relay/data/network.json``.

:class:`MailNetwork` is the facade over :mod:`.layout` (hosts), :mod:`.client` (the sending
SMTP session), :mod:`.routing` (queue runs, MX choice), :mod:`.delivery` (the receiving side),
:mod:`.bounces` (DSNs) and :mod:`.messages`.  ``MailNetwork().send("alice@example.com",
["bob@example.net", "dan@example.net"]).fates()`` gives ``{'bob@example.net': 'delivered',
'dan@example.net': 'bounced'}``.
"""
from __future__ import annotations

import smtplib
import ssl
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..bounces.build import is_dsn
from ..clock import SimClock
from ..server.rules import normalise_address as _norm
from .bounces import Bounces
from .client import TIMEOUT
from .delivery import Delivery, Transform, Wire
from .layout import Host, hosts_of, load_layout, stop_hosts
from .messages import build_message
from .queue import MailQueue, QueueEntry, RetryPolicy
from .routing import REJECTED, Pending, Router
from .security import Security
from .tracking import Attempt, TrackedMessage
from .zone import Zone

if TYPE_CHECKING:  # pragma: no cover
    from ..server.debug import DebugServer, StoredMessage
    from ..server.rules import Rule
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
            self.security.place(self.hosts)
            self.security.publish(self.dns, self.hosts)
        self.messages: list[TrackedMessage] = []
        self.lock = threading.RLock()
        self.inflight = Wire()
        self.router = Router(self)
        self.delivery = Delivery(self, self.maildir)
        self.bounces = Bounces(self)
        self._seq = 0
        self._closed = False
        self._scenarios = dict(scenarios or {})
        self._rules = {k: list(v) for k, v in (rules or {}).items()}
        self._by_name = {h.name: h for h in self.hosts}
        unknown = (set(self._scenarios) | set(self._rules)) - set(self._by_name)
        if unknown:
            raise ValueError(f"no such host in the network: {', '.join(sorted(unknown))}")
        try:
            for h in self.hosts:
                self._start_host(h)
        except BaseException:
            self.close()
            raise
        self._finalizer = weakref.finalize(self, stop_hosts, list(self.hosts))

    # ------------------------------------------------------------------ life cycle
    def _start_host(self, h: Host) -> None:
        if h.role in ("MSA", "MTA", "LIST"):
            h.queue = MailQueue(h.name, self.retry)
        if h.role == "MUA":
            return
        if h.state != "up":
            h.refuse_connections()
            return
        from .policies import make_server

        h.server = make_server(self, h, self._scenarios.get(h.name), self._rules.get(h.name, ()))
        h.server.start()
        h.port = h.server.port

    def close(self) -> None:
        """Stop every server (idempotent)."""
        self._closed = True
        stop_hosts(self.hosts)

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

    def find_host(self, name: str) -> Host | None:
        return self._by_name.get(name.lower())

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
        h = self.host(name)
        if h.role == "MUA":
            raise ValueError(f"{h.name} is a mail client, it accepts no mail")
        self.delivery.transforms.setdefault(h.name, []).append(step)
        return step

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

    @property
    def lists(self) -> dict[str, dict[str, Any]]:
        """The mailing lists of an authenticated network, live: ``net.lists[address]["arc"]``
        turns the list's ARC seal off and on, ``["footer"]`` is what it adds."""
        return self.security.lists if self.security is not None else {}

    def tls_context(self, *, verify: bool = True) -> ssl.SSLContext:
        """An ``ssl`` context trusting the network's local CA (for :meth:`connect` sessions)."""
        from ..server.tls import local_ca

        return local_ca().client_context(verify=verify)

    def _role(self, role: str) -> Host:
        for h in self.hosts:
            if h.role == role:
                return h
        raise LookupError(f"the network has no {role}")

    @property
    def roles(self) -> dict[str, str]:
        return {h.name: h.role for h in self.hosts} | {"mailbox": "mailbox", "DNS": "DNS"}

    def mailbox(self, address: str) -> list[EmailMessage]:
        """Messages delivered to ``address``, oldest first (each with its trace headers)."""
        return [c.message for c in self.delivery.copies(_norm(address))]

    def dsns(self, address: str) -> list[EmailMessage]:
        """The delivery-status reports (bounces and warnings) in ``address``'s mailbox."""
        return [m for m in self.mailbox(address) if is_dsn(m)]

    def usage(self, address: str) -> int:
        """Bytes delivered to a mailbox so far (for quotas)."""
        return self.delivery.usage(_norm(address))

    def add_user(self, address: str, **options: Any) -> None:
        """Create a mailbox (options as in network.json: ``greylist``, ``quota``, ``password``)."""
        with self.lock:
            self.users[_norm(address)] = dict(options)

    @property
    def queued(self) -> list[QueueEntry]:
        """Every queue entry still waiting, on every MTA."""
        return [e for h in self.hosts if h.queue is not None for e in h.queue]

    # ------------------------------------------------------------------ submission (MUA -> MSA)
    def submit(
        self,
        sender: str,
        recipients: str | Iterable[str],
        body: str | EmailMessage | None = None,
        *,
        subject: str | None = None,
        auth: bool | tuple[str, str] = True,
    ) -> TrackedMessage:
        """Hand a message from the sender's mail client to the MSA, now; returns its tracker.

        ``auth``: True logs in with the sender's password from the layout, False skips AUTH
        (the MSA answers 530 5.7.0), or a ``(user, password)`` pair.  Nothing moves further until
        :meth:`run` or :meth:`advance`.
        """
        return self.submit_many([(sender, recipients, body)], subject=subject, auth=auth)[0]

    def submit_many(
        self,
        items: Iterable[tuple[str, str | Iterable[str], str | EmailMessage | None]],
        *,
        subject: str | None = None,
        auth: bool | tuple[str, str] = True,
    ) -> list[TrackedMessage]:
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
            track, data = self._new_message(sender, rcpts, body, subject)
            tracks.append(track)
            pending.append(Pending(track, sender, track.recipients, data))
        creds = self._credentials(tracks[0].sender, auth) if tracks else None
        self.router.submit(self._role("MUA"), self._role("MSA"), pending, creds)
        return tracks

    def send(self, sender: str, recipients: str | Iterable[str], body: str | EmailMessage | None = None,
             **options: Any) -> TrackedMessage:
        """Submit, then :meth:`run` until the network settles: the one-liner story."""
        track = self.submit(sender, recipients, body, **options)
        self.run()
        return track

    def _credentials(self, sender: str, auth: bool | tuple[str, str]) -> tuple[str, str] | None:
        if auth is False:
            return None
        if isinstance(auth, tuple):
            return auth
        password = self.users.get(_norm(sender), {}).get("password")
        return (sender, password) if password else None

    def _new_message(self, sender: str, rcpts: list[str], body: str | EmailMessage | None,
                     subject: str | None) -> tuple[TrackedMessage, bytes]:
        n = self.next_number()
        now = self.clock()
        domain = sender.rpartition("@")[2] or "localhost"
        defaults = {"From": sender, "To": ", ".join(rcpts), "Subject": subject or f"Message {n}",
                    "Date": self.clock.rfc5322(now),
                    "Message-ID": f"<{self.clock.datetime(now):%Y%m%d%H%M%S}.{n:04d}@{domain}>"}
        data, subject_, message_id = build_message(defaults, body)
        track = TrackedMessage(id=f"M{n}", sender=sender, recipients=tuple(rcpts), subject=subject_,
                               message_id=message_id, submitted_at=now, clock=self.clock,
                               roles=self.roles)
        self.add_track(track)
        return track, data

    # ------------------------------------------------------------------ time
    def run(self, until: float | None = None, *, max_steps: int = 1_000_000) -> MailNetwork:
        """Process the queues, jumping the clock from event to event, until nothing is queued
        or (with ``until``: seconds from now) that much simulated time has passed."""
        self._check_open()
        stop = None if until is None else self.clock() + until
        for _ in range(max_steps):
            self.router.step(self.hosts)
            nxt = self.router.next_due(self.hosts)
            if nxt is None or (stop is not None and nxt > stop):
                break
            self.clock.set(nxt)
        if stop is not None:
            self.clock.set(stop)
        return self

    def advance(self, seconds: float) -> MailNetwork:
        """Let ``seconds`` of simulated time pass, delivering whatever falls due meanwhile."""
        if seconds < 0:
            raise ValueError("time only moves forward: seconds must be >= 0")
        return self.run(until=seconds)

    @property
    def settled(self) -> bool:
        return self.router.next_due(self.hosts) is None


    def session_options(self, client: str, server: Host) -> dict[str, Any]:
        """How ``client`` connects to ``server``: addresses, and STARTTLS as its role says
        (a mail client verifies its MSA; the relay follows ``tls_level``)."""
        security = self.security
        if security is None:
            return {}
        from ..server.tls import local_ca

        sender = self.find_host(client)
        level = "verify" if sender is not None and sender.role == "MUA" else security.tls_level
        return dict(address=server.address, source=security.source(client), tls=level,
                    ca_path=local_ca().ca_path)

    # ------------------------------------------------------------------ the record (for the parts)
    def on_message(self, h: Host, stored: StoredMessage) -> str | None:
        """DebugServer hook: a server accepted a message (see :mod:`.delivery`)."""
        return self.delivery.on_message(h, stored)

    def next_number(self) -> int:
        with self.lock:
            self._seq += 1
            return self._seq

    def add_track(self, track: TrackedMessage) -> None:
        with self.lock:
            self.messages.append(track)

    def record(self, track: TrackedMessage, a: Attempt) -> None:
        with self.lock:
            track.record(a)

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
