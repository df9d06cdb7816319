"""Mail addresses as the servers and the relay compare them: one home for three small helpers.

A base module (pure stdlib, imports nothing of the package): ``server/`` and ``relay/`` both
compare addresses case-insensitively (RFC 5321 §2.4: domains are case-insensitive; local parts
are compared case-insensitively here, as every mailbox provider the course shows does).
"""
from __future__ import annotations

from typing import Any

__all__ = ["client_ip", "domain_of", "normalise_address"]


def normalise_address(address: str) -> str:
    """``" <Bob@Example.NET>"`` -> ``"bob@example.net"`` (how rules and mailboxes compare addresses)."""
    return address.strip().strip("<>").lower()


def domain_of(address: str) -> str:
    """``"Bob@Example.NET"`` -> ``"example.net"`` ("" for an address without a domain, such as <>)."""
    return normalise_address(address).rpartition("@")[2]


def client_ip(session: Any) -> str:
    """The address the client connects from (aiosmtpd's ``session.peer``), "" when unknown."""
    peer = getattr(session, "peer", None)
    return str(peer[0]) if isinstance(peer, tuple) else str(peer or "")
