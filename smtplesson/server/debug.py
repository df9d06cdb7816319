"""A local debug SMTP server (aiosmtpd) that records every session and keeps every message.

>>> with DebugServer("unknown-user") as server:
...     smtplib.SMTP(server.host, server.port, local_hostname="client.example.org")...
...     server.transcript          # the last session, line by line

Safe by default: binds 127.0.0.1 on an ephemeral port, never delivers mail anywhere,
never resolves names.  The server thread never prints.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import ipaddress
import logging
import mailbox as stdlib_mailbox
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cached_property
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, Session

from .._data import load
from .rules import Rule, normalise_address, normalise_reply
from .scenarios import Scenario, make_scenario
from .transcript import Transcript

__all__ = ["DebugServer", "Rule", "StoredMessage"]

_CONFIG = load("server.json")
_REPLIES: dict[str, str] = _CONFIG["replies"]
_STOCK: dict[str, str] = _CONFIG["stock_replies"]
_STOCK_PREFIXES: list[tuple[str, str]] = [tuple(p) for p in _CONFIG["stock_prefixes"]]
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
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]

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


class _SessionSMTP(SMTP):
    """aiosmtpd's SMTP, plus: records every line, custom greeting, 421 closes, extra points."""

    def __init__(self, debug: DebugServer, handler: Any, **kwargs: Any) -> None:
        # per-instance limits: aiosmtpd keeps them on the class, shared by every server
        self.command_size_limits = type(SMTP.command_size_limits)(lambda: SMTP.command_size_limit)
        self._debug = debug
        self._record: _Record | None = None
        self._greeting: str | None = None
        self._greeted = False
        self._eof = False
        self._verbatim: str | None = None
        self._ehlo_extra = False
        super().__init__(handler, **kwargs)

    # --- recording -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        starttls = self._original_transport is not None
        super().connection_made(transport)
        if starttls:
            return
        session = self.session
        assert session is not None
        self._record = self._debug._session_opened(self, session)
        if self._record is not None:
            reply = self._debug._decide("CONNECT", session, None)
            if reply is not None:
                self._greeting = reply

    def data_received(self, data: bytes) -> None:
        record = self._record
        if record is not None:
            record.events.append(("C", time.monotonic(), data))
        super().data_received(data)

    def eof_received(self) -> bool | None:
        self._eof = True
        return super().eof_received()

    def connection_lost(self, error: Exception | None) -> None:
        if self._original_transport is None or self.transport is not None:
            if self._record is not None and self._record.closed_by is None:
                self._record.closed_by = "client" if self._eof or error else "server"
            self._debug._session_closed(self)
        super().connection_lost(error)

    async def push(self, status: str | bytes) -> None:
        if not self._greeted:
            self._greeted = True
            if self._greeting is not None:
                status = self._greeting
                self._after_greeting(status)
        if isinstance(status, str):
            if status is not self._verbatim:
                status = _STOCK.get(status) or _rewrite_prefix(status)
                if self._ehlo_extra and status == "250 HELP":
                    self._ehlo_extra = False
                    status = self._debug._ehlo_tail
            response = status.encode("utf-8", "replace")
        else:
            response = status
            status = response.decode("utf-8", "backslashreplace")
        record = self._record
        if record is not None:
            record.events.append(("S", time.monotonic(), status))
            record.ending = record.ending or response[:3] in (b"221", b"421")
        self._writer.write(response + b"\r\n")
        await self._writer.drain()
        if response[:3] == b"421":  # RFC 5321 §3.8: 421 closes the channel
            self._close_now()

    async def push_verbatim(self, status: str) -> None:
        """Push a reply from a rule or scenario as it is (no stock-text rewriting)."""
        self._verbatim = status
        await self.push(status)

    def _close_now(self) -> None:
        if self.transport is not None:
            self.transport.close()
        task = self._handler_coroutine
        if task is not None and task is asyncio.current_task(self.loop):
            task.cancel()

    def _after_greeting(self, greeting: str) -> None:
        """A refusing greeting (554, 521): only QUIT is served from now on (RFC 5321 §3.1)."""
        if greeting[:1] != "5":
            return
        refusal = greeting if greeting.startswith("521") else _REPLIES["REFUSED-503"]

        async def refuse(arg: str | None) -> None:
            await self.push_verbatim(refusal)

        for name in list(self._smtp_methods):
            if name != "QUIT":
                self._smtp_methods[name] = refuse

    # --- points aiosmtpd has no hook for ------------------------------------------
    async def _answer(self, point: str, *args: Any) -> bool:
        reply = self._debug._decide(point, self.session, self.envelope, *args)
        if reply is None:
            return False
        await self.push_verbatim(reply)
        return True

    async def smtp_EHLO(self, hostname: str) -> None:
        session = self.session
        if hostname and session is not None:
            reply = self._debug._decide("EHLO", session, self.envelope, hostname)
            if reply is not None:
                self._set_rset_state()
                session.extended_smtp = True
                if reply[:1] == "2":
                    session.host_name = hostname
                await self.push_verbatim(reply)
                return
            self._ehlo_extra = True  # push() adds our keywords before "250 HELP"
        await super().smtp_EHLO(hostname)

    async def smtp_DATA(self, arg: str) -> None:
        session, envelope = self.session, self.envelope
        ready = (session is not None and session.host_name and envelope is not None
                 and envelope.rcpt_tos and not arg)
        if ready and await self._answer("DATA"):
            self._set_post_data_state()  # a refused DATA ends the transaction
            return
        await super().smtp_DATA(arg)

    async def smtp_EXPN(self, arg: str) -> None:
        if not arg:
            await self.push_verbatim(_REPLIES["EXPN-SYNTAX"])
        elif not await self._answer("EXPN", arg):
            await self.push_verbatim(_REPLIES["EXPN"])

    async def smtp_HELP(self, arg: str) -> None:
        if await self._answer("HELP", arg or ""):
            return
        await self.push_verbatim(self._default_help(arg))

    def _default_help(self, arg: str | None) -> str:
        commands = sorted(n for n, m in self._smtp_methods.items() if self._syntax_available(m))
        if not arg:
            return _REPLIES["HELP"].format(commands=" ".join(commands))
        method = self._smtp_methods.get(arg.upper())
        if method is None or not self._syntax_available(method):
            return _REPLIES["HELP-UNKNOWN"].format(topic=arg)
        syntax = method.__smtp_syntax__ + (method.__smtp_syntax_extended__ or "")
        return _REPLIES["HELP-TOPIC"].format(syntax=syntax)

    async def smtp_STARTTLS(self, arg: str) -> None:
        if arg or not await self._answer("STARTTLS"):
            await super().smtp_STARTTLS(arg)

    async def smtp_AUTH(self, arg: str) -> None:
        if not self._debug._auth_offered:
            await self.push_verbatim(_REPLIES["AUTH-DISABLED"])
            return
        await super().smtp_AUTH(arg)

    async def smtp_ETRN(self, arg: str) -> None:
        if not await self._answer("ETRN", arg or ""):
            await self.push_verbatim(_REPLIES["ETRN"])

    async def smtp_ATRN(self, arg: str) -> None:
        if not await self._answer("ATRN", arg or ""):
            await self.push_verbatim(_REPLIES["ATRN"])

    async def smtp_TURN(self, arg: str) -> None:
        await self.push_verbatim(_REPLIES["TURN"])

    def _getparams(self, params: Sequence[str]) -> dict[str, Any] | None:
        """Take out the MAIL/RCPT parameters the scenario recognises (session.parameters)."""
        result = super()._getparams(params)
        if result is not None and self.session is not None:
            known = self._debug.scenario.parameters
            self.session.parameters = {k: result.pop(k) for k in list(result) if k in known}
        return result


