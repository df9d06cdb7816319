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
import collections
import concurrent.futures
import email
import email.policy
import errno
import logging
import mailbox as stdlib_mailbox
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cached_property
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from ..addresses import client_ip, normalise_address
from .admission import Door, check_host
from .dispatch import Dispatcher, Handler
from .history import History, Limits, SessionRecord, Watcher
from .protocol import EHLO_KEYWORDS, IDENT, REPLIES, LessonController, LessonSMTP, reply_class
from .rules import Rule, normalise_reply
from .scenarios import Scenario, make_scenario
from .tls import CERTIFICATES, WRONG_NAME, local_ca
from .transcript import Transcript

__all__ = ["DebugServer", "Limits", "Rule", "StoredMessage", "stop_all"]

#: Postfix's default message_size_limit
DEFAULT_MAX_SIZE = 10_240_000
#: RFC 5321 §4.5.3.2.7: a server SHOULD wait at least 5 minutes for the next command
DEFAULT_IDLE_TIMEOUT = 300.0
#: seconds from 354 to the end of the message (10 MB at 17 kB/s): a 1-byte-a-second trickle ends
DEFAULT_DATA_TIMEOUT = 600.0
#: how many errors ``DebugServer.errors`` keeps (the most recent; ``error_count`` counts all)
KEPT_ERRORS = 100
#: worker threads per server for scenarios' slow checks (Scenario.examine): a bound on the CPU
#: one server's senders can take at once, the event loop staying free for every session
EXAMINERS = 2


