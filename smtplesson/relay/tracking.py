"""What happened to a message: every attempt, every reply, and each recipient's fate.

A :class:`TrackedMessage` is what ``MailNetwork.submit`` returns.  Its :class:`Attempt` list is
the timeline (simulated times); ``fate(recipient)`` says ``delivered``, ``bounced`` or ``queued``
with the hops that recipient's copy took and every reply it met.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from typing import TYPE_CHECKING, overload

from ..addresses import normalise_address
from ..codes.syntax import code_of

if TYPE_CHECKING:  # pragma: no cover
    from ..clock import SimClock
    from .messages import Copy

__all__ = ["BOUNCED", "DELIVERED", "QUEUED", "Attempt", "RecipientFate", "TrackedMessage"]

QUEUED, DELIVERED, BOUNCED = "queued", "delivered", "bounced"


@dataclass(frozen=True)
class Attempt:
    """One hand-over attempt from ``client`` to ``server`` and the reply that decided it.

    ``outcome`` is ``accepted`` (2xx: passed on), ``deferred`` (4xx or unreachable: stays
    queued), ``bounced`` (5xx) or ``delivered`` (into the mailbox).  ``replies`` keeps the
    whole exchange as ``(stage, reply)`` pairs.
    """

    time: float
    client: str
    server: str
    recipients: tuple[str, ...]
    stage: str  # "CONNECT", "MAIL FROM", "RCPT TO", "DATA", "END-OF-DATA", "DNS", "DELIVERY"
    reply: str  # one line: "451 4.7.1 Greylisted, try again later" or "connect: Connection refused"
    outcome: str
    replies: tuple[tuple[str, str], ...] = ()
    note: str = ""  # e.g. "greylisted: retry in 10 min", "trying the next MX"

    @property
    def code(self) -> int | None:
        return code_of(self.reply)


@dataclass
class RecipientFate:
    """One recipient's end of the story."""

    recipient: str
    status: str  # "queued" | "delivered" | "bounced"
    attempts: list[Attempt]
    delivered_at: float | None = None
    bounced_at: float | None = None
    dsn: Message | None = None  # the bounce sent back to the sender
    bounce: TrackedMessage | None = None  # that bounce's own journey
    duplicates: int = 0  # extra copies in the mailbox (a reply lost after the final ".")

    @property
    def hops(self) -> list[str]:
        """Hosts the copy passed, in order (accepted hand-overs only), ending with ``mailbox``."""
        path: list[str] = []
        for a in self.attempts:
            if a.outcome in ("accepted", "delivered"):
                if not path:
                    path.append(a.client)
                path.append(a.server)
        return path

    @property
    def replies(self) -> list[tuple[float, str, str]]:
        """Every deciding reply met: ``(time, server, reply)``."""
        return [(a.time, a.server, a.reply) for a in self.attempts]

    @property
    def final(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    def __str__(self) -> str:
        last = self.final.reply if self.final else "-"
        return f"{self.recipient}: {self.status} ({last})"


@dataclass
class TrackedMessage:
    """A message on its way through the network (returned by ``MailNetwork.submit``)."""

    id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    message_id: str
    submitted_at: float
    clock: SimClock
    attempts: list[Attempt] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)
    delivered_at: dict[str, float] = field(default_factory=dict)
    bounced_at: dict[str, float] = field(default_factory=dict)
    dsns: list[Message] = field(default_factory=list)  # the DSNs written (email.mime parts)
    dsn_for: dict[str, Message] = field(default_factory=dict)
    bounce_for: dict[str, TrackedMessage] = field(default_factory=dict)  # the DSN on its way
    is_bounce: bool = False  # this message is itself a DSN
    copies: dict[str, Copy] = field(default_factory=dict)  # recipient -> first delivered copy
    duplicates: dict[str, int] = field(default_factory=dict)  # recipient -> extra copies delivered
    warnings: list[Message] = field(default_factory=list)  # "Action: delayed" DSNs
    roles: dict[str, str] = field(default_factory=dict, repr=False)  # host -> MUA/MSA/MTA/MX

    def __post_init__(self) -> None:
        for r in self.recipients:
            self.status.setdefault(r, QUEUED)

    # -- questions a learner asks -------------------------------------------------------------
    @overload
    def fate(self, recipient: str) -> RecipientFate: ...
    @overload
    def fate(self, recipient: None = None) -> dict[str, RecipientFate]: ...

    def fate(self, recipient: str | None = None) -> RecipientFate | dict[str, RecipientFate]:
        """The fate of one recipient, or a dict of all of them."""
        if recipient is None:
            return {r: self.fate(r) for r in self.recipients}
        key = self._key(recipient)
        return RecipientFate(
            recipient=key,
            status=self.status[key],
            attempts=[a for a in self.attempts if key in a.recipients],
            delivered_at=self.delivered_at.get(key),
            bounced_at=self.bounced_at.get(key),
            dsn=self.dsn_for.get(key),
            bounce=self.bounce_for.get(key),
            duplicates=self.duplicates.get(key, 0),
        )

    def fates(self) -> dict[str, str]:
        """``{recipient: status}``."""
        return dict(self.status)

    @property
    def settled(self) -> bool:
        """True once no recipient is still queued."""
        return all(s != QUEUED for s in self.status.values())

    def headers(self, recipient: str) -> str:
        """The trace header block of the delivered copy: ``Return-Path`` and ``Received`` lines."""
        copy = self.copies.get(self._key(recipient))
        if copy is None:
            return ""
        head = copy.raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
        out: list[str] = []
        keep = False
        for line in head:
            if line[:1] in (" ", "\t"):
                if keep:
                    out.append("    " + line.strip())
                continue
            keep = line.split(":", 1)[0].lower() in ("return-path", "received")
            if keep:
                out.append(line)
        return "\n".join(out)

    def copy(self, recipient: str) -> EmailMessage | None:
        """The copy delivered to ``recipient`` (with its trace headers), or None."""
        c = self.copies.get(self._key(recipient))
        return c.message if c is not None else None

    def _key(self, recipient: str) -> str:
        wanted = normalise_address(recipient)
        for r in self.recipients:
            if r.lower() == wanted:
                return r
        raise KeyError(f"{recipient!r} is not a recipient of {self.id} "
                       f"(recipients: {', '.join(self.recipients)})")

    # -- bookkeeping used by the network ------------------------------------------------------
    def record(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)

    def mark(self, recipients: Iterable[str], status: str, when: float) -> None:
        """Settle still-queued recipients as ``status`` (a later delivery still wins)."""
        for r in recipients:
            if r in self.status and self.status[r] == QUEUED:
                self.status[r] = status
                (self.delivered_at if status == DELIVERED else self.bounced_at)[r] = when

    def delivered(self, recipient: str, when: float) -> None:
        """A copy reached the mailbox: the status says so, whatever the senders were told."""
        self.status[recipient] = DELIVERED
        self.delivered_at.setdefault(recipient, when)

    # -- pictures and text --------------------------------------------------------------------
    def __str__(self) -> str:
        from ..views.journey import journey_text

        return journey_text(self)

    def __repr__(self) -> str:
        counts = ", ".join(f"{r}: {s}" for r, s in self.status.items())
        return f"<TrackedMessage {self.id} from {self.sender or '<>'} — {counts}>"

    def _repr_html_(self) -> str:
        from ..views.journey import journey_html

        return journey_html(self)