def _rewrite_prefix(status: str) -> str:
    if status[:1] == "5":
        for old, new in _STOCK_PREFIXES:
            if status.startswith(old):
                return new + status[len(old):]
    return status


Decider = Callable[..., "str | None"]


class _Plan:
    """Who may answer at one point, in order: the rules, then the scenario's hook.

    Rules limited to exact recipient addresses are indexed by address, so hundreds of
    per-recipient rules cost one dict lookup per command, not a scan.  Immutable: adding
    a rule makes a new plan (:meth:`with_rule`).
    """

    __slots__ = ("by_recipient", "general", "hooks", "ordered")

    def __init__(self, general: tuple[tuple[int, Decider], ...] = (),
                 by_recipient: dict[str, tuple[tuple[int, Decider], ...]] | None = None,
                 hooks: tuple[Decider, ...] = ()) -> None:
        self.general = general  # (rule position, decider) of rules not indexed
        self.by_recipient = by_recipient or {}
        self.hooks = hooks
        self.ordered = tuple(decide for _, decide in general) + hooks

    def with_rule(self, position: int, rule: Rule, decide: Decider) -> _Plan:
        """This plan plus one rule, checked after the rules already in it."""
        item = ((position, decide),)
        exact = rule.exact_recipients
        if exact is None:
            return _Plan(self.general + item, self.by_recipient, self.hooks)
        index = dict(self.by_recipient)
        for address in exact:
            index[address] = index.get(address, ()) + item
        return _Plan(self.general, index, self.hooks)

    def for_recipients(self, recipients: Iterable[str]) -> Sequence[Decider]:
        """The deciders for a command concerning these recipients, in rule order."""
        found: dict[int, Decider] = {}
        for address in recipients:
            found.update(self.by_recipient.get(normalise_address(address), ()))
        if not found:
            return self.ordered
        found.update(self.general)
        return [found[position] for position in sorted(found)] + list(self.hooks)


