"""MX look-ups in the stub DNS: the relay finds recipient domains' servers here, never in real DNS.

The records live in the network's :class:`~smtplesson.relay.zone.Zone` (loaded from
``smtplesson/relay/data/network.json``, key ``"mx"``: each domain maps to ``[preference, exchange]``
pairs).  Lower preference is tried first (RFC 5321 §5.1); a single record ``[0, "."]`` is a
null MX (RFC 7505): the domain accepts no mail, and a sender must not even try — it bounces at
once with ``556 5.1.10``.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .zone import Zone

__all__ = ["NO_DOMAIN_REPLY", "NULL_MX_REPLY", "MXRecord", "MXResult", "MXTable"]

NULL_MX_REPLY = "556 5.1.10 Recipient address has null MX (RFC 7505 §4): the domain accepts no mail"
NO_DOMAIN_REPLY = "550 5.1.2 Host or domain name not found (no MX record for the domain)"


@dataclass(frozen=True, order=True)
class MXRecord:
    """One MX record: ``preference`` (lower first) and the ``exchange`` host name."""

    preference: int
    exchange: str

    @property
    def is_null(self) -> bool:
        """True for the RFC 7505 null MX: preference 0 and exchange ``"."``."""
        return self.exchange == "." and self.preference == 0

    def __str__(self) -> str:
        return f"MX {self.preference} {self.exchange}"


@dataclass(frozen=True)
class MXResult:
    """The answer to one lookup: the hosts to try in order, or why there are none."""

    domain: str
    records: tuple[MXRecord, ...]
    error: str | None = None  # a reply to bounce with when there is nowhere to deliver

    @property
    def hosts(self) -> list[str]:
        """Exchange host names in the order a sender tries them."""
        return [r.exchange for r in self.records if not r.is_null]

    @property
    def null(self) -> bool:
        return any(r.is_null for r in self.records)


class MXTable:
    """The MX records of the stub DNS zone, as a sender reads them (case-insensitive, never the
    network): the records live in the :class:`~smtplesson.relay.zone.Zone`, this is their view."""

    def __init__(self, zone: Zone) -> None:
        self.zone = zone

    def set(self, domain: str, rows: Iterable[Sequence]) -> None:
        """Publish (or replace) a domain's MX records: ``[(10, "mx1.x"), (20, "mx2.x")]``."""
        recs = [MXRecord(int(p), str(h).lower().rstrip(".") or ".") for p, h in rows]
        if any(r.exchange == "." for r in recs) and (len(recs) != 1 or recs[0].preference != 0):
            raise ValueError(f"{domain}: a null MX must be the only record, '0 .' (RFC 7505 §3)")
        self.zone.set(domain, "MX", *(f"{r.preference} {r.exchange.rstrip('.')}." for r in recs))

    def records(self, domain: str) -> tuple[MXRecord, ...]:
        """The domain's MX records, most preferred first (equal preferences in published order)."""
        recs = [MXRecord(r.preference, r.exchange.to_text().rstrip(".") or ".")
                for r in self.zone.query(domain, "MX")]
        return tuple(sorted(recs, key=lambda r: r.preference))

    def lookup(self, domain: str) -> MXResult:
        """The MX records of ``domain``, most preferred first, or an error reply."""
        key = domain.lower().rstrip(".")
        recs = self.records(key)
        if not recs:
            return MXResult(key, (), NO_DOMAIN_REPLY)
        if any(r.is_null for r in recs):
            return MXResult(key, recs, NULL_MX_REPLY)
        return MXResult(key, recs)

    @property
    def domains(self) -> list[str]:
        return [name.rstrip(".") for name in self.zone.names("MX")]

    def zone_text(self) -> str:
        """The MX records in zone-file form: ``example.net.  IN MX 10 mx1.example.net.``"""
        lines = []
        for domain in self.domains:
            for r in self.records(domain):
                target = "." if r.is_null else r.exchange + "."
                lines.append(f"{domain + '.':<20} IN MX {r.preference:>3} {target}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return "MXTable(\n" + self.zone_text() + "\n)"
