"""The wall around aiosmtpd: its SMTP protocol and Controller, adapted for lessons.

Everything in smtplesson that touches a private name of aiosmtpd does it here and only
here.  aiosmtpd may change these in any release, so ``pyproject.toml`` and
``environment.yml`` pin ``aiosmtpd<1.5`` and ``tests/unit/test_protocol.py`` fails loudly
when one of them goes (:data:`AIOSMTPD_PRIVATE`).  The private names used:

``SMTP`` instance attributes
    ``_reader`` (the StreamReader: the length of its ``_buffer``, asyncio's private name,
    says how much the server has read, so the record keeps each line as it was read),
    ``_timeout_duration`` (the idle timeout, for the timer's check during DATA),
    ``_original_transport`` (set once STARTTLS wrapped the transport),
    ``_handler_coroutine`` (the session task, cancelled after a 421),
    ``_writer`` (the stream replies are written to),
    ``_smtp_methods`` (verb -> method; replaced after a refusing greeting),
    ``command_size_limits`` (a class-level dict; made per instance here)
``SMTP`` methods
    ``_reset_timeout`` (the idle timer, restarted whenever bytes arrive), ``_timeout_cb``
    (now says 421 first; also ends a message that does not arrive within the DATA deadline),
    ``_set_rset_state``, ``_set_post_data_state`` (transaction state after a reply of ours),
    ``_syntax_available`` (HELP), ``_getparams`` (MAIL/RCPT parameters), ``_getaddr`` (their
    address, remembered), the ``__smtp_syntax__`` / ``__smtp_syntax_extended__`` of ``smtp_*``
``Controller``
    ``_factory_invoker``, ``_create_server``, ``_trigger_server`` (then waits until the
    server has closed its end of the probe), ``_thread``
How ``SMTP.__init__`` finds its ``auth_*`` and ``smtp_*`` methods
    by listing the instance (``inspect.getmembers`` and ``dir``): :meth:`LessonSMTP.__dir__`
    answers that listing with those names only (``test_protocol`` compares the tables)

aiosmtpd's *literal reply texts* are rewritten too (``server/data/server.json`` ``stock_replies``,
``stock_prefixes``: "503 Error: need MAIL command" gets its enhanced code): the same coupling.

Names: smtplesson's ``DebugServer(host=..., hostname=...)`` are the bind address and the
greeting's name; aiosmtpd's ``Controller(hostname=...)`` is the bind address and
``SMTP(server_hostname=...)`` the greeting's.  :class:`LessonController` takes aiosmtpd's
spelling; only ``DebugServer.start`` translates.

The protocol knows nothing of :class:`~smtplesson.server.debug.DebugServer`; it talks
to a :class:`Host` (recording, decisions, the EHLO keywords).  TLS: ``tls_context``
(STARTTLS, an SMTP keyword) and ``ssl_context`` (implicit TLS, a Controller keyword)
pass through to aiosmtpd unchanged; the recording sees the handshake as a transport
swap in :meth:`LessonSMTP.connection_made`.

Who gets in is the host's to say (:meth:`Host.admit`, see :mod:`.admission`), once per
connection, before anything is recorded.  The listener (:class:`.admission.Listener`) sheds a
connection at the descriptor limit instead of asyncio 3.11's ``accept()`` storm (cpython#151615).
"""
from __future__ import annotations

import asyncio
import collections
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Session

from .._data import load
from ..codes.syntax import class_of, code_of
from .admission import Listener
from .tls import describe
from .transcript import visible

__all__ = ["AIOSMTPD_PRIVATE", "EHLO_KEYWORDS", "IDENT", "REPLIES", "Host", "LessonController", "LessonSMTP",
           "Recorder"]

#: every private aiosmtpd name used below, by where it lives (checked by a test)
AIOSMTPD_PRIVATE: dict[str, tuple[str, ...]] = {
    "SMTP instance": ("_reader", "_timeout_duration", "_original_transport", "_handler_coroutine", "_writer",
                      "_smtp_methods"),
    "SMTP": ("command_size_limits", "command_size_limit", "_reset_timeout", "_timeout_cb", "_set_rset_state",
             "_set_post_data_state", "_syntax_available", "_getparams", "_getaddr"),
    "smtp_* method": ("__smtp_syntax__", "__smtp_syntax_extended__"),
    "Controller": ("_factory_invoker", "_create_server", "_trigger_server", "_thread"),
}

