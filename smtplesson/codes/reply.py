"""Parse an SMTP reply as it arrives on the wire (RFC 5321 §4.2, RFC 3463 §2).

``parse_reply`` accepts one line (``"250 OK"``), many lines
(``"250-first\\r\\n250 last"``; a bare ``"\\n"`` is accepted too) or a code alone
(``"250"``), with or without an enhanced status code at the start of the text
(``"550 5.1.1 ..."``; on multi-line replies it appears on each line).

A malformed reply raises :class:`ReplyError` -- the one documented exception --
whose message names the line (1-based) and what is wrong with it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .classes import REPLY_CLASSES
from .syntax import ENHANCED

if TYPE_CHECKING:
    from .registry import ReplyCode

__all__ = ["KINDS", "OUTCOMES", "Reply", "ReplyError", "parse_reply"]

#: outcome of a reply by its first digit (RFC 5321 §4.2.1), from :mod:`.classes`
OUTCOMES = {digit: c.outcome for digit, c in REPLY_CLASSES.items()}
#: RFC 5321 §4.2.1 names of the four classes, from :mod:`.classes`
KINDS = {digit: c.name for digit, c in REPLY_CLASSES.items()}

# One reply line cut into digits, separator and text, so that a malformed line can be
# told apart precisely (the checks in _parse_line say what is wrong, RFC 5321 §4.2).
_LINE = re.compile(r"(\d+)(.?)(.*)", re.DOTALL)
# An enhanced code opens the text of a line, followed by a space or the end (RFC 2034 §4).
_ENHANCED = re.compile(rf"({ENHANCED.pattern})(?: |$)")
_NEWLINE = re.compile(r"\r?\n")


class ReplyError(ValueError):
    """A malformed SMTP reply: says which line (1-based) and what is wrong."""

    def __init__(self, line_number: int, line: str, reason: str) -> None:
        self.line_number = line_number
        self.line = line
        self.reason = reason
        super().__init__(f"line {line_number}: {reason}")


@dataclass(frozen=True)
class Reply:
    """One SMTP reply: its code, enhanced status code and text lines."""

    code: int
    enhanced: str | None = None
    lines: tuple[str, ...] = ("",)

    @property
    def text(self) -> str:
        """The text of all lines, joined by newlines."""
        return "\n".join(self.lines)

    @property
    def outcome(self) -> str:
        """``success`` (2xx), ``continue`` (3xx), ``retry`` (4xx) or ``bounce`` (5xx)."""
        return OUTCOMES.get(self.code // 100, "unknown")

    @property
    def kind(self) -> str:
        """The RFC 5321 class name, e.g. ``"permanent negative"``."""
        return KINDS.get(self.code // 100, "unknown")

    @property
    def info(self) -> ReplyCode | None:
        """The registry entry (``smtplesson.codes.ReplyCode``) or None."""
        from .registry import BASIC_CODES  # on first use: parsing replies never loads the registry

        return BASIC_CODES.get(self.code)

    def __str__(self) -> str:
        """The wire form, lines joined by CRLF (no final CRLF, as aiosmtpd hooks take it)."""
        last = len(self.lines) - 1
        out = []
        for i, line in enumerate(self.lines):
            body = (f"{self.enhanced} {line}" if line else self.enhanced) if self.enhanced else line
            if i < last:
                out.append(f"{self.code}-{body}")
            else:
                out.append(f"{self.code} {body}" if body else str(self.code))
        return "\r\n".join(out)


def parse_reply(text: str | bytes) -> Reply:
    """Parse a reply as sent by an SMTP server; raise :class:`ReplyError` if malformed."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = _decode(bytes(text))
    elif not isinstance(text, str):
        raise ReplyError(1, "", f"expected str or bytes, got {type(text).__name__}")
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text.strip():
        raise ReplyError(1, text, "empty input: no reply line")
    raw_lines = _NEWLINE.split(text)
    code = 0
    enhanced: str | None = None
    lines: list[str] = []
    lines_ended = False
    for number, raw in enumerate(raw_lines, start=1):
        line_code, sep, body = _parse_line(number, raw)
        if number == 1:
            code = line_code
        elif line_code != code:
            raise ReplyError(number, raw, f"code {line_code} differs from the first line's {code}")
        if number > 1 and lines_ended:
            raise ReplyError(
                number, raw,
                f"continuation line after the last line (line {number - 1} ended the reply "
                f"with '{code} ')",
            )
        lines_ended = sep != "-"
        match = _ENHANCED.match(body)
        if match and (number == 1 or match.group(1) == enhanced):
            if number == 1:
                enhanced = match.group(1)
            body = body[match.end():]
        lines.append(body)
    if not lines_ended:
        number = len(raw_lines)
        raise ReplyError(
            number, raw_lines[-1],
            f"last line uses '-' (a continuation mark): '{raw_lines[-1][:4]}' must be "
            f"'{code} ' on the last line, so the reply is incomplete",
        )
    return Reply(code, enhanced, tuple(lines))


def _decode(data: bytes) -> str:
    """Decode UTF-8 (RFC 6531 allows it; ASCII is a subset) or raise ReplyError."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        number = data.count(b"\n", 0, exc.start) + 1
        line = data.split(b"\n")[number - 1].decode("utf-8", "replace")
        raise ReplyError(
            number, line,
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid UTF-8 "
            "(SMTP replies are ASCII, or UTF-8 with SMTPUTF8)",
        ) from None


def _parse_line(number: int, raw: str) -> tuple[int, str, str]:
    """Split one reply line into (code, separator, text); raise ReplyError if malformed."""
    if "\r" in raw:
        raise ReplyError(number, raw, "contains a bare CR (carriage return without line feed)")
    if not raw:
        raise ReplyError(number, raw, "empty line; every reply line starts with a three-digit code")
    match = _LINE.match(raw)
    if match is None:
        raise ReplyError(
            number, raw,
            f"starts with {raw[:12]!r}, not a three-digit reply code (RFC 5321 §4.2)",
        )
    digits, sep, body = match.groups()
    if len(digits) != 3 or not digits.isascii():
        raise ReplyError(number, raw, f"'{digits[:12]}' is not a three-digit reply code")
    if digits[0] not in "2345":
        raise ReplyError(
            number, raw,
            f"{digits} is not a reply code: the first digit must be 2, 3, 4 or 5 (RFC 5321 §4.2)",
        )
    if digits[1] not in "012345":
        raise ReplyError(
            number, raw,
            f"{digits} is not a reply code: the second digit must be 0 to 5 (RFC 5321 §4.2)",
        )
    if sep not in ("", " ", "-"):
        raise ReplyError(
            number, raw,
            f"after the code {digits} comes {sep!r}; expected a space, '-' or the end of the line",
        )
    return int(digits), sep, body
