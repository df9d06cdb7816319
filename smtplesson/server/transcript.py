"""Transcripts of SMTP sessions: every line, its direction and its time.

A line is what the server parsed: client bytes are split exactly where aiosmtpd split
them (a command ends at LF, a message line at CRLF), so a bare CR or LF inside a line
shows as ``\\r`` or ``\\n`` and a command that ended with a bare LF shows its
``\\n``.  Every other control character, line separator and bidirectional override is
shown as a visible escape too (``\\x1b``, ``\\u2028``), so a transcript printed to a
terminal or shown in a notebook displays the bytes and never acts on them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from typing import Any, NamedTuple

from ..codes.syntax import code_of, is_last_line

__all__ = ["Line", "Transcript", "visible", "wire_text"]

#: characters shown as escapes: C0 controls but TAB, DEL, C1 controls, the line and
#: paragraph separators, and the bidirectional controls (Trojan Source, CVE-2021-42574)
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_UNSAFE_ASCII = re.compile(b"[\x00-\x08\x0a-\x1f\x7f]")
_NAMED = {"\r": "\\r", "\n": "\\n"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    point = ord(char)
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def visible(text: str) -> str:
    """``text`` with every control character as a visible escape (``"a\\rb"`` for a CR)."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def wire_text(raw: bytes) -> str:
    """The text of one line as received: without its CRLF, undecodable bytes as
    ``\\xNN``, a bare CR or LF (also a bare LF that ended it) as ``\\r`` / ``\\n``."""
    if raw.endswith(b"\r\n"):
        raw = raw[:-2]
    if raw.isascii() and _UNSAFE_ASCII.search(raw) is None:  # the usual line: nothing to escape
        return raw.decode("ascii")
    return visible(raw.decode("utf-8", "backslashreplace"))


class Line(NamedTuple):
    """One line of a session, without its CRLF (see :func:`wire_text`).

    A named tuple, not a dataclass: the server builds one for every line it reads or
    sends, and a tuple is built in a third of the time (bench/server.py)."""

    direction: str  # "C" client -> server, "S" server -> client, "T" the TLS handshake
    time: float  # seconds since the session started
    text: str  # the line as received or sent, control characters as visible escapes
    #: "reply", "command", "auth" (answer to a 334 challenge), "data" (after 354), "tls"
    #: (what a handshake agreed) or "cut" (bytes the connection ended in the middle of:
    #: never a complete line the server ran)
    kind: str = ""

    @property
    def verb(self) -> str:
        """The command word of a client command line (``"MAIL"``), else ``""``."""
        if self.direction != "C" or self.kind != "command":
            return ""
        word = self.text.split(" ", 1)[0]
        while word.endswith(("\\r", "\\n")):  # aiosmtpd strips trailing CR and LF
            word = word[:-2]
        return word.upper()

    @property
    def code(self) -> int | None:
        """The reply code of a server line, else None."""
        return code_of(self.text) if self.direction == "S" else None


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
    ) -> None:
        self.lines = tuple(lines)  # every line of the session, in order
        self.server = server  # the server's host name
        self.peer = peer  # "ip:port" of the client (not shown by default)
        self.closed_by = closed_by  # "client", "server" or None (still open)
        self.number = number  # 1-based connection number on its server
        self.notes = tuple(notes)  # e.g. what smtplib raised

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
