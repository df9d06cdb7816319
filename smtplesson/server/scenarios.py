"""Named scenarios: small servers that answer each code for the reason a real one does.

A scenario is a class with hooks in the style of aiosmtpd handlers.  Each hook gets
the session (``session.peer``, ``session.authenticated``, ``session.number``), the
envelope (``mail_from``, ``rcpt_tos``, ``content`` at END-OF-DATA) and the command's
argument, and returns a reply string -- or None for the server's default behaviour::

    class NoBob(Scenario):
        "550 5.1.1 for bob: a real server checks its user table at RCPT."
        def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
            if address.lower() == "bob@example.net":
                return "550 5.1.1 <bob@example.net>: User unknown"

Hooks, one per point: handle_CONNECT(session) (the greeting), handle_EHLO / handle_HELO
(hostname), handle_MAIL (address, options), handle_RCPT (address), handle_DATA (the DATA
command, before 354), handle_END_OF_DATA (after the final "."), handle_RSET,
handle_VRFY (address), handle_EXPN (arg), handle_HELP (arg), handle_NOOP (arg),
handle_QUIT, handle_AUTH (mechanism), handle_STARTTLS, handle_ETRN (arg), handle_ATRN (arg).
"""
from __future__ import annotations

import math
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Protocol

from ..addresses import client_ip
from ..addresses import domain_of as _domain
from ..addresses import normalise_address as _addr
from .rules import POINTS

__all__ = ["SCENARIOS", "Envelope", "Scenario", "Session", "make_scenario"]


class Session(Protocol):
    """What a hook may read of the session (aiosmtpd's ``Session`` plus our ``number``)."""

    peer: Any  # (ip, port) of the client
    host_name: str | None  # the name the client gave in EHLO/HELO
    authenticated: bool | None
    auth_data: Any
    number: int  # 1-based connection number on this server


class Envelope(Protocol):
    """What a hook may read of the envelope (aiosmtpd's ``Envelope``)."""

    mail_from: str | None
    rcpt_tos: list[str]
    original_content: bytes | None  # the message, at END-OF-DATA


class Scenario:
    """The default server: accepts every well-formed message and keeps it.

    Shows the everyday codes: 220 greeting, 250 for EHLO, MAIL, RCPT and the message,
    354 after DATA, 221 after QUIT.
    """

    name = "default"
    codes: tuple[int, ...] = (220, 250, 354, 221)
    #: extra EHLO keywords this server advertises
    extensions: tuple[str, ...] = ()
    #: MAIL/RCPT parameters (beyond SIZE, BODY, SMTPUTF8) this server recognises
    parameters: frozenset[str] = frozenset()
    #: message size limit (SIZE) this scenario imposes, or None for the server's
    max_size: int | None = None
    #: whether AUTH is offered, and whether it needs TLS first (538 without)
    offers_auth = False
    require_tls = False
    def attach(self, server: Any) -> None:
        """Called once by DebugServer: gives access to ``domains``, ``clock``, ``messages``.

        Held weakly, so a server nobody references can be collected (and stop itself).
        """
        self._server = weakref.ref(server)

    @property
    def server(self) -> Any:
        """The DebugServer this scenario runs in, or None."""
        ref = getattr(self, "_server", None)
        return ref() if ref is not None else None

    def hooks(self) -> dict[str, Callable[..., str | None]]:
        """The hooks this scenario defines, by point (found by name, as aiosmtpd finds a
        handler's ``handle_*`` methods); every other point keeps the default behaviour."""
        found: dict[str, Callable[..., str | None]] = {}
        for name in dir(type(self)):
            if not name.startswith("handle_"):
                continue
            point = name[len("handle_"):].replace("_", "-")
            if point not in POINTS:
                raise TypeError(f"{type(self).__name__}.{name}: no such point; hooks are "
                                + ", ".join("handle_" + p.replace("-", "_") for p in POINTS))
            method = getattr(self, name)
            if point == "CONNECT":
                found[point] = lambda session, envelope, _m=method: _m(session)
            else:
                found[point] = method
        return found

    def smtp_options(self) -> dict[str, Any]:
        """Extra keyword arguments for aiosmtpd's SMTP class."""
        return {}

    def reset(self) -> None:
        """Forget state (greylist, counters...)."""

    def message_stored(self, stored: Any) -> None:
        """Called after a message was kept (answered 2xx)."""

    def authenticate(self, session: Any, mechanism: str, login: str, password: str) -> str | None:
        """None if the credentials are good, else the reply (e.g. 535)."""
        return "535 5.7.8 Authentication credentials invalid"

    # --- helpers for hooks -----------------------------------------------------
    def now(self) -> float:
        """The server's clock (simulated in lessons)."""
        return self.server.clock() if self.server is not None else 0.0

    def is_local(self, address: str) -> bool:
        """True if the address's domain is one this server receives mail for."""
        domains = self.server.domains if self.server is not None else ("example.net",)
        return _domain(address) in domains

    @property
    def hostname(self) -> str:
        return self.server.hostname if self.server is not None else "mx.example.net"

    def describe(self) -> str:
        """The first paragraph of the docstring."""
        return (type(self).__doc__ or "").strip().split("\n\n")[0]

    def __repr__(self) -> str:
        return f"<Scenario {self.name!r}: codes {', '.join(map(str, self.codes))}>"


