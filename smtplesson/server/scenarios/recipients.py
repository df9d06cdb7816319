"""Recipients: who the mail is for, and whether their mailbox can take it."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from ...addresses import normalise_address
from .base import Envelope, Scenario, Session

__all__ = ["BadMailboxName", "Forwarded", "MailboxBusy", "MailboxFull", "TooManyRecipients",
           "UnknownUser", "UserNotLocal"]


class UnknownUser(Scenario):
    """550 5.1.1: the domain is ours, but no such mailbox.

    A real server checks its user table at RCPT time and refuses at once, so the
    sender's own server writes the bounce (no backscatter later).  postmaster always
    exists (RFC 5321 §4.5.1).
    """

    name = "unknown-user"
    codes = (550,)

    def __init__(self, users: Iterable[str] = ("alice@example.net",)) -> None:
        self.users = {normalise_address(u) for u in users}

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        wanted = normalise_address(address)
        if self.is_local(address) and wanted not in self.users and wanted.partition("@")[0] != "postmaster":
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
        return None


class _Moved(Scenario):
    """Users who have moved: ``moved`` maps an old address to the new one."""

    def __init__(self, moved: Mapping[str, str] | None = None) -> None:
        moved = moved or {"carol@example.net": "carol@example.org"}
        self.moved = {normalise_address(old): new for old, new in moved.items()}


class UserNotLocal(_Moved):
    """551 5.1.6: the user has moved; the server names the new address and refuses.

    RFC 5321 §3.4: the client may re-send to the forward-path it was given.  Servers
    rarely do this today (it leaks addresses); 550 5.1.6 "mailbox has moved" is common.
    """

    name = "user-not-local"
    codes = (551,)

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        new = self.moved.get(normalise_address(address))
        return f"551 5.1.6 User not local; please try <{new}>" if new else None


class Forwarded(_Moved):
    """251 2.1.5: the user has moved and this server forwards the message itself.

    RFC 5321 §3.4: a positive reply -- the client has nothing to do; smtplib counts 251
    as accepted.
    """

    name = "forwarded"
    codes = (251,)

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        new = self.moved.get(normalise_address(address))
        return f"251 2.1.5 User not local; will forward to <{new}>" if new else None


class MailboxFull(Scenario):
    """552 5.2.2: the recipient's mailbox is over its quota.

    Every message kept for a mailbox fills it; once the next one would not fit, the
    server refuses -- at RCPT if it is already full, else after the message.  A bounce
    (5xx) although the owner may clean up later: RFC 5321 §4.2.2 and RFC 3463 say 5.2.2
    may be treated as temporary.
    """

    name = "mailbox-full"
    codes = (552,)

    def __init__(self, quota: int = 2000) -> None:
        self.quota = int(quota)

    def usage(self, address: str) -> int:
        """Bytes kept so far for a mailbox."""
        wanted = normalise_address(address)
        return sum(m.size for m in self.kept() if wanted in map(normalise_address, m.rcpt_tos))

    def _full(self, address: str) -> str:
        return f"552 5.2.2 <{address}>: Mailbox full (quota {self.quota} bytes)"

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        return self._full(address) if self.usage(address) >= self.quota else None

    def handle_END_OF_DATA(self, session: Session, envelope: Envelope) -> str | None:
        size = len(envelope.original_content or b"")
        for rcpt in envelope.rcpt_tos:
            if self.usage(rcpt) + size > self.quota:
                return self._full(rcpt)
        return None


class MailboxBusy(Scenario):
    """450 4.2.1: the mailbox is locked by another delivery (or by the user's client).

    While a delivery agent writes a message it holds the mailbox lock; a second message
    for that mailbox within ``hold`` seconds is deferred -- transient, retry later.
    """

    name = "mailbox-busy"
    codes = (450,)

    def __init__(self, hold: float = 30.0, busy: Iterable[str] = ()) -> None:
        self.hold = float(hold)
        self.busy = {normalise_address(a) for a in busy}
        self.locked_until: dict[str, float] = {}

    def reset(self) -> None:
        self.locked_until.clear()

    def message_stored(self, stored):
        for rcpt in stored.rcpt_tos:
            self.locked_until[normalise_address(rcpt)] = self.now() + self.hold

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        key = normalise_address(address)
        if key in self.busy or self.locked_until.get(key, -math.inf) > self.now():
            return f"450 4.2.1 <{address}>: Mailbox busy, try again later"
        return None


class BadMailboxName(Scenario):
    """553 5.1.3: the address is not acceptable as a mailbox name.

    RFC 5321 §4.2.3: "mailbox name not allowed (e.g., mailbox syntax incorrect)": no
    domain, an empty local part, a local part over 64 octets (§4.5.3.1.1), or the old
    "%" / "!" source-routing hacks that open relays once honoured.  aiosmtpd itself
    answers 553 5.1.3 for addresses it cannot parse at all.
    """

    name = "bad-mailbox-name"
    codes = (553,)

    def problem(self, address: str) -> str | None:
        local, at, domain = normalise_address(address).rpartition("@")
        if not at or not domain:
            return "need a fully-qualified address (user@domain)"
        if not local:
            return "empty local part"
        if len(local) > 64:
            return "local part longer than 64 octets"
        if "%" in local or "!" in local:
            return "source-routed address (% or !) not allowed"
        if "." not in domain and not domain.startswith("["):
            return "domain is not fully qualified"
        return None

    def handle_MAIL(self, session: Session, envelope: Envelope,
                    address: str, options: list[str]) -> str | None:
        problem = self.problem(address)
        return f"553 5.1.7 <{address}>: Sender address rejected: {problem}" if problem else None

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        problem = self.problem(address)
        return f"553 5.1.3 <{address}>: Recipient address rejected: {problem}" if problem else None


class TooManyRecipients(Scenario):
    """452 4.5.3: more recipients in one message than the server takes.

    RFC 5321 §4.5.3.1.10: the server refuses the extra ones with 452 (transient); the
    client sends the message to those accepted and the rest in a later transaction.
    smtplib raises nothing: ``sendmail`` returns the refused recipients.
    """

    name = "too-many-recipients"
    codes = (452,)

    def __init__(self, limit: int = 3) -> None:
        self.limit = int(limit)

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        if len(envelope.rcpt_tos) >= self.limit:
            return f"452 4.5.3 Too many recipients (at most {self.limit} per message)"
        return None
