"""Policy and load: what a receiver allows, from whom, how much and when."""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from ...addresses import client_ip, normalise_address
from .base import Envelope, Scenario, Session

__all__ = ["ContentRejected", "Greylisting", "MessageTooBig", "NoService", "RateLimit", "RelayDenied",
           "ShuttingDown", "StorageFull"]


class Greylisting(Scenario):
    """451 4.7.1: the first attempt from an unknown (client, sender, recipient) is deferred.

    Real MTAs keep the message and retry later; much spamware never does.  Once the same
    triplet comes back after ``delay`` seconds (by the server's clock) it is accepted.
    """

    name = "greylisting"
    codes = (451, 250)

    def __init__(self, delay: float = 300.0) -> None:
        self.delay = float(delay)
        self.first_seen: dict[tuple[str, str, str], float] = {}

    def reset(self) -> None:
        self.first_seen.clear()

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        sender = normalise_address(envelope.mail_from or "")
        key = (client_ip(session), sender, normalise_address(address))
        now = self.now()
        first = self.first_seen.setdefault(key, now)
        wait = self.delay - (now - first)  # not first + delay - now: exact on the first attempt
        if wait > 0:
            seconds = math.ceil(round(wait, 6))  # no "301 seconds" from float noise
            return (f"451 4.7.1 <{address}>: Recipient address rejected: Greylisted, "
                    f"please try again in {seconds} second{'s' if seconds != 1 else ''}")
        return None


class RateLimit(Scenario):
    """421 4.7.0: a client sent too many messages (or opened too many connections).

    The server protects itself: over ``limit`` per ``window`` seconds it answers 421 and
    closes the connection (RFC 5321 §3.8); the client queues the mail and retries later.
    """

    name = "rate-limit"
    codes = (421,)

    def __init__(self, limit: int = 3, per: str = "message", window: float = 3600.0) -> None:
        if per not in ("message", "connection"):
            raise ValueError("per must be 'message' or 'connection'")
        self.limit, self.per, self.window = int(limit), per, float(window)
        self.events: dict[str, list[float]] = defaultdict(list)

    def reset(self) -> None:
        self.events.clear()

    def _count(self, ip: str) -> int:
        now = self.now()
        recent = [t for t in self.events[ip] if now - t < self.window]
        self.events[ip] = recent
        return len(recent)

    def handle_CONNECT(self, session: Session) -> str | None:
        if self.per != "connection":
            return None
        ip = client_ip(session)
        if self._count(ip) >= self.limit:
            return f"421 4.7.0 {self.hostname} Error: too many connections from {ip}, try again later"
        self.events[ip].append(self.now())
        return None

    def handle_MAIL(self, session: Session, envelope: Envelope,
                    address: str, options: list[str]) -> str | None:
        ip = client_ip(session)
        if self.per == "message" and self._count(ip) >= self.limit:
            return f"421 4.7.0 {self.hostname} Error: too many messages from {ip}, try again later"
        return None

    def message_stored(self, stored):
        if self.per == "message":
            self.events[stored.peer].append(self.now())


class StorageFull(Scenario):
    """452 4.3.1: the server's own disk (its queue) is nearly full.

    Transient: space frees up as the queue drains, so the client keeps the message and
    retries.  Checked at MAIL (also against the SIZE the client declares, RFC 1870 §6.1)
    and after the message.
    """

    name = "storage-full"
    codes = (452,)

    def __init__(self, capacity: int = 3000) -> None:
        self.capacity = int(capacity)

    def used(self) -> int:
        return sum(m.size for m in self.kept())

    def handle_MAIL(self, session: Session, envelope: Envelope,
                    address: str, options: list[str]) -> str | None:
        declared = next((int(o[5:]) for o in options if o.startswith("SIZE=") and o[5:].isdigit()), 0)
        if self.used() + declared > self.capacity or self.used() >= self.capacity:
            return "452 4.3.1 Insufficient system storage"
        return None

    def handle_END_OF_DATA(self, session: Session, envelope: Envelope) -> str | None:
        if self.used() + len(envelope.original_content or b"") > self.capacity:
            return "452 4.3.1 Insufficient system storage"
        return None