# --- recipients ------------------------------------------------------------------
class UnknownUser(Scenario):
    """550 5.1.1: the domain is ours, but no such mailbox.

    A real server checks its user table at RCPT time and refuses at once, so the
    sender's own server writes the bounce (no backscatter later).  postmaster always
    exists (RFC 5321 §4.5.1).
    """

    name = "unknown-user"
    codes = (550,)

    def __init__(self, users: Iterable[str] = ("alice@example.net",)) -> None:
        self.users = {_addr(u) for u in users}

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        local_part = _addr(address).partition("@")[0]
        if self.is_local(address) and _addr(address) not in self.users and local_part != "postmaster":
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in local recipient table"
        return None


class _Moved(Scenario):
    """Users who have moved: ``moved`` maps an old address to the new one."""

    def __init__(self, moved: Mapping[str, str] | None = None) -> None:
        self.moved = {_addr(k): v for k, v in (moved or {"carol@example.net": "carol@example.org"}).items()}


class UserNotLocal(_Moved):
    """551 5.1.6: the user has moved; the server names the new address and refuses.

    RFC 5321 §3.4: the client may re-send to the forward-path it was given.  Servers
    rarely do this today (it leaks addresses); 550 5.1.6 "mailbox has moved" is common.
    """

    name = "user-not-local"
    codes = (551,)

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        new = self.moved.get(_addr(address))
        return f"551 5.1.6 User not local; please try <{new}>" if new else None


class Forwarded(_Moved):
    """251 2.1.5: the user has moved and this server forwards the message itself.

    RFC 5321 §3.4: a positive reply -- the client has nothing to do; smtplib counts 251
    as accepted.
    """

    name = "forwarded"
    codes = (251,)

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        new = self.moved.get(_addr(address))
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
        wanted = _addr(address)
        return sum(m.size for m in self.server.messages if wanted in map(_addr, m.rcpt_tos))

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
        return sum(m.size for m in self.server.messages)

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


# --- policy and load -----------------------------------------------------------------
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
        key = (client_ip(session), _addr(envelope.mail_from or ""), _addr(address))
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


class MailboxBusy(Scenario):
    """450 4.2.1: the mailbox is locked by another delivery (or by the user's client).

    While a delivery agent writes a message it holds the mailbox lock; a second message
    for that mailbox within ``hold`` seconds is deferred -- transient, retry later.
    """

    name = "mailbox-busy"
    codes = (450,)

    def __init__(self, hold: float = 30.0, busy: Iterable[str] = ()) -> None:
        self.hold = float(hold)
        self.busy = {_addr(a) for a in busy}
        self.locked_until: dict[str, float] = {}

    def reset(self) -> None:
        self.locked_until.clear()

    def message_stored(self, stored):
        for rcpt in stored.rcpt_tos:
            self.locked_until[_addr(rcpt)] = self.now() + self.hold

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        key = _addr(address)
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
        local, at, domain = _addr(address).rpartition("@")
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


