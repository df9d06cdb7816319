"""The receiving side: what a server of the network does with a message it accepted.

An MSA or MTA queues it (one entry per recipient domain, or one for its relay); an MX stores a
copy in each recipient's mailbox.  Every hop adds its ``Received:`` header (RFC 5321 §4.4) and
the final delivery a ``Return-Path:``.  The sender's thread tells the receiving server which
tracked message is on the wire (:class:`InFlight`), so one record follows the copy hop by hop.
"""
from __future__ import annotations

import mailbox as _mailbox
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..addresses import domain_of, normalise_address
from .layout import LOOPBACK
from .messages import Copy, read_headers
from .queue import QueueEntry
from .tracking import Attempt, TrackedMessage

if TYPE_CHECKING:  # pragma: no cover
    from ..server.debug import StoredMessage
    from .layout import Host
    from .ledger import Ledger
    from .security import Security
    from .zone import Zone

__all__ = ["Arrival", "Delivery", "InFlight", "OnRefused", "Screen", "Transform", "Wire"]

DUPLICATE_NOTE = ("a second copy: an earlier hand-over's reply was lost after the final '.', "
                  "so the sender sent it again (RFC 1047)")


@dataclass(frozen=True)
class Arrival:
    """What a server knows about a message it has just accepted."""

    host: Host
    sender: str  # "" for a bounce
    recipients: tuple[str, ...]
    helo: str  # the client's EHLO name
    authenticated: bool  # the client logged in (AUTH)
    peer: str  # the client's address


#: one step a host applies to every message it accepts, after its Received: header and before
#: queueing or delivery (say, a DKIM signature at the MSA, Authentication-Results at an MX):
#: ``step(arrival, message) -> message``
Transform = Callable[[Arrival, bytes], bytes]
#: what an MX's organisation decides about one recipient after accepting the message (a
#: Microsoft 365 tenant's rules): ``screen(arrival, recipient) -> NDR reply or None to deliver``
Screen = Callable[[Arrival, str], "str | None"]
#: hands the recipients an MX refused after accepting to the DSN writer:
#: ``on_refused(host, track, sender, data, [(recipient, attempt), ...])``
OnRefused = Callable[["Host", TrackedMessage, str, bytes, list[tuple[str, Attempt]]], None]


@dataclass
class InFlight:
    """What the sending side is handing to a server right now (read by that server's hook)."""

    track: TrackedMessage
    helo: str
    authenticated: bool
    accepted: bool = False  # the server took it (the sender may never hear so)
    after: list[Callable[[], None]] = field(default_factory=list)  # run once the reply is read


class Wire:
    """The message each server is receiving now, keyed by server name."""

    def __init__(self) -> None:
        self._now: dict[str, InFlight] = {}
        self._lock = threading.Lock()

    def begin(self, server: str, track: TrackedMessage, helo: str, authenticated: bool) -> None:
        with self._lock:
            self._now[server] = InFlight(track, helo, authenticated)

    def get(self, server: str) -> InFlight | None:
        with self._lock:
            return self._now.get(server)

    def end(self, server: str) -> bool:
        """The hand-over is over (reply read, or the connection lost): run what waited for it;
        True when the server had accepted the message."""
        with self._lock:
            ctx = self._now.pop(server, None)
        if ctx is None:
            return False
        for run in ctx.after:
            run()
        return ctx.accepted


