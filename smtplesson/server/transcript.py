"""Transcripts of SMTP sessions: every line, its direction and its time.

The server records raw bytes only (cheap); a :class:`Transcript` splits them into
lines and parses replies lazily, when somebody looks.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..codes.syntax import code_of, is_last_line

__all__ = ["Line", "Transcript"]

@dataclass(frozen=True)
class Line:
    """One line of a session, without its CRLF."""

    direction: str  # "C" client -> server, "S" server -> client, "T" the TLS handshake
    time: float  # seconds since the session started
    text: str  # the exact line (undecodable bytes shown as \\xNN)
    kind: str = ""  # "reply", "command", "auth" (answer to a 334 challenge), "data" or "tls"

    @property
    def verb(self) -> str:
        """The command word of a client command line (``"MAIL"``), else ``""``."""
        if self.direction != "C" or self.kind != "command":
            return ""
        return self.text.split(" ", 1)[0].upper()

    @property
    def code(self) -> int | None:
        """The reply code of a server line, else None."""
        return code_of(self.text) if self.direction == "S" else None


Event = tuple[str, float, Any]  # (direction, monotonic time, bytes or str)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


def _split_events(events: Sequence[Event], start: float) -> list[tuple[str, float, str]]:
    """Raw events -> (direction, time, text) per line; a partial last client line is kept."""
    out: list[tuple[str, float, str]] = []
    pending = b""
    pending_time = 0.0
    for direction, when, payload in events:
        if direction == "T":  # a TLS handshake finished: one line saying what was agreed
            out.append(("T", when - start, str(payload)))
            continue
        if direction == "S":
            text = payload if isinstance(payload, str) else _decode(payload)
            for line in text.split("\r\n"):
                out.append(("S", when - start, line))
            continue
        if not pending:
            pending_time = when
        pending += payload
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            out.append(("C", pending_time - start, _decode(raw[:-1] if raw.endswith(b"\r") else raw)))
            pending_time = when
    if pending:
        out.append(("C", pending_time - start, _decode(pending)))
    return out


def _classify(raw: Iterable[tuple[str, float, str]]) -> tuple[Line, ...]:
    """Tell commands, AUTH answers and message lines apart from the reply flow."""
    lines = []
    in_data = False
    challenged = False
    for direction, when, text in raw:
        if direction == "T":
            lines.append(Line(direction, round(when, 6), text, "tls"))
            continue
        if direction == "S":
            kind = "reply"
            if is_last_line(text):
                code = code_of(text)
                in_data = code == 354
                challenged = code == 334
        elif in_data:
            kind = "data"
            if text == ".":
                in_data = False
        elif challenged:
            kind, challenged = "auth", False
        else:
            kind = "command"
        lines.append(Line(direction, round(when, 6), text, kind))
    return tuple(lines)


class Transcript:
    """One SMTP session as it happened on the wire.

    ``str(t)`` prints it like swaks does (no times, so it is the same every run);
    in a notebook it shows as a sequence diagram.
    """

    def __init__(
        self,
        lines: Iterable[Line] = (),
        *,
        server: str = "mx.example.net",
        peer: str = "",
        closed_by: str | None = None,
        number: int = 0,
        notes: Sequence[str] = (),
        _events: Sequence[Event] | None = None,
        _start: float = 0.0,
    ) -> None:
        self._events = _events
        self._start = _start
        if _events is None:
            self.__dict__["lines"] = tuple(lines)
        self.server = server  # the server's host name
        self.peer = peer  # "ip:port" of the client (not shown by default)
        self.closed_by = closed_by  # "client", "server" or None (still open)
        self.number = number  # 1-based connection number on its server
        self.notes = tuple(notes)  # e.g. what smtplib raised

    @classmethod
    def from_events(cls, events: Sequence[Event], start: float, **kw: Any) -> Transcript:
        """Build from raw recorded events (lines are split lazily)."""
        return cls(_events=tuple(events), _start=start, **kw)

    @cached_property
    def lines(self) -> tuple[Line, ...]:
        """Every line of the session, in order."""
        return _classify(_split_events(self._events or (), self._start))

    @cached_property
    def exchanges(self) -> list[tuple[tuple[Line, ...], tuple[Line, ...]]]:
        """(client lines, reply lines) pairs in order; the greeting has no client lines."""
        pairs: list[tuple[tuple[Line, ...], tuple[Line, ...]]] = []
        sent: list[Line] = []
        reply: list[Line] = []
        for line in self.lines:
            if line.direction == "C":
                sent.append(line)
                continue
            reply.append(line)
            if is_last_line(line.text):
                pairs.append((tuple(sent), tuple(reply)))
                sent, reply = [], []
        if sent or reply:
            pairs.append((tuple(sent), tuple(reply)))
        return pairs

    @cached_property
    def replies(self) -> list[Any]:
        """Every server reply as a :class:`smtplesson.reply.Reply`."""
        from ..codes.reply import ReplyError, parse_reply

        out = []
        for _, reply in self.exchanges:
            if not reply:
                continue
            try:
                out.append(parse_reply("\r\n".join(line.text for line in reply)))
            except ReplyError:  # a server line that is not a reply: skip, never crash
                continue
        return out

    @property
    def codes(self) -> list[int]:
        """The reply codes, in order (e.g. ``[220, 250, 250, 550, 221]``)."""
        return [reply.code for reply in self.replies]

    @property
    def commands(self) -> list[str]:
        """The command words the client sent, in order (``["EHLO", "MAIL", ...]``)."""
        return [line.verb for line in self.lines if line.kind == "command" and line.verb]

    @property
    def data_lines(self) -> list[str]:
        """The message lines sent after DATA (without the final ".")."""
        return [line.text for line in self.lines if line.kind == "data" and line.text != "."]

    def reply_to(self, verb: str) -> Any:
        """The reply to the first command starting with ``verb`` (e.g. "RCPT"), or None."""
        from ..codes.reply import parse_reply

        verb = verb.upper()
        for sent, reply in self.exchanges:
            commands = [line for line in sent if line.kind == "command"]
            if reply and commands and commands[-1].verb == verb:
                return parse_reply("\r\n".join(line.text for line in reply))
        return None

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, *, full: bool = False, times: bool = False) -> str:
        """Plain text like swaks prints; message bodies abbreviated unless ``full``."""
        out = []
        from ..views.transcript import fold_note

        for line, hidden in self.visible_lines(full):
            if line is None:
                out.append(f" -> {fold_note(hidden)}")
                continue
            arrow = {"S": "<- ", "T": "=="}.get(line.direction, " ->")
            stamp = f"[{line.time:8.3f}] " if times else ""
            out.append(f"{stamp}{arrow} {line.text}".rstrip())
        if self.closed_by:
            out.append(f"=== connection closed by the {self.closed_by}")
        out.extend(f"*** {note}" for note in self.notes)
        return "\n".join(out)

    def visible_lines(self, full: bool = False) -> Iterator[tuple[Line | None, int]]:
        """(line, 0) for each line to show, or (None, n) for n folded message-body lines.

        An "internal" API for renderers (like ``email.message.Message.raw_items``): message
        headers stay visible, the body after the blank line is folded unless ``full``.
        """
        return _visible(self.lines, full)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        codes = " ".join(map(str, self.codes))
        return f"<Transcript #{self.number} {len(self.lines)} lines, replies {codes or '-'}>"

    def html(self, *, full: bool = False) -> str:
        """The sequence diagram as HTML; message bodies folded unless ``full``."""
        from ..views.transcript import transcript_html

        return transcript_html(self, full=full)

    def _repr_html_(self) -> str:
        """In a notebook each code's legend entry shows once per kernel (no repeated glossary)."""
        from ..views.transcript import EXPLAINED, transcript_html

        return transcript_html(self, explained=EXPLAINED)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON)."""
        return {
            "server": self.server,
            "closed_by": self.closed_by,
            "notes": list(self.notes),
            "lines": [
                {"direction": ln.direction, "time": ln.time, "text": ln.text, "kind": ln.kind}
                for ln in self.lines
            ],
        }


def _visible(lines: Sequence[Line], full: bool) -> Iterator[tuple[Line | None, int]]:
    """Yield (line, 0) to show, or (None, n) for n folded message-body lines.

    Message headers stay visible; the body after the blank line is folded away.
    """
    hidden = 0
    in_body = False
    for line in lines:
        if full or line.kind != "data":
            yield line, 0
            continue
        if line.text == ".":
            if hidden:
                yield None, hidden
            hidden, in_body = 0, False
            yield line, 0
        elif in_body:
            hidden += 1
        else:
            in_body = line.text == ""
            yield line, 0
    if hidden:  # the client vanished mid-DATA
        yield None, hidden