_CONFIG = load("server", "server.json")  # read here only; the other modules import these names
#: the debug server's own reply texts, by where it gives them
REPLIES: dict[str, str] = _CONFIG["replies"]
#: the software name in the greeting
IDENT: str = _CONFIG["ident"]
#: the EHLO keywords every debug server advertises (a scenario may add more)
EHLO_KEYWORDS: tuple[str, ...] = tuple(_CONFIG["ehlo_keywords"])
#: aiosmtpd's literal texts, with the enhanced codes it leaves out
STOCK_REPLIES: dict[str, str] = _CONFIG["stock_replies"]
STOCK_PREFIXES: list[tuple[str, str]] = [(p[0], p[1]) for p in _CONFIG["stock_prefixes"]]


class Recorder(Protocol):
    """One session's record, as the protocol fills it (:class:`.history.SessionRecord`)."""

    number: int  # 1-based connection number on its server
    closed_by: str | None
    ending: bool  # the server said goodbye (221 or 421); the close is on its way

    def received_bytes(self, data: bytes, left: int = -1) -> None:
        """The client sent ``data`` (before the server reads it); ``left``: as for reply()."""

    mode: str  # how the server reads: "command", "data" (after 354) or "auth" (after 334)

    def read_up_to(self, left: int) -> None:
        """The server has read all it was given but the last ``left`` bytes."""

    def drop_unread(self) -> None:
        """The server threw away what it had not read (STARTTLS)."""

    def reply(self, status: str, left: int = -1) -> None:
        """The server sent one reply (lines joined by CRLF); ``left``, if given: the server
        has read all it was given but that many bytes."""

    def close(self, by: str) -> None:
        """The connection ended, closed by "client" or "server"."""

    def handshake(self, agreed: str) -> None:
        """A TLS handshake finished; ``agreed`` says what it agreed."""


class Host(Protocol):
    """What the protocol needs from the server it runs for (the whole interface)."""

    ehlo_tail: str  # the EHLO keyword lines, ending "250 HELP"
    timeout_reply: str  # the 421 sent before an idle connection is closed
    data_timeout: float  # seconds from 354 to the end of the message
    data_timeout_reply: str  # the 421 sent when the message takes longer
    busy_reply: str  # the 421 a connection beyond the descriptor limit hears
    offers_auth: bool
    parameters: frozenset[str]  # MAIL/RCPT parameters the scenario takes for itself

    def admit(self, peer: Any, local: Any) -> str | None:
        """None to open a session for the client at ``peer`` (connected to ``local``), else
        the reply that turns it away: a 5xx greeting (then only QUIT, nothing recorded) or
        a 421 (the connection is closed after it)."""

    def session_opened(self, smtp: LessonSMTP, session: Session) -> Recorder | None:
        """A client connected: number the session, return its record."""

    def session_closed(self, smtp: LessonSMTP) -> None:
        """The connection of an admitted client is gone (``smtp.record`` is None for one
        turned away at the greeting)."""

    def decide(self, point: str, session: Any, envelope: Any, *args: Any) -> str | None:
        """The reply of the first rule or hook that answers at ``point``, or None."""

    def loop_error(self, error: object) -> None:
        """An exception (or message) the event loop or a hook raised; kept, never printed."""


def visible_lines(status: str) -> str:
    """A reply with any control character inside its lines made a visible escape, so an
    echoed argument can never end a line or reach a terminal (see ``transcript.visible``)."""
    if "\r\n" not in status:
        return visible(status)
    return "\r\n".join(visible(line) for line in status.split("\r\n"))


def reply_code(status: str) -> int | None:
    """:func:`~..codes.syntax.code_of`, with a fast path for the replies the server sends
    (three digits, then a space, ``-`` or the end): asked for every reply, so it counts."""
    head = status[:3]
    if (len(head) == 3 and status[3:4] in ("", " ", "-") and head.isascii() and head.isdigit()
            and head[0] in "2345" and head[1] in "012345"):
        return int(head)
    return code_of(status)


