"""What a debug server remembers, within limits: its sessions, line by line, and messages.

A class runs for hours on a shared host, so memory is bounded by design.  A session's
record is built line by line as the server parses and answers (reading a transcript
copies nothing); each message keeps at most :attr:`Limits.data_bytes` of its lines in
the transcript (the message itself is in ``server.messages``), each line at most
:data:`LINE_BYTES`; the oldest sessions and messages are forgotten beyond the limits.
Whatever is left out is said: in the line (``… (n more bytes not kept)``), in the
transcript's notes, and in ``server.forgotten``.
"""
from __future__ import annotations

import ctypes
import gc
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .transcript import Line, Transcript, visible, wire_text

__all__ = ["LINE_BYTES", "History", "Limits", "SessionRecord"]

#: the bytes of one line a transcript keeps: RFC 5321 §4.5.3.1.6 caps a text line at 1000
LINE_BYTES = 1000
#: what a kept line costs beyond its text (the Line object, its string), for the budget
_LINE_COST = 120

try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL(None)
except OSError:  # no C library to ask (a static build): nothing to trim
    _LIBC = None

#: ``watch(event, session_number, detail)``: "open" (peer), "line" (Line), "note" (str),
#: "close" (who closed: "client" or "server")
Watcher = Callable[[str, int, Any], None]


