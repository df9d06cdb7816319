"""Delivery status notifications (RFC 3464): failures, delay warnings, and sending them.

A DSN is ordinary mail from the null reverse-path ``<>`` to the original sender: it is queued
on the host that wrote it and retried like any other message.  Only a bounce is never bounced
(RFC 5321 §6.1, §4.5.5): when a DSN itself fails, the record says so and it goes no further.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..bounces.build import RecipientStatus, build_dsn, status_of
from .messages import SMTP_POLICY, header_block
from .tracking import BOUNCED, Attempt, TrackedMessage

if TYPE_CHECKING:  # pragma: no cover
    from email.message import Message

    from .layout import Host
    from .ledger import Ledger
    from .queue import QueueEntry, RetryPolicy

__all__ = ["Dsns", "Enqueue", "Failure", "default_status", "expired_status"]

#: hands a message to a host's queue: ``enqueue(host, track, sender, recipients, data, now)``
Enqueue = Callable[["Host", TrackedMessage, str, Sequence[str], bytes, float], None]


@dataclass(frozen=True)
class Failure:
    """One recipient of a queue entry that failed for good: the last attempt it met, and the
    status to report instead of the reply's own (``expired_status`` when the queue gave up)."""

    entry: QueueEntry
    recipient: str
    last: Attempt | None
    status: str | None = None


def default_status(action: str, last: Attempt | None) -> str:
    """Status when no SMTP reply gave one: 4.4.1 "no answer from host" (RFC 3463 §3.5)
    when the host could not be reached, else X.0.0."""
    if last is not None and last.stage == "CONNECT" and last.code is None:
        return "4.4.1" if action == "delayed" else "5.4.1"
    return "5.0.0" if action == "failed" else "4.0.0"


def expired_status(last: Attempt | None) -> str:
    """Status of a recipient the queue gave up on, as Postfix writes it: the last transient
    status (the last reply's enhanced code, or 4.4.1 "no answer from host" when no server
    answered), with ``Action: failed``; 4.4.7 ("delivery time expired", RFC 3463 §3.5) is
    what the registry offers, not what Postfix reports."""
    if last is None or last.code is None:
        return "4.4.1"
    return status_of(last.reply, "4.0.0")


class Dsns:
    """Writes the network's DSNs and hands them to the queue of the host that failed.

    ``ledger``: where each DSN gets its number and tracker; ``enqueue``: puts it on a host's
    queue; ``retry``: when a delay warning is due and until when the queue keeps trying."""

    def __init__(self, ledger: Ledger, enqueue: Enqueue, retry: RetryPolicy) -> None:
        self.ledger = ledger
        self.enqueue = enqueue
        self.retry = retry

    def status(self, r: str, last: Attempt | None, action: str, status: str | None = None) -> RecipientStatus:
        """One recipient's block of a DSN, from the last reply it met."""
        clock = self.ledger.clock
        smtp_reply = last.reply if last is not None and last.code is not None else None
        remote = last.server if last and last.server not in ("DNS", "-", "mailbox") else None
        return RecipientStatus(
            recipient=r, action=action,
            status=status or status_of(smtp_reply, default_status(action, last)),
            diagnostic=smtp_reply,
            diagnostic_type="x-stub-dns" if last and last.stage == "DNS" else "smtp",
            remote_mta=remote if smtp_reply else None,
            last_attempt=clock.rfc5322(last.time) if last else None,
            stage=last.stage if last and last.stage not in ("QUEUE", "DNS") else None,
        )

    def bounce(self, h: Host, failures: Sequence[Failure]) -> None:
        """One DSN per message and run, from <> to the original sender — never for a bounce."""
        e = failures[0].entry
        track = e.track
        now = self.ledger.clock()
        recipients = [f.recipient for f in failures]
        track.mark(recipients, BOUNCED, now)
        if e.is_bounce:
            for r in recipients:
                self.ledger.record(track, Attempt(now, h.name, "-", (r,), "DSN",
                                                  "no DSN: a bounce is never bounced (null reverse-path <>)",
                                                  "bounced"))
            return
        statuses = [self.status(f.recipient, f.last, "failed", status=f.status) for f in failures]
        dsn, bt = self.send(h, e, statuses, now)
        track.dsns.append(dsn)
        for r in recipients:
            track.dsn_for[r] = dsn
            track.bounce_for[r] = bt

    def refused(self, h: Host, track: TrackedMessage, sender: str, data: bytes,
                refusals: Sequence[tuple[str, Attempt]]) -> None:
        """The DSN of an MX whose organisation refused recipients after accepting the message
        (the NDR a Microsoft 365 tenant sends), queued on that MX."""
        from .queue import QueueEntry

        assert h.queue is not None, f"{h.name} has no queue for its DSNs"
        now = self.ledger.clock()
        e = QueueEntry(h.queue.new_qid(), track, sender, [r for r, _ in refusals], data, now, now)
        self.bounce(h, [Failure(e, r, attempt) for r, attempt in refusals])

    def maybe_warn(self, h: Host, e: QueueEntry) -> None:
        """One optional "Action: delayed" DSN once a message has waited ``delay_warning``."""
        retry = self.retry
        now = self.ledger.clock()
        if retry.delay_warning is None or e.warned or e.is_bounce or now - e.arrived < retry.delay_warning:
            return
        e.warned = True
        until = self.ledger.clock.rfc5322(e.arrived + retry.lifetime)
        statuses = [dataclasses.replace(self.status(r, e.last.get(r), "delayed"), will_retry_until=until)
                    for r in e.recipients]
        dsn, _ = self.send(h, e, statuses, now)
        e.track.warnings.append(dsn)

    def send(self, h: Host, e: QueueEntry, statuses: list[RecipientStatus],
             now: float) -> tuple[Message, TrackedMessage]:
        """Write a DSN about ``e`` from <> to its sender and queue it on ``h``; (DSN, tracker)."""
        ledger, clock = self.ledger, self.ledger.clock
        n = ledger.next_number()
        dsn = build_dsn(to=e.sender, statuses=statuses, reporting_mta=h.name,
                        arrival_date=clock.rfc5322(e.arrived), date=clock.rfc5322(now),
                        message_id=f"<{clock.datetime(now):%Y%m%d%H%M%S}.{n:04d}.dsn@{h.name}>",
                        original_headers=header_block(e.data))
        bt = ledger.open(n, "", [e.sender], str(dsn["Subject"]), str(dsn["Message-ID"]), now, is_bounce=True)
        self.enqueue(h, bt, "", [e.sender], dsn.as_bytes(policy=SMTP_POLICY), now)
        return dsn, bt