def reply_class(status: str) -> int | None:
    """The class digit of a reply (2, 3, 4 or 5), or None: :func:`reply_code`'s first digit."""
    code = reply_code(status)
    return code // 100 if code is not None else class_of(status)


def rewrite_stock(status: str) -> str:
    """aiosmtpd's own reply text, with the enhanced code added where it leaves it out."""
    known = STOCK_REPLIES.get(status)
    if known is not None:
        return known
    if status[:1] == "5":
        for old, new in STOCK_PREFIXES:
            if status.startswith(old):
                return new + status[len(old):]
    return status


#: replies as sent (control characters escaped, :func:`visible_lines`), their bytes and
#: their code, by the text pushed: a server sends the same few replies over and over, so
#: :meth:`LessonSMTP.push` looks each up instead of redoing the work (cleared when full)
_SENT: dict[str, tuple[str, bytes, int | None]] = {}
_SENT_MAX = 1024


#: MAIL FROM / RCPT TO arguments as aiosmtpd parses them, by (local-part limit, argument): its
#: parser (the email package's RFC 5322 grammar) costs about 0.1 ms an address, and a network's
#: servers read the same few addresses over and over (cleared when full)
_ADDRESSES: dict[tuple[int, str], tuple[str | None, str | None]] = {}


def as_sent(status: str) -> tuple[str, bytes, int | None]:
    """``status`` as the server sends it: its visible text, its bytes with CRLF, its code."""
    known = _SENT.get(status)
    if known is None:
        shown = visible_lines(status)
        known = (shown, shown.encode("utf-8", "replace") + b"\r\n", reply_code(shown))
        if len(_SENT) >= _SENT_MAX:
            _SENT.clear()
        _SENT[status] = known
    return known


#: the names of the methods aiosmtpd looks up when a session starts, by class (LessonSMTP.__dir__)
_TABLE_NAMES: dict[type, list[str]] = {}


