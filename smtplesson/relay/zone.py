"""The stub DNS of the mail network: the only resolver anything in smtplesson asks.

MX records are read as a sender reads them (:meth:`Zone.lookup`): lower preference first
(RFC 5321 §5.1); a single record ``0 .`` is a null MX (RFC 7505): the domain accepts no mail and
a sender bounces at once with ``556 5.1.10``.  The network's MX rows come from
``smtplesson/relay/data/network.json`` (key ``"mx"``: ``[preference, exchange]`` pairs).

MX, A, PTR and TXT records (SPF at the domain, DKIM keys at ``selector._domainkey``, DMARC at
``_dmarc``) and DNS blocklist zones (RFC 5782) live in one :class:`dns.zone.Zone` of dnspython,
which parses and prints every record; nothing is ever sent to a real name server.  A learner
changes a record in one line and sends again::

    net.dns.set_txt("example.com", "v=spf1 ip4:127.0.0.10 -all")
    net.dns.list_ip("127.0.0.66")                 # on the blocklist
    print(net.dns)                                # the zone, in zone-file form

The libraries that evaluate authentication take their answers from here: pyspf through
:meth:`Zone.spf_answers`, dkimpy and authheaders through :meth:`Zone.txt_record`.
"""
from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.reversename
import dns.zone

__all__ = ["DNSBL", "NO_DOMAIN_REPLY", "NULL_MX_REPLY", "MXRecord", "MXResult", "Zone"]

#: the blocklist zone the network's receivers query (a stand-in for zen.spamhaus.org)
DNSBL = "dnsbl.example"
#: RFC 5782 §2.1: a listed address answers A 127.0.0.2 (and a TXT saying why)
LISTED = "127.0.0.2"
TTL = 3600
_TXT_CHUNK = 255  # RFC 1035 §3.3.14: a TXT character-string holds at most 255 bytes


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


def _name(name: str | dns.name.Name) -> dns.name.Name:
    """``"Example.COM"`` → the absolute name ``example.com.`` (names are absolute here)."""
    if isinstance(name, dns.name.Name):
        return name if name.is_absolute() else name.concatenate(dns.name.root)
    return _absolute(name.decode() if isinstance(name, bytes) else str(name))


@functools.lru_cache(maxsize=4096)
def _absolute(text: str) -> dns.name.Name:
    """Parsed once per spelling: each message asks for the same few names (Names are immutable)."""
    return dns.name.from_text(text.lower().rstrip(".") + ".")


def _txt(text: str) -> dns.rdata.Rdata:
    """One TXT record holding ``text``, split into 255-byte strings as DNS requires."""
    data = text.encode("utf-8")
    chunks = [data[i:i + _TXT_CHUNK] for i in range(0, len(data), _TXT_CHUNK)] or [b""]
    return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, chunks)


@functools.lru_cache(maxsize=4096)
def reverse_name(address: str, zone: str | None = None) -> dns.name.Name:
    """``127.0.0.66`` → ``66.0.0.127.in-addr.arpa.``, or under a blocklist zone (RFC 5782 §2.1)."""
    if zone is None:
        return dns.reversename.from_address(address)
    ip = ipaddress.ip_address(address)
    labels = ip.reverse_pointer.split(".")[: 4 if ip.version == 4 else 32]
    return _name(".".join(labels) + "." + zone)


