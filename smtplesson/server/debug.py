"""A local debug SMTP server (aiosmtpd) that records every session and keeps every message.

Use it as a context manager; every session is a :class:`Transcript`::

    with DebugServer("unknown-user") as server:
        with smtplib.SMTP(*server.address, local_hostname="client.example.org") as client:
            client.sendmail("bob@example.org", ["eve@example.net"], "Subject: hi\r\n\r\nhi")
    server.transcript          # the last session, line by line

Safe by default: binds 127.0.0.1 on an ephemeral port, never delivers mail anywhere,
never resolves names.  The server thread never prints.  The aiosmtpd side lives in
:mod:`.protocol`, who answers what in :mod:`.dispatch`; this module keeps the record.
"""
from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import ipaddress
import logging
import mailbox as stdlib_mailbox
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cached_property
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from .._data import load
from ..codes.syntax import class_of
from .dispatch import Dispatcher, Handler
from .protocol import LessonController, LessonSMTP
from .rules import Rule, normalise_address, normalise_reply
from .scenarios import Scenario, make_scenario
from .tls import CERTIFICATES, WRONG_NAME, local_ca
from .transcript import Transcript

__all__ = ["DebugServer", "Rule", "StoredMessage"]

_CONFIG = load("server.json")
_REPLIES: dict[str, str] = _CONFIG["replies"]
IDENT: str = _CONFIG["ident"]
#: Postfix's default message_size_limit
DEFAULT_MAX_SIZE = 10_240_000
_LOOPBACK_NAMES = {"localhost": "127.0.0.1"}
# aiosmtpd logs to "mail.log"; without a handler Python would print warnings to stderr
# from the server thread (into whichever notebook cell runs then).
_MAIL_LOG = logging.getLogger("mail.log")


class _QuietLoginDataWarning(logging.Filter):
    """aiosmtpd itself sets the deprecated ``Session.login_data`` after every successful AUTH
    and logs a WARNING about it; nothing the user can act on, so drop exactly that record."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in str(record.msg)


if not _MAIL_LOG.handlers:
    _MAIL_LOG.addHandler(logging.NullHandler())
    _MAIL_LOG.addFilter(_QuietLoginDataWarning())


@dataclass(frozen=True)
class StoredMessage:
    """A message the server answered 2xx after DATA: envelope, raw bytes, parsed message."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    peer: str
    received_at: float  # the server's clock
    number: int = 0  # 1-based, per server
    session: int = 0  # connection number it arrived on
    reply: str = ""  # what the server answered

    @cached_property
    def message(self) -> EmailMessage:
        """The message parsed with ``email.policy.default`` (parsed on first use)."""
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def size(self) -> int:
        return len(self.raw)

    def __repr__(self) -> str:
        subject = self.message.get("Subject", "")
        return (f"<StoredMessage #{self.number} from {self.mail_from!r} to "
                f"{list(self.rcpt_tos)!r} subject {subject!r} ({self.size} bytes)>")


class _Record:
    """The raw events of one session (appended by the server thread, read by anyone)."""

    __slots__ = ("_cache", "closed_by", "ending", "events", "number", "peer", "server", "start")

    def __init__(self, number: int, peer: str, server: str) -> None:
        self.events: list[tuple[str, float, Any]] = []
        self.start = time.monotonic()
        self.number = number
        self.peer = peer
        self.server = server
        self.closed_by: str | None = None
        self.ending = False  # the server said goodbye (221 or 421); the close is on its way
        self._cache: tuple[int, str | None, Transcript] | None = None

    def transcript(self) -> Transcript:
        size, closed = len(self.events), self.closed_by
        cache = self._cache
        if cache is not None and cache[0] == size and cache[1] == closed:
            return cache[2]
        result = Transcript.from_events(
            self.events[:size], self.start, server=self.server, peer=self.peer,
            closed_by=closed, number=self.number,
        )
        self._cache = (size, closed, result)
        return result


