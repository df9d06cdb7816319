"""The mail queue of one MTA: entries wait here between delivery attempts.

A 4xx reply leaves a recipient queued; the next attempt comes after a backoff that doubles from
``first`` up to ``max`` (Postfix: ``minimal_backoff_time`` / ``maximal_backoff_time``).  Once an
entry is older than ``lifetime`` (Postfix ``maximal_queue_lifetime``, 5 days) the MTA gives up:
the remaining recipients bounce with the last transient status, as Postfix reports them
(4.4.1 when no server answered; ``dsns.expired_status``).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .tracking import Attempt, TrackedMessage

__all__ = ["MailQueue", "QueueEntry", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry a deferred message, and when to give up."""

    first: float = 600.0  # seconds before the first retry
    factor: float = 2.0  # each wait is this many times the previous one ...
    max: float = 4000.0  # ... up to this
    lifetime: float = 5 * 86400.0  # give up when the message has waited this long
    delay_warning: float | None = None  # send one "Action: delayed" DSN after this long (None: never)

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> RetryPolicy:
        data = dict(data or {})
        data.pop("comment", None)
        return cls(**data)

    def __post_init__(self) -> None:
        if self.first <= 0 or self.factor < 1 or self.max < self.first or self.lifetime <= 0:
            raise ValueError("retry policy needs first > 0, factor >= 1, max >= first, lifetime > 0")

    def backoff(self, failures: int) -> float:
        """The wait after the ``failures``-th failed attempt (1-based)."""
        return min(self.first * self.factor ** max(failures - 1, 0), self.max)

    def schedule(self, limit: int = 1000) -> list[float]:
        """Offsets from arrival of every attempt before the lifetime runs out."""
        times, t, n = [0.0], 0.0, 1
        while len(times) < limit:
            t += self.backoff(n)
            if t >= self.lifetime:
                break
            times.append(t)
            n += 1
        return times


@dataclass
class QueueEntry:
    """One message waiting in one MTA's queue, with the recipients still to do."""

    qid: str
    track: TrackedMessage  # the record this copy belongs to
    sender: str  # "" for a bounce (null reverse-path)
    recipients: list[str]
    data: bytes  # the message as it will be sent (CRLF line ends)
    arrived: float
    next_try: float
    attempts: int = 0  # attempts made so far
    warned: bool = False  # a delay warning has been sent
    last: dict[str, Attempt] = field(default_factory=dict)  # recipient -> last Attempt

    @property
    def is_bounce(self) -> bool:
        return self.sender == ""


class MailQueue:
    """Entries of one host, ordered by next attempt time (then arrival order: deterministic)."""

    def __init__(self, host: str, policy: RetryPolicy) -> None:
        self.host = host
        self.policy = policy
        self._entries: dict[str, QueueEntry] = {}
        self._lock = threading.Lock()
        self._seq = 0

    def new_qid(self) -> str:
        """A short queue id, unique on this host and the same on every run."""
        with self._lock:
            self._seq += 1
            return f"{self.host[:1].upper()}{self._seq:05X}"

    def add(self, entry: QueueEntry) -> None:
        with self._lock:
            self._entries[entry.qid] = entry

    def __contains__(self, qid: object) -> bool:
        return qid in self._entries

    def remove(self, entry: QueueEntry) -> None:
        with self._lock:
            self._entries.pop(entry.qid, None)

    def due(self, now: float) -> list[QueueEntry]:
        """Entries whose next attempt is due, oldest first."""
        with self._lock:
            return [e for e in self._entries.values() if e.next_try <= now]

    def next_due(self) -> float | None:
        with self._lock:
            return min((e.next_try for e in self._entries.values()), default=None)

    def defer(self, entry: QueueEntry, now: float) -> bool:
        """Schedule the next attempt; False when the entry has outlived the queue lifetime."""
        entry.attempts += 1
        if now - entry.arrived >= self.policy.lifetime:
            return False
        entry.next_try = min(now + self.policy.backoff(entry.attempts),
                             entry.arrived + self.policy.lifetime)
        return True

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[QueueEntry]:
        with self._lock:
            return iter(list(self._entries.values()))

    def __repr__(self) -> str:
        return f"<MailQueue {self.host}: {len(self)} waiting>"
