"""Extensions: DSN parameters (RFC 3461), ETRN (RFC 1985) and ATRN (RFC 2645)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from ...addresses import domain_of
from .base import Envelope, Scenario, Session

__all__ = ["Etrn", "Odmr", "ParamsUnknown"]


class ParamsUnknown(Scenario):
    """555 5.5.4: MAIL FROM / RCPT TO parameters the server does not know.

    E.g. DSN's NOTIFY=SUCCESS sent to a server that does not advertise DSN (RFC 3461):
    the client should not have sent it.  With ``dsn_down=True`` the server advertises
    DSN but cannot honour it right now: 455 4.5.4 (RFC 5321 §4.2.3).
    """

    name = "params-unknown"
    codes = (555, 455)

    def __init__(self, dsn_down: bool = False) -> None:
        self.dsn_down = dsn_down
        if dsn_down:
            self.extensions = ("DSN",)
            self.parameters = frozenset({"NOTIFY", "ORCPT", "RET", "ENVID"})

    def _dsn(self, session) -> str | None:
        if self.dsn_down and getattr(session, "parameters", None):
            return ("455 4.5.4 Server unable to accommodate parameters: delivery status "
                    "notifications cannot be generated right now")
        return None

    def handle_MAIL(self, session: Session, envelope: Envelope,
                    address: str, options: list[str]) -> str | None:
        return self._dsn(session)

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        return self._dsn(session)


class Etrn(Scenario):
    """ETRN (RFC 1985): a backup MX holding mail for its clients' domains.

    253 n messages waiting and delivery started, 251 nothing waiting, 252 started for
    a subdomain pattern (``@example.org``), 458 the queue cannot be run now, 459 the node
    is not a client of this server.
    """

    name = "etrn"
    codes = (253, 251, 252, 458, 459)
    extensions = ("ETRN",)

    def __init__(self, clients: Iterable[str] = ("example.org", "example.com"),
                 waiting: Mapping[str, int] | None = None, queue_down: bool = False) -> None:
        self.clients = {c.lower() for c in clients}
        self.waiting = dict(waiting if waiting is not None else {"example.org": 2})
        self.queue_down = queue_down

    def handle_ETRN(self, session: Session, envelope: Envelope, arg: str) -> str | None:
        node = arg.strip()
        if not node:
            return "501 5.5.4 Syntax: ETRN <domain>"
        domain = node.lstrip("@#").lower()
        if self.queue_down:
            return f"458 4.3.0 Unable to queue messages for node {node}"
        if domain not in self.clients:
            return f"459 5.7.1 Node {node} not allowed: not a client of this server"
        count = self.waiting.get(domain, 0) + sum(
            1 for m in self.kept() if any(domain_of(r) == domain for r in m.rcpt_tos))
        if node.startswith("@"):
            return f"252 2.0.0 OK, pending messages for node {node} started"
        if count == 0:
            return f"251 2.0.0 OK, no messages waiting for node {node}"
        return f"253 2.0.0 OK, {count} pending messages for node {node} started"


class Odmr(Scenario):
    """ATRN (RFC 2645, On-Demand Mail Relay): an authenticated client asks for its mail.

    453 "You have no mail" when nothing waits; 530 without AUTH.  (The role reversal
    that follows when mail waits is not simulated.)
    """

    name = "odmr"
    codes = (453,)
    extensions = ("ATRN",)
    offers_auth = True

    def __init__(self, users: Mapping[str, str] | None = None,
                 domains: Mapping[str, Iterable[str]] | None = None) -> None:
        self.users = dict(users or {"alice": "wonderland"})
        self.owned = {u: tuple(d) for u, d in (domains or {"alice": ("example.org",)}).items()}

    def authenticate(self, session, mechanism, login, password):
        return None if self.users.get(login) == password else "535 5.7.8 Authentication credentials invalid"

    def handle_ATRN(self, session: Session, envelope: Envelope, arg: str) -> str | None:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        login = session.auth_data if isinstance(session.auth_data, str) else ""
        wanted = [d.strip().lower() for d in arg.split(",") if d.strip()] or list(self.owned.get(login, ()))
        if any(d not in self.owned.get(login, ()) for d in wanted):
            return "450 4.7.1 Access to the requested domain denied"
        waiting = [m for m in self.kept() if any(domain_of(r) in wanted for r in m.rcpt_tos)]
        if not waiting:
            return "453 4.3.0 You have no mail"
        return "502 5.5.1 Mail is waiting, but this debug server does not reverse roles"
