"""A small mail network on loopback that carries a message hop by hop, queues on 4xx, bounces on 5xx.

Every server is a real :class:`~smtplesson.server.DebugServer` on 127.0.0.1 (ephemeral port) and
every hand-over is a real SMTP conversation with :mod:`smtplib`::

    MUA ──AUTH──▶ MSA smtp.example.com ──▶ MTA relay.example.com (queue, MX lookup)
        ──▶ MX mx1.example.net (or the next MX) ──▶ mailbox

Time is simulated (:class:`~smtplesson.clock.SimClock`): ``run()`` jumps from one queue event to
the next, so a greylisting retry ten minutes later or a give-up after five days takes
milliseconds, and the same story prints the same output every time.  The layout (hosts, MX
records, users) is data: ``smtplesson/data/network.json``.

>>> net = MailNetwork()
>>> msg = net.send("alice@example.com", ["bob@example.net", "carol@example.net", "dan@example.net"])
>>> msg.fates()
{'bob@example.net': 'delivered', 'carol@example.net': 'delivered', 'dan@example.net': 'bounced'}
"""
from __future__ import annotations

import dataclasses
import json
import mailbox as _mailbox
import smtplib
import socket
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from .._data import load
from ..clock import SimClock, format_elapsed
from ..codes.dsn import RecipientStatus, build_dsn, read_dsn, status_of
from ..server.rules import normalise_address as _norm
from .queue import MailQueue, QueueEntry, RetryPolicy
from .tracking import BOUNCED, DELIVERED, Attempt, TrackedMessage
from .zone import Zone

__all__ = ["REJECTED", "Host", "MailNetwork", "RetryPolicy", "SimClock"]

REJECTED = "rejected"  # refused at submission: the mail client shows the error; no DSN
LOOPBACK = "127.0.0.1"
_TIMEOUT = 10.0
_GIVE_UP_STATUS = "4.4.7"  # RFC 3463 §3.5: delivery time expired
_SMTP_POLICY = policy.SMTP
_READ_POLICY = policy.default


