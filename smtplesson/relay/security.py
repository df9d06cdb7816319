"""What ``MailNetwork(authentication=True)`` adds: the network as mailbox providers see it.

From the layout's ``"authentication"`` section (``smtplesson/relay/data/network.json``):

* every host its own loopback address, with A and PTR records; clients bind it as their source
  address, so a receiver sees who connects (SPF, iprev) and outside clients such as
  ``spoofer.example`` have addresses of their own;
* SPF, DMARC and DKIM key records in the stub zone (the keys from ``dkim_keys.json``);
* DKIM signatures at the outbound relay, RSA and Ed25519 (RFC 8463 §5: sign with both);
* STARTTLS on every server, required at the MSA before AUTH, and the relay's TLS level
  (:mod:`.tls_policy`); the receivers' provider rules (:mod:`.requirements`);
* a mailing list that adds a footer, resends from its own address and ARC-seals (RFC 8617).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..addresses import normalise_address
from .authentication import (
    SigningKey,
    arc_seal,
    authenticate,
    author_domain,
    dkim_sign,
    relaxed_aligned,
    signing_keys,
)
from .layout import Host
from .tls_policy import LEVELS

if TYPE_CHECKING:  # pragma: no cover
    from .zone import Zone

__all__ = ["Security"]


class Security:
    """The authentication layer of one network: addresses, records, keys, signing, forwarding.

    ``tls_level``: how the relay uses STARTTLS with an MX (``"may"``, ``"encrypt"``,
    ``"verify"``, ``"none"``); ``certificates``: ``{host: False | "expired" | "wrong-name"}``
    takes a server's STARTTLS away or gives it a bad certificate.
    """

    def __init__(self, spec: Mapping[str, Any], *, tls_level: str = "may",
                 certificates: Mapping[str, bool | str] | None = None) -> None:
        if tls_level not in LEVELS:
            raise ValueError(f"tls_level must be one of {', '.join(LEVELS)} (got {tls_level!r})")
        self.tls_level = tls_level
        self.addresses: dict[str, str] = {k.lower(): v for k, v in spec.get("addresses", {}).items()}
        self.outsiders: dict[str, str] = {k.lower(): v for k, v in spec.get("outsiders", {}).items()}
        self.receivers: dict[str, str] = {k.lower(): v for k, v in spec.get("receivers", {}).items()}
        self.trusted_sealers: list[str] = list(spec.get("trusted_arc_sealers", []))
        self.signing: dict[str, dict[str, Any]] = {k.lower(): v for k, v in spec.get("signing", {}).items()}
        self.lists: dict[str, dict[str, Any]] = {
            normalise_address(k): dict(v) for k, v in spec.get("lists", {}).items()}
        self.certificates = {k.lower(): v for k, v in (certificates or {}).items()}
        self.keys = {(k.domain, k.selector): k for k in signing_keys()}
        self._clients: set[str] = set()  # the mail clients' names (see place)
        self._spec = spec

    def extra_hosts(self) -> list[Host]:
        return [Host.from_spec(h) for h in self._spec.get("hosts", [])]

    def place(self, hosts: list[Host]) -> None:
        """Give each host its address (and learn which are mail clients)."""
        self._clients = {h.name for h in hosts if h.role == "MUA"}
        for h in hosts:
            h.address = self.addresses.get(h.name, h.address)

    def publish(self, zone: Zone, hosts: list[Host]) -> None:
        """A and PTR for every host and outsider, the MX rows, SPF, DMARC and the DKIM keys."""
        for h in hosts:
            zone.set_address(h.name, h.address)
        for name, address in self.outsiders.items():
            zone.set_address(name, address)
        for domain, rows in self._spec.get("mx", {}).items():
            zone.set_mx(domain, rows)
        for domain, record in self._spec.get("spf", {}).items():
            zone.set_spf(domain, record)
        for domain, record in self._spec.get("dmarc", {}).items():
            zone.set_dmarc(domain, record)
        for key in self.keys.values():
            key.publish(zone)

    # ------------------------------------------------------------------ per host
    def tls(self, h: Host) -> tuple[bool, str]:
        """(offers STARTTLS, certificate) for a host's server."""
        setting = self.certificates.get(h.name, "valid")
        if setting is False:
            return False, "valid"
        return True, "valid" if setting is True else str(setting)

    def source(self, name: str) -> str | None:
        """The address a client named ``name`` connects from (a host or an outsider)."""
        return self.addresses.get(name.lower()) or self.outsiders.get(name.lower())

    def session_options(self, client: str, server: Host) -> dict[str, Any]:
        """How ``client`` connects to ``server``: addresses, and STARTTLS as its role says
        (a mail client verifies its MSA; the relay follows ``tls_level``)."""
        from ..server.tls import local_ca

        tls = "verify" if client.lower() in self._clients else self.tls_level
        return dict(address=server.address, source=self.source(client), tls=tls, ca_path=local_ca().ca_path)

    def dkim_keys(self, h: Host) -> list[SigningKey]:
        selectors = self.signing.get(h.name, {}).get("dkim", [])
        return [k for (domain, selector), k in self.keys.items()
                if selector in selectors and relaxed_aligned(domain, h.domain)]

    def sign(self, h: Host, data: bytes, now: float) -> bytes:
        """DKIM-sign what a signing host sends on, when the From domain is its own (aligned);
        ``now``: the simulated time, the signature's ``t=``."""
        keys = self.dkim_keys(h)
        author = author_domain(data)
        for key in keys:
            if relaxed_aligned(author, key.domain):
                data = dkim_sign(data, key, timestamp=int(now))
        return data

    # ------------------------------------------------------------------ the mailing list
    def members(self, address: str) -> list[str] | None:
        found = self.lists.get(normalise_address(address))
        return None if found is None else list(found["members"])

    def forward(self, zone: Zone, h: Host, data: bytes, list_address: str, *, ip: str,
                mail_from: str, helo: str, now: float) -> bytes:
        """What the list sends on: its own Authentication-Results of what it received, the
        footer (the body changes: DKIM breaks), and its ARC set when sealing is on."""
        settings = self.lists[normalise_address(list_address)]
        seen = authenticate(zone, data, ip=ip, mail_from=mail_from, helo=helo, authserv_id=h.name)
        footer = settings.get("footer", "").replace("\r\n", "\n").replace("\n", "\r\n").encode()
        body = data if data.endswith(b"\r\n") else data + b"\r\n"
        changed = seen.header_bytes() + body + footer
        selector = self.signing.get(h.name, {}).get("arc")
        if not settings.get("arc", True) or not selector:
            return changed
        key = next(k for (d, s), k in self.keys.items() if s == selector)
        return arc_seal(changed, key, h.name, timestamp=int(now))

