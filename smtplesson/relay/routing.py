"""Queue runs: where each entry goes, the SMTP hand-over, and what each reply means.

A queue run groups the due entries by destination (the relay host, or a recipient domain's MX
hosts in preference order, RFC 5321 §5.1) and carries each group over one
:class:`~smtplesson.relay.client.Session`.  The replies then decide each recipient: 2xx passed
on, 5xx bounced, 4xx stays queued; a 421 or a broken connection moves on to the next MX.

Faults are counted as they happened.  A transaction that the session never reached (the
connection broke on an earlier one) is not an attempt: it goes out again at once on a new
connection.  A connection lost after the final "." leaves the sender unable to know whether
the receiver took the message (RFC 5321 §6.1): it retries, and a duplicate may reach the
mailbox (RFC 1047); the record shows both copies.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..addresses import domain_of
from ..clock import format_elapsed
from ..codes.syntax import class_of, code_of
from .client import Failure as SessionFailure
from .client import Result, Session, Transaction
from .dsns import Failure, expired_status
from .tracking import Attempt, TrackedMessage

if TYPE_CHECKING:  # pragma: no cover
    from .delivery import Wire
    from .layout import Host
    from .ledger import Ledger
    from .queue import MailQueue, QueueEntry
    from .shaping import Shaping
    from .transport import TransportPolicies
    from .zone import Zone

__all__ = ["NEXT_MX", "REJECTED", "Pending", "Router", "SessionOptions", "lost_after_data"]

#: how ``client`` connects to ``server``: keyword arguments for :class:`~.client.Session`
SessionOptions = Callable[[str, "Host"], dict[str, Any]]
#: one DSN's worth of failed recipients, from the host whose queue gave them up
OnBounce = Callable[["Host", list[Failure]], None]
#: an entry stays queued on a host (the DSN writer may send a delay warning)
OnDelay = Callable[["Host", "QueueEntry"], None]

REJECTED = "rejected"  # refused at submission: the mail client shows the error; no DSN
NEXT_MX = "trying the next MX"


def lost_after_data(server: str) -> str:
    return (f"connection lost after the final '.', no reply: the sender cannot know whether "
            f"{server} took the message (RFC 5321 §6.1)")


@dataclass
class Pending:
    """One message on its way through one hand-over (a queue run or a submission)."""

    track: TrackedMessage
    sender: str
    recipients: Sequence[str]
    data: bytes
    accepted: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    bounced: list[str] = field(default_factory=list)
    retry_elsewhere: bool = False  # 421 / dropped connection: try the next MX
    more: bool = False  # there is a next host to try in this run
    decided: set[str] = field(default_factory=set)
    last: dict[str, Attempt] = field(default_factory=dict)
    tried: bool = False  # some reply (or a failed connection) decided part of it
    taken: bool = False  # the receiver accepted it (known to the network, not to the sender)
    first_index: int = 1 << 30

    @classmethod
    def of(cls, e: QueueEntry) -> Pending:
        return cls(e.track, e.sender, list(e.recipients), e.data)

    @property
    def left(self) -> list[str]:
        return [r for r in self.recipients if r not in self.decided]


class Router:
    """The sending side of the network's MSAs and MTAs.

    ``ledger``: where each reply is recorded (and the clock); ``zone``: the MX look-ups;
    ``hosts``: the host table by name; ``wire``: what each server is receiving now;
    ``session_options``: addresses and STARTTLS for a session; ``on_bounce`` / ``on_delay``:
    the DSN writer's two entries (failed for good; still queued); ``shaping``: the automation
    that holds a destination after some replies (:mod:`.shaping`), or None."""

    def __init__(self, ledger: Ledger, zone: Zone, hosts: Mapping[str, Host], wire: Wire,
                 session_options: SessionOptions, on_bounce: OnBounce, on_delay: OnDelay,
                 transport: TransportPolicies | None = None, shaping: Shaping | None = None) -> None:
        self.ledger = ledger
        self.clock = ledger.clock
        self.zone = zone
        self.hosts = hosts
        self.wire = wire
        self.session_options = session_options
        self.on_bounce = on_bounce
        self.on_delay = on_delay
        self.transport = transport  # MTA-STS plans and the TLS-RPT log (None: neither)
        self.shaping = shaping

    # ------------------------------------------------------------------ submission
    def submit(self, mua: Host, msa: Host, pending: list[Pending], creds: tuple[str, str] | None) -> None:
        """The mail client hands its outbox to the MSA over one session (more if it breaks).

        A message whose submission got no final reply is *rejected* (the mail client shows an
        error, no DSN) unless the MSA had in fact queued it: then it goes on, and the record
        shows both.  Messages the broken session never reached go again over a new one."""
        todo = pending
        while todo:
            self.transfer(mua.name, msa, todo, creds=creds)
            todo = [p for p in todo if not p.tried]
        for p in pending:
            fate = f"{msa.name} had queued it" if p.taken else f"{msa.name} had not taken it"
            self._annotate(p, f"the mail client reports a failure; {fate}", stage="SESSION")
            if p.taken:
                continue
            for r in p.recipients:
                if r not in p.accepted:
                    p.track.status[r] = REJECTED

    # ------------------------------------------------------------------ queue runs
    def run(self, stop: float | None = None, max_steps: int = 1_000_000) -> None:
        """Process the queues, jumping the clock from event to event, until nothing is queued
        or the simulated time ``stop`` (absolute; the clock then stands there)."""
        for _ in range(max_steps):
            self.step()
            nxt = self.next_due()
            if nxt is None or (stop is not None and nxt > stop):
                break
            self.clock.set(nxt)
        if stop is not None:
            self.clock.set(stop)

    def next_due(self) -> float | None:
        """When the next queue entry of any host falls due (None: every queue is empty)."""
        times = [t for h in self.hosts.values() if h.queue is not None
                 for t in [h.queue.next_due()] if t is not None]
        return min(times, default=None)

    def step(self) -> None:
        """Everything due now, repeatedly (a hand-over can make more work due now; an entry a
        broken session never reached is still due and goes again)."""
        while True:
            now = self.clock()
            work = [(h, h.queue, due) for h in self.hosts.values() if h.queue is not None
                    for due in [h.queue.due(now)] if due]
            if not work:
                return
            for h, queue, due in work:
                self.run_queue(h, queue, due)

    def run_queue(self, h: Host, queue: MailQueue, due: list[QueueEntry]) -> None:
        groups: dict[str, list[QueueEntry]] = {}
        for e in due:
            groups.setdefault(self.destination(h, e), []).append(e)
        bounces: dict[str, list[Failure]] = {}
        for dest, entries in groups.items():
            entries = self.shape(h, dest, entries)
            runs = [(e, Pending.of(e)) for e in entries]
            self.deliver(h, dest, [p for _, p in runs])
            for e, p in runs:
                self.settle(h, queue, e, p, bounces)
        for _, items in sorted(bounces.items()):
            self.on_bounce(h, items)

    def shape(self, h: Host, dest: str, entries: list[QueueEntry]) -> list[QueueEntry]:
        """The entries the automation lets go now; the rest wait, with a record of why."""
        if self.shaping is None:
            return entries
        admitted, later = self.shaping.admit(h.name, dest, len(entries))
        hold = self.shaping.active(h.name, dest)
        now = self.clock()
        for e in entries[admitted:]:
            e.next_try = later if later is not None else now
            why = hold.describe(self.clock.label) if hold is not None else "held"
            self.ledger.record(e.track, Attempt(now, h.name, "-", tuple(e.recipients), "QUEUE",
                                                f"not sent: {dest.partition(':')[2]} {why}", "deferred",
                                                note=f"sender automation ({hold.rule.source.split(' ')[0]})"
                                                if hold is not None else ""))
        return entries[:admitted]

    @staticmethod
    def destination(h: Host, e: QueueEntry) -> str:
        """``host:NAME`` (the relay, for every domain but the host's own) or ``domain:DOMAIN``."""
        if h.relay_to:
            return "host:" + h.relay_to
        return "domain:" + domain_of(e.recipients[0])

    def targets(self, h: Host, dest: str, p: Pending) -> tuple[list[str], str | None]:
        """The hosts to try for ``p`` in order, or the reply to bounce with when there are none.

        Mail only for the host's own domain (its users' DSNs among it) may also go straight to
        that domain's MX when the relay cannot take it: it never depends on the outbound relay
        alone, so with the relay down a bounce still reaches its sender."""
        kind, _, name = dest.partition(":")
        if kind == "host":
            domains = {domain_of(r) for r in p.recipients}
            own = self.zone.lookup(h.domain) if domains == {h.domain.lower()} else None
            return [name] + (own.hosts if own is not None and not own.error else []), None
        mx = self.zone.lookup(name)
        return mx.hosts, mx.error

    def deliver(self, h: Host, dest: str, pending: list[Pending]) -> None:
        """Try each entry's hosts in order until it is decided or none is left; entries with
        the same next host share one session."""
        kind, _, name = dest.partition(":")
        domain = name if kind == "domain" else ""  # whose MTA-STS policy applies
        routes: list[tuple[Pending, list[str]]] = []
        for p in pending:
            targets, error = self.targets(h, dest, p)
            if error:
                self.decide(p, h.name, "DNS", list(p.recipients), "DNS", error, [], "")
            else:
                routes.append((p, targets))
        for i in range(max((len(t) for _, t in routes), default=0)):
            by_target: dict[str, list[Pending]] = {}
            for p, targets in routes:
                if i < len(targets):
                    p.more = i + 1 < len(targets)
                    by_target.setdefault(targets[i], []).append(p)
            for target, todo in by_target.items():
                th = self.hosts.get(target.lower())
                if th is None:
                    for p in todo:
                        p.tried = True
                        self.ledger.record(p.track, Attempt(
                            self.clock(), h.name, target, tuple(p.recipients), "DNS",
                            f"{target}: Host not found", "deferred", note=NEXT_MX if p.more else ""))
                        p.retry_elsewhere = p.more
                    continue
                self.transfer(h.name, th, todo, domain=domain)
            routes = [(p, t) for p, t in routes if p.retry_elsewhere]
            for p, targets in routes:
                p.retry_elsewhere = False
                if i + 1 >= len(targets):  # every host failed: stay queued
                    p.deferred += [r for r in p.recipients if r not in p.deferred]

    def settle(self, h: Host, queue: MailQueue, e: QueueEntry, p: Pending,
               bounces: dict[str, list[Failure]]) -> None:
        """Apply one entry's outcome: done, retry later, or give up; collect bounces.

        An entry this run never reached stays due as it was: no attempt is counted."""
        if not p.tried:
            return
        now = self.clock()
        done = set(p.accepted) | set(p.bounced)
        for r in p.bounced:
            bounces.setdefault(p.track.id, []).append(Failure(e, r, p.last.get(r)))
        e.recipients = [r for r in e.recipients if r not in done]
        e.last.update(p.last)
        if not e.recipients:
            queue.remove(e)
            return
        if queue.defer(e, now):
            resume = self.shaping.resume(h.name, self.destination(h, e)) if self.shaping is not None else None
            if resume is not None:
                e.next_try = max(e.next_try, resume)
            wait = format_elapsed(e.next_try - now).lstrip("+")
            self._annotate(p, f"stays queued on {h.name}: retry in {wait}")
            self.on_delay(h, e)
            return
        queue.remove(e)
        for r in e.recipients:  # past the lifetime: give up
            last = e.last.get(r)
            reply = last.reply if last else "no attempt was answered"
            a = Attempt(now, h.name, last.server if last else "-", (r,), "QUEUE",
                        f"gave up after {format_elapsed(now - e.arrived).lstrip('+')} in the queue "
                        f"(last reply: {reply})", "bounced", note="maximum queue lifetime reached")
            self.ledger.record(e.track, a)
            bounces.setdefault(e.track.id, []).append(Failure(e, r, last, expired_status(last)))
        e.recipients = []

    def _annotate(self, p: Pending, note: str, stage: str | None = None) -> None:
        """Add a note to this run's deferring attempts (the learner sees when the retry comes)."""
        attempts = p.track.attempts
        with self.ledger.lock:
            for i in range(p.first_index, len(attempts)):
                if (attempts[i].outcome == "deferred" and not attempts[i].note
                        and stage in (None, attempts[i].stage)):
                    attempts[i] = dataclasses.replace(attempts[i], note=note)

    # ------------------------------------------------------------------ one SMTP session
    def transfer(self, client: str, server: Host, pending: list[Pending], *,
                 creds: tuple[str, str] | None = None, domain: str = "") -> None:
        """One real SMTP session from ``client`` to ``server`` carrying every pending entry
        (``domain``: the recipients' domain, whose MTA-STS policy applies)."""
        for p in pending:
            p.first_index = min(p.first_index, len(p.track.attempts))
        session, failure = self._open(client, server, creds, domain)
        try:
            if failure is not None:
                for p in pending:
                    self.decide(p, client, server.name, p.left, failure.stage, failure.reply,
                                [(failure.stage, failure.reply)], NEXT_MX if p.more else "",
                                transient=failure.transient)
                return
            active = [p for p in pending if p.left]
            batch = [Transaction(p.sender, p.left, p.data) for p in active]

            def before_content(i: int) -> None:
                self.wire.begin(server.name, active[i].track, client, creds is not None)

            for i, result in session.send(batch, before_content):
                if result is not None:
                    self._apply(active[i], batch[i], result, client, server.name)
                    if result.sent_content:
                        active[i].taken = self.wire.end(server.name)
        finally:
            self.wire.end(server.name)
            session.close()

    def _react(self, client: str, rcpt: str, reply: str) -> str | None:
        """The automation reads a reply an MX gave a relay (not an MSA's to a mail client)."""
        sender = self.hosts.get(client.lower())
        if self.shaping is None or sender is None or sender.relay_to or sender.role == "MUA":
            return None
        return self.shaping.react(sender.name, "domain:" + domain_of(rcpt), reply)

    def _open(self, client: str, server: Host, creds: tuple[str, str] | None,
              domain: str) -> tuple[Session, SessionFailure | None]:
        """Open a session to ``server`` as the domain's MTA-STS policy asks (RFC 8461): under
        ``enforce``, TLS level ``secure`` with the policy's names; under ``testing``, the same
        check, its failure reported, then a session at the relay's own level.  Each outcome
        goes to the TLS-RPT log (RFC 8460)."""
        options = self.session_options(client, server)
        plan = self.transport.plan(domain, options.get("tls", "none")) if self.transport and domain else None
        if plan is not None and plan.match:
            options = {**options, "tls": "secure", "tls_match": plan.match}
        session = Session(client, server.name, server.port, **options)
        failure = session.open(creds)
        if plan is None or self.transport is None or (failure is not None and failure.stage != "STARTTLS"):
            return session, failure
        self.transport.record(plan, server.name, options.get("source") or "", server.address,
                              failure.reply if failure is not None else None)
        if failure is not None and plan.check_only:  # testing: reported; now deliver anyway
            session.close()
            session = Session(client, server.name, server.port, **{**options, "tls": plan.fallback,
                                                                     "tls_match": ()})
            failure = session.open(creds)
        return session, failure

    def _apply(self, p: Pending, t: Transaction, res: Result, client: str, server: str) -> None:
        """Sort one transaction's recipients by the replies it met."""
        log = res.replies
        where = NEXT_MX if p.more else ""

        def decide(rcpts: list[str], stage: str, reply: str, replies: list[tuple[str, str]] = log,
                   transient: bool = False) -> None:
            self.decide(p, client, server, rcpts, stage, reply, list(replies), where, transient)

        todo = list(t.recipients)
        lost = f"lost connection with {server}"
        if res.mail is None:
            return decide(todo, "SESSION", lost, transient=True)
        if not _positive(res.mail):
            return decide(todo, "MAIL FROM", res.mail, log if _code(res.mail) == 421 else log[:1])
        accepted = res.accepted
        unanswered = [r for r in todo if r not in res.rcpt]
        for r, reply in res.rcpt.items():
            if r not in accepted:
                if _code(reply) == 421:
                    return decide([r, *unanswered, *accepted], "RCPT TO", reply)
                decide([r], "RCPT TO", reply)
        if res.data is None:
            return decide(unanswered + accepted, "SESSION", lost, transient=True)
        if _code(res.data) != 354:
            return decide(accepted, "DATA", res.data)
        if res.end is None:
            why = lost_after_data(server) if res.sent_content else lost
            return decide(accepted, "SESSION", why, transient=True)
        decide(accepted, "END-OF-DATA", res.end)

    def decide(self, p: Pending, client: str, server: str, rcpts: list[str], stage: str,
               reply: str, replies: list[tuple[str, str]], where: str,
               transient: bool = False) -> None:
        """Record one reply for some recipients of an entry and sort them by its class."""
        if not rcpts:
            return
        p.tried = True
        code = code_of(reply)
        klass = class_of(code) if code is not None else None
        outcome = {2: "accepted", 3: "accepted", 5: "bounced"}.get(klass or 4, "deferred")
        note = where if (code == 421 or transient) and where else ""
        acted = self._react(client, rcpts[0], reply) if outcome != "accepted" else None
        a = Attempt(self.clock(), client, server, tuple(rcpts), stage, reply, outcome,
                    replies=tuple(replies), note="; ".join(n for n in (note, acted) if n))
        self.ledger.record(p.track, a)
        for r in rcpts:
            p.decided.add(r)
            p.last[r] = a
        if outcome == "accepted":
            p.accepted += rcpts
        elif outcome == "bounced":
            p.bounced += rcpts
        elif note:  # 421 / unreachable with another MX to try
            p.retry_elsewhere = True
            for r in rcpts:
                p.decided.discard(r)
        else:
            p.deferred += rcpts


def _code(reply: str) -> int | None:
    return code_of(reply)


def _positive(reply: str) -> bool:
    return class_of(reply) in (2, 3)
