"""Commands: the protocol's own answers -- syntax, AUTH, VRFY, HELP and status."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from ...addresses import normalise_address
from .base import Envelope, Scenario, Session

__all__ = ["Auth", "Help", "Status", "Syntax", "Vrfy"]


class Syntax(Scenario):
    """500 501 502 503 504: genuinely bad commands, answered by the protocol engine itself.

    500 unknown command (``HELLO``), 501 bad arguments (``MAIL FROM bob``), 502 a command
    this server does not implement (``TURN``, ``EXPN``), 503 wrong order (``RCPT`` before
    ``MAIL``), 504 an unsupported parameter (``AUTH CRAM-MD5``).  AUTH is offered here so
    504 can be seen.
    """

    name = "syntax"
    codes = (500, 501, 502, 503, 504)
    offers_auth = True

    def __init__(self, users: Mapping[str, str] | None = None) -> None:
        self.users = dict(users or {"alice": "wonderland"})

    def authenticate(self, session, mechanism, login, password):
        return None if self.users.get(login) == password else "535 5.7.8 Authentication credentials invalid"


class Auth(Scenario):
    """AUTH (RFC 4954): 334 challenges, 235 success, 530 5.7.0 auth required,
    535 5.7.8 bad credentials, 534 5.7.9 mechanism too weak, 538 5.7.11 TLS needed first,
    454 4.7.0 authentication backend down, 432 4.7.12 password transition needed.

    A submission server (port 587) takes mail only from authenticated users.
    """

    name = "auth"
    codes = (334, 235, 530, 535, 534, 538, 454, 432)
    offers_auth = True

    def __init__(self, users: Mapping[str, str] | None = None, require_auth: bool = True,
                 require_tls: bool = False, weak: Iterable[str] = (),
                 transition: Iterable[str] = (), backend_down: bool = False) -> None:
        self.users = dict(users or {"alice": "wonderland"})
        self.require_auth = require_auth
        self.require_tls = require_tls
        self.weak = {m.upper() for m in weak}
        self.transition = set(transition)
        self.backend_down = backend_down

    def handle_MAIL(self, session: Session, envelope: Envelope,
                    address: str, options: list[str]) -> str | None:
        if self.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        return None

    def handle_AUTH(self, session: Session, envelope: Envelope, mechanism: str) -> str | None:
        if self.backend_down:
            return "454 4.7.0 Temporary authentication failure"
        if mechanism in self.weak:
            return "534 5.7.9 Authentication mechanism is too weak"
        return None

    def authenticate(self, session, mechanism, login, password):
        if self.users.get(login) != password:
            return "535 5.7.8 Authentication credentials invalid"
        if login in self.transition and mechanism != "PLAIN":
            return "432 4.7.12 A password transition is needed"
        return None


class Vrfy(Scenario):
    """252: VRFY neither confirms nor denies -- the usual answer today.

    RFC 5321 §3.5.3: VRFY can reveal who exists, so most servers answer 252 ("cannot
    verify, but will accept and try").  With ``reveal=True``: 250 for a user, 550 for
    none, 553 "User ambiguous" when several match (the RFC's own "VRFY Smith" example).
    """

    name = "vrfy"
    codes = (252, 250, 550, 553)

    def __init__(self, reveal: bool = False, users: Iterable[str] = (
            "alice@example.net", "john.smith@example.net", "mary.smith@example.net")) -> None:
        self.reveal = reveal
        self.users = tuple(users)

    def handle_VRFY(self, session: Session, envelope: Envelope, address: str) -> str | None:
        if not self.reveal:
            return None
        wanted = normalise_address(address)
        found = [u for u in self.users if normalise_address(u) == wanted] or [
            u for u in self.users if wanted and wanted in normalise_address(u).partition("@")[0]]
        if len(found) == 1:
            return f"250 2.1.5 <{found[0]}>"
        if found:
            return "553-5.1.4 User ambiguous; possibilities are\r\n" + "\r\n".join(
                f"553{'-' if i < len(found) - 1 else ' '}5.1.4 <{u}>" for i, u in enumerate(found))
        return f"550 5.1.1 <{address}>: User unknown"


class Help(Scenario):
    """214: HELP answers with help text for a human at a terminal (RFC 5321 §4.1.1.8)."""

    name = "help"
    codes = (214, 504)
    TOPICS: ClassVar[dict[str, list[str]]] = {
        "": ["This is a debug SMTP server for lessons; it keeps mail, never delivers it.",
             "Commands: EHLO HELO MAIL RCPT DATA RSET VRFY NOOP QUIT HELP",
             "Send HELP <command> for one command."],
        "MAIL": ["MAIL FROM:<address> [SIZE=n] starts a message (the envelope sender)."],
        "RCPT": ["RCPT TO:<address> adds a recipient; repeat for more."],
        "DATA": ["DATA, then the message, then a line with a single dot."],
    }

    def handle_HELP(self, session: Session, envelope: Envelope, arg: str) -> str | None:
        lines = self.TOPICS.get(arg.upper())
        if lines is None:
            return f"504 5.5.4 HELP topic not recognised: {arg}"
        return "\r\n".join(f"214{'-' if i < len(lines) - 1 else ' '}{text}" for i, text in enumerate(lines))


class Status(Scenario):
    """211: a system status reply, here to HELP without a topic (RFC 5321 §4.2.3).

    Rare in practice (most servers answer HELP with 214 or 502); some old ones report
    their state this way.  It counts every session and message since the server started,
    including those its ``limits`` no longer keep.
    """

    name = "status"
    codes = (211,)

    def handle_HELP(self, session: Session, envelope: Envelope, arg: str) -> str | None:
        if arg:
            return None
        # Counters only: nothing here waits for another session (this runs on the server's loop).
        server = self.server
        sessions, messages = (server.connections, server.received) if server is not None else (0, 0)
        return (f"211-{self.hostname} system status\r\n"
                f"211-sessions so far: {sessions}\r\n"
                f"211-messages kept: {messages}\r\n"
                "211 End of status")