class Syntax(Scenario):
    """500 501 502 503 504: genuinely bad commands, answered by the protocol engine itself.

    500 unknown command (``HELLO``), 501 bad arguments (``MAIL FROM bob``), 502 a command
    this server does not implement (``TURN``, ``EXPN``), 503 wrong order (``RCPT`` before
    ``MAIL``), 504 an unsupported parameter (``AUTH CRAM-MD5``).  AUTH is offered here so
    504 can be seen.
    """

    name = "syntax"
    codes = (500, 501, 502, 503, 504)
    offers_auth = True

    def __init__(self, users: Mapping[str, str] | None = None) -> None:
        self.users = dict(users or {"alice": "wonderland"})

    def authenticate(self, session, mechanism, login, password):
        return None if self.users.get(login) == password else "535 5.7.8 Authentication credentials invalid"


class Auth(Scenario):
    """AUTH (RFC 4954): 334 challenges, 235 success, 530 5.7.0 auth required,
    535 5.7.8 bad credentials, 534 5.7.9 mechanism too weak, 538 5.7.11 TLS needed first,
    454 4.7.0 authentication backend down, 432 4.7.12 password transition needed.

    A submission server (port 587) takes mail only from authenticated users.
    """

    name = "auth"
    codes = (334, 235, 530, 535, 534, 538, 454, 432)
    offers_auth = True

    def __init__(self, users: Mapping[str, str] | None = None, require_auth: bool = True,
                 require_tls: bool = False, weak: Iterable[str] = (),
                 transition: Iterable[str] = (), backend_down: bool = False) -> None:
        self.users = dict(users or {"alice": "wonderland"})
        self.require_auth = require_auth
        self.require_tls = require_tls
        self.weak = {m.upper() for m in weak}
        self.transition = set(transition)
        self.backend_down = backend_down

    def handle_MAIL(self, session: Session, envelope: Envelope,
                    address: str, options: list[str]) -> str | None:
        if self.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        return None

    def handle_AUTH(self, session: Session, envelope: Envelope, mechanism: str) -> str | None:
        if self.backend_down:
            return "454 4.7.0 Temporary authentication failure"
        if mechanism in self.weak:
            return "534 5.7.9 Authentication mechanism is too weak"
        return None

    def authenticate(self, session, mechanism, login, password):
        if self.users.get(login) != password:
            return "535 5.7.8 Authentication credentials invalid"
        if login in self.transition and mechanism != "PLAIN":
            return "432 4.7.12 A password transition is needed"
        return None


class NullMX(Scenario):
    """556 5.1.10 / 550 5.7.27: a domain that publishes a null MX (RFC 7505) takes no mail.

    A sending server that finds ``MX 0 .`` for the recipient's domain refuses at RCPT
    (556 5.1.10) instead of queueing a message that can never be delivered; a sender
    address in such a domain could never receive the bounce (550 5.7.27).  No DNS is
    looked up: ``null_mx`` lists the domains.
    """

    name = "null-mx"
    codes = (556, 550)

    def __init__(self, null_mx: Iterable[str] = ("nomail.example",)) -> None:
        self.null_mx = {d.lower() for d in null_mx}

    def handle_MAIL(self, session: Session, envelope: Envelope,
                    address: str, options: list[str]) -> str | None:
        if _domain(address) in self.null_mx:
            return f"550 5.7.27 <{address}>: Sender address has null MX"
        return None

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        if _domain(address) in self.null_mx:
            return f"556 5.1.10 <{address}>: Recipient address has null MX"
        return None


class NoMailHost(Scenario):
    """521 5.3.2: this host does not accept mail at all (RFC 7504).

    It says so in its greeting and answers 521 to everything but QUIT -- e.g. a web
    server that a misconfigured MX points at.
    """

    name = "no-mail-host"
    codes = (521,)

    def handle_CONNECT(self, session: Session) -> str | None:
        return f"521 5.3.2 {self.hostname} does not accept mail"


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


