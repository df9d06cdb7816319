"""An SMTP conversation with aiosmtpd's own protocol, in memory: no socket, no thread.

Where no socket can listen (JupyterLite: Python in the browser) the server side of a
conversation still runs: aiosmtpd's :class:`~aiosmtpd.smtp.SMTP` is an asyncio protocol,
and here it is connected to a transport that keeps what it writes instead of sending it.
The replies are aiosmtpd's real ones (and the handler's); what is simulated is only the
wire between the two sides.

>>> import asyncio
>>> async def lesson():
...     chat = Conversation(Inbox(refuse={"nobody@example.net": "550 5.1.1 User unknown"}))
...     await chat.open()
...     await chat.send("EHLO laptop.example.org")
...     await chat.send("MAIL FROM:<alice@example.org>")
...     refused = await chat.send("RCPT TO:<nobody@example.net>")
...     await chat.close()
...     return refused, chat.transcript.codes
>>> asyncio.run(lesson())
(Reply(code=550, enhanced='5.1.1', lines=('User unknown',)), [220, 250, 250, 550, 221])
"""
from __future__ import annotations

import asyncio
import email.policy
import logging
from collections.abc import Mapping
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.smtp import SMTP

from ..codes.reply import Reply, parse_reply
from ..codes.syntax import is_last_line
from .transcript import Line, Transcript, wire_text

__all__ = ["Conversation", "Inbox", "MemoryTransport"]

SERVER = "mx.example.net"  # the name the server greets with (aiosmtpd's ``hostname``)
CLIENT_PEER = ("192.0.2.25", 50025)  # what the server sees as its peer (TEST-NET-1, RFC 5737)

# aiosmtpd logs to "mail.log"; without a handler its warnings would print into the notebook
if not logging.getLogger("mail.log").handlers:
    logging.getLogger("mail.log").addHandler(logging.NullHandler())


class Inbox:
    """An aiosmtpd handler that keeps every accepted message.

    ``refuse`` maps a recipient address to the reply its ``RCPT TO`` gets instead of 250,
    e.g. ``{"nobody@example.net": "550 5.1.1 <nobody@example.net>: User unknown"}``.
    """

    def __init__(self, refuse: Mapping[str, str] | None = None) -> None:
        self.refuse = {address.lower(): reply for address, reply in (refuse or {}).items()}
        self.messages: list[EmailMessage] = []  # accepted messages, in order

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        refused = self.refuse.get(address.lower())
        if refused is not None:
            return refused
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=email.policy.default).parsebytes(envelope.original_content)
        self.messages.append(message)
        return f"250 2.0.0 OK: kept in memory as message {len(self.messages)}"


class MemoryTransport(asyncio.Transport):
    """The server's end of an in-memory connection: what the server writes is kept in ``written``."""

    def __init__(self, protocol: asyncio.Protocol, peer: tuple[str, int] = CLIENT_PEER) -> None:
        super().__init__(extra={"peername": peer})
        self.protocol = protocol
        self.written = bytearray()
        self.changed = asyncio.Event()  # set when bytes arrive or the connection closes
        self.closed_by: str | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data
        self.changed.set()

    def is_closing(self) -> bool:
        return self.closed_by is not None

    def close(self) -> None:
        """The server closed the connection (after 221, 421, or its idle timer)."""
        self._lose("server")

    def abort(self) -> None:
        self._lose("server")

    def can_write_eof(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:  # the whole client input is already in memory
        pass

    def resume_reading(self) -> None:
        pass

    def _lose(self, by: str) -> None:
        if self.closed_by is None:
            self.closed_by = by
            self.changed.set()
            asyncio.get_running_loop().call_soon(self.protocol.connection_lost, None)


class Conversation:
    """A client's side of one SMTP session with aiosmtpd, in memory.

    ``await open()`` returns the greeting, ``await send(line)`` sends one command and
    returns the server's reply, ``await send_message(text)`` sends a message's lines after
    354 and returns the reply to its final ``.``; ``transcript`` is the session so far.
    """

    def __init__(self, handler: Any = None, *, hostname: str = SERVER, **smtp_options: Any) -> None:
        self.handler = handler if handler is not None else Inbox()
        self.hostname = hostname
        self.smtp_options = smtp_options  # passed on to aiosmtpd.smtp.SMTP
        self._lines: list[Line] = []
        self._wire: MemoryTransport | None = None
        self._read = 0  # bytes of the server's output already turned into lines
        self._start = 0.0

    @property
    def closed(self) -> bool:
        return self._wire is not None and self._wire.closed_by is not None

    async def open(self) -> Reply:
        """Connect: aiosmtpd starts its session and greets."""
        if self._wire is not None:
            raise RuntimeError("this conversation is already open: make a new Conversation")
        loop = asyncio.get_running_loop()
        self._start = loop.time()
        server = SMTP(self.handler, hostname=self.hostname, loop=loop, **self.smtp_options)
        self._wire = MemoryTransport(server)
        server.connection_made(self._wire)
        return await self._reply()

    async def send(self, line: str) -> Reply:
        """Send one command line (CRLF added) and return the server's reply."""
        self._client(line, "command")
        return await self._reply()

    async def send_message(self, text: str) -> Reply:
        """After a 354: send the message's lines (dot-stuffed), then ``.``; return the reply."""
        for line in text.replace("\r\n", "\n").split("\n"):
            self._client("." + line if line.startswith(".") else line, "data", feed_only=True)
        self._client(".", "data")
        return await self._reply()

    async def close(self) -> Reply | None:
        """Say QUIT if the server has not closed the connection; return its reply."""
        if self._wire is None or self.closed:
            return None
        reply = await self.send("QUIT")
        await asyncio.sleep(0)  # let the protocol see the close
        return reply

    @property
    def transcript(self) -> Transcript:
        """Every line so far, as a :class:`~smtplesson.server.transcript.Transcript`."""
        closed_by = self._wire.closed_by if self._wire is not None else None
        return Transcript(self._lines, server=self.hostname, peer="{}:{}".format(*CLIENT_PEER),
                          closed_by=closed_by, number=1)

    def _now(self) -> float:
        return round(asyncio.get_running_loop().time() - self._start, 6)

    def _client(self, line: str, kind: str, *, feed_only: bool = False) -> None:
        wire = self._wire
        if wire is None:
            raise RuntimeError("open() the conversation first")
        if wire.closed_by is not None:
            raise ConnectionResetError("the server has closed the connection")
        raw = line.encode("utf-8") + b"\r\n"
        self._lines.append(Line("C", self._now(), wire_text(raw), kind))
        wire.protocol.data_received(raw)

    async def _reply(self) -> Reply:
        """Wait until the server has written a whole reply (or closed); parse it."""
        wire = self._wire
        assert wire is not None
        while True:
            reply = self._take_reply()
            if reply is not None:
                return reply
            if wire.closed_by is not None:
                raise ConnectionResetError("the server closed the connection without a reply")
            wire.changed.clear()
            await wire.changed.wait()

    def _take_reply(self) -> Reply | None:
        wire = self._wire
        assert wire is not None
        pending = bytes(wire.written[self._read:])
        lines: list[bytes] = []
        used = 0
        for raw in pending.split(b"\r\n")[:-1]:  # complete lines only
            lines.append(raw)
            used += len(raw) + 2
            if is_last_line(raw.decode("utf-8", "replace")):
                self._read += used
                now = self._now()
                self._lines.extend(Line("S", now, wire_text(r), "reply") for r in lines)
                return parse_reply("\r\n".join(r.decode("utf-8", "replace") for r in lines))
        return None
