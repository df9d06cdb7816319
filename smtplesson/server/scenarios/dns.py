"""DNS: hosts that say, in DNS or in their greeting, that they take no mail."""
from __future__ import annotations

from collections.abc import Iterable

from ...addresses import domain_of
from .base import Envelope, Scenario, Session

__all__ = ["NoMailHost", "NullMX"]


class NullMX(Scenario):
    """556 5.1.10 / 550 5.7.27: a domain that publishes a null MX (RFC 7505) takes no mail.

    A sending server that finds ``MX 0 .`` for the recipient's domain refuses at RCPT
    (556 5.1.10) instead of queueing a message that can never be delivered; a sender
    address in such a domain could never receive the bounce (550 5.7.27).  No DNS is
    looked up: ``null_mx`` lists the domains.
    """

    name = "null-mx"
    codes = (556, 550)

    def __init__(self, null_mx: Iterable[str] = ("nomail.example",)) -> None:
        self.null_mx = {d.lower() for d in null_mx}

    def handle_MAIL(self, session: Session, envelope: Envelope,
                    address: str, options: list[str]) -> str | None:
        if domain_of(address) in self.null_mx:
            return f"550 5.7.27 <{address}>: Sender address has null MX"
        return None

    def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
        if domain_of(address) in self.null_mx:
            return f"556 5.1.10 <{address}>: Recipient address has null MX"
        return None


class NoMailHost(Scenario):
    """521 5.3.2: this host does not accept mail at all (RFC 7504).

    It says so in its greeting and answers 521 to everything but QUIT -- e.g. a web
    server that a misconfigured MX points at.
    """

    name = "no-mail-host"
    codes = (521,)

    def handle_CONNECT(self, session: Session) -> str | None:
        return f"521 5.3.2 {self.hostname} does not accept mail"