class ParamsUnknown(Scenario):
    """555 5.5.4: MAIL FROM / RCPT TO parameters the server does not know.

    E.g. DSN's NOTIFY=SUCCESS sent to a server that does not advertise DSN (RFC 3461):
    the client should not have sent it.  With ``dsn_down=True`` the server advertises
    DSN but cannot honour it right now: 455 4.5.4 (RFC 5321 §4.2.3).
    """

    name = "params-unknown"
    codes = (555, 455)

    def __init__(self, dsn_down: bool = False) -> None:
        self.dsn_down = dsn_down
        if dsn_down:
            self.extensions = ("DSN",)
            self.parameters = frozenset({"NOTIFY", "ORCPT", "RET", "ENVID"})

    def _dsn(self, session) -> str | None:
        if self.dsn_down and getattr(session, "parameters", None):
            return ("455 4.5.4 Server unable to accommodate parameters: delivery status "
                    "notifications cannot be generated right now")
        return None

    def handle_MAIL(self, session: Session, envelope: Envelope,
                    address: str, options: list[str]) -> str | None:
        return self._dsn(session)

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        return self._dsn(session)


class Vrfy(Scenario):
    """252: VRFY neither confirms nor denies -- the usual answer today.

    RFC 5321 §3.5.3: VRFY can reveal who exists, so most servers answer 252 ("cannot
    verify, but will accept and try").  With ``reveal=True``: 250 for a user, 550 for
    none, 553 "User ambiguous" when several match (the RFC's own "VRFY Smith" example).
    """

    name = "vrfy"
    codes = (252, 250, 550, 553)

    def __init__(self, reveal: bool = False, users: Iterable[str] = (
            "alice@example.net", "john.smith@example.net", "mary.smith@example.net")) -> None:
        self.reveal = reveal
        self.users = tuple(users)

    def handle_VRFY(self, session: Session, envelope: Envelope, address: str) -> str | None:
        if not self.reveal:
            return None
        wanted = _addr(address)
        found = [u for u in self.users if _addr(u) == wanted] or [
            u for u in self.users if wanted and wanted in _addr(u).partition("@")[0]]
        if len(found) == 1:
            return f"250 2.1.5 <{found[0]}>"
        if found:
            return "553-5.1.4 User ambiguous; possibilities are\r\n" + "\r\n".join(
                f"553{'-' if i < len(found) - 1 else ' '}5.1.4 <{u}>" for i, u in enumerate(found))
        return f"550 5.1.1 <{address}>: User unknown"


class Help(Scenario):
    """214: HELP answers with help text for a human at a terminal (RFC 5321 §4.1.1.8)."""

    name = "help"
    codes = (214, 504)
    TOPICS: ClassVar[dict[str, list[str]]] = {
        "": ["This is a debug SMTP server for lessons; it keeps mail, never delivers it.",
             "Commands: EHLO HELO MAIL RCPT DATA RSET VRFY NOOP QUIT HELP",
             "Send HELP <command> for one command."],
        "MAIL": ["MAIL FROM:<address> [SIZE=n] starts a message (the envelope sender)."],
        "RCPT": ["RCPT TO:<address> adds a recipient; repeat for more."],
        "DATA": ["DATA, then the message, then a line with a single dot."],
    }

    def handle_HELP(self, session: Session, envelope: Envelope, arg: str) -> str | None:
        lines = self.TOPICS.get(arg.upper())
        if lines is None:
            return f"504 5.5.4 HELP topic not recognised: {arg}"
        return "\r\n".join(f"214{'-' if i < len(lines) - 1 else ' '}{text}" for i, text in enumerate(lines))


class Status(Scenario):
    """211: a system status reply, here to HELP without a topic (RFC 5321 §4.2.3).

    Rare in practice (most servers answer HELP with 214 or 502); some old ones report
    their state this way.
    """

    name = "status"
    codes = (211,)

    def handle_HELP(self, session: Session, envelope: Envelope, arg: str) -> str | None:
        if arg:
            return None
        server = self.server
        return (f"211-{self.hostname} system status\r\n"
                f"211-sessions so far: {len(server.transcripts)}\r\n"
                f"211-messages kept: {len(server.messages)}\r\n"
                "211 End of status")


