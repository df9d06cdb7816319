"""Named scenarios: small servers that answer each code for the reason a real one does.

A scenario is a class with hooks in the style of aiosmtpd handlers.  Each hook gets
the session (``session.peer``, ``session.authenticated``, ``session.number``), the
envelope (``mail_from``, ``rcpt_tos``, ``content`` at END-OF-DATA) and the command's
argument, and returns a reply string -- or None for the server's default behaviour::

    class NoBob(Scenario):
        "550 5.1.1 for bob: a real server checks its user table at RCPT."
        def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
            if address.lower() == "bob@example.net":
                return "550 5.1.1 <bob@example.net>: User unknown"

Hooks, one per point: handle_CONNECT(session) (the greeting), handle_EHLO / handle_HELO
(hostname), handle_MAIL (address, options), handle_RCPT (address), handle_DATA (the DATA
command, before 354), handle_END_OF_DATA (after the final "."), handle_RSET,
handle_VRFY (address), handle_EXPN (arg), handle_HELP (arg), handle_NOOP (arg),
handle_QUIT, handle_AUTH (mechanism), handle_STARTTLS, handle_ETRN (arg), handle_ATRN (arg).
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ...addresses import domain_of
from ..rules import POINTS

if TYPE_CHECKING:
    from ..debug import StoredMessage

__all__ = ["Envelope", "Scenario", "ScenarioHost", "Session"]


class Session(Protocol):
    """What a hook may read of the session (aiosmtpd's ``Session`` plus our ``number``)."""

    peer: Any  # (ip, port) of the client
    host_name: str | None  # the name the client gave in EHLO/HELO
    authenticated: bool | None
    auth_data: Any
    number: int  # 1-based connection number on this server


class Envelope(Protocol):
    """What a hook may read of the envelope (aiosmtpd's ``Envelope``)."""

    mail_from: str | None
    rcpt_tos: list[str]
    original_content: bytes | None  # the message, at END-OF-DATA


class ScenarioHost(Protocol):
    """What a scenario may read of the server it runs in (:class:`~..debug.DebugServer`)."""

    clock: Callable[[], float]  # seconds; simulated in lessons
    hostname: str  # the name the server greets with
    domains: tuple[str, ...]  # the domains it receives mail for

    @property
    def messages(self) -> Sequence[StoredMessage]: ...  # kept, most recent limits.messages

    @property
    def connections(self) -> int: ...  # sessions opened so far, kept or forgotten

    @property
    def received(self) -> int: ...  # messages kept so far, including those forgotten since


class Scenario:
    """The default server: accepts every well-formed message and keeps it.

    Shows the everyday codes: 220 greeting, 250 for EHLO, MAIL, RCPT and the message,
    354 after DATA, 221 after QUIT.
    """

    name = "default"
    codes: tuple[int, ...] = (220, 250, 354, 221)
    #: extra EHLO keywords this server advertises
    extensions: tuple[str, ...] = ()
    #: MAIL/RCPT parameters (beyond SIZE, BODY, SMTPUTF8) this server recognises
    parameters: frozenset[str] = frozenset()
    #: message size limit (SIZE) this scenario imposes, or None for the server's
    max_size: int | None = None
    #: whether AUTH is offered, and whether it needs TLS first (538 without)
    offers_auth = False
    require_tls = False

    def attach(self, server: ScenarioHost) -> None:
        """Called once by DebugServer: gives access to ``domains``, ``clock``, ``messages``.

        Held weakly, so a server nobody references can be collected (and stop itself).
        """
        self._server = weakref.ref(server)

    @property
    def server(self) -> ScenarioHost | None:
        """The DebugServer this scenario runs in, or None."""
        ref = getattr(self, "_server", None)
        return ref() if ref is not None else None

    def hooks(self) -> dict[str, Callable[..., str | None]]:
        """The hooks this scenario defines, by point (found by name, as aiosmtpd finds a
        handler's ``handle_*`` methods); every other point keeps the default behaviour."""
        found: dict[str, Callable[..., str | None]] = {}
        for name in dir(type(self)):
            if not name.startswith("handle_"):
                continue
            point = name[len("handle_"):].replace("_", "-")
            if point not in POINTS:
                raise TypeError(f"{type(self).__name__}.{name}: no such point; hooks are "
                                + ", ".join("handle_" + p.replace("-", "_") for p in POINTS))
            method = getattr(self, name)
            if point == "CONNECT":
                found[point] = lambda session, envelope, _m=method: _m(session)
            else:
                found[point] = method
        return found

    def smtp_options(self) -> dict[str, Any]:
        """Extra keyword arguments for aiosmtpd's SMTP class."""
        return {}

    def reset(self) -> None:
        """Forget state (greylist, counters...)."""

    def message_stored(self, stored: Any) -> None:
        """Called after a message was kept (answered 2xx)."""

    #: whether :meth:`examine` does anything (the server then runs it off its event loop)
    examines = False

    def examine(self, session: Any, envelope: Any) -> None:
        """Slow work on a received message (verifying signatures, say), run in a worker
        thread once its content is in and before END-OF-DATA is decided, so the server's
        other sessions go on meanwhile; what it finds can wait on the ``envelope``."""

    def authenticate(self, session: Any, mechanism: str, login: str, password: str) -> str | None:
        """None if the credentials are good, else the reply (e.g. 535)."""
        return "535 5.7.8 Authentication credentials invalid"

    # --- helpers for hooks -----------------------------------------------------
    def now(self) -> float:
        """The server's clock (simulated in lessons)."""
        server = self.server
        return server.clock() if server is not None else 0.0

    def is_local(self, address: str) -> bool:
        """True if the address's domain is one this server receives mail for."""
        server = self.server
        return domain_of(address) in (server.domains if server is not None else ("example.net",))

    @property
    def hostname(self) -> str:
        server = self.server
        return server.hostname if server is not None else "mx.example.net"

    def kept(self) -> Sequence[StoredMessage]:
        """The messages the server kept so far (none before it is attached)."""
        server = self.server
        return server.messages if server is not None else ()

    def describe(self) -> str:
        """The first paragraph of the docstring."""
        return (type(self).__doc__ or "").strip().split("\n\n")[0]

    def __repr__(self) -> str:
        return f"<Scenario {self.name!r}: codes {', '.join(map(str, self.codes))}>"
