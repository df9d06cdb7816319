"""The network's record: every tracked message, their numbers, one lock, and the clock.

The parts of a :class:`~smtplesson.relay.network.MailNetwork` write here and nowhere else: the
router records each reply (:meth:`Ledger.record`), delivery opens a tracker for mail that came
from outside, the DSN writer opens one for each bounce.  Numbers (``M1``, ``M2`` ...) follow the
order messages enter the network; Message-IDs and dates come from the simulated clock, so the
same story prints the same record every time.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage

from ..clock import SimClock
from .messages import build_message
from .tracking import Attempt, TrackedMessage

__all__ = ["Ledger"]


class Ledger:
    """Tracked messages in arrival order, numbered from 1, under one lock, on one clock.

    ``roles``: host name -> role (MUA, MSA, MTA, MX, LIST, mailbox, DNS), for the pictures.
    """

    def __init__(self, clock: SimClock, roles: Mapping[str, str]) -> None:
        self.clock = clock
        self.roles = dict(roles)
        self.messages: list[TrackedMessage] = []
        self.lock = threading.RLock()  # guards the trackers: server threads and the router write
        self._seq = 0
        #: called with every (tracker, attempt) recorded, under the lock (the sending service)
        self.observers: list[Callable[[TrackedMessage, Attempt], None]] = []
        #: header fields a sending service adds to each submission: ``stamp(sender, rcpts, n)``
        self.stamp: Callable[[str, Sequence[str], int], Mapping[str, str]] | None = None

    def next_number(self) -> int:
        with self.lock:
            self._seq += 1
            return self._seq

    def open(self, n: int, sender: str, recipients: Sequence[str], subject: str, message_id: str,
             at: float, *, is_bounce: bool = False) -> TrackedMessage:
        """Start the record of message number ``n`` (from :meth:`next_number`)."""
        track = TrackedMessage(id=f"M{n}", sender=sender, recipients=tuple(recipients), subject=subject,
                               message_id=message_id, submitted_at=at, clock=self.clock,
                               is_bounce=is_bounce, roles=self.roles)
        with self.lock:
            self.messages.append(track)
        return track

    def record(self, track: TrackedMessage, attempt: Attempt) -> None:
        with self.lock:
            track.record(attempt)
            for observe in self.observers:
                observe(track, attempt)

    def submission(self, sender: str, recipients: Sequence[str], body: str | EmailMessage | None,
                   subject: str | None) -> tuple[TrackedMessage, bytes]:
        """A message a mail client is about to submit, dated now: its tracker and its bytes."""
        n = self.next_number()
        now = self.clock()
        domain = sender.rpartition("@")[2] or "localhost"
        defaults = {"From": sender, "To": ", ".join(recipients), "Subject": subject or f"Message {n}",
                    "Date": self.clock.rfc5322(now),
                    "Message-ID": f"<{self.clock.datetime(now):%Y%m%d%H%M%S}.{n:04d}@{domain}>"}
        if self.stamp is not None:
            defaults |= self.stamp(sender, recipients, n)
        data, subject_, message_id = build_message(defaults, body)
        return self.open(n, sender, recipients, subject_, message_id, now), data