class RelayDenied(Scenario):
    """554 5.7.1 (or 550 5.7.1): a recipient outside this server's domains, without AUTH.

    A server relays only for its own users (after AUTH) and receives only for its own
    domains; anything else would make it an open relay.
    """

    name = "relay-denied"
    codes = (554, 550)

    def __init__(self, code: int = 554) -> None:
        if code not in (550, 554):
            raise ValueError("code must be 550 or 554")
        self.code = code

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        if not self.is_local(address) and not getattr(session, "authenticated", False):
            return f"{self.code} 5.7.1 <{address}>: Relay access denied"
        return None


class NoService(Scenario):
    """554 5.7.1 at the greeting: "No SMTP service here" for this client (RFC 5321 §3.1).

    E.g. the client's address is on a blocklist.  The server then answers 503 to every
    command but QUIT.
    """

    name = "no-service"
    codes = (554, 503)

    def handle_CONNECT(self, session: Session) -> str | None:
        return (f"554 5.7.1 {self.hostname} No SMTP service here: client host "
                f"[{client_ip(session)}] is on a blocklist")


class ContentRejected(Scenario):
    """554 5.7.1 / 554 5.6.0: the message itself is refused after the final ".".

    Content filters run once the whole message is in: a virus signature (the harmless
    EICAR test string) or spam words give 554 5.7.1 (policy); a message without a From:
    header (RFC 5322 §3.6) gives 554 5.6.0 (malformed content).
    """

    name = "content-rejected"
    codes = (554,)
    EICAR = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"

    def __init__(self, words: Iterable[str] = ("viagra", "lottery winner")) -> None:
        self.words = tuple(w.lower() for w in words)

    def handle_END_OF_DATA(self, session: Session, envelope: Envelope) -> str | None:
        content = envelope.original_content or b""
        if self.EICAR in content:
            return "554 5.7.1 Message rejected: virus found (Eicar-Test-Signature)"
        head, _, _ = content.partition(b"\r\n\r\n")
        if not any(line.lower().startswith(b"from:") for line in head.split(b"\r\n")):
            return "554 5.6.0 Message rejected: malformed, no From: header (RFC 5322 §3.6)"
        text = content.decode("utf-8", "replace").lower()
        for word in self.words:
            if word in text:
                return f"554 5.7.1 Message content rejected as spam (matched {word!r})"
        return None


class MessageTooBig(Scenario):
    """552 5.3.4: the message is larger than the server accepts.

    The limit is advertised in EHLO (SIZE, RFC 1870); a client that declares SIZE= in
    MAIL FROM is refused at once, one that does not is refused after sending it all.
    """

    name = "message-too-big"
    codes = (552,)

    def __init__(self, limit: int = 1000) -> None:
        self.max_size = int(limit)


class ShuttingDown(Scenario):
    """421 4.3.2: the server is going down for maintenance and closes the channel.

    RFC 5321 §3.8: a server that must shut down answers 421 to whatever comes next and
    closes; the client keeps the message and retries later.  ``at`` says when.
    """

    name = "shutting-down"
    codes = (421,)

    def __init__(self, at: str = "CONNECT") -> None:
        self.at = at.upper()

    def _reply(self, point: str) -> str | None:
        if point != self.at:
            return None
        return f"421 4.3.2 {self.hostname} Service shutting down, closing transmission channel"

    def handle_CONNECT(self, session: Session) -> str | None:
        return self._reply("CONNECT")

    def handle_EHLO(self, session: Session, envelope: Envelope, hostname: str) -> str | None:
        return self._reply("EHLO")

    def handle_MAIL(self, session: Session, envelope: Envelope,
                    address: str, options: list[str]) -> str | None:
        return self._reply("MAIL")

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        return self._reply("RCPT")

    def handle_DATA(self, session: Session, envelope: Envelope) -> str | None:
        return self._reply("DATA")

    def handle_END_OF_DATA(self, session: Session, envelope: Envelope) -> str | None:
        return self._reply("END-OF-DATA")