class _QuietLoginDataWarning(logging.Filter):
    """aiosmtpd itself sets the deprecated ``Session.login_data`` after every successful AUTH
    and logs a WARNING about it; nothing the user can act on, so drop exactly that record."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in str(record.msg)


def quiet_mail_log() -> None:
    """Give aiosmtpd's "mail.log" logger a handler, unless someone already did (called when a
    server first starts, not at import): without one, Python prints its warnings to stderr from
    the server thread, into whichever notebook cell runs then."""
    log = logging.getLogger("mail.log")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
        log.addFilter(_QuietLoginDataWarning())


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


def _peer_text(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer or "")


#: the record of every running server's store, so that stop_all() can find them
_RUNNING: set[_Store] = set()
_RUNNING_LOCK = threading.Lock()


def stop_all() -> int:
    """Stop every debug server of this process (a notebook's clean-up cell); the count."""
    with _RUNNING_LOCK:
        stores = list(_RUNNING)
    for store in stores:
        store.stop()
    return len(stores)


class _Store:
    """A server's state and its side of the wire: what the protocol (:class:`~.protocol.Host`)
    and the handler (:class:`~.dispatch.Server`) talk to.

    It holds no reference to its :class:`DebugServer`, so a server nobody references any
    more can be collected while its thread runs; a finalizer then stops it.
    """

    def __init__(self, debug: DebugServer, limits: Limits,
                 on_message: Callable[[StoredMessage], str | None] | None) -> None:
        scenario = debug.scenario
        self.scenario = scenario
        self.hostname = debug.hostname
        self.clock = debug.clock
        self.maildir = debug.maildir
        self.on_message = on_message
        self.dispatcher = Dispatcher(scenario.hooks())
        self.decide = self.dispatcher.decide
        self.offers_auth = scenario.offers_auth
        self.parameters = frozenset(scenario.parameters)
        self.max_recipients = debug.max_recipients
        keywords = EHLO_KEYWORDS + tuple(scenario.extensions)
        self.ehlo_tail = "\r\n".join([f"250-{k}" for k in keywords] + ["250 HELP"])
        self.timeout_reply = REPLIES["TIMEOUT"].format(hostname=debug.hostname)
        self.data_timeout = debug.data_timeout
        self.data_timeout_reply = REPLIES["DATA-TIMEOUT"].format(hostname=self.hostname,
                                                                 seconds=self.data_timeout)
        self.door = Door(REPLIES, debug.hostname, debug.peers)
        self.admit, self.busy_reply = self.door.admit, self.door.busy_reply
        self.history = History(limits)
        # exceptions raised by hooks (answered 451 4.3.0) or the loop: the last few, and a count
        self.errors: collections.deque[Any] = collections.deque(maxlen=KEPT_ERRORS)
        self.error_count = 0
        self.controller: LessonController | None = None
        self.lock = threading.RLock()
        self.idle = threading.Condition(self.lock)
        self.live: set[LessonSMTP] = set()
        self.connections = 0
        self.messages_seen = 0
        self.watchers: list[Watcher] = []
        self._maildir_box: stdlib_mailbox.Maildir | None = None
        self._examiners: concurrent.futures.ThreadPoolExecutor | None = None

    # --- the protocol's side ---------------------------------------------------------
    def session_opened(self, smtp: LessonSMTP, session: Session) -> SessionRecord:
        with self.lock:
            self.connections += 1
            record = SessionRecord(self.connections, _peer_text(session.peer), self.hostname,
                                   self.history.limits, self._watch if self.watchers else None)
            self.history.opened(record)
            self.live.add(smtp)
        session.number = record.number  # type: ignore[attr-defined]
        return record

    def session_closed(self, smtp: LessonSMTP) -> None:
        if smtp.record is None:  # another user's, greeted 554
            self.door.left(owner=False)
            return
        self.door.left(owner=True)
        with self.idle:
            self.live.discard(smtp)
            self.history.closed(smtp.record)  # type: ignore[arg-type]
            self.idle.notify_all()

    async def examine(self, session: Session, envelope: Envelope) -> None:
        """Run the scenario's :meth:`~.scenarios.Scenario.examine` in this server's worker
        threads (at most ``EXAMINERS`` at once): the event loop keeps serving other sessions."""
        if not self.scenario.examines:
            return
        with self.lock:
            if self._examiners is None:
                self._examiners = concurrent.futures.ThreadPoolExecutor(
                    EXAMINERS, thread_name_prefix=f"examine-{self.hostname}")
            pool = self._examiners
        await asyncio.get_running_loop().run_in_executor(pool, self.scenario.examine, session, envelope)

    def end_of_data(self, session: Session, envelope: Envelope) -> str:
        reply = self.decide("END-OF-DATA", session, envelope)
        if reply is not None and reply_class(reply) != 2:
            return reply
        fields = (envelope.mail_from or "", tuple(envelope.rcpt_tos), envelope.original_content or b"",
                  client_ip(session), self.clock())
        session_number = getattr(session, "number", 0)
        if reply is None and self.on_message is not None:
            with self.lock:
                number = self.messages_seen + 1
            reply = self.on_message(StoredMessage(*fields, number=number, session=session_number))
            if reply is not None:
                reply = normalise_reply(reply)
                if reply_class(reply) != 2:
                    return reply
        with self.lock:
            self.messages_seen += 1
            number = self.messages_seen
            stored = StoredMessage(*fields, number=number, session=session_number,
                                   reply=reply or REPLIES["END-OF-DATA"].format(number=number))
            self.history.keep(stored)
            if self.maildir:
                if self._maildir_box is None:
                    self._maildir_box = stdlib_mailbox.Maildir(self.maildir, create=True)
                self._maildir_box.add(stored.raw)
        self.scenario.message_stored(stored)
        return stored.reply

    def loop_error(self, error: object) -> None:
        """Count every error; keep the last few, but not EMFILE's (one per failed accept())."""
        with self.lock:
            self.error_count += 1
            if not (isinstance(error, OSError) and error.errno in (errno.EMFILE, errno.ENFILE)):
                self.errors.append(error)

    def authenticate(self, smtp: SMTP, session: Session, envelope: Envelope,
                     mechanism: str, auth_data: Any) -> AuthResult:
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        reply = self.scenario.authenticate(session, mechanism, login, password)
        if reply is None:
            return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False, message=normalise_reply(reply))

    def _watch(self, event: str, number: int, detail: Any) -> None:
        for watcher in self.watchers:
            try:
                watcher(event, number, detail)
            except Exception as error:  # a watcher's bug never breaks a session
                self.loop_error(error)

    # --- life cycle ------------------------------------------------------------------
    def start(self, controller: LessonController) -> None:
        self.controller = controller
        try:
            controller.start()
        except BaseException:
            self.controller = None
            controller.abandon()
            raise
        with _RUNNING_LOCK:
            _RUNNING.add(self)

    def stop(self) -> None:
        """Close every session and stop listening; safe to call twice, from any thread."""
        controller, self.controller = self.controller, None
        with _RUNNING_LOCK:
            _RUNNING.discard(self)
        with self.lock:
            examiners, self._examiners = self._examiners, None
        if examiners is not None:
            examiners.shutdown(wait=False, cancel_futures=True)
        if controller is None:
            return
        with self.lock:
            live = list(self.live)
        if live:
            future = asyncio.run_coroutine_threadsafe(_close_sessions(live), controller.loop)
            try:
                future.result(timeout=2.0)
            except Exception:
                pass
        controller.stop()
        with self.lock:  # sessions whose end the stopped loop never delivered: their places back
            unfinished, self.live = len(self.live), set()
        for _ in range(unfinished):
            self.door.left(owner=True)