def _peer_text(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer or "")


def _check_host(host: str) -> str:
    """An IP literal (or "localhost"); names are refused so nothing is ever looked up."""
    host = _LOOPBACK_NAMES.get(host, host)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"host must be an IP address such as '127.0.0.1' (got {host!r}); "
            "the debug server never looks names up"
        ) from None
    return host


class _ServerSide:
    """The server as :mod:`.protocol` and :mod:`.dispatch` see it (their ``Host`` /
    ``Server`` interface): one per DebugServer, so the protocol never reaches into it."""

    def __init__(self, debug: DebugServer, dispatcher: Dispatcher) -> None:
        scenario = debug.scenario
        self._debug = debug
        self.decide = dispatcher.decide
        self.offers_auth = scenario.offers_auth
        self.parameters = frozenset(scenario.parameters)
        self.max_recipients = debug.max_recipients
        keywords = tuple(_CONFIG["ehlo_keywords"]) + tuple(scenario.extensions)
        self.ehlo_tail = "\r\n".join([f"250-{k}" for k in keywords] + ["250 HELP"])

    def session_opened(self, smtp: LessonSMTP, session: Session) -> _Record:
        return self._debug._session_opened(smtp, session)

    def session_closed(self, smtp: LessonSMTP) -> None:
        self._debug._session_closed(smtp)

    def end_of_data(self, session: Session, envelope: Envelope) -> str:
        return self._debug._end_of_data(session, envelope)

    def loop_error(self, error: object) -> None:
        self._debug.errors.append(error)