class _Handler:
    """aiosmtpd handler: rules first, then the scenario, then the default behaviour."""

    def __init__(self, debug: DebugServer) -> None:
        self.debug = debug

    def _verbatim(self, smtp: _SessionSMTP, reply: str) -> str:
        smtp._verbatim = reply
        return reply

    async def handle_HELO(self, smtp: _SessionSMTP, session: Session, envelope: Envelope,
                          hostname: str) -> Any:
        reply = self.debug._decide("HELO", session, envelope, hostname)
        if reply is None:
            return MISSING
        if reply[:1] == "2":
            session.host_name = hostname
        return self._verbatim(smtp, reply)

    async def handle_MAIL(self, smtp: _SessionSMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        reply = self.debug._decide("MAIL", session, envelope, address, options)
        if reply is None:
            reply = _REPLIES["MAIL"]
        if reply[:1] == "2":
            envelope.mail_from = address
            envelope.mail_options.extend(options)
        return self._verbatim(smtp, reply)

    async def handle_RCPT(self, smtp: _SessionSMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        debug = self.debug
        reply = debug._decide("RCPT", session, envelope, address)
        if reply is None:
            if len(envelope.rcpt_tos) >= debug.max_recipients:  # RFC 5321 §4.5.3.1.10
                reply = _REPLIES["TOO-MANY-RECIPIENTS"].format(limit=debug.max_recipients)
            else:
                reply = _REPLIES["RCPT"]
        if reply[:1] == "2":
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(options)
        return self._verbatim(smtp, reply)

    async def handle_DATA(self, smtp: _SessionSMTP, session: Session, envelope: Envelope) -> str:
        reply = self.debug._end_of_data(session, envelope)
        return self._verbatim(smtp, reply)

    async def handle_RSET(self, smtp: _SessionSMTP, session: Session, envelope: Envelope) -> Any:
        return self._simple(smtp, "RSET", session, envelope)

    async def handle_NOOP(self, smtp: _SessionSMTP, session: Session, envelope: Envelope,
                          arg: str) -> Any:
        return self._simple(smtp, "NOOP", session, envelope, arg or "")

    async def handle_QUIT(self, smtp: _SessionSMTP, session: Session, envelope: Envelope) -> Any:
        return self._simple(smtp, "QUIT", session, envelope)

    async def handle_VRFY(self, smtp: _SessionSMTP, session: Session, envelope: Envelope,
                          address: str) -> Any:
        return self._simple(smtp, "VRFY", session, envelope, address)

    async def handle_AUTH(self, smtp: _SessionSMTP, session: Session, envelope: Envelope,
                          args: list[str]) -> Any:
        return self._simple(smtp, "AUTH", session, envelope, args[0].upper())

    def _simple(self, smtp: _SessionSMTP, point: str, *args: Any) -> Any:
        reply = self.debug._decide(point, *args)
        return MISSING if reply is None else self._verbatim(smtp, reply)

    async def handle_exception(self, error: Exception) -> str:
        self.debug.errors.append(error)
        return _REPLIES["INTERNAL-ERROR"]


class _Controller(Controller):
    """aiosmtpd's Controller with the port-0 fix and a probe we can recognise."""

    def __init__(self, debug: DebugServer, handler: Any, **kwargs: Any) -> None:
        self._debug = debug
        self.probe_addr: tuple[str, int] | None = None
        super().__init__(handler, **kwargs)
        self.loop.set_exception_handler(lambda loop, context: debug._loop_error(context))

    def factory(self) -> SMTP:
        return _SessionSMTP(self._debug, self.handler, **self.SMTP_kwargs)

    def _create_server(self) -> Any:
        return self._bind()

    async def _bind(self) -> asyncio.AbstractServer:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
        )
        self.port = server.sockets[0].getsockname()[1]  # the real port, not 0
        return server

    def _trigger_server(self) -> None:
        host = self.hostname
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(2.0)
            probe.bind((host, 0))
            self.probe_addr = probe.getsockname()[:2]
            probe.connect((host, self.port))
            probe.recv(1024)


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


class DebugServer:
    """A local SMTP server for lessons: real replies from realistic causes, full transcripts.

    ``scenario``: a name from ``SCENARIOS`` (options as keyword arguments, e.g.
    ``DebugServer("greylisting", delay=60)``) or a :class:`Scenario` instance.
    ``rules``: :class:`Rule` objects, checked before the scenario.
    ``clock``: seconds (the scenarios' notion of now; pass a simulated clock to skip waiting).
    ``on_message(stored)``: called (in the server thread) once a message passed rules and
    scenario; return a reply string to answer that instead of 250 (a non-2xx is not kept).
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
        **scenario_options: Any,
    ) -> None:
        self.host = _check_host(host)
        self.port = int(port)
        self.hostname = hostname
        self.domains = tuple(d.lower() for d in domains)
        self.maildir = str(maildir) if maildir else None
        self.max_recipients = int(max_recipients)
        self.clock = clock
        self.on_message = on_message
        self._rules: list[Rule] = []
        self.scenario = make_scenario(scenario, **scenario_options)
        self.max_size = self.scenario.max_size or max_size
        self.errors: list[Any] = []  # exceptions raised by hooks (answered 451 4.3.0)
        self._requested_port = self.port
        self._controller: _Controller | None = None
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._records: list[_Record] = []
        self._messages: list[StoredMessage] = []
        self._live: set[_SessionSMTP] = set()
        self._connections = 0
        self._maildir_box: stdlib_mailbox.Maildir | None = None
        self.scenario.attach(self)
        self._plans = {point: _Plan(hooks=(hook,)) for point, hook in self.scenario.hooks().items()}
        for rule in rules:
            self.add_rule(rule)
        self._auth_offered = self.scenario.offers_auth
        keywords = tuple(_CONFIG["ehlo_keywords"]) + tuple(self.scenario.extensions)
        self._ehlo_tail = "\r\n".join([f"250-{k}" for k in keywords] + ["250 HELP"])

    # --- rules ------------------------------------------------------------------
    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules, in the order they are checked (add more with :meth:`add_rule`)."""
        return tuple(self._rules)

    def add_rule(self, rule: Rule | Sequence[Any]) -> Rule:
        """Check ``rule`` after the existing rules (and before the scenario); returns it.

        Safe while the server runs: the next command sees it.  Accepts a :class:`Rule` or
        its arguments as a tuple (``("RCPT", "550 5.1.1 No such user")``).
        """
        if not isinstance(rule, Rule):
            rule = Rule(*rule)
        with self._lock:
            position = len(self._rules)
            self._rules.append(rule)
            plans = dict(self._plans)
            plan = plans.get(rule.point) or _Plan()
            plans[rule.point] = plan.with_rule(position, rule, self._rule_decider(rule))
            self._plans = plans  # one assignment: the server thread sees old or new, whole
        return rule

    @staticmethod
    def _rule_decider(rule: Rule) -> Decider:
        point = rule.point

        def decide(session: Session, envelope: Envelope | None, *args: Any) -> str | None:
            sender = envelope.mail_from if envelope is not None else None
            recipients: Sequence[str] = envelope.rcpt_tos if envelope is not None else ()
            if point == "MAIL":
                sender = args[0]
            elif point == "RCPT":
                recipients = (args[0],)
            return rule.decide(point, sender=sender, recipients=recipients,
                               connection=getattr(session, "number", 0))

        return decide

    def _smtp_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = dict(
            server_hostname=self.hostname,
            ident=IDENT,
            data_size_limit=self.max_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            auth_require_tls=not self._auth_offered or self.scenario.require_tls,
            authenticator=self._authenticate,
            ready_timeout=5.0,
        )
        kwargs.update(self.scenario.smtp_options())
        return kwargs

    # --- life cycle -------------------------------------------------------------
    def start(self) -> DebugServer:
        """Start listening (no-op if running); returns self."""
        if self._controller is not None:
            return self
        controller = _Controller(self, _Handler(self), hostname=self.host,
                                 port=self._requested_port, **self._smtp_kwargs())
        self._controller = controller  # set first: the readiness probe must be recognised
        try:
            controller.start()
        except BaseException:
            self._controller = None
            if controller._thread is not None:
                controller.stop(no_assert=True)
            if not controller.loop.is_closed():
                controller.loop.close()
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

    async def _close_sessions(self, live: list[_SessionSMTP]) -> None:
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
            while any(s._record is not None and s._record.ending for s in self._live):
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
        for rule in self.rules:
            rule.reset()
        self.scenario.reset()

    # --- called from the server thread ----------------------------------------------
    def _session_opened(self, smtp: _SessionSMTP, session: Session) -> _Record | None:
        controller = self._controller
        peer = session.peer
        probe = controller.probe_addr if controller is not None else None
        if probe is not None and isinstance(peer, tuple) and tuple(peer[:2]) == tuple(probe):
            return None  # aiosmtpd's readiness probe: not a session
        with self._lock:
            self._connections += 1
            record = _Record(self._connections, _peer_text(peer), self.hostname)
            self._records.append(record)
            self._live.add(smtp)
        session.number = record.number  # type: ignore[attr-defined]
        return record

    def _session_closed(self, smtp: _SessionSMTP) -> None:
        with self._idle:
            self._live.discard(smtp)
            self._idle.notify_all()

    def _decide(self, point: str, session: Any, envelope: Any, *args: Any) -> str | None:
        plan = self._plans.get(point)
        if plan is None:
            return None
        deciders = plan.ordered
        if plan.by_recipient:
            recipients = args[:1] if point == "RCPT" else getattr(envelope, "rcpt_tos", ())
            deciders = plan.for_recipients(recipients)
        for decide in deciders:
            reply = decide(session, envelope, *args)
            if reply is not None:
                return normalise_reply(reply)
        return None

    def _end_of_data(self, session: Session, envelope: Envelope) -> str:
        reply = self._decide("END-OF-DATA", session, envelope)
        if reply is not None and reply[:1] != "2":
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
                if reply[:1] != "2":
                    return reply
        reply = reply or _REPLIES["END-OF-DATA"].format(number=number)
        object.__setattr__(stored, "reply", reply)
        self._keep(stored)
        return reply

    def _keep(self, stored: StoredMessage) -> None:
        with self._lock:
            object.__setattr__(stored, "number", len(self._messages) + 1)
            self._messages.append(stored)
            if self.maildir:
                if self._maildir_box is None:
                    self._maildir_box = stdlib_mailbox.Maildir(self.maildir, create=True)
                self._maildir_box.add(stored.raw)
        self.scenario.message_stored(stored)

    def _authenticate(self, smtp: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        reply = self.scenario.authenticate(session, mechanism, login, password)
        if reply is None:
            return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False, message=normalise_reply(reply))

    def _loop_error(self, context: dict[str, Any]) -> None:
        """The event loop's errors are kept, never printed (notebook cells stay clean)."""
        self.errors.append(context.get("exception") or context.get("message"))