async def _close_sessions(live: list[LessonSMTP]) -> None:
    for smtp in live:
        if smtp.transport is not None:
            smtp.transport.close()
    for _ in range(3):
        await asyncio.sleep(0)


class DebugServer:
    """A local SMTP server for lessons: real replies from realistic causes, full transcripts.

    ``scenario``: a name from ``SCENARIOS`` (options as keyword arguments, e.g.
    ``DebugServer("greylisting", delay=60)``) or a :class:`Scenario` instance.
    ``rules``: :class:`Rule` objects, checked before the scenario.
    ``host``: the address to listen on (loopback; any other needs ``allow_remote=True``,
    and warns); ``hostname``: the name the server greets with.  (aiosmtpd says it the
    other way round: its ``Controller(hostname=...)`` is the bind address and
    ``SMTP(server_hostname=...)`` the greeting name; see :mod:`.protocol`.)
    ``clock``: seconds (the scenarios' notion of now; pass a simulated clock to skip waiting).
    ``on_message(stored)``: called (in the server thread) once a message passed rules and
    scenario, before its reply is known (``stored.reply`` is ""); return a reply string to
    answer that instead of 250 (a non-2xx is not kept).
    ``limits``: what the server remembers (:class:`~.history.Limits`: sessions, messages,
    transcript bytes).  ``idle_timeout``: seconds without a byte from the client before
    the server says ``421 4.4.2`` and closes (RFC 5321 §4.5.3.2 asks real servers for at
    least 5 minutes; lessons may use less).  ``data_timeout``: seconds from 354 to the end
    of the message, so that a trickle ends (``421 4.4.2``).
    ``peers``: "owner" (default) answers only the programs of the user who started it;
    another user's hear ``554 5.7.1``, nothing recorded (:mod:`.admission`, :attr:`refused`);
    "anyone" skips the check.  Sessions stay below the descriptor limit (``421 4.7.0``).

    A server that nobody references any more stops itself; :func:`stop_all` stops them all.
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
        limits: Limits | None = None,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        data_timeout: float = DEFAULT_DATA_TIMEOUT,
        peers: str = "owner",
        allow_remote: bool = False,
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
        self.host = check_host(host, allow_remote)
        self.port = int(port)
        self.hostname = hostname
        self.domains = tuple(d.lower() for d in domains)
        self.maildir = str(maildir) if maildir else None
        self.max_recipients = int(max_recipients)
        self.clock = clock
        if not idle_timeout > 0:
            raise ValueError(f"idle_timeout must be a positive number of seconds, got {idle_timeout!r}")
        self.idle_timeout = float(idle_timeout)
        if not data_timeout > 0:
            raise ValueError(f"data_timeout must be a positive number of seconds, got {data_timeout!r}")
        self.data_timeout = float(data_timeout)
        self.peers = peers
        self.scenario = make_scenario(scenario, **scenario_options)
        self.max_size = self.scenario.max_size or max_size
        self._requested_port = self.port
        self.scenario.attach(self)
        self._store = _Store(self, limits or Limits(), on_message)
        for rule in rules:
            self.add_rule(rule)
        self._finalizer = weakref.finalize(self, self._store.stop)
        self._finalizer.atexit = False

    @property
    def on_message(self) -> Callable[[StoredMessage], str | None] | None:
        return self._store.on_message

    @on_message.setter
    def on_message(self, callback: Callable[[StoredMessage], str | None] | None) -> None:
        self._store.on_message = callback

    @property
    def limits(self) -> Limits:
        return self._store.history.limits

    @property
    def errors(self) -> list[Any]:
        """The last exceptions raised by hooks or the event loop (a hook's is answered
        451 4.3.0); :attr:`error_count` counts them all."""
        with self._store.lock:
            return list(self._store.errors)

    @property
    def error_count(self) -> int:
        """How many errors there were since the start (or :meth:`reset`), kept or not."""
        with self._store.lock:
            return self._store.error_count

    @property
    def refused(self) -> dict[str, int]:
        """Connections turned away since the start (or :meth:`reset`), by reason: "another
        user" (greeted 554 5.7.1, nothing recorded) and "too many at once" (421 4.7.0)."""
        return dict(self._store.door.refused)

    # --- rules ------------------------------------------------------------------
    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules, in the order they are checked (add more with :meth:`add_rule`)."""
        return self._store.dispatcher.rules

    def add_rule(self, rule: Rule | Sequence[Any]) -> Rule:
        """Check ``rule`` after the existing rules (and before the scenario); returns it.

        Safe while the server runs: the next command sees it.  Accepts a :class:`Rule` or
        its arguments as a tuple (``("RCPT", "550 5.1.1 No such user")``).
        """
        if not isinstance(rule, Rule):
            rule = Rule(*rule)
        self._store.dispatcher.add_rule(rule)
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
            authenticator=self._store.authenticate,
            timeout=self.idle_timeout,
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
        store = self._store
        if store.controller is not None:
            return self
        quiet_mail_log()
        controller = LessonController(store, Handler(store), hostname=self.host,
                                      port=self._requested_port, **self._smtp_kwargs())
        store.start(controller)
        self.port = controller.port
        return self

    def stop(self) -> None:
        """Close every session and stop listening; safe to call twice."""
        self._store.stop()
        self.port = self._requested_port if self._requested_port else self.port

    @property
    def running(self) -> bool:
        return self._store.controller is not None

    def __enter__(self) -> DebugServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def __repr__(self) -> str:
        state = f"listening on {self.host}:{self.port}" if self.running else "stopped"
        history = self._store.history
        return (f"<DebugServer {self.scenario.name!r} {state}, {len(history.records)} sessions, "
                f"{len(history.messages)} messages>")

    # --- what happened ----------------------------------------------------------
    def watch(self, callback: Watcher) -> None:
        """Call ``callback(event, session, detail)`` in the server thread for what happens
        from now on: "open" (peer), "line" (:class:`Line`), "note" (text), "close" (who).
        What ``serve`` prints from; keep it quick (hand the work to another thread)."""
        self._store.watchers.append(callback)

    @property
    def transcripts(self) -> list[Transcript]:
        """Every session kept (the most recent ``limits.sessions``), oldest first."""
        self._settle()
        with self._store.lock:
            records = list(self._store.history.records)
        return [record.transcript() for record in records]

    @property
    def transcript(self) -> Transcript | None:
        """The most recent session, or None."""
        self._settle()
        with self._store.lock:
            records = self._store.history.records
            record = records[-1] if records else None
        return record.transcript() if record is not None else None

    @property
    def messages(self) -> list[StoredMessage]:
        """Every message answered 2xx after DATA (the most recent ``limits.messages``)."""
        with self._store.lock:
            return list(self._store.history.messages)

    @property
    def connections(self) -> int:
        """How many sessions were opened since the start (or :meth:`reset`), kept or forgotten."""
        with self._store.lock:
            return self._store.connections

    @property
    def received(self) -> int:
        """How many messages were kept since the start (or :meth:`reset`), including those
        ``limits`` made the server forget since."""
        with self._store.lock:
            return self._store.messages_seen

    @property
    def forgotten(self) -> dict[str, int]:
        """How many sessions and messages were forgotten to stay within ``limits``."""
        with self._store.lock:
            return dict(self._store.history.forgotten)

    def mailbox(self, address: str) -> list[EmailMessage]:
        """The messages kept for one recipient address (case-insensitive)."""
        wanted = normalise_address(address)
        return [m.message for m in self.messages if wanted in (r.lower() for r in m.rcpt_tos)]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no session is open (e.g. after a client's QUIT); True if idle."""
        store = self._store
        deadline = time.monotonic() + timeout
        with store.idle:
            while store.live:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                store.idle.wait(remaining)
        return True

    def _settle(self, timeout: float = 0.5) -> None:
        """Let sessions that already said goodbye (221, 421) finish closing, so that a
        transcript read right after the client's QUIT is complete."""
        store = self._store
        deadline = time.monotonic() + timeout
        with store.idle:
            while any(s.record is not None and s.record.ending for s in store.live):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                store.idle.wait(remaining)

    def reset(self) -> None:
        """Forget transcripts, messages, rule attempts and scenario state (and free them)."""
        store = self._store
        with store.lock:
            store.history.clear()
            store.connections = 0
            store.messages_seen = 0
            store.errors.clear()
            store.error_count = 0
        store.door.reset()
        store.dispatcher.reset()
        self.scenario.reset()
