"""What ``MailNetwork(authentication=True)`` adds: the network as mailbox providers see it.

From the layout's ``"authentication"`` section (``smtplesson/relay/data/network.json``):

* every host its own loopback address, with A and PTR records; clients bind it as their source
  address, so a receiver sees who connects (SPF, iprev) and outside clients such as
  ``spoofer.example`` have addresses of their own;
* SPF, DMARC and DKIM key records in the stub zone (the keys from ``dkim_keys.json``);
* DKIM signatures at the outbound relay, RSA and Ed25519 (RFC 8463 §5: sign with both);
* STARTTLS on every server, required at the MSA before AUTH, and the relay's TLS level
  (:mod:`.tls_policy`); the receivers' provider rules (:mod:`.requirements`);
* intermediaries (:mod:`.forwarding`): a mailing list that rewrites the envelope, adds a footer,
  munges From: for p=reject authors and ARC-seals (RFC 8617); a forwarder with or without SRS.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..addresses import normalise_address
from . import srs
from .authentication import (
    SigningKey,
    arc_seal,
    authenticate,
    author_domain,
    dkim_sign,
    relaxed_aligned,
    signing_keys,
)
from .forwarding import MUNGED_POLICIES, Intermediary, bounce_address, munge_from
from .layout import Host
from .mta_sts import PolicyCache, PolicyHost, parse_policy
from .tls_policy import LEVELS
from .tls_reports import TLSReportLog
from .transport import TransportPolicies

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
        #: sender domains registered with Apple's Private Email Relay (the icloud persona)
        self.relay_registered: list[str] = [d.lower() for d in spec.get("private_relay_registered", [])]
        self.signing: dict[str, dict[str, Any]] = {k.lower(): v for k, v in spec.get("signing", {}).items()}
        self.lists: dict[str, Intermediary] = {
            normalise_address(k): Intermediary.from_spec(normalise_address(k), v)
            for k, v in spec.get("lists", {}).items() if not k.startswith("_")}
        self.srs_secret = str(spec.get("srs_secret", "smtplesson"))
        self._bounces = {bounce_address(a): a for a, item in self.lists.items() if item.kind == "list"}
        self.certificates = {k.lower(): v for k, v in (certificates or {}).items()}
        self.keys = {(k.domain, k.selector): k for k in signing_keys()}
        self.zone: Zone | None = None
        self.policy_host: PolicyHost | None = None
        self._clients: set[str] = set()  # the mail clients' names (see place)
        self._spec = spec

    def extra_hosts(self) -> list[Host]:
        return [Host.from_spec(h) for h in self._spec.get("hosts", [])]

    def extra_users(self) -> dict[str, dict[str, Any]]:
        """The mailboxes of the receiver personas' domains."""
        return {normalise_address(k): dict(v) for k, v in self._spec.get("users", {}).items()}

    def place(self, hosts: list[Host]) -> None:
        """Give each host its address (and learn which are mail clients)."""
        self._clients = {h.name for h in hosts if h.role == "MUA"}
        for h in hosts:
            h.address = self.addresses.get(h.name, h.address)

    def publish(self, zone: Zone, hosts: list[Host]) -> None:
        """A and PTR for every host and outsider, the MX rows, SPF, DMARC and the DKIM keys
        (the zone is then where this layer looks up Organizational Domains)."""
        self.zone = zone
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
        sts = self._spec.get("mta_sts", {})
        for domain, item in sts.get("policies", {}).items():
            zone.set_txt(f"_mta-sts.{domain}", f"v=STSv1; id={item['id']}")
            zone.set_address(f"mta-sts.{domain}", sts["address"], ptr=False)
        for domain, record in self._spec.get("tlsrpt", {}).items():
            if not domain.startswith("_"):
                zone.set_txt(f"_smtp._tls.{domain}", record)

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
        zone = self.zone
        return [k for (domain, selector), k in self.keys.items()
                if selector in selectors and zone is not None and relaxed_aligned(zone, domain, h.domain)]

    def sign(self, h: Host, data: bytes, now: float) -> bytes:
        """DKIM-sign what a signing host sends on, when the From domain is its own (aligned);
        ``now``: the simulated time, the signature's ``t=``."""
        keys = self.dkim_keys(h)
        author = author_domain(data)
        for key in keys:
            if self.zone is not None and relaxed_aligned(self.zone, author, key.domain):
                data = dkim_sign(data, key, timestamp=int(now))
        return data

    # ------------------------------------------------------------------ the mailing list
    def bounce_of(self, address: str) -> str | None:
        """The list whose bounce address ``address`` is (``team-bounces@...``), else None."""
        return self._bounces.get(normalise_address(address))

    @property
    def served(self) -> set[str]:
        """The addresses the list hosts accept: each list or forwarder, and each list's bounces."""
        return set(self.lists) | set(self._bounces)

    def members(self, address: str) -> list[str] | None:
        found = self.lists.get(normalise_address(address))
        return None if found is None else list(found.members)

    def resend(self, zone: Zone, h: Host, data: bytes, address: str, *, ip: str, mail_from: str,
               helo: str, now: float) -> tuple[str, bytes]:
        """What a list or forwarder (:mod:`.forwarding`) sends on: the envelope sender and the
        message.  A forwarder keeps the body (and the author's DKIM) and, with SRS, writes an
        SRS0 envelope; a list rewrites the envelope to its bounce address, adds the footer
        (DKIM breaks), munges From: for a p=reject or p=quarantine author, stamps its own
        Authentication-Results of what it received and ARC-seals when sealing is on."""
        item = self.lists[normalise_address(address)]
        if item.kind == "forwarder":
            sender = srs.forward(mail_from, h.domain, self.srs_secret, now) if item.srs else mail_from
            return sender, self._seal(h, data, zone, ip, mail_from, helo, now) if item.arc else data
        footer = item.footer.replace("\r\n", "\n").replace("\n", "\r\n").encode()
        body = data if data.endswith(b"\r\n") else data + b"\r\n"
        seen = authenticate(zone, data, ip=ip, mail_from=mail_from, helo=helo, authserv_id=h.name)
        changed = body + footer
        author_policy = seen.verdict.published if seen.verdict is not None else ""
        if item.munge and author_policy in MUNGED_POLICIES:
            changed = munge_from(changed, item.address, item.display_name)
        changed = seen.header_bytes() + changed
        selector = self.signing.get(h.name, {}).get("arc")
        if item.arc and selector:
            changed = arc_seal(changed, self._arc_key(selector), h.name, timestamp=int(now))
        return bounce_address(item.address), changed

    def _seal(self, h: Host, data: bytes, zone: Zone, ip: str, mail_from: str, helo: str,
              now: float) -> bytes:
        selector = self.signing.get(h.name, {}).get("arc")
        if not selector:
            return data
        seen = authenticate(zone, data, ip=ip, mail_from=mail_from, helo=helo, authserv_id=h.name)
        return arc_seal(seen.header_bytes() + data, self._arc_key(selector), h.name, timestamp=int(now))

    def _arc_key(self, selector: str) -> SigningKey:
        return next(k for (_d, s), k in self.keys.items() if s == selector)

    # ------------------------------------------------------------------ MTA-STS and TLS-RPT
    def start_policies(self, zone: Zone, clock: Callable[[], float],
                       reporter: str) -> TransportPolicies | None:
        """Serve the layout's MTA-STS policies over HTTPS on loopback and give the sending relay
        its policy cache and TLS-RPT log (None when the layout has no ``mta_sts``)."""
        sts = self._spec.get("mta_sts", {})
        if not sts.get("policies"):
            return None
        self.policy_host = PolicyHost({d: item["policy"] for d, item in sts["policies"].items()},
                                      address=sts["address"])
        cache = PolicyCache(zone.txt, lambda name: next(iter(zone.addresses(name)), None),
                            self.policy_host.port, clock)
        return TransportPolicies(cache, TLSReportLog(reporter, f"mailto:postmaster@{reporter}"), clock)

    def set_mta_sts(self, zone: Zone, domain: str, *, mode: str, mx: list[str], now: float,
                    max_age: int = 86_400) -> str:
        """Publish a new MTA-STS policy for ``domain`` (RFC 8461 §3.2) and a new ``id`` in its
        ``_mta-sts`` record, as a domain owner does; returns the policy text."""
        if self.policy_host is None:
            raise ValueError("this network serves no MTA-STS policies (no 'mta_sts' in its layout)")
        lines = ["version: STSv1", f"mode: {mode}", *(f"mx: {m}" for m in mx), f"max_age: {max_age}"]
        text = "\n".join(lines) + "\n"
        parse_policy(text)  # a bad mode or max_age is an error here, not a surprise later
        self.policy_host.policies[domain.lower()] = text
        zone.set_txt(f"_mta-sts.{domain}", f"v=STSv1; id={int(now)}")
        return text

    def close(self) -> None:
        """Stop the MTA-STS policy host."""
        if self.policy_host is not None:
            self.policy_host.close()
            self.policy_host = None