@dataclass(frozen=True)
class Limits:
    """How much a server keeps.  The defaults hold a long class in well under 100 MB.

    ``sessions`` / ``messages``: the most recent ones kept (older ones are forgotten,
    and counted in ``server.forgotten``; scenarios that count stored mail, such as
    mailbox-full, see only the kept messages).  ``message_bytes``: the kept messages'
    total size.  ``transcript_bytes``: all kept transcripts together; one session keeps
    at most an eighth of it.  ``data_bytes``: the lines of each message a transcript
    shows (``full=True`` included).
    """

    sessions: int = 1000
    messages: int = 1000
    message_bytes: int = 50_000_000
    transcript_bytes: int = 8_000_000
    data_bytes: int = 16_000

    def __post_init__(self) -> None:
        for name in ("sessions", "messages", "message_bytes", "transcript_bytes", "data_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive int, got {value!r}")

    @property
    def session_bytes(self) -> int:
        return max(self.transcript_bytes // 8, 1)


#: one kept entry of a session: (direction, time, bytes or text, kind)
_Entry = tuple[str, float, bytes | str, str]


def _lines(entries: Iterable[_Entry]) -> list[Line]:
    """The transcript lines of kept entries: a client line's text from its bytes
    (:func:`.transcript.wire_text`), a reply split into its lines."""
    out: list[Line] = []
    for direction, when, payload, kind in entries:
        if isinstance(payload, bytes):
            if kind == "data" and payload.find(b"\r\n") < len(payload) - 2:  # message lines kept together
                out.extend(Line(direction, when, wire_text(line + b"\r\n"), kind)
                           for line in payload.split(b"\r\n")[:-1])
            else:
                out.append(Line(direction, when, wire_text(payload), kind))
        elif direction == "S" and "\r\n" in payload:
            out.extend(Line(direction, when, text, kind) for text in payload.split("\r\n"))
        else:
            out.append(Line(direction, when, payload, kind))
    return out


def _size(count: int) -> str:
    return f"{count:,} bytes"


class SessionRecord:
    """One session, as the server parsed and answered it (written by the server thread)."""

    __slots__ = (
        "_arrivals",
        "_cache",
        "_data_bytes_left",
        "_data_kept",
        "_data_limit",
        "_data_lines_left",
        "_dropped",
        "_left_bytes",
        "_left_lines",
        "_limits",
        "_line_start",
        "_pending",
        "_pending_more",
        "_replies",
        "_session_limit",
        "_unread",
        "_watch",
        "closed_by",
        "consumed",
        "ending",
        "entries",
        "mode",
        "notes",
        "number",
        "peer",
        "received",
        "server",
        "size",
        "start",
    )

    def __init__(self, number: int, peer: str, server: str, limits: Limits,
                 watch: Watcher | None = None) -> None:
        self.number = number
        self.peer = peer
        self.server = server
        self.start = time.monotonic()
        # what the session said, as the server thread keeps it: (direction, time, the
        # line's bytes or text (a reply: its lines joined by CRLF), kind); see _lines
        self.entries: list[_Entry] = []
        self.notes: list[str] = []
        self.size = 0  # bytes counted against the limits
        self.closed_by: str | None = None
        self.ending = False  # the server said goodbye (221 or 421); the close is on its way
        self.received = 0  # bytes the client sent
        self.consumed = 0  # bytes the server read of them
        self._unread = bytearray()  # what the server has been given and not read yet
        self._dropped = b""  # the end of what it threw away unread (STARTTLS)
        #: how the server reads now: "command" (lines end at LF), "data" (after 354: lines end
        #: at CRLF) or "auth" (after 334: one answer, ending at LF); set by the protocol
        self.mode = "command"
        # (end offset, server lines so far, time) of each chunk received and not yet read:
        # a line the server reads later goes where its first byte arrived, before the
        # replies sent since (a pipelining client's commands show as it sent them)
        self._arrivals: deque[tuple[int, int, float]] = deque()
        self._replies = 0  # server lines kept
        self._line_start = 0  # offset of the first byte of a line read in parts
        self._limits = limits
        self._session_limit = limits.session_bytes
        self._data_limit = limits.data_bytes
        self._watch = watch
        self._pending = bytearray()  # the kept start of an over-long line
        self._pending_more = 0  # its bytes beyond LINE_BYTES
        self._data_kept = 0
        self._data_lines_left = 0  # message lines not kept, in the current DATA
        self._data_bytes_left = 0
        self._left_lines = 0  # lines not kept once the session's share was used
        self._left_bytes = 0
        self._cache: tuple[tuple[int, ...], Transcript] | None = None
        if watch is not None:
            watch("open", number, peer)

    # --- written by the server thread ------------------------------------------------
    def read_up_to(self, left: int) -> None:
        """The server has read all it was given but the last ``left`` bytes: keep the lines
        it read since the last call, as :meth:`client` lines of the current :attr:`mode`
        (and the start of a line it read only in part, as a :meth:`fragment`).

        The protocol calls this before each reply, as bytes arrive and when the connection
        ends; the lines are the same, in the same places, as if each were kept as it was
        read, without a hook on every read."""
        unread = self._unread
        count = len(unread) - left
        if count <= 0:
            return
        chunk = bytes(unread[:count])
        del unread[:count]
        mode = self.mode
        separator = b"\r\n" if mode == "data" else b"\n"
        lines = chunk.split(separator)
        part = lines.pop()  # b"" when the chunk ends with a whole line
        if lines and (self._pending or self._pending_more):  # the first completes a line read in parts
            self.client(lines.pop(0) + separator, mode)
        if self._watch is None:
            self._keep(lines, separator, mode)
        else:  # each line to the watchers as it is kept
            for line in lines:
                self.client(line + separator, mode)
        if part:
            self.fragment(part)

    def _keep(self, lines: list[bytes], separator: bytes, kind: str) -> None:
        """:meth:`client` for each of ``lines`` (whole lines read in a row, nothing pending),
        with the usual line (not too long, within the limits) kept right here."""
        data = kind == "data"
        if data and len(lines) > 1 and self._keep_together(lines):
            return
        arrivals, entries, begun = self._arrivals, self.entries, self.start
        room = self._session_limit - _LINE_COST
        for line in lines:
            raw = line + separator
            start = self.consumed
            size = len(raw)
            if size > LINE_BYTES or (data and (self._data_kept + size > self._data_limit or line == b".")):
                self.client(raw, kind)  # the rarer cases, said in full there
                continue
            self.consumed = start + size
            if data:
                self._data_kept += size
            while arrivals and arrivals[0][0] <= start:
                arrivals.popleft()
            if self.size + size > room:  # beyond the session's share (as _add counts it)
                self._left_lines += 1
                self._left_bytes += size
                continue
            self.size += size + _LINE_COST
            if not arrivals:
                entries.append(("C", time.monotonic() - begun, raw, kind))
                continue
            _, replies, when = arrivals[0]
            before = self._replies - replies
            if before <= 0:
                entries.append(("C", when - begun, raw, kind))
            else:
                self._insert(("C", when - begun, raw, kind), before)

    def drop_unread(self) -> None:
        """The server threw away what it had not read (STARTTLS: RFC 3207 §4.2)."""
        self._dropped = (self._dropped + self._unread)[-LINE_BYTES:]
        self._unread.clear()

    def fragment(self, raw: bytes) -> None:
        """The server read part of a line too long for its buffer."""
        if not self._pending and not self._pending_more:
            self._line_start = self.consumed
        self.consumed += len(raw)
        room = LINE_BYTES - len(self._pending)
        self._pending += raw[:max(room, 0)]
        self._pending_more += max(len(raw) - max(room, 0), 0)

    def client(self, raw: bytes, kind: str) -> None:
        """The server read one line (``kind``: "command", "data" or "auth").

        Asked for every line the server reads, so the usual line (whole, not too long)
        is kept as its bytes; its text is made when a transcript is read."""
        start = self.consumed
        self.consumed = start + len(raw)
        payload: bytes | str = raw
        if self._pending or self._pending_more or len(raw) > LINE_BYTES:
            start, payload, raw = self._long_line(start, raw)
        if kind == "data":
            if raw == b".\r\n" and payload is raw:
                self._end_of_data()
            elif self._data_kept + len(raw) > self._data_limit:
                self._data_lines_left += 1
                self._data_bytes_left += self.consumed - start
                return
            else:
                self._data_kept += len(raw)
        arrivals = self._arrivals
        while arrivals and arrivals[0][0] <= start:
            arrivals.popleft()
        if arrivals:
            _, replies, when = arrivals[0]
            self._add(("C", when - self.start, payload, kind), len(payload) + _LINE_COST,
                      self._replies - replies)
        else:
            self._add(("C", time.monotonic() - self.start, payload, kind), len(payload) + _LINE_COST)

    def _long_line(self, start: int, raw: bytes) -> tuple[int, str | bytes, bytes]:
        """A line read in parts or longer than LINE_BYTES: (its first offset, what to keep
        (the text, saying what is left out), its kept bytes)."""
        more = 0
        if self._pending or self._pending_more:
            start, more = self._line_start, self._pending_more
            room = max(LINE_BYTES - len(self._pending), 0)
            more += max(len(raw) - room, 0)
            raw = bytes(self._pending) + raw[:room]
            self._pending.clear()
            self._pending_more = 0
        elif len(raw) > LINE_BYTES:
            more = len(raw) - LINE_BYTES
            raw = raw[:LINE_BYTES]
        if not more:
            return start, raw, raw
        return start, wire_text(raw) + f" … ({more:,} more bytes not kept)", raw

    def received_bytes(self, data: bytes, left: int = -1) -> None:
        """The client sent ``data`` (the server reads it later, line by line); ``left``, if
        given: the server has read all it had before but that many bytes (:meth:`read_up_to`)."""
        if 0 <= left < len(self._unread):
            self.read_up_to(left)
        self.received += len(data)
        self._unread += data
        self._arrivals.append((self.received, self._replies, time.monotonic()))

    def reply(self, status: str, left: int = -1) -> None:
        """The server sent ``status``: one reply, its lines joined by CRLF, control
        characters already escaped (:func:`.protocol.visible_lines`); kept whole, split
        into lines when a transcript is read.  ``left``: as for :meth:`received_bytes`."""
        if 0 <= left < len(self._unread):
            self.read_up_to(left)
        entry = ("S", time.monotonic() - self.start, status, "reply")
        cost = len(status) + _LINE_COST * (status.count("\r\n") + 1)
        if self._watch is not None or self.size + cost > self._session_limit:
            self._add(entry, cost)
            return
        self.size += cost  # the usual reply, kept as _add would
        self._replies += 1
        self.entries.append(entry)

    def handshake(self, agreed: str) -> None:
        """A TLS handshake finished (STARTTLS or implicit): one line saying what was agreed."""
        text = f"TLS handshake: {visible(agreed)}"
        self._add(("T", time.monotonic() - self.start, text, "tls"), len(text) + _LINE_COST)

    def note(self, text: str) -> None:
        self.notes.append(text)
        if self._watch is not None:
            self._watch("note", self.number, text)

    def close(self, by: str) -> None:
        unread = self.received - self.consumed
        if self._pending or self._pending_more or unread > 0:
            # the connection ended inside a line: show its start, as kind "cut"
            tail = (self._dropped + self._unread)[-LINE_BYTES:]  # the end of what was not read
            shown = tail[-unread:] if 0 < unread <= len(tail) else tail
            raw, more = bytes(self._pending), self._pending_more
            self._pending.clear()
            if unread > 0:
                raw += shown
                more += unread - len(shown)
            text = wire_text(raw[:LINE_BYTES]) + (f" … ({more:,} more bytes)" if more else "")
            self._add(("C", time.monotonic() - self.start, text, "cut"), len(text) + _LINE_COST)
        if self._data_lines_left:
            self._end_of_data()
        if self._left_lines:
            self.note(f"{self._left_lines:,} more lines ({_size(self._left_bytes)}) not kept: "
                      f"a session keeps {_size(self._limits.session_bytes)} of transcript")
        if unread > 0:
            self.note(f"the connection closed before the server read the last "
                      f"{_size(unread)} the client sent")
        self.closed_by = by
        if self._watch is not None:
            self._watch("close", self.number, by)

    def _end_of_data(self) -> None:
        if self._data_lines_left:
            self.note(f"{self._data_lines_left:,} more message lines "
                      f"({_size(self._data_bytes_left)}) not kept in the transcript: it keeps "
                      f"{_size(self._limits.data_bytes)} of each message")
        self._data_kept = self._data_lines_left = self._data_bytes_left = 0

    def _add(self, entry: _Entry, cost: int, before: int = 0) -> None:
        """Keep ``entry`` (costing ``cost`` bytes of the budget), ahead of the last
        ``before`` replies (which were sent after it arrived)."""
        if self.size + cost > self._session_limit:
            count = entry[2].count("\r\n") + 1 if entry[0] == "S" else 1  # type: ignore[arg-type]
            self._left_lines += count
            self._left_bytes += cost - count * _LINE_COST
            return
        self.size += cost
        if entry[0] != "C":
            self._replies += 1
            self.entries.append(entry)
        elif before <= 0:
            self.entries.append(entry)
        else:
            self._insert(entry, before)
        if self._watch is not None:
            for line in _lines((entry,)):
                self._watch("line", self.number, line)

    def _keep_together(self, lines: list[bytes]) -> bool:
        """Keep message lines that arrived together, all within the limits, as one entry
        (split into its lines when a transcript is read); False, keeping nothing, if not."""
        block = b"\r\n".join(lines) + b"\r\n"
        start, size, count = self.consumed, len(block), len(lines)
        end = lines[-1] == b"."  # the message's last line: not counted as one of its lines
        arrivals = self._arrivals
        while arrivals and arrivals[0][0] <= start:
            arrivals.popleft()
        if (not arrivals or arrivals[0][0] <= start + size - len(lines[-1]) - 2  # the last arrived later
                or arrivals[0][1] != self._replies or max(map(len, lines)) + 2 > LINE_BYTES
                or self._data_kept + size - 3 * end > self._data_limit
                or self.size + size + count * _LINE_COST > self._session_limit):
            return False
        self.consumed = start + size
        self.size += size + count * _LINE_COST
        self.entries.append(("C", arrivals[0][2] - self.start, block, "data"))
        if not end:
            self._data_kept += size
        elif self._data_lines_left:
            self._end_of_data()
        else:
            self._data_kept = 0
        return True

    def _insert(self, entry: _Entry, before: int) -> None:
        """Put a client line ahead of the last ``before`` replies."""
        entries = self.entries
        index = len(entries)
        while before and index:
            index -= 1
            if entries[index][0] != "C":
                before -= 1
        entries.insert(index, entry)

    # --- read by anyone -------------------------------------------------------------
    def transcript(self) -> Transcript:
        """The session so far (cached until it changes); its lines are made here."""
        entries, notes, closed = self.entries, self.notes, self.closed_by
        key = (len(entries), len(notes), closed is not None, self._data_lines_left, self._left_lines)
        cache = self._cache
        if cache is not None and cache[0] == key:
            return cache[1]
        extra = []
        if closed is None and self._data_lines_left:
            extra.append(f"{self._data_lines_left:,} message lines not kept so far")
        result = Transcript(_lines(entries[:key[0]]), server=self.server, peer=self.peer,
                            closed_by=closed, number=self.number,
                            notes=[*notes[:key[1]], *extra])
        self._cache = (key, result)
        return result


class History:
    """The sessions and messages a server keeps: the most recent, within :class:`Limits`.

    Not locked itself: the server holds its lock around every call.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.records: deque[SessionRecord] = deque()
        self.messages: deque[Any] = deque()  # StoredMessage
        self.message_bytes = 0
        self.forgotten = {"sessions": 0, "messages": 0}
        self._closed_bytes = 0  # transcript bytes of kept, closed sessions
        self._open: set[SessionRecord] = set()

    def opened(self, record: SessionRecord) -> None:
        self.records.append(record)
        self._open.add(record)
        self._trim_sessions()

    def closed(self, record: SessionRecord) -> None:
        if record in self._open:
            self._open.discard(record)
            self._closed_bytes += record.size
        self._trim_sessions()

    def keep(self, message: Any) -> None:
        self.messages.append(message)
        self.message_bytes += message.size
        limits = self.limits
        while len(self.messages) > 1 and (len(self.messages) > limits.messages
                                          or self.message_bytes > limits.message_bytes):
            self.message_bytes -= self.messages.popleft().size
            self.forgotten["messages"] += 1

    def clear(self) -> None:
        """Forget everything (sessions still open go on being recorded, unlisted), and give
        the memory back to the operating system where the C library can."""
        self.records.clear()
        self.messages.clear()
        self.message_bytes = self._closed_bytes = 0
        self._open.clear()
        self.forgotten = {"sessions": 0, "messages": 0}
        gc.collect()
        _trim = getattr(_LIBC, "malloc_trim", None)  # glibc keeps freed memory otherwise
        if _trim is not None:
            _trim(0)

    def _trim_sessions(self) -> None:
        limits, records = self.limits, self.records
        while len(records) > 1 and (
                len(records) > limits.sessions
                or self._closed_bytes + sum(r.size for r in self._open) > limits.transcript_bytes):
            oldest = records.popleft()
            if oldest in self._open:
                self._open.discard(oldest)
            else:
                self._closed_bytes -= oldest.size
            self.forgotten["sessions"] += 1
