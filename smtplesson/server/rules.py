"""Declarative reply rules: "answer this, at that point, for them, on the nth try".

>>> Rule("RCPT", "550 5.1.1 No such user", to="bob@example.net")
Rule('RCPT', '550 5.1.1 No such user', to='bob@example.net')
>>> greylist = Rule("MAIL", "451 4.3.0 Try later", attempt=1)
>>> greylist.decide("MAIL", sender="bob@example.org"), greylist.decide("MAIL", sender="bob@example.org")
('451 4.3.0 Try later', None)
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..addresses import normalise_address
from .transcript import visible

__all__ = ["POINTS", "Rule", "normalise_address", "normalise_reply"]

#: the points of a session where a rule (or a scenario hook) can answer
POINTS = (
    "CONNECT", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "END-OF-DATA", "RSET", "VRFY",
    "EXPN", "HELP", "NOOP", "QUIT", "AUTH", "STARTTLS", "ETRN", "ATRN",
)
_ALIASES = {"GREETING": "CONNECT", "EOD": "END-OF-DATA", "END_OF_DATA": "END-OF-DATA",
            "DOT": "END-OF-DATA", "MAIL FROM": "MAIL", "RCPT TO": "RCPT"}


def normalise_reply(reply: str | Iterable[str]) -> str:
    """A reply as aiosmtpd pushes it: lines joined by CRLF; checked with parse_reply.

    Accepts ``"550 5.1.1 No such user"``, ``"250-a\\n250 b"`` or ``["250-a", "250 b"]``;
    other control characters become visible escapes (``"550 5.1.1 <a\\rb>"``).
    Raises ValueError (smtplesson.reply.ReplyError) naming the bad line.
    """
    from ..codes.reply import parse_reply

    lines = reply.split("\n") if isinstance(reply, str) else [str(x) for x in reply]
    # only CRLF or LF end a line; any other control character (CR, VT, U+2028 ... in an
    # echoed argument) is shown as an escape, so the scenario's own reply still goes out
    lines = [visible(line.removesuffix("\r")) for line in lines if line.strip()]
    text = "\r\n".join(lines)
    parsed = parse_reply(text)
    if not 200 <= parsed.code <= 599:
        raise ValueError(f"{parsed.code} is not an SMTP reply code (200-599): {text!r}")
    return text


def _addresses(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    return frozenset(normalise_address(item) for item in items)


def _matches(address: str | None, wanted: frozenset[str] | None) -> bool:
    """Exact address (case-insensitive), or "@domain" for a whole domain."""
    if wanted is None:
        return True
    if address is None:
        return False
    address = normalise_address(address)
    return address in wanted or "@" + address.rpartition("@")[2] in wanted


@dataclass
class Rule:
    """Answer ``reply`` at ``point`` -- optionally only for some senders/recipients,
    on some attempts (the nth time this rule's point matches) or connections.

    ``point``: one of POINTS ("CONNECT" is the greeting, "END-OF-DATA" the reply after
    the message's final ".").  ``sender`` / ``to``: an address, "@domain", or several.
    ``attempt`` / ``connection``: 1-based numbers (an int or several).
    A 421 reply closes the connection, as RFC 5321 §3.8 says a server does.
    """

    point: str
    reply: str | list[str]
    sender: str | Iterable[str] | None = None
    to: str | Iterable[str] | None = None
    attempt: int | Iterable[int] | None = None
    connection: int | Iterable[int] | None = None
    hits: int = field(default=0, init=False, compare=False)

    def __post_init__(self) -> None:
        point = str(self.point).strip().upper()
        point = _ALIASES.get(point, point)
        if point not in POINTS:
            raise ValueError(f"unknown point {self.point!r}: use one of {', '.join(POINTS)}")
        self.point = point
        self.reply = normalise_reply(self.reply)
        self._senders = _addresses(self.sender)
        self._recipients = _addresses(self.to)
        self._attempts = _numbers(self.attempt, "attempt")
        self._connections = _numbers(self.connection, "connection")
        self._lock = threading.Lock()

    def decide(self, point: str, *, sender: str | None = None, recipients: Iterable[str] = (),
               connection: int = 0) -> str | None:
        """The reply if this rule applies here and now, else None (counts attempts)."""
        if point != self.point:
            return None
        if self._connections is not None and connection not in self._connections:
            return None
        if not _matches(sender, self._senders):
            return None
        if self._recipients is not None and not any(
            _matches(r, self._recipients) for r in recipients
        ):
            return None
        with self._lock:
            self.hits += 1
            nth = self.hits
        if self._attempts is not None and nth not in self._attempts:
            return None
        return self.reply  # type: ignore[return-value]

    def reset(self) -> None:
        """Forget the attempts counted so far."""
        self.hits = 0

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={value!r}"
            for name, value in (("sender", self.sender), ("to", self.to),
                                ("attempt", self.attempt), ("connection", self.connection))
            if value is not None
        )
        return f"Rule({self.point!r}, {self.reply!r}{extra})"


def _numbers(value: Any, name: str) -> frozenset[int] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, int) else list(value)
    if not items or not all(isinstance(i, int) and i >= 1 for i in items):
        raise ValueError(f"{name} must be a positive int or several (1 = the first), got {value!r}")
    return frozenset(items)