# ----------------------------------------------------------------------------- layout
def load_layout(source: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The network layout: the packaged default, a JSON file path, or a dict."""
    if source is None:
        return load("network.json")
    if isinstance(source, Mapping):
        return json.loads(json.dumps(source))  # a private deep copy
    return json.loads(Path(source).read_text("utf-8"))


@dataclass
class Host:
    """One machine of the network: its role, domain, state and (when it listens) its server."""

    name: str
    role: str  # "MUA" | "MSA" | "MTA" | "MX"
    domain: str
    about: str = ""
    state: str = "up"  # "up" | "down" (connections refused)
    auth: bool = False
    relay_to: str | None = None
    server: Any = None  # DebugServer
    port: int = 0
    queue: MailQueue | None = None
    _hole: socket.socket | None = field(default=None, repr=False)  # bound, never listening

    @property
    def listening(self) -> bool:
        return self.server is not None


@dataclass
class _InFlight:
    """What the main thread is handing to a server right now (read by that server's hook)."""

    track: TrackedMessage | None
    helo: str
    authenticated: bool
    after: list[Callable[[], None]] = field(default_factory=list)


@dataclass
class _Outcome:
    """Per-recipient result of one transfer of one queue entry."""

    accepted: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    bounced: list[str] = field(default_factory=list)
    retry_elsewhere: bool = False  # 421 / dropped connection: try the next MX


# ----------------------------------------------------------------------------- the network
class MailNetwork:
    """Servers on loopback, a stub DNS, queues on a simulated clock, and the fate of every message.

    ``layout``: a dict or JSON path shaped like ``smtplesson/data/network.json`` (default).
    ``retry``: a :class:`RetryPolicy` or dict overriding the layout's (``first``, ``factor``,
    ``max``, ``lifetime``, ``delay_warning`` in seconds).  ``scenarios``: ``{host: name or
    Scenario}`` and ``rules``: ``{host: [Rule, ...]}`` put DebugServer faults on any server.
    ``maildir``: also write every delivered copy into ``<maildir>/<address>/`` Maildirs.
    """

    def __init__(
        self,
        layout: str | Path | Mapping[str, Any] | None = None,
        *,
        clock: SimClock | None = None,
        retry: RetryPolicy | Mapping[str, Any] | None = None,
        scenarios: Mapping[str, Any] | None = None,
        rules: Mapping[str, Sequence[Any]] | None = None,
        maildir: str | Path | None = None,
    ) -> None:
        self.layout = load_layout(layout)
        self.clock = clock or SimClock(self.layout.get("start"))
        if isinstance(retry, RetryPolicy):
            self.retry = retry
        else:
            merged = {**self.layout.get("retry", {}), **dict(retry or {})}
            self.retry = RetryPolicy.from_data(merged)
        self.dns = Zone()  # the stub DNS: every look-up of the network, and nothing else, asks it
        for domain, rows in self.layout.get("mx", {}).items():
            self.dns.set_mx(domain, rows)
        self.users: dict[str, dict[str, Any]] = {
            k.lower(): dict(v) for k, v in self.layout.get("users", {}).items()
        }
        self.greylist_delay = float(self.layout.get("greylist_delay", 300))
        self.maildir = Path(maildir) if maildir else None
        self.hosts: list[Host] = []
        self.messages: list[TrackedMessage] = []
        self._mailboxes: dict[str, list[_Copy]] = {}
        self._inflight: dict[str, _InFlight] = {}
        self._lock = threading.RLock()
        self._seq = 0
        self._qids: dict[str, int] = {}
        self._bytes: dict[str, int] = {}  # mailbox sizes, for quotas
        self._closed = False
        self._scenarios = dict(scenarios or {})
        self._rules = {k: list(v) for k, v in (rules or {}).items()}
        for spec in self.layout.get("hosts", []):
            self.hosts.append(Host(name=spec["name"].lower(), role=spec["role"], domain=spec["domain"],
                                   about=spec.get("about", ""), state=spec.get("state", "up"),
                                   auth=bool(spec.get("auth")), relay_to=spec.get("relay_to")))
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
        self._finalizer = weakref.finalize(self, _stop_all, list(self.hosts))

    # ------------------------------------------------------------------ life cycle
    def _start_host(self, h: Host) -> None:
        if h.role in ("MSA", "MTA"):
            h.queue = MailQueue(h.name, self.retry)
        if h.role == "MUA":
            return
        if h.state != "up":
            h._hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            h._hole.bind((LOOPBACK, 0))  # bound but never listening: connections are refused
            h.port = h._hole.getsockname()[1]
            return
        from . import policies

        h.server = policies.make_server(self, h, self._scenarios.get(h.name), self._rules.get(h.name, ()))
        h.server.start()
        h.port = h.server.port

    def close(self) -> None:
        """Stop every server (idempotent)."""
        self._closed = True
        _stop_all(self.hosts)

    def stop(self) -> None:
        """Same as :meth:`close` (the name lesson clean-up cells use for every server)."""
        self.close()

    def __enter__(self) -> MailNetwork:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ look-ups
    def host(self, name: str) -> Host:
        """A host by name (``"mx1.example.net"``)."""
        try:
            return self._by_name[name.lower()]
        except KeyError:
            raise KeyError(f"no host {name!r}; hosts: {', '.join(self._by_name)}") from None

    def server(self, name: str) -> Any:
        """The DebugServer of a host (for its transcripts, rules and store)."""
        h = self.host(name)
        if h.server is None:
            raise ValueError(f"{h.name} has no running server (role {h.role}, state {h.state})")
        return h.server

    def add_rule(self, name: str, rule: Any) -> Any:
        """Put a DebugServer :class:`~smtplesson.rules.Rule` on a running host (checked after
        its other rules, before its policy); returns the rule.

        >>> net.add_rule("mx1.example.net", Rule("RCPT", "550 5.1.1 gone", to="bob@example.net"))
        """
        return self.server(name).add_rule(rule)

    def connect(self, name: str, client: str = "client.example.org") -> smtplib.SMTP:
        """An ``smtplib.SMTP`` session to one host, as an outside client (say, a spammer trying
        the MX as an open relay).  Its port stays hidden; close it with ``quit()``."""
        self._check_open()
        h = self.host(name)
        if h.role == "MUA":
            raise ValueError(f"{h.name} is a mail client, it does not listen")
        return smtplib.SMTP(LOOPBACK, h.port, local_hostname=client, timeout=_TIMEOUT)

    def _role(self, role: str, domain: str | None = None) -> Host:
        for h in self.hosts:
            if h.role == role and (domain is None or h.domain == domain):
                return h
        raise LookupError(f"the network has no {role}" + (f" for {domain}" if domain else ""))

    @property
    def roles(self) -> dict[str, str]:
        return {h.name: h.role for h in self.hosts} | {"mailbox": "mailbox", "DNS": "DNS"}

    def mailbox(self, address: str) -> list[EmailMessage]:
        """Messages delivered to ``address``, oldest first (each with its trace headers)."""
        with self._lock:
            copies = list(self._mailboxes.get(_norm(address), []))
        return [c.message for c in copies]

    def dsns(self, address: str) -> list[EmailMessage]:
        """The delivery-status reports (bounces and warnings) in ``address``'s mailbox."""
        return [m for m in self.mailbox(address) if read_dsn(m) is not None]

    def _usage(self, address: str) -> int:
        """Bytes delivered to a mailbox so far (for quotas)."""
        with self._lock:
            return self._bytes.get(_norm(address), 0)

    def add_user(self, address: str, **options: Any) -> None:
        """Create a mailbox (options as in network.json: ``greylist``, ``quota``, ``password``)."""
        with self._lock:
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
        """Submit several messages over one SMTP session (as a mail client with an outbox does)."""
        self._check_open()
        msa = self._role("MSA")
        mua = self._role("MUA")
        tracks, entries = [], []
        for sender, recipients, body in items:
            rcpts = [recipients] if isinstance(recipients, str) else list(recipients)
            if not rcpts:
                raise ValueError("a message needs at least one recipient")
            track, data = self._new_message(sender, rcpts, body, subject)
            tracks.append(track)
            entries.append(_Pending(track, sender, track.recipients, data))
        creds = self._credentials(tracks[0].sender, auth) if tracks else None
        self._transfer(mua.name, msa, entries, creds=creds)
        for p in entries:  # the MSA did not take it: the mail client shows the error, no DSN
            for r in p.recipients:
                if r not in p.outcome.accepted:
                    p.track.status[r] = REJECTED
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

    def _new_message(self, sender: str, rcpts: list[str], body: Any,
                     subject: str | None) -> tuple[TrackedMessage, bytes]:
        n = self._bump()
        now = self.clock()
        domain = sender.rpartition("@")[2] or "localhost"
        defaults = {"From": sender, "To": ", ".join(rcpts), "Subject": subject or f"Message {n}",
                    "Date": self.clock.rfc5322(now),
                    "Message-ID": f"<{self.clock.datetime(now):%Y%m%d%H%M%S}.{n:04d}@{domain}>"}
        data = _plain_message(defaults, body) if not isinstance(body, EmailMessage) else None
        if data is None:
            msg = _copy(body) if isinstance(body, EmailMessage) else _text_message(body, sender)
            for name, value in defaults.items():
                if name not in msg:
                    msg[name] = value
            defaults = {"Subject": str(msg["Subject"]), "Message-ID": str(msg["Message-ID"])}
            data = msg.as_bytes(policy=_SMTP_POLICY)
        track = TrackedMessage(id=f"M{n}", sender=sender, recipients=tuple(rcpts),
                               subject=defaults["Subject"], message_id=defaults["Message-ID"],
                               submitted_at=now, clock=self.clock, roles=self.roles)
        with self._lock:
            self.messages.append(track)
        return track, data

    # ------------------------------------------------------------------ time
    def run(self, until: float | None = None, *, max_steps: int = 1_000_000) -> MailNetwork:
        """Process the queues, jumping the clock from event to event, until nothing is queued
        or (with ``until``: seconds from now) that much simulated time has passed."""
        self._check_open()
        stop = None if until is None else self.clock() + until
        for _ in range(max_steps):
            self._step()
            nxt = self._next_due()
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
        return self._next_due() is None

    def _next_due(self) -> float | None:
        times = [t for h in self.hosts if h.queue is not None
                 for t in [h.queue.next_due()] if t is not None]
        return min(times, default=None)

    def _step(self) -> None:
        """Everything due now, repeatedly (a hand-over can make more work due now)."""
        while True:
            now = self.clock()
            work = [(h, h.queue.due(now)) for h in self.hosts if h.queue is not None]
            work = [(h, due) for h, due in work if due]
            if not work:
                return
            for h, due in work:
                self._run_queue(h, due)

    # ------------------------------------------------------------------ queue runs
    def _run_queue(self, h: Host, due: list[QueueEntry]) -> None:
        groups: dict[str, list[QueueEntry]] = {}
        for e in due:
            groups.setdefault(self._destination(h, e), []).append(e)
        bounces: dict[str, list[tuple[QueueEntry, RecipientStatus]]] = {}
        for dest, entries in groups.items():
            pending = [_Pending(e.track, e.sender, list(e.recipients), e.data, e) for e in entries]
            self._deliver(h, dest, pending)
            for p in pending:
                self._settle(h, p, bounces)
        for _, items in sorted(bounces.items()):
            self._bounce(h, items)

    def _destination(self, h: Host, e: QueueEntry) -> str:
        if h.relay_to:
            return "host:" + h.relay_to
        return "domain:" + e.recipients[0].rpartition("@")[2].lower()

    def _deliver(self, h: Host, dest: str, pending: list[_Pending]) -> None:
        """Try the destination's hosts in order until every entry is decided or none is left."""
        kind, _, name = dest.partition(":")
        if kind == "host":
            targets = [name]
        else:
            mx = self.dns.lookup(name)
            if mx.error:
                for p in pending:
                    self._decide(p, h.name, "DNS", list(p.recipients), "DNS", mx.error, [], "")
                return
            targets = mx.hosts
        todo = pending
        for i, target in enumerate(targets):
            more = i + 1 < len(targets)
            th = self._by_name.get(target)
            if th is None:
                for p in todo:
                    self._record(p, Attempt(self.clock(), h.name, target, tuple(p.recipients), "DNS",
                                            f"{target}: Host not found", "deferred",
                                            note="trying the next MX" if more else ""))
                continue
            self._transfer(h.name, th, todo, more=more)
            todo = [p for p in todo if p.outcome.retry_elsewhere]
            for p in todo:
                p.outcome.retry_elsewhere = False
            if not todo:
                return
        for p in todo:  # every host failed: stay queued
            p.outcome.deferred += [r for r in p.recipients if r not in p.outcome.deferred]

    def _settle(self, h: Host, p: _Pending, bounces: dict) -> None:
        """Apply one entry's outcome: done, retry later, or give up; collect bounces."""
        e = p.entry
        now = self.clock()
        done = set(p.outcome.accepted) | set(p.outcome.bounced)
        for r in p.outcome.bounced:
            bounces.setdefault(p.track.id, []).append((e, self._status(h, r, p.last.get(r), "failed")))
        e.recipients = [r for r in e.recipients if r not in done]
        for r, a in p.last.items():
            e.last[r] = a
        if not e.recipients:
            h.queue.remove(e)
            return
        if h.queue.defer(e, now):
            wait = format_elapsed(e.next_try - now).lstrip("+")
            self._annotate(p, f"stays queued on {h.name}: retry in {wait}")
            self._maybe_warn(h, e)
            return
        h.queue.remove(e)
        for r in e.recipients:  # past the lifetime: give up
            last = e.last.get(r)
            reply = last.reply if last else "no attempt was answered"
            a = Attempt(now, h.name, last.server if last else "-", (r,), "QUEUE",
                        f"gave up after {format_elapsed(now - e.arrived).lstrip('+')} in the queue "
                        f"(last reply: {reply})", "bounced", note="maximum queue lifetime reached")
            self._record_track(e.track, a)
            st = self._status(h, r, last, "failed", status=_GIVE_UP_STATUS)
            bounces.setdefault(e.track.id, []).append((e, st))
        e.recipients = []

    def _status(self, h: Host, r: str, last: Attempt | None, action: str,
                status: str | None = None) -> RecipientStatus:
        reply = last.reply if last else None
        smtp_reply = reply if reply and reply[:3].isdigit() else None
        remote = last.server if last and last.server not in ("DNS", "-", "mailbox") else None
        return RecipientStatus(
            recipient=r, action=action,
            status=status or status_of(smtp_reply, _default_status(action, last)),
            diagnostic=smtp_reply if smtp_reply else None,
            diagnostic_type="x-stub-dns" if last and last.stage == "DNS" else "smtp",
            remote_mta=remote if smtp_reply else None,
            last_attempt=self.clock.rfc5322(last.time) if last else None,
            stage=last.stage if last and last.stage not in ("QUEUE", "DNS") else None,
        )

    def _annotate(self, p: _Pending, note: str) -> None:
        """Add a note to this run's deferring attempts (the learner sees when the retry comes)."""
        for i, a in enumerate(p.track.attempts):
            if i >= p.first_index and a.outcome == "deferred" and not a.note:
                p.track.attempts[i] = _with_note(a, note)

    # ------------------------------------------------------------------ bounces (DSN)
    def _bounce(self, h: Host, items: list[tuple[QueueEntry, RecipientStatus]]) -> None:
        """One DSN per message and run, from <> to the original sender — never for a bounce."""
        e = items[0][0]
        track = e.track
        now = self.clock()
        recipients = [st.recipient for _, st in items]
        track.mark(recipients, BOUNCED, now)
        if e.is_bounce:
            for r in recipients:
                self._record_track(track, Attempt(now, h.name, "-", (r,), "DSN",
                                                  "no DSN: a bounce is never bounced (null reverse-path <>)",
                                                  "bounced"))
            return
        dsn, bt = self._send_dsn(h, e, [st for _, st in items], now)
        track.dsns.append(dsn)
        for r in recipients:
            track.dsn_for[r] = dsn
            track.bounce_for[r] = bt

    def _maybe_warn(self, h: Host, e: QueueEntry) -> None:
        """One optional "Action: delayed" DSN once a message has waited ``delay_warning``."""
        limit = self.retry.delay_warning
        now = self.clock()
        if limit is None or e.warned or e.is_bounce or now - e.arrived < limit:
            return
        e.warned = True
        until = self.clock.rfc5322(e.arrived + self.retry.lifetime)
        statuses = []
        for r in e.recipients:
            st = self._status(h, r, e.last.get(r), "delayed")
            statuses.append(dataclasses.replace(st, will_retry_until=until))
        dsn, _ = self._send_dsn(h, e, statuses, now)
        e.track.warnings.append(dsn)

    def _send_dsn(self, h: Host, e: QueueEntry, statuses: list[RecipientStatus],
                  now: float) -> tuple[EmailMessage, TrackedMessage]:
        """Write a DSN about ``e`` from <> to its sender and queue it on ``h``; (DSN, tracker)."""
        n = self._bump()
        dsn = build_dsn(to=e.sender, statuses=statuses, reporting_mta=h.name,
                        arrival_date=self.clock.rfc5322(e.arrived), date=self.clock.rfc5322(now),
                        message_id=f"<{self.clock.datetime(now):%Y%m%d%H%M%S}.{n:04d}.dsn@{h.name}>",
                        original_headers=_header_block(e.data))
        bt = TrackedMessage(id=f"M{n}", sender="", recipients=(e.sender,), subject=str(dsn["Subject"]),
                            message_id=str(dsn["Message-ID"]), submitted_at=now, clock=self.clock,
                            is_bounce=True, roles=self.roles)
        with self._lock:
            self.messages.append(bt)
        self._enqueue(h, bt, "", [e.sender], dsn.as_bytes(policy=_SMTP_POLICY), now)
        return dsn, bt

    # ------------------------------------------------------------------ one SMTP session
    def _transfer(self, client: str, server: Host, pending: list[_Pending], *,
                  creds: tuple[str, str] | None = None, more: bool = False) -> None:
        """One real SMTP session from ``client`` to ``server`` carrying every pending entry."""
        for p in pending:
            p.first_index = min(p.first_index, len(p.track.attempts))
        where = "trying the next MX" if more else ""
        try:
            smtp = smtplib.SMTP(LOOPBACK, server.port, local_hostname=client, timeout=_TIMEOUT)
        except smtplib.SMTPConnectError as exc:  # greeting was not 220 (e.g. 421 shutting down)
            reply = _reply(exc.smtp_code, exc.smtp_error)
            self._fail_all(pending, client, server.name, "CONNECT", reply, where or "")
            return
        except OSError as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self._fail_all(pending, client, server.name, "CONNECT",
                           f"connect to {server.name}: {reason}", where, transient=True)
            return
        try:
            code, text = smtp.ehlo()
            if code != 250:
                self._fail_all(pending, client, server.name, "EHLO", _reply(code, text), where)
                return
            authed = False
            if creds is not None:
                authed = self._login(smtp, creds, pending, client, server.name)
                if authed is None:
                    return
            self._pipeline(smtp, client, server, pending, authed, where)
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
        finally:
            smtp.close()

    def _login(self, smtp: smtplib.SMTP, creds: tuple[str, str], pending: list[_Pending],
               client: str, server: str) -> bool | None:
        """AUTH; True when logged in, None when refused (every entry then failed)."""
        try:
            smtp.login(*creds)
            return True
        except smtplib.SMTPAuthenticationError as exc:
            reply = _reply(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPNotSupportedError:
            reply = "502 5.5.1 AUTH not offered by the server"
        except smtplib.SMTPException as exc:
            reply = f"AUTH failed: {exc}"
        self._fail_all(pending, client, server, "AUTH", reply, "")
        return None

    def _pipeline(self, smtp: smtplib.SMTP, client: str, server: Host, pending: list[_Pending],
                  authed: bool, where: str) -> None:
        """Every entry over one session; RFC 2920 PIPELINING when offered: one round trip each.

        Each write carries the previous message's content (ending in ".") and the next
        transaction's MAIL, RCPT... and DATA; then the client reads all their replies.  Without
        PIPELINING the same commands go one at a time (lock-step).
        """
        lockstep = not smtp.has_extn("pipelining")
        carry: tuple[_Pending, list[str], list[tuple[str, str]]] | None = None
        need_rset = False
        for i in range(len(pending) + 1):
            p = pending[i] if i < len(pending) else None
            todo = [r for r in p.recipients if r not in p.decided] if p is not None else []
            if carry is None and not todo:
                if p is None:
                    return
                continue
            chunks = []
            if carry is not None:
                chunks.append(_dot_stuff(carry[0].data))
                self._inflight[server.name] = _InFlight(carry[0].track, client, authed)
            if todo:
                if need_rset:
                    chunks.append(b"RSET\r\n")
                chunks.append(f"MAIL FROM:<{p.sender}>\r\n".encode())
                chunks += [f"RCPT TO:<{r}>\r\n".encode() for r in todo]
                chunks.append(b"DATA\r\n")
            replies = _exchange(smtp, chunks, lockstep)
            try:
                if carry is not None:
                    self._end_of_data(next(replies), client, server, carry, where)
                    carry = None
                if todo:
                    if need_rset:
                        next(replies)
                    carry, need_rset = self._read_group(replies, client, server, p, todo, where)
            except _Closed:  # a 421 was recorded; the server has closed the session
                self._inflight.pop(server.name, None)
                for q in pending[i + 1:] + ([p] if p is not None and carry is None else []):
                    if any(r not in q.decided for r in q.recipients):
                        q.outcome.retry_elsewhere = True
                return
            except (smtplib.SMTPServerDisconnected, OSError):
                self._inflight.pop(server.name, None)
                for q in ([carry[0]] if carry else []) + pending[i:]:
                    left = [r for r in q.recipients if r not in q.decided]
                    if q is p or (carry and q is carry[0]):
                        self._decide(q, client, server.name, left, "SESSION",
                                     f"lost connection with {server.name}", [], where, transient=True)
                    elif left:
                        q.outcome.retry_elsewhere = True
                return

    def _end_of_data(self, got: tuple[int, bytes], client: str, server: Host,
                     carry: tuple[_Pending, list[str], list[tuple[str, str]]], where: str) -> None:
        ctx = self._inflight.pop(server.name, None)
        cp, accepted, replies = carry
        reply = _reply(*got)
        replies.append(("END-OF-DATA", reply))
        self._decide(cp, client, server.name, accepted, "END-OF-DATA", reply, replies, where)
        for run in (ctx.after if ctx else ()):
            run()
        if got[0] == 421:
            raise _Closed

    def _read_group(self, replies: Iterator[tuple[int, bytes]], client: str, server: Host,
                    p: _Pending, todo: list[str], where: str
                    ) -> tuple[tuple[_Pending, list[str], list] | None, bool]:
        """Replies to MAIL, RCPT... and DATA of one transaction: what to send content for."""
        log: list[tuple[str, str]] = []

        def closed(rcpts: list[str], stage: str, reply: str) -> _Closed:
            self._decide(p, client, server.name, rcpts, stage, reply, list(log), where)
            return _Closed()

        code, text = next(replies)
        mail = _reply(code, text)
        log.append(("MAIL FROM", mail))
        if code == 421:
            raise closed(todo, "MAIL FROM", mail)
        accepted, refused = [], []
        for n, r in enumerate(todo):
            code, text = next(replies)
            reply = _reply(code, text)
            log.append((f"RCPT TO <{r}>", reply))
            if code == 421:
                for x, why in refused:
                    self._decide(p, client, server.name, [x], "RCPT TO", why, log, where)
                raise closed(todo[n:] + accepted, "RCPT TO", reply)
            if code in (250, 251, 252):
                accepted.append(r)
            else:
                refused.append((r, reply))
        code, text = next(replies)
        data = _reply(code, text)
        log.append(("DATA", data))
        if mail[:1] != "2":
            self._decide(p, client, server.name, todo, "MAIL FROM", mail, log[:1], where)
            return None, True
        for r, reply in refused:
            self._decide(p, client, server.name, [r], "RCPT TO", reply, log, where)
        if code == 421:
            raise closed(accepted, "DATA", data)
        if code == 354 and accepted:
            return (p, accepted, log), False
        self._decide(p, client, server.name, accepted, "DATA", data, log, where)
        return None, True

    def _decide(self, p: _Pending, client: str, server: str, rcpts: list[str], stage: str,
                reply: str, replies: list[tuple[str, str]], where: str,
                transient: bool = False) -> None:
        """Record one reply for some recipients of an entry and sort them by its class."""
        if not rcpts:
            return
        code = int(reply[:3]) if reply[:3].isdigit() else None
        if code is not None and code < 400:
            outcome = "accepted"
        elif code is not None and code >= 500:
            outcome = "bounced"
        else:
            outcome = "deferred"
        note = where if (code == 421 or transient) and where else ""
        a = Attempt(self.clock(), client, server, tuple(rcpts), stage, reply, outcome,
                    replies=tuple(replies), note=note)
        self._record(p, a)
        for r in rcpts:
            p.decided.add(r)
            p.last[r] = a
        if outcome == "accepted":
            p.outcome.accepted += rcpts
        elif outcome == "bounced":
            p.outcome.bounced += rcpts
        elif note:  # 421 / unreachable with another MX to try
            p.outcome.retry_elsewhere = True
            for r in rcpts:
                p.decided.discard(r)
        else:
            p.outcome.deferred += rcpts

    def _fail_all(self, pending: list[_Pending], client: str, server: str, stage: str, reply: str,
                  where: str, transient: bool = False) -> None:
        for p in pending:
            left = [r for r in p.recipients if r not in p.decided]
            self._decide(p, client, server, left, stage, reply, [(stage, reply)], where, transient)

    def _record(self, p: _Pending, a: Attempt) -> None:
        self._record_track(p.track, a)

    def _record_track(self, track: TrackedMessage | None, a: Attempt) -> None:
        if track is not None:
            with self._lock:
                track.record(a)

    # ------------------------------------------------------------------ server side (hooks)
    def on_message(self, h: Host, stored: Any) -> str | None:
        """DebugServer hook: a server accepted a message; queue it (MSA, MTA) or deliver it (MX)."""
        ctx = self._inflight.get(h.name)
        track = ctx.track if ctx else None
        helo = ctx.helo if ctx else "unknown"
        authed = bool(ctx and ctx.authenticated)
        raw = _raw(stored)
        rcpts = list(stored.rcpt_tos)
        sender = _strip(stored.mail_from)
        now = self.clock()
        if h.queue is not None:
            qid = h.queue.new_qid()
            data = self._received(h, helo, qid, rcpts, authed, now) + raw
            if track is None:
                track = self._untracked(sender, rcpts, data, now)
            if h.relay_to:
                self._enqueue(h, track, sender, rcpts, data, now, qid=qid)
            else:
                by_domain: dict[str, list[str]] = {}
                for r in rcpts:
                    by_domain.setdefault(r.rpartition("@")[2].lower(), []).append(r)
                for i, group in enumerate(by_domain.values()):
                    self._enqueue(h, track, sender, group, data, now, qid=qid if i == 0 else None)
            return f"250 2.0.0 Ok: queued as {qid}"
        qid = self._local_qid(h)
        data = self._received(h, helo, qid, rcpts, authed, now) + raw
        if track is None:
            track = self._untracked(sender, rcpts, data, now)

        def deliver() -> None:
            for r in rcpts:
                self._deliver_local(h, track, sender, r, data)

        if ctx is not None:
            ctx.after.append(deliver)
        else:
            deliver()
        return f"250 2.0.0 Ok: queued as {qid}"

    def _bump(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def _local_qid(self, h: Host) -> str:
        """Queue id of a server without a relay queue (an MX delivering locally)."""
        with self._lock:
            n = self._qids[h.name] = self._qids.get(h.name, 0) + 1
        return f"{h.name[:1].upper()}{n:05X}"

    def _received(self, h: Host, helo: str, qid: str, rcpts: list[str], authed: bool,
                  now: float) -> bytes:
        """A Received: header in RFC 5321 §4.4 form (ESMTPA after AUTH, RFC 3848)."""
        proto = "ESMTPA" if authed else "ESMTP"
        for_ = f"\r\n\tfor <{rcpts[0]}>" if len(rcpts) == 1 else ""
        return (f"Received: from {helo} ({helo} [{LOOPBACK}])\r\n\tby {h.name} (smtplesson) "
                f"with {proto} id {qid}{for_};\r\n\t{self.clock.rfc5322(now)}\r\n").encode("ascii")

    def _deliver_local(self, h: Host, track: TrackedMessage, sender: str, r: str, data: bytes) -> None:
        copy = f"Return-Path: <{sender}>\r\n".encode("ascii") + data
        msg = _Copy(copy)
        now = self.clock()
        with self._lock:
            self._mailboxes.setdefault(_norm(r), []).append(msg)
            self._bytes[_norm(r)] = self._bytes.get(_norm(r), 0) + len(copy)
            if self.maildir is not None:
                box = _mailbox.Maildir(self.maildir / _norm(r), create=True)
                box.add(copy)
            key = _match(track.recipients, r)
            track.record(Attempt(now, h.name, "mailbox", (key,), "DELIVERY",
                                 "stored in the mailbox", "delivered"))
            track.copies[key] = msg
            track.mark([key], DELIVERED, now)

    def _enqueue(self, h: Host, track: TrackedMessage, sender: str, rcpts: list[str], data: bytes,
                 now: float, qid: str | None = None) -> None:
        e = QueueEntry(qid=qid or h.queue.new_qid(), track=track, sender=sender, recipients=list(rcpts),
                       data=data, arrived=now, next_try=now)
        if e.qid in h.queue:
            e.qid = h.queue.new_qid()
        h.queue.add(e)

    def _untracked(self, sender: str, rcpts: list[str], data: bytes, now: float) -> TrackedMessage:
        """A message that arrived from outside the network's own clients (e.g. your smtplib)."""
        head = message_from_bytes(_header_block(data).encode(), policy=_READ_POLICY)
        n = self._bump()
        track = TrackedMessage(id=f"M{n}", sender=sender, recipients=tuple(rcpts),
                               subject=str(head.get("Subject", "")),
                               message_id=str(head.get("Message-ID", "")), submitted_at=now,
                               clock=self.clock, is_bounce=sender == "", roles=self.roles)
        with self._lock:
            self.messages.append(track)
        return track

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


class _Closed(Exception):
    """The server answered 421 and closed the session (already recorded)."""


def _exchange(smtp: smtplib.SMTP, chunks: list[bytes], lockstep: bool) -> Iterator[tuple[int, bytes]]:
    """Send commands (all at once when pipelining) and yield their replies in order."""
    if not lockstep:
        smtp.send(b"".join(chunks))
    for chunk in chunks:
        if lockstep:
            smtp.send(chunk)
        yield smtp.getreply()


class _Copy:
    """A delivered copy: raw bytes, parsed (``email.policy.default``) on first look."""

    __slots__ = ("_message", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._message: EmailMessage | None = None

    @property
    def message(self) -> EmailMessage:
        if self._message is None:
            self._message = message_from_bytes(self.raw, policy=_READ_POLICY)
        return self._message


@dataclass
class _Pending:
    """One entry on its way through one queue run (or one submission)."""

    track: TrackedMessage
    sender: str
    recipients: Sequence[str]
    data: bytes
    entry: QueueEntry | None = None
    outcome: _Outcome = field(default_factory=_Outcome)
    decided: set[str] = field(default_factory=set)
    last: dict[str, Attempt] = field(default_factory=dict)
    first_index: int = 1 << 30


# ----------------------------------------------------------------------------- small helpers
def _stop_all(hosts: list[Host]) -> None:
    for h in hosts:
        if h.server is not None:
            try:
                h.server.stop()
            except Exception:
                pass
        if h._hole is not None:
            h._hole.close()
            h._hole = None


def _strip(address: Any) -> str:
    return str(address or "").strip().strip("<>")


def _match(recipients: Sequence[str], r: str) -> str:
    for x in recipients:
        if x.lower() == r.lower():
            return x
    return r


def _reply(code: int, text: bytes | str) -> str:
    """smtplib's (code, text) back into one line: ``"451 4.7.1 Greylisted"``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}".rstrip()


def _default_status(action: str, last: Attempt | None) -> str:
    """Status when no SMTP reply gave one: 4.4.1 "no answer from host" (RFC 3463 §3.5)
    when the host could not be reached, else X.0.0."""
    if last is not None and last.stage == "CONNECT" and last.code is None:
        return "4.4.1" if action == "delayed" else "5.4.1"
    return "5.0.0" if action == "failed" else "4.0.0"


def _with_note(a: Attempt, note: str) -> Attempt:
    return Attempt(a.time, a.client, a.server, a.recipients, a.stage, a.reply, a.outcome,
                   a.replies, note)


def _header_block(data: bytes) -> str:
    head = data.split(b"\r\n\r\n", 1)[0]
    return head.decode("utf-8", "replace").replace("\r\n", "\n") + "\n"


def _raw(stored: Any) -> bytes:
    """The message bytes a DebugServer stored, CRLF line ends."""
    for name in ("raw", "data", "content"):
        value = getattr(stored, name, None)
        if isinstance(value, (bytes, bytearray)):
            data = bytes(value)
            break
    else:
        data = stored.message.as_bytes(policy=_SMTP_POLICY)
    if b"\r\n" not in data:
        data = data.replace(b"\n", b"\r\n")
    return data


def _plain_message(headers: Mapping[str, str], body: str | None) -> bytes | None:
    """A short ASCII text message as bytes, without the (slow) email package; None if not ASCII."""
    text = body if body is not None else f"Hello from {headers['From']}!\n"
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    values = list(headers.values())
    if not (text.isascii() and all(v.isascii() and len(v) < 900 for v in values)
            and all(len(line) <= 998 for line in lines)):
        return None
    head = [f"{k}: {v}" for k, v in headers.items()]
    head += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii",
             "Content-Transfer-Encoding: 7bit"]
    return ("\r\n".join(head) + "\r\n\r\n" + "\r\n".join(lines) + "\r\n").encode("ascii")


def _text_message(body: str | None, sender: str) -> EmailMessage:
    msg = EmailMessage(policy=_SMTP_POLICY)
    msg.set_content(body if body is not None else f"Hello from {sender}!\n")
    return msg


def _dot_stuff(data: bytes) -> bytes:
    """Message content for DATA (RFC 5321 §4.5.2): leading dots doubled, then "." alone."""
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    if data.startswith(b"."):
        data = b"." + data
    return data.replace(b"\r\n.", b"\r\n..") + b".\r\n"


def _copy(msg: EmailMessage) -> EmailMessage:
    return message_from_bytes(msg.as_bytes(policy=_SMTP_POLICY), policy=_SMTP_POLICY)