class LessonSMTP(SMTP):
    """aiosmtpd's SMTP, plus: records every line, custom greeting, 421 closes, extra points."""

    def __init__(self, host: Host, probe: Callable[[], tuple[str, int] | None],
                 handler: Any, probe_gone: Callable[[], None] = lambda: None, **kwargs: Any) -> None:
        # per-instance limits: aiosmtpd keeps them on the class, shared by every server
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit)
        self.host = host
        self._probe = probe
        self._probe_gone = probe_gone
        self._is_probe = False
        self.record: Recorder | None = None
        self._greeting: str | None = None
        self._greeted = False
        self._eof = False
        self._verbatim: str | None = None
        self._ehlo_extra = False
        self._in_data = False  # after 354, until the reply to the message
        self._upload_at = 0.0  # the loop's time of the last bytes received in DATA
        self._data_from = 0.0  # the loop's time of the 354
        self._data_timer = False  # the idle timer was shortened to the DATA deadline
        self._admitted = False  # host.admit() let it in: session_closed() is owed
        self._closed_at_once = False  # turned away with a 421 before aiosmtpd saw it
        self._building = True  # see __dir__
        super().__init__(handler, **kwargs)
        self._building = False

    def __dir__(self) -> list[str]:
        """While aiosmtpd's ``__init__`` builds its tables of ``auth_*`` and ``smtp_*``
        methods (by listing every member, ``inspect.getmembers`` and ``dir``: 0.1 ms a
        connection), only those names, found once per class; else every name, as usual."""
        if not self.__dict__.get("_building"):
            return list(super().__dir__())
        names = _TABLE_NAMES.get(type(self))
        if names is None:
            names = _TABLE_NAMES[type(self)] = [
                name for name in super().__dir__() if name.startswith(("auth_", "smtp_"))]
        return names

    # --- recording -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        starttls = self._original_transport is not None
        verdict = None if starttls else self._admit(transport)
        if verdict is not None and reply_code(verdict) == 421:  # closed before aiosmtpd sees it
            self._closed_at_once = True
            transport.write(verdict.encode("utf-8", "replace") + b"\r\n")  # type: ignore[attr-defined]
            transport.close()
            return
        if starttls and self.record is not None:  # aiosmtpd is about to drop what it has not read
            self._note_reads()
            self.record.drop_unread()
        super().connection_made(transport)
        if starttls:  # STARTTLS finished its handshake: the new transport is encrypted
            if self.record is not None and self.session is not None:  # aiosmtpd made a new one
                self.session.number = self.record.number  # type: ignore[attr-defined]
            self._handshake_done(transport)
            return
        session = self.session
        assert session is not None
        if not self._admitted:
            return  # aiosmtpd's readiness probe: not a session
        if verdict is not None:  # another user's program: greeted 554, nothing recorded
            self._greeting = verdict
            return
        self.record = self.host.session_opened(self, session)
        session.tls = None  # type: ignore[attr-defined]
        if transport.get_extra_info("ssl_object") is not None:  # implicit TLS (RFC 8314)
            self._handshake_done(transport)
        self._greeting = self.host.decide("CONNECT", session, None)

    def _admit(self, transport: asyncio.BaseTransport) -> str | None:
        """The host's verdict on a new connection (None: a session); aiosmtpd's readiness
        probe is let in without one."""
        peer = transport.get_extra_info("peername")
        probe = self._probe()
        if probe is not None and isinstance(peer, tuple) and tuple(peer[:2]) == tuple(probe):
            self._is_probe = True
            return None
        verdict = self.host.admit(peer, transport.get_extra_info("sockname"))
        self._admitted = verdict is None or reply_code(verdict) != 421
        return verdict

    def _handshake_done(self, transport: asyncio.BaseTransport) -> None:
        """Note what the handshake agreed, on the session (``session.tls``) and in the record."""
        agreed = describe(transport.get_extra_info("ssl_object"))
        if self.session is not None:
            self.session.tls = agreed  # type: ignore[attr-defined]
        if self.record is not None:
            self.record.handshake(agreed)

    def data_received(self, data: bytes) -> None:
        if self._closed_at_once:
            return
        record = self.record
        if record is not None:
            record.received_bytes(data, len(self._reader._buffer))  # type: ignore[attr-defined]
            if self._in_data:  # an upload still arriving is not idle (aiosmtpd restarts the
                self._upload_at = self.loop.time()  # timer after each command, not during DATA)
        super().data_received(data)

    def _timeout_cb(self) -> None:
        """Idle too long: say so (421 4.4.2, as Postfix does) before closing.  During DATA,
        idle counts from the last bytes that arrived (:meth:`data_received` notes when,
        which is cheaper than restarting the timer for every chunk of a message), and the
        whole message has ``host.data_timeout`` from the 354, so a trickle ends too (RFC 5321
        §4.5.3.2 times only each block and the end; the idle timer alone would never fire).
        One timer does both: no second one to set and cancel for every message."""
        if self._in_data:
            now = self.loop.time()
            left = self.host.data_timeout - (now - self._data_from)
            if left <= 0:
                self._give_up(self.host.data_timeout_reply)
                return
            idle = now - self._upload_at
            if idle < self._timeout_duration:
                self._reset_timeout(min(self._timeout_duration - idle, left))
                return
        self._give_up(self.host.timeout_reply)

    def _note_reads(self) -> None:
        """Tell the record how far the server has read (before a reply, and at the end)."""
        if self.record is not None:
            self.record.read_up_to(len(self._reader._buffer))  # type: ignore[attr-defined]

    def _give_up(self, reply: str) -> None:
        transport = self.transport
        if transport is not None and not transport.is_closing():
            if self.record is not None:
                self._note_reads()
                self.record.reply(reply)
                self.record.mode = "command"
                self.record.ending = True
            self._writer.write(reply.encode("utf-8", "replace") + b"\r\n")
        super()._timeout_cb()

    def eof_received(self) -> bool | None:
        self._eof = True
        return super().eof_received()

    def connection_lost(self, error: Exception | None) -> None:
        if self._closed_at_once:
            return  # aiosmtpd never saw this connection
        if self._admitted and (self._original_transport is None or self.transport is not None):
            self._admitted = False
            record = self.record
            if record is not None and record.closed_by is None:
                self._note_reads()
                record.close("client" if self._eof or error else "server")
            self.host.session_closed(self)
        super().connection_lost(error)
        if self._is_probe:  # asyncio closes the socket when this returns: tell start() after that
            self.loop.call_soon(self._probe_gone)

    def mark_verbatim(self, reply: str) -> str:
        """Send ``reply`` (a rule's or scenario's) exactly as it is, without rewriting."""
        self._verbatim = reply
        return reply

    async def push(self, status: str | bytes) -> None:
        if not self._greeted:
            self._greeted = True
            if self._greeting is not None:
                status = self._greeting
                self._after_greeting(status)
        if isinstance(status, str):
            if status.startswith("250-AUTH ") and not self.host.offers_auth:
                return  # aiosmtpd lists AUTH once TLS is up; a server without AUTH never does
            own = status is not self._verbatim
            if own:
                status = rewrite_stock(status)
                if self._ehlo_extra and status == "250 HELP":
                    self._ehlo_extra = False
                    status = self.host.ehlo_tail
            status, response, code = as_sent(status)  # an echoed argument never ends a line
            mode = "data" if code == 354 and own else "command"  # aiosmtpd reads the message next
        else:
            response = status + b"\r\n"
            status = status.decode("utf-8", "backslashreplace")
            code = reply_code(status)
            mode = "auth" if code == 334 else "command"  # aiosmtpd's challenge: it reads an answer next
        record = self.record
        if record is not None:
            record.reply(status, len(self._reader._buffer))  # type: ignore[attr-defined]
            record.mode = mode
            if code == 221 or code == 421:
                record.ending = True
        if code == 354:  # the message's deadline starts (see _timeout_cb)
            self._in_data = True
            self._data_from = self._upload_at = self.loop.time()
            if self.host.data_timeout < self._timeout_duration:  # sooner than the idle timer
                self._data_timer = True
                self._reset_timeout(self.host.data_timeout)
        elif self._in_data:
            self._in_data = False
            if self._data_timer:  # the idle timer, back to its own length
                self._data_timer = False
                self._reset_timeout()
        self._writer.write(response)
        await self._writer.drain()
        if code == 421:  # RFC 5321 §3.8: 421 closes the channel
            self.close_now()

    async def push_verbatim(self, status: str) -> None:
        """Push a reply from a rule or scenario as it is (no stock-text rewriting)."""
        await self.push(self.mark_verbatim(status))

    def close_now(self) -> None:
        """Close the connection and end the session task (if it is the one running)."""
        if self.transport is not None:
            self.transport.close()
        current = asyncio.current_task(self.loop)
        if current is not None and current is self._handler_coroutine:
            current.cancel()

    def _after_greeting(self, greeting: str) -> None:
        """A refusing greeting (554, 521): only QUIT is served from now on (RFC 5321 §3.1)."""
        if reply_class(greeting) != 5:
            return
        refusal = greeting if code_of(greeting) == 521 else REPLIES["REFUSED-503"]

        async def refuse(arg: str | None) -> None:
            await self.push_verbatim(refusal)

        for name in list(self._smtp_methods):
            if name != "QUIT":
                self._smtp_methods[name] = refuse

    # --- points aiosmtpd has no hook for ------------------------------------------
    async def _answer(self, point: str, *args: Any) -> bool:
        reply = self.host.decide(point, self.session, self.envelope, *args)
        if reply is None:
            return False
        await self.push_verbatim(reply)
        return True

    async def smtp_EHLO(self, hostname: str) -> None:
        session = self.session
        if hostname and session is not None:
            reply = self.host.decide("EHLO", session, self.envelope, hostname)
            if reply is not None:
                self._set_rset_state()
                session.extended_smtp = True
                if reply_class(reply) == 2:
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
            await self.push_verbatim(REPLIES["EXPN-SYNTAX"])
        elif not await self._answer("EXPN", arg):
            await self.push_verbatim(REPLIES["EXPN"])

    async def smtp_HELP(self, arg: str) -> None:
        if await self._answer("HELP", arg or ""):
            return
        await self.push_verbatim(self._default_help(arg))

    def _default_help(self, arg: str | None) -> str:
        commands = sorted(n for n, m in self._smtp_methods.items() if self._syntax_available(m))
        if not arg:
            return REPLIES["HELP"].format(commands=" ".join(commands))
        method = self._smtp_methods.get(arg.upper())
        if method is None or not self._syntax_available(method):
            return REPLIES["HELP-UNKNOWN"].format(topic=arg)
        syntax = method.__smtp_syntax__ + (method.__smtp_syntax_extended__ or "")
        return REPLIES["HELP-TOPIC"].format(syntax=syntax)

    async def smtp_STARTTLS(self, arg: str) -> None:
        if arg or not await self._answer("STARTTLS"):
            await super().smtp_STARTTLS(arg)

    async def smtp_AUTH(self, arg: str) -> None:
        if not self.host.offers_auth:
            await self.push_verbatim(REPLIES["AUTH-DISABLED"])
            return
        await super().smtp_AUTH(arg)

    async def smtp_ETRN(self, arg: str) -> None:
        if not await self._answer("ETRN", arg or ""):
            await self.push_verbatim(REPLIES["ETRN"])

    async def smtp_ATRN(self, arg: str) -> None:
        if not await self._answer("ATRN", arg or ""):
            await self.push_verbatim(REPLIES["ATRN"])

    async def smtp_TURN(self, arg: str) -> None:
        await self.push_verbatim(REPLIES["TURN"])

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's address parser, remembered: the same argument always parses the same way."""
        key = (self.local_part_limit, arg)
        found = _ADDRESSES.get(key)
        if found is None:
            found = super()._getaddr(arg)
            if len(_ADDRESSES) >= _SENT_MAX:
                _ADDRESSES.clear()
            _ADDRESSES[key] = found
        return found

    def _getparams(self, params: Sequence[str]) -> dict[str, Any] | None:
        """Take out the MAIL/RCPT parameters the scenario recognises (session.parameters)."""
        result = super()._getparams(params)
        if result is not None and self.session is not None:
            known = self.host.parameters
            taken = {k: result.pop(k) for k in list(result) if k in known}
            self.session.parameters = taken  # type: ignore[attr-defined]
        return result