class Zone:
    """Stub DNS records, read and written through dnspython's record types.

    ``records``: ``{name: {type: [value, ...]}}`` in zone-file syntax (``"10 mx.example.com."``),
    TXT values as plain text.  Names are case-insensitive and absolute.
    """

    def __init__(self, records: Mapping[str, Mapping[str, Sequence[str]]] | None = None) -> None:
        self._zone = dns.zone.Zone(dns.name.root, relativize=False)
        self.queries = 0  # how many questions were answered (all of them from here)
        for name, by_type in (records or {}).items():
            for rdtype, values in by_type.items():
                self.set(name, rdtype, *values)

    # ------------------------------------------------------------------ writing
    def set(self, name: str, rdtype: str, *values: str) -> None:
        """Replace the ``rdtype`` records at ``name`` (none given: delete them).

        Values are in zone-file syntax (``set("example.net", "MX", "10 mx1.example.net.")``),
        except TXT, which takes the text itself.
        """
        owner = _name(name)
        kind = dns.rdatatype.from_text(rdtype.upper())
        if not values:
            self._zone.delete_rdataset(owner, kind)
            return
        rdataset = dns.rdataset.Rdataset(dns.rdataclass.IN, kind, ttl=TTL)
        for value in values:
            rdataset.add(_txt(value) if kind == dns.rdatatype.TXT
                         else dns.rdata.from_text(dns.rdataclass.IN, kind, value, origin=dns.name.root,
                                                 relativize=False))
        self._zone.replace_rdataset(owner, rdataset)

    def remove(self, name: str, rdtype: str | None = None) -> None:
        """Delete one type of record at ``name``, or every record there."""
        owner = _name(name)
        if rdtype is not None:
            self._zone.delete_rdataset(owner, dns.rdatatype.from_text(rdtype.upper()))
        elif owner in self._zone.nodes:
            self._zone.delete_node(owner)

    def set_txt(self, name: str, *texts: str) -> None:
        """Publish TXT records (replacing those at ``name``): SPF, a DKIM key, a DMARC policy."""
        self.set(name, "TXT", *texts)

    def set_spf(self, domain: str, record: str | None) -> None:
        """The domain's SPF record (RFC 7208 §3), e.g. ``"v=spf1 ip4:127.0.0.10 -all"``; None: none."""
        self._replace_txt(domain, "v=spf1", record)

    def set_dmarc(self, domain: str, record: str | None) -> None:
        """The domain's DMARC policy at ``_dmarc.<domain>`` (RFC 9989 §4.7); None: none."""
        self.set_txt(f"_dmarc.{domain}", *([record] if record else []))

    def set_dkim_key(self, domain: str, selector: str, record: str | None) -> None:
        """A DKIM public key at ``<selector>._domainkey.<domain>`` (RFC 6376 §3.6.2.1)."""
        self.set_txt(f"{selector}._domainkey.{domain}", *([record] if record else []))

    def set_address(self, name: str, address: str | None, *, ptr: bool = True) -> None:
        """An A record for ``name`` and (``ptr``) the matching PTR record: forward and reverse."""
        old = self.addresses(name)
        self.set(name, "A", *([address] if address else []))
        if ptr:
            for ip in old:
                if self.ptr(ip) == [str(_name(name)).rstrip(".")]:
                    self.set_ptr(ip, None)
            if address:
                self.set_ptr(address, name)

    def set_ptr(self, address: str, name: str | None) -> None:
        """The reverse record of ``address`` (RFC 1035 §3.5); None removes it."""
        owner = reverse_name(address)
        self.set(str(owner), "PTR", *([str(_name(name))] if name else []))

    def list_ip(self, address: str, reason: str | None = None, zone: str = DNSBL) -> None:
        """Put ``address`` on a DNS blocklist: A 127.0.0.2 and a TXT reason (RFC 5782 §2.1)."""
        owner = str(reverse_name(address, zone))
        self.set(owner, "A", LISTED)
        self.set_txt(owner, reason or f"{address} is listed on {zone}: it sent spam to our traps")

    def delist(self, address: str, zone: str = DNSBL) -> None:
        """Take ``address`` off the blocklist."""
        self.remove(str(reverse_name(address, zone)))

    def _replace_txt(self, name: str, prefix: str, record: str | None) -> None:
        """Swap the TXT record starting with ``prefix`` at ``name``, keeping the others."""
        keep = [t for t in self.txt(name) if not t.lower().startswith(prefix)]
        self.set_txt(name, *keep, *([record] if record else []))

    # ------------------------------------------------------------------ reading
    def query(self, name: str | bytes | dns.name.Name, rdtype: str) -> list[Any]:
        """The records of one type at one name (dnspython rdata objects); [] when none."""
        self.queries += 1
        try:
            owner = _name(name.decode() if isinstance(name, bytes) else name)
        except dns.exception.DNSException:
            return []
        found = self._zone.get_rdataset(owner, dns.rdatatype.from_text(rdtype.upper()))
        return list(found) if found is not None else []

    def txt(self, name: str) -> list[str]:
        """Each TXT record at ``name`` as one string (its character-strings joined)."""
        return [b"".join(r.strings).decode("utf-8", "replace") for r in self.query(name, "TXT")]

    def addresses(self, name: str) -> list[str]:
        """The A records of ``name``."""
        return [r.address for r in self.query(name, "A")]

    def ptr(self, address: str) -> list[str]:
        """The names the PTR records of ``address`` point to (without the final dot)."""
        return [r.target.to_text().rstrip(".") for r in self.query(reverse_name(address), "PTR")]

    def listed(self, address: str, zone: str = DNSBL) -> str | None:
        """The blocklist's reason when ``address`` is listed on ``zone``, else None."""
        owner = str(reverse_name(address, zone))
        if not self.query(owner, "A"):
            return None
        return next(iter(self.txt(owner)), f"listed on {zone}")

    def exists(self, name: str) -> bool:
        """Whether ``name`` exists: it, or a name below it, holds records (RFC 8020: otherwise
        the answer is NXDOMAIN); DMARC's ``np`` is for names that do not (RFC 9989 §3.2.13)."""
        owner = _name(name)
        return any(n == owner or n.is_subdomain(owner) for n in self._zone.nodes)

    def names(self, rdtype: str) -> list[str]:
        """Names that hold records of ``rdtype``, in the order they were first published."""
        kind = dns.rdatatype.from_text(rdtype.upper())
        return [owner.to_text() for owner, node in self._zone.nodes.items()
                if node.get_rdataset(dns.rdataclass.IN, kind) is not None]

    # ------------------------------------------------------------------ MX (RFC 5321 §5.1, RFC 7505)
    def set_mx(self, domain: str, rows: Iterable[Sequence[Any]]) -> None:
        """Publish (or replace) a domain's MX records: ``[(10, "mx1.example.net"), (20, "mx2.x")]``."""
        recs = [MXRecord(int(p), str(h).lower().rstrip(".") or ".") for p, h in rows]
        if any(r.exchange == "." for r in recs) and (len(recs) != 1 or recs[0].preference != 0):
            raise ValueError(f"{domain}: a null MX must be the only record, '0 .' (RFC 7505 §3)")
        self.set(domain, "MX", *(f"{r.preference} {r.exchange.rstrip('.')}." for r in recs))

    def records(self, domain: str) -> tuple[MXRecord, ...]:
        """The domain's MX records, most preferred first (equal preferences in published order)."""
        recs = [MXRecord(r.preference, r.exchange.to_text().rstrip(".") or ".")
                for r in self.query(domain, "MX")]
        return tuple(sorted(recs, key=lambda r: r.preference))

    def lookup(self, domain: str) -> MXResult:
        """The MX records of ``domain``, most preferred first, or the error to bounce with:
        ``net.dns.lookup("example.net").hosts``."""
        key = domain.lower().rstrip(".")
        recs = self.records(key)
        if not recs:
            return MXResult(key, (), NO_DOMAIN_REPLY)
        if any(r.is_null for r in recs):
            return MXResult(key, recs, NULL_MX_REPLY)
        return MXResult(key, recs)

    @property
    def domains(self) -> list[str]:
        """Domains with MX records, in the order they were published."""
        return [name.rstrip(".") for name in self.names("MX")]

    def _mx_text(self) -> str:
        lines = []
        for domain in self.domains:
            for r in self.records(domain):
                target = "." if r.is_null else r.exchange + "."
                lines.append(f"{domain + '.':<20} IN MX {r.preference:>3} {target}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ for the libraries
    def txt_record(self, name: str | bytes, timeout: float = 5) -> str | None:
        """The first TXT record at ``name``: the ``dnsfunc`` dkimpy and authheaders call."""
        text = name.decode() if isinstance(name, bytes) else name
        found = self.txt(text)
        return found[0] if found else None

    def spf_answers(self, name: str, qtype: str) -> list[Any]:
        """Answers in the shape pyspf's ``query.dns`` returns (TXT: tuples of bytes strings)."""
        qtype = qtype.upper()
        if qtype in ("TXT", "SPF"):
            return [tuple(r.strings) for r in self.query(name, "TXT")]
        if qtype == "A":
            return [r.address for r in self.query(name, "A")]
        if qtype == "MX":
            return [(r.preference, r.exchange.to_text().rstrip(".")) for r in self.query(name, "MX")]
        if qtype == "PTR":
            return [r.target.to_text().rstrip(".") for r in self.query(name, "PTR")]
        return []  # AAAA and the rest: this network is IPv4 loopback only

    # ------------------------------------------------------------------ printing
    def zone_text(self, rdtype: str | None = None) -> str:
        """The records in zone-file form, sorted by name; MX first in the MX table's layout."""
        if rdtype is not None and rdtype.upper() == "MX":
            return self._mx_text()
        kind = None if rdtype is None else dns.rdatatype.from_text(rdtype.upper())
        lines = []
        for owner in sorted(self._zone.nodes):
            for rdataset in self._zone.nodes[owner].rdatasets:
                if kind is not None and rdataset.rdtype != kind:
                    continue
                for rdata in rdataset:
                    lines.append(f"{owner.to_text():<30} IN {dns.rdatatype.to_text(rdataset.rdtype):<5} "
                                 f"{rdata.to_text()}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.zone_text()

    def __repr__(self) -> str:
        sets = sum(len(node.rdatasets) for node in self._zone.nodes.values())
        return f"<Zone {len(self._zone.nodes)} names, {sets} record sets>"