class Delivery:
    """The DebugServer hook of every host, and local delivery into mailboxes.

    ``ledger``: the record (and clock) each arrival is written to; ``zone`` and ``security``
    (None without authentication): what a mailing list checks and a signing host signs with;
    ``wire``: what the sending side is handing over right now; ``maildir``: an optional copy
    of every mailbox on disk."""

    def __init__(self, ledger: Ledger, zone: Zone, security: Security | None, wire: Wire,
                 maildir: Path | None = None) -> None:
        self.ledger = ledger
        self.clock = ledger.clock
        self.zone = zone
        self.security = security
        self.wire = wire
        self.maildir = maildir  # also write every delivered copy to <maildir>/<address>/
        self._qids: dict[str, int] = {}
        self._mailboxes: dict[str, list[Copy]] = {}
        self._bytes: dict[str, int] = {}  # mailbox sizes, for quotas
        self._lock = threading.Lock()
        self.transforms: dict[str, list[Transform]] = {}  # host name -> its steps, in order
        self.screens: dict[str, Screen] = {}  # MX host name -> its organisation's rules
        self.on_refused: OnRefused | None = None  # writes the NDR of what a screen refused

    def add_transform(self, h: Host, step: Transform) -> Transform:
        """Have host ``h`` apply ``step`` to every message it accepts, after the steps before."""
        if h.role == "MUA":
            raise ValueError(f"{h.name} is a mail client, it accepts no mail")
        self.transforms.setdefault(h.name, []).append(step)
        return step

    def copies(self, address: str) -> list[Copy]:
        """The copies in an address's mailbox, oldest first."""
        with self._lock:
            return list(self._mailboxes.get(normalise_address(address), []))

    def usage(self, address: str) -> int:
        """Bytes delivered to an address so far (for quotas)."""
        with self._lock:
            return self._bytes.get(normalise_address(address), 0)

    def _store(self, address: str, copy: Copy) -> None:
        with self._lock:
            self._mailboxes.setdefault(address, []).append(copy)
            self._bytes[address] = self._bytes.get(address, 0) + len(copy.raw)
            if self.maildir is not None:
                _mailbox.Maildir(self.maildir / address, create=True).add(copy.raw)

    def on_message(self, h: Host, stored: StoredMessage) -> str | None:
        """A server accepted a message; queue it (MSA, MTA) or deliver it (MX).

        The one point where every accepted message passes, on the receiving host's thread, before
        the server answers (a non-None return is the reply it sends)."""
        ctx = self.wire.get(h.name)
        if ctx is not None:
            ctx.accepted = True
        helo = ctx.helo if ctx else "unknown"
        authed = bool(ctx and ctx.authenticated)
        raw = stored.raw if b"\r\n" in stored.raw else stored.raw.replace(b"\n", b"\r\n")
        rcpts = list(stored.rcpt_tos)
        sender = str(stored.mail_from or "").strip().strip("<>")
        now = self.clock()
        qid = h.queue.new_qid() if h.queue is not None else self._local_qid(h)
        data = self.received(h, helo, qid, rcpts, authed, now, stored.peer or LOOPBACK) + raw
        arrival = Arrival(h, sender, tuple(rcpts), helo, authed, stored.peer)
        for step in self.transforms.get(h.name, ()):
            data = step(arrival, data)
        track = ctx.track if ctx else self._untracked(sender, rcpts, data, now)
        security = self.security
        if security is not None and h.role == "LIST":  # expand, change, seal, send on
            members: list[str] = []
            for r in rcpts:  # a list rewrites the envelope, a forwarder may (SRS)
                if security.bounce_of(r) is not None:  # to a list's bounce address: its bounce processor
                    self._bounce_processed(h, track, r, security.bounce_of(r) or "", now)
                    continue
                sender, data = security.resend(self.zone, h, data, r, ip=stored.peer, mail_from=sender,
                                               helo=helo, now=now)
                members += security.members(r) or []
                self._expanded(h, track, r, members, now)
            rcpts = members
        elif security is not None and _relays(h):
            data = security.sign(h, data, now)
        if _relays(h):
            if h.relay_to:
                self.enqueue(h, track, sender, rcpts, data, now, qid=qid)
            else:
                by_domain: dict[str, list[str]] = {}
                for r in rcpts:
                    by_domain.setdefault(domain_of(r), []).append(r)
                for i, group in enumerate(by_domain.values()):
                    self.enqueue(h, track, sender, group, data, now, qid=qid if i == 0 else None)
            return f"250 2.0.0 Ok: queued as {qid}"

        screen = self.screens.get(h.name)

        def deliver() -> None:
            refused: list[tuple[str, Attempt]] = []
            for r in rcpts:
                reply = screen(arrival, r) if screen is not None else None
                if reply is None:
                    self.deliver_local(h, track, sender, r, data)
                else:
                    refused.append((r, self.refuse_local(h, track, r, reply)))
            if refused and self.on_refused is not None:
                self.on_refused(h, track, sender, data, refused)

        if ctx is not None:  # after the sender has read the 250: the record stays in order
            ctx.after.append(deliver)
        else:
            deliver()
        return f"250 2.0.0 Ok: queued as {qid}"

    def _expanded(self, h: Host, track: TrackedMessage, address: str, members: list[str], now: float) -> None:
        """The list took the message for ``address``: that recipient is done, its members go on."""
        with self.ledger.lock:
            key = _match(track.recipients, address)
            track.record(Attempt(now, h.name, "list", (key,), "EXPANSION",
                                 f"list {address}: sent on to {', '.join(members)}", "delivered"))
            track.delivered(key, now)

    def _bounce_processed(self, h: Host, track: TrackedMessage, address: str, list_address: str,
                          now: float) -> None:
        """A bounce reached a list's bounce address: the list takes it (Mailman 3 counts it
        against the member's bounce score); it does not go on to the author."""
        with self.ledger.lock:
            key = _match(track.recipients, address)
            track.record(Attempt(now, h.name, "list", (key,), "BOUNCE",
                                 f"taken by the bounce processor of {list_address}", "delivered"))
            track.delivered(key, now)

    def _local_qid(self, h: Host) -> str:
        """Queue id of a server without a relay queue (an MX delivering locally)."""
        with self._lock:
            n = self._qids[h.name] = self._qids.get(h.name, 0) + 1
        return f"{h.name[:1].upper()}{n:05X}"

    def received(self, h: Host, helo: str, qid: str, rcpts: list[str], authed: bool,
                 now: float, ip: str = LOOPBACK) -> bytes:
        """A Received: header in RFC 5321 §4.4 form (ESMTPA after AUTH, RFC 3848)."""
        proto = "ESMTPA" if authed else "ESMTP"
        for_ = f"\r\n\tfor <{rcpts[0]}>" if len(rcpts) == 1 else ""
        return (f"Received: from {helo} ({helo} [{ip}])\r\n\tby {h.name} (smtplesson) "
                f"with {proto} id {qid}{for_};\r\n\t{self.clock.rfc5322(now)}\r\n").encode("ascii")

    def deliver_local(self, h: Host, track: TrackedMessage, sender: str, r: str, data: bytes) -> None:
        """Store one copy in ``r``'s mailbox; a second copy of the same message is recorded
        as the duplicate it is, and the recipient's status follows its mailbox."""
        copy = f"Return-Path: <{sender}>\r\n".encode("ascii") + data
        msg = Copy(copy)
        now = self.clock()
        self._store(normalise_address(r), msg)
        with self.ledger.lock:
            key = _match(track.recipients, r)
            again = key in track.copies
            track.record(Attempt(now, h.name, "mailbox", (key,), "DELIVERY",
                                 "stored in the mailbox", "delivered",
                                 note=DUPLICATE_NOTE if again else ""))
            if again:
                track.duplicates[key] = track.duplicates.get(key, 0) + 1
            else:
                track.copies[key] = msg
            track.delivered(key, now)

    def refuse_local(self, h: Host, track: TrackedMessage, r: str, reply: str) -> Attempt:
        """The organisation behind ``h`` refuses ``r`` after its MX accepted the message."""
        a = Attempt(self.clock(), h.name, "mailbox", (_match(track.recipients, r),), "DELIVERY", reply,
                    "bounced", note="refused after acceptance by the recipient's organisation: "
                                    "only its admin can lift this")
        self.ledger.record(track, a)
        return a

    def enqueue(self, h: Host, track: TrackedMessage, sender: str, rcpts: Sequence[str], data: bytes,
                now: float, qid: str | None = None) -> None:
        queue = h.queue
        assert queue is not None, f"{h.name} has no queue"
        e = QueueEntry(qid=qid or queue.new_qid(), track=track, sender=sender, recipients=list(rcpts),
                       data=data, arrived=now, next_try=now)
        if e.qid in queue:
            e.qid = queue.new_qid()
        queue.add(e)

    def _untracked(self, sender: str, rcpts: list[str], data: bytes, now: float) -> TrackedMessage:
        """A message that arrived from outside the network's own clients (e.g. your smtplib)."""
        head = read_headers(data)
        return self.ledger.open(self.ledger.next_number(), sender, rcpts, str(head.get("Subject", "")),
                                str(head.get("Message-ID", "")), now, is_bounce=sender == "")


def _relays(h: Host) -> bool:
    """The host sends what it accepts on (an MX's queue holds only the DSNs it writes)."""
    return h.queue is not None and h.role != "MX"


def _match(recipients: Sequence[str], r: str) -> str:
    for x in recipients:
        if x.lower() == r.lower():
            return x
    return r