class DebugServer:
    """A local SMTP server for lessons: real replies from realistic causes, full transcripts.

    ``scenario``: a name from ``SCENARIOS`` (options as keyword arguments, e.g.
    ``DebugServer("greylisting", delay=60)``) or a :class:`Scenario` instance.
    ``rules``: :class:`Rule` objects, checked before the scenario.
    ``host``: the address to listen on; ``hostname``: the name the server greets with.
    (aiosmtpd says it the other way round: its ``Controller(hostname=...)`` is the bind
    address and ``SMTP(server_hostname=...)`` the greeting name; see :mod:`.protocol`.)
    ``clock``: seconds (the scenarios' notion of now; pass a simulated clock to skip waiting).
    ``on_message(stored)``: called (in the server thread) once a message passed rules and
    scenario, before its reply is known (``stored.reply`` is ""); return a reply string to
    answer that instead of 250 (a non-2xx is not kept).
    """

    def __init__(
        self,
        scenario: str | Scenario | None = None,
        *,
        rules: Iterable[Rule] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        hostname: str = "mx.example.net",
        domains: Sequence[str] = ("example.net",),
        maildir: str | None = None,
        max_size: int | None = DEFAULT_MAX_SIZE,
        max_recipients: int = 100,
        clock: Callable[[], float] = time.monotonic,
        on_message: Callable[[StoredMessage], str | None] | None = None,
        tls: bool | str = False,
        require_starttls: bool = False,
        certificate: str = "valid",
        **scenario_options: Any,
    ) -> None:
        if tls not in (False, True, "starttls", "implicit"):
            raise ValueError(f"tls must be False, True (STARTTLS) or 'implicit' (got {tls!r})")
        if certificate not in CERTIFICATES:
            raise ValueError(f"certificate must be one of {', '.join(CERTIFICATES)} (got {certificate!r})")
        self.tls: str | None = "implicit" if tls == "implicit" else ("starttls" if tls else None)
        self.require_starttls = bool(require_starttls and self.tls == "starttls")
        self.certificate = certificate
        self.host = _check_host(host)
        self.port = int(port)
        self.hostname = hostname
        self.domains = tuple(d.lower() for d in domains)
        self.maildir = str(maildir) if maildir else None
        self.max_recipients = int(max_recipients)
        self.clock = clock
        self.on_message = on_message
        self.scenario = make_scenario(scenario, **scenario_options)
        self.max_size = self.scenario.max_size or max_size
        self.errors: list[Any] = []  # exceptions raised by hooks (answered 451 4.3.0)
        self._requested_port = self.port
        self._controller: LessonController | None = None
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._records: list[_Record] = []
        self._messages: list[StoredMessage] = []
        self._live: set[LessonSMTP] = set()
        self._connections = 0
        self._maildir_box: stdlib_mailbox.Maildir | None = None
        self.scenario.attach(self)
        self._dispatcher = Dispatcher(self.scenario.hooks())
        for rule in rules:
            self.add_rule(rule)
        self._side = _ServerSide(self, self._dispatcher)

    # --- rules ------------------------------------------------------------------
    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules, in the order they are checked (add more with :meth:`add_rule`)."""
        return self._dispatcher.rules

    def add_rule(self, rule: Rule | Sequence[Any]) -> Rule:
        """Check ``rule`` after the existing rules (and before the scenario); returns it.

        Safe while the server runs: the next command sees it.  Accepts a :class:`Rule` or
        its arguments as a tuple (``("RCPT", "550 5.1.1 No such user")``).
        """
        if not isinstance(rule, Rule):
            rule = Rule(*rule)
        self._dispatcher.add_rule(rule)
        return rule

    def _smtp_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = dict(
            server_hostname=self.hostname,  # aiosmtpd's name for our hostname
            ident=IDENT,
            data_size_limit=self.max_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            auth_require_tls=(not self.scenario.offers_auth or self.scenario.require_tls
                              or self.tls == "starttls"),  # AUTH only after STARTTLS
            authenticator=self._authenticate,
            ready_timeout=5.0,
        )
        if self.tls == "starttls":  # RFC 3207: the STARTTLS keyword, and 530 before it if required
            kwargs.update(tls_context=self._tls_context(), require_starttls=self.require_starttls)
        elif self.tls == "implicit":  # RFC 8314: TLS from the first byte; the Controller wraps
            kwargs.update(ssl_context=self._tls_context(), auth_require_tls=False)
        kwargs.update(self.scenario.smtp_options())
        return kwargs

    def _tls_context(self) -> ssl.SSLContext:
        name = WRONG_NAME if self.certificate == "wrong-name" else self.hostname
        return local_ca().server_context(name, self.host, expired=self.certificate == "expired")

    @property
    def ca_path(self) -> str | None:
        """The CA certificate a client trusts to verify this server (a file in a temporary
        folder, removed at exit); None when the server speaks no TLS."""
        return local_ca().ca_path if self.tls else None

    def client_context(self, *, verify: bool = True) -> ssl.SSLContext:
        """An ``ssl`` context for a client of this server: trusts the local CA and checks the
        name (``smtp.starttls(context=server.client_context())``)."""
        return local_ca().client_context(verify=verify)

    # --- life cycle -------------------------------------------------------------
    def start(self) -> DebugServer:
        """Start listening (no-op if running); returns self."""
        if self._controller is not None:
            return self
        controller = LessonController(self._side, Handler(self._side), hostname=self.host,
                                      port=self._requested_port, **self._smtp_kwargs())
        self._controller = controller
        try:
            controller.start()
        except BaseException:
            self._controller = None
            controller.abandon()
            raise
        self.port = controller.port
        return self

    def stop(self) -> None:
        """Close every session and stop listening; safe to call twice."""
        controller, self._controller = self._controller, None
        if controller is None:
            return
        with self._lock:
            live = list(self._live)
        if live:
            future = asyncio.run_coroutine_threadsafe(self._close_sessions(live), controller.loop)
            try:
                future.result(timeout=2.0)
            except Exception:
                pass
        controller.stop()
        self.port = self._requested_port if self._requested_port else self.port

    @staticmethod
    async def _close_sessions(live: list[LessonSMTP]) -> None:
        for smtp in live:
            if smtp.transport is not None:
                smtp.transport.close()
        for _ in range(3):
            await asyncio.sleep(0)

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> DebugServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __del__(self) -> None:
        try:
            self.stop()
        except Exception:
            pass

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def __repr__(self) -> str:
        state = f"listening on {self.host}:{self.port}" if self.running else "stopped"
        return (f"<DebugServer {self.scenario.name!r} {state}, {len(self._records)} sessions, "
                f"{len(self._messages)} messages>")

    # --- what happened ----------------------------------------------------------
    @property
    def transcripts(self) -> list[Transcript]:
        """Every session so far (aiosmtpd's own start-up probe excluded)."""
        self._settle()
        with self._lock:
            records = list(self._records)
        return [record.transcript() for record in records]

    @property
    def transcript(self) -> Transcript | None:
        """The most recent session, or None."""
        self._settle()
        with self._lock:
            record = self._records[-1] if self._records else None
        return record.transcript() if record is not None else None

    @property
    def messages(self) -> list[StoredMessage]:
        """Every message answered 2xx after DATA, in arrival order."""
        with self._lock:
            return list(self._messages)

    def mailbox(self, address: str) -> list[EmailMessage]:
        """The messages kept for one recipient address (case-insensitive)."""
        wanted = normalise_address(address)
        return [m.message for m in self.messages if wanted in (r.lower() for r in m.rcpt_tos)]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no session is open (e.g. after a client's QUIT); True if idle."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._live:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def _settle(self, timeout: float = 0.5) -> None:
        """Let sessions that already said goodbye (221, 421) finish closing, so that a
        transcript read right after the client's QUIT is complete."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while any(s.record is not None and s.record.ending for s in self._live):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._idle.wait(remaining)

    def reset(self) -> None:
        """Forget transcripts, messages, rule attempts and scenario state."""
        with self._lock:
            self._records.clear()
            self._messages.clear()
            self._connections = 0
            self.errors.clear()
        self._dispatcher.reset()
        self.scenario.reset()

    # --- called from the server thread (through _ServerSide) -------------------------
    def _session_opened(self, smtp: LessonSMTP, session: Session) -> _Record:
        with self._lock:
            self._connections += 1
            record = _Record(self._connections, _peer_text(session.peer), self.hostname)
            self._records.append(record)
            self._live.add(smtp)
        session.number = record.number  # type: ignore[attr-defined]
        return record

    def _session_closed(self, smtp: LessonSMTP) -> None:
        with self._idle:
            self._live.discard(smtp)
            self._idle.notify_all()

    def _end_of_data(self, session: Session, envelope: Envelope) -> str:
        reply = self._dispatcher.decide("END-OF-DATA", session, envelope)
        if reply is not None and class_of(reply) != 2:
            return reply
        with self._lock:
            number = len(self._messages) + 1
        stored = StoredMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=envelope.original_content or b"",
            peer=str(session.peer[0]) if isinstance(session.peer, tuple) else str(session.peer),
            received_at=self.clock(),
            number=number,
            session=getattr(session, "number", 0),
        )
        if reply is None and self.on_message is not None:
            reply = self.on_message(stored)
            if reply is not None:
                reply = normalise_reply(reply)
                if class_of(reply) != 2:
                    return reply
        return self._keep(stored, reply)

    def _keep(self, stored: StoredMessage, reply: str | None) -> str:
        with self._lock:
            number = len(self._messages) + 1
            stored = dataclasses.replace(
                stored, number=number,
                reply=reply or _REPLIES["END-OF-DATA"].format(number=number))
            self._messages.append(stored)
            if self.maildir:
                if self._maildir_box is None:
                    self._maildir_box = stdlib_mailbox.Maildir(self.maildir, create=True)
                self._maildir_box.add(stored.raw)
        self.scenario.message_stored(stored)
        return stored.reply

    def _authenticate(self, smtp: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        reply = self.scenario.authenticate(session, mechanism, login, password)
        if reply is None:
            return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False, message=normalise_reply(reply))