class Etrn(Scenario):
    """ETRN (RFC 1985): a backup MX holding mail for its clients' domains.

    253 n messages waiting and delivery started, 251 nothing waiting, 252 started for
    a subdomain pattern (``@example.org``), 458 the queue cannot be run now, 459 the node
    is not a client of this server.
    """

    name = "etrn"
    codes = (253, 251, 252, 458, 459)
    extensions = ("ETRN",)

    def __init__(self, clients: Iterable[str] = ("example.org", "example.com"),
                 waiting: Mapping[str, int] | None = None, queue_down: bool = False) -> None:
        self.clients = {c.lower() for c in clients}
        self.waiting = dict(waiting if waiting is not None else {"example.org": 2})
        self.queue_down = queue_down

    def handle_ETRN(self, session: Session, envelope: Envelope, arg: str) -> str | None:
        node = arg.strip()
        if not node:
            return "501 5.5.4 Syntax: ETRN <domain>"
        domain = node.lstrip("@#").lower()
        if self.queue_down:
            return f"458 4.3.0 Unable to queue messages for node {node}"
        if domain not in self.clients:
            return f"459 5.7.1 Node {node} not allowed: not a client of this server"
        count = self.waiting.get(domain, 0) + sum(
            1 for m in self.server.messages if any(_domain(r) == domain for r in m.rcpt_tos))
        if node.startswith("@"):
            return f"252 2.0.0 OK, pending messages for node {node} started"
        if count == 0:
            return f"251 2.0.0 OK, no messages waiting for node {node}"
        return f"253 2.0.0 OK, {count} pending messages for node {node} started"


class Odmr(Scenario):
    """ATRN (RFC 2645, On-Demand Mail Relay): an authenticated client asks for its mail.

    453 "You have no mail" when nothing waits; 530 without AUTH.  (The role reversal
    that follows when mail waits is not simulated.)
    """

    name = "odmr"
    codes = (453,)
    extensions = ("ATRN",)
    offers_auth = True

    def __init__(self, users: Mapping[str, str] | None = None,
                 domains: Mapping[str, Iterable[str]] | None = None) -> None:
        self.users = dict(users or {"alice": "wonderland"})
        self.owned = {u: tuple(d) for u, d in (domains or {"alice": ("example.org",)}).items()}

    def authenticate(self, session, mechanism, login, password):
        return None if self.users.get(login) == password else "535 5.7.8 Authentication credentials invalid"

    def handle_ATRN(self, session: Session, envelope: Envelope, arg: str) -> str | None:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        login = session.auth_data if isinstance(session.auth_data, str) else ""
        wanted = [d.strip().lower() for d in arg.split(",") if d.strip()] or list(self.owned.get(login, ()))
        if any(d not in self.owned.get(login, ()) for d in wanted):
            return "450 4.7.1 Access to the requested domain denied"
        waiting = [m for m in self.server.messages if any(_domain(r) in wanted for r in m.rcpt_tos)]
        if not waiting:
            return "453 4.3.0 You have no mail"
        return "502 5.5.1 Mail is waiting, but this debug server does not reverse roles"


SCENARIOS: dict[str, type[Scenario]] = {
    cls.name: cls
    for cls in (
        Scenario, UnknownUser, UserNotLocal, MailboxFull, StorageFull, TooManyRecipients,
        Greylisting, RateLimit, MailboxBusy, BadMailboxName, RelayDenied, ContentRejected,
        MessageTooBig, ShuttingDown, Syntax, Auth, NullMX, NoMailHost, NoService,
        ParamsUnknown, Vrfy, Forwarded, Help, Status, Etrn, Odmr,
    )
}


def make_scenario(scenario: str | Scenario | type[Scenario] | None, **options: Any) -> Scenario:
    """A Scenario from a name (options passed on), a class or an instance."""
    if isinstance(scenario, Scenario):
        if options:
            raise TypeError(f"options {sorted(options)} need a scenario name, not an instance")
        return scenario
    if scenario is None:
        cls: type[Scenario] = Scenario
    elif isinstance(scenario, type) and issubclass(scenario, Scenario):
        cls = scenario
    else:
        name = str(scenario).strip().lower().replace("_", "-")
        if name not in SCENARIOS:
            raise KeyError(f"no scenario {scenario!r}; known: {', '.join(sorted(SCENARIOS))}")
        cls = SCENARIOS[name]
    try:
        return cls(**options)
    except TypeError as error:
        import inspect

        accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        raise TypeError(
            f"scenario {cls.name!r} takes options {accepted or 'none'}; got {sorted(options)} ({error})"
        ) from None