class LessonController(Controller):
    """aiosmtpd's Controller with the port-0 fix and a readiness probe we can recognise.
    ``hostname`` is the bind address (aiosmtpd's spelling); ``server_hostname`` the greeting's."""

    def __init__(self, host: Host, handler: Any, **kwargs: Any) -> None:
        self._host = host
        self.probe_addr: tuple[str, int] | None = None
        self._probe_closed = threading.Event()
        super().__init__(handler, **kwargs)
        self.loop.set_exception_handler(
            lambda loop, context: host.loop_error(context.get("exception") or context.get("message")))

    def factory(self) -> SMTP:
        return LessonSMTP(self._host, lambda: self.probe_addr, self.handler,
                          probe_gone=self._probe_closed.set, **self.SMTP_kwargs)

    def _create_server(self) -> Any:
        return self._bind()

    async def _bind(self) -> asyncio.AbstractServer:
        host = self.hostname  # an IP literal: DebugServer looks no name up
        listener = Listener(socket.AF_INET6 if ":" in host else socket.AF_INET, self._host.busy_reply)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if listener.family == socket.AF_INET6:
                listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)  # as asyncio does
            listener.bind((host, self.port))
            listener.listen(100)
            server = await self.loop.create_server(self._factory_invoker, sock=listener, ssl=self.ssl_context)
        except BaseException:
            listener.close()
            raise
        self.port = listener.getsockname()[1]  # the real port, not 0
        return server

    def _send_probe(self) -> None:
        host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.hostname, self.hostname)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(2.0)
            probe.bind((host, 0))
            self.probe_addr = probe.getsockname()[:2]
            probe.connect((host, self.port))
            if self.ssl_context is None:
                probe.recv(1024)
                return
            unchecked = ssl.create_default_context()  # implicit TLS: handshake, read the greeting
            unchecked.check_hostname = False
            unchecked.verify_mode = ssl.CERT_NONE
            with unchecked.wrap_socket(probe) as tls_probe:
                tls_probe.recv(1024)

    def _trigger_server(self) -> None:
        """The probe, then a wait until the server has closed its end: a started server
        holds no descriptor it is about to let go of."""
        self._send_probe()
        self._probe_closed.wait(2.0)

    def abandon(self) -> None:
        """Clean up after a failed :meth:`start` (the thread may or may not be running)."""
        if self._thread is not None:
            self.stop(no_assert=True)
        if not self.loop.is_closed():
            self.loop.close()
