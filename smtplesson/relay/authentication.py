"""Sender authentication with the maintained libraries, every answer from the stub DNS zone.

* SPF (RFC 7208): pyspf evaluates; its DNS questions go to :meth:`Zone.spf_answers`.
* DKIM (RFC 6376, RSA and Ed25519 of RFC 8463) and ARC (RFC 8617): dkimpy signs and verifies;
  key look-ups go to :meth:`Zone.txt_record`.
* DMARC (RFC 9989): :mod:`.dmarc` finds the policy and Organizational Domains with the DNS
  Tree Walk in the stub zone (no Public Suffix List); ``Authentication-Results`` (RFC 8601):
  authres writes it.
* iprev (RFC 8601 §3): a PTR record whose name resolves back to the address, read in the zone.

Nothing here evaluates a record by hand; this module only connects the libraries (and the
DMARC walk, which no maintained library did yet) to the zone and turns their answers into
result objects.
"""
from __future__ import annotations

import base64
import email.utils
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import authres
import authres.arc
import authres.dmarc
import dkim
import spf
from cryptography.hazmat.primitives import serialization

from .._data import load
from . import dkim_rsa
from .dmarc import DMARCResult, Identifier, aligned, evaluate

if TYPE_CHECKING:
    from .zone import Zone

__all__ = [
    "SIGNED_HEADERS",
    "Authentication",
    "SigningKey",
    "arc_seal",
    "authenticate",
    "author_domain",
    "check_arc",
    "check_dkim",
    "check_dmarc",
    "check_iprev",
    "check_spf",
    "dkim_sign",
    "relaxed_aligned",
    "signing_keys",
]

#: header fields the network signs (RFC 6376 §5.4.1's list, From first; MIME ones too; the
#: one-click unsubscribe fields, RFC 8058 §4, and Gmail's Feedback-ID when present)
SIGNED_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
                  "Content-Transfer-Encoding", "List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID")
#: the RSA keys the network uses are 2048 bits; dkimpy refuses keys under this many (RFC 8301 §3.2)
MIN_KEY_BITS = 1024
#: signatures verified per message, from the top down: OpenDKIM's MaximumSignaturesToVerify
#: default (opendkim.conf(5): "The default is three"); RFC 6376 §6.1: "A Verifier MAY limit the
#: number of signatures it tries, in order to avoid denial-of-service attacks"
MAX_SIGNATURES = 3
#: RFC 8617 §4.2.1: an ARC instance number lies between 1 and 50; a longer chain fails unverified
MAX_ARC_SETS = 50
#: a line that may start an ARC header field (dkimpy's ``ARC.ARC_HEADERS``): without one, dkimpy's
#: ARC verifier finds no set and says "none", so the message need not be parsed for it
_ARC_FIELD = re.compile(rb"(?:^|\n)arc-(?:seal|message-signature|authentication-results)[ \t]*:",
                        re.IGNORECASE)


@dataclass(frozen=True)
class SigningKey:
    """A DKIM/ARC signing key of a domain and the public record that goes with it."""

    domain: str
    selector: str
    algorithm: str  # "rsa-sha256" | "ed25519-sha256"
    private: str = field(repr=False)
    about: str = ""

    @cached_property
    def public_record(self) -> str:
        """The DKIM key record for ``<selector>._domainkey.<domain>`` (RFC 6376 §3.6.1)."""
        if self.algorithm == "ed25519-sha256":  # RFC 8463 §4: p= is the raw 32-byte public key
            import nacl.signing

            seed = base64.b64decode(self.private)
            raw = bytes(nacl.signing.SigningKey(seed).verify_key)
            return f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}"
        key = serialization.load_pem_private_key(self.private.encode(), password=None)
        der = key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"

    @property
    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def publish(self, zone: Zone) -> None:
        """Put the public key in the zone, where verifiers look for it."""
        zone.set_dkim_key(self.domain, self.selector, self.public_record)


@functools.cache
def _keys() -> tuple[SigningKey, ...]:
    return tuple(SigningKey(k["domain"], k["selector"], k["algorithm"], k["private"], k.get("about", ""))
                 for k in load("relay", "dkim_keys.json")["keys"])


def signing_keys() -> list[SigningKey]:
    """The network's fixed teaching keys (``smtplesson/relay/data/dkim_keys.json``), read once."""
    return list(_keys())


# ----------------------------------------------------------------------------- signing
class _DKIM(dkim.DKIM):
    """dkimpy's signer with ``t=`` from the caller's clock (dkimpy 1.1 always writes wall time).

    ``gen_header`` receives the tag list before anything is hashed; replacing ``t=`` in place
    there keeps the signature and dkimpy's ``signature_fields`` consistent."""

    timestamp: int | None = None

    def gen_header(self, fields: list[Any], *args: Any, **kwargs: Any) -> bytes:
        if self.timestamp is not None:
            for i, field in enumerate(fields):
                if field[0] == b"t":
                    fields[i] = (b"t", str(self.timestamp).encode("ascii"))
        header: bytes = super().gen_header(fields, *args, **kwargs)
        return header


def dkim_sign(message: bytes, key: SigningKey, headers: Sequence[str] = SIGNED_HEADERS,
              timestamp: int | None = None) -> bytes:
    """``message`` with a DKIM-Signature by ``key`` prepended (relaxed/relaxed, RFC 6376 §3.4);
    ``timestamp``: its ``t=`` (RFC 6376 §3.5; default: now on the wall clock, as dkimpy does)."""
    dkim_rsa.install()  # dkimpy's RSA signatures from OpenSSL: the same bytes, 25 times sooner
    present = _present_headers(message, headers)
    signer = _DKIM(message, minkey=MIN_KEY_BITS)
    signer.timestamp = timestamp
    signature = signer.sign(
        key.selector.encode(), key.domain.encode(), key.private.encode(),
        signature_algorithm=key.algorithm.encode(), canonicalize=(b"relaxed", b"relaxed"),
        include_headers=[h.encode() for h in present])
    return bytes(signature) + message


def arc_seal(message: bytes, key: SigningKey, authserv_id: str, timestamp: int | None = None) -> bytes:
    """``message`` with the next ARC set (ARC-Seal, ARC-Message-Signature,
    ARC-Authentication-Results) prepended; it must carry an Authentication-Results header
    from ``authserv_id`` (RFC 8617 §5.1).  ``timestamp``: the sets' ``t=`` (default: wall clock)."""
    dkim_rsa.install()
    headers = dkim.arc_sign(message, key.selector.encode(), key.domain.encode(), key.private.encode(),
                            authserv_id.encode(), include_headers=[
                                h.encode() for h in _present_headers(message, SIGNED_HEADERS)],
                            timestamp=timestamp)
    return b"".join(headers) + message


def _present_headers(message: bytes, names: Iterable[str]) -> list[str]:
    head = message.split(b"\r\n\r\n", 1)[0].lower()
    return [n for n in names if head.startswith(n.lower().encode() + b":")
            or b"\n" + n.lower().encode() + b":" in head]


# ----------------------------------------------------------------------------- checks
class _ZoneSPF(spf.query):
    """pyspf's evaluator, asking the stub zone instead of a name server."""

    zone: Zone

    def dns(self, name: str, qtype: str, cnames: Any = None, ignore_void: bool = False) -> list[Any]:
        result = self.zone.spf_answers(str(name).rstrip("."), qtype)
        if not result and not ignore_void:  # RFC 7208 §4.6.4: at most two void look-ups
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        return result


def check_spf(zone: Zone, ip: str, mail_from: str, helo: str) -> authres.SPFAuthenticationResult:
    """SPF for the MAIL FROM identity (the HELO name for a bounce's ``<>``, RFC 7208 §2.4)."""
    query = type("ZoneSPF", (_ZoneSPF,), {"zone": zone})(i=ip, s=mail_from or f"postmaster@{helo}", h=helo)
    result, _code, explanation = query.check()
    comment = _identity(mail_from, helo) + (f": {explanation}" if explanation else ": no SPF record")
    return authres.SPFAuthenticationResult(
        result=result, result_comment=comment,
        smtp_mailfrom=mail_from or None, smtp_helo=None if mail_from else helo)


def _identity(mail_from: str, helo: str) -> str:
    domain = mail_from.rpartition("@")[2] if mail_from else helo
    return f"domain of {domain}"


def check_dkim(zone: Zone, message: bytes,
               limit: int = MAX_SIGNATURES) -> list[authres.DKIMAuthenticationResult]:
    """One result per DKIM signature (RFC 8601 §2.7.1): pass, fail (the body or a signed header
    changed), permerror (no usable key or signature), or a single none when unsigned.

    Only the first ``limit`` signatures from the top are verified (as OpenDKIM does); the rest
    are one ``policy`` result that says how many were left alone."""
    dkim_rsa.install()  # RSA checks by OpenSSL, the same verdicts
    d = dkim.DKIM(message, minkey=MIN_KEY_BITS)  # parsed once, verified once per signature
    signatures = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    if not signatures:
        return [authres.DKIMAuthenticationResult(result="none", result_comment="message not signed")]
    results = [_verify_one(zone, d, i, value) for i, value in enumerate(signatures[:limit])]
    if len(signatures) > limit:
        results.append(authres.DKIMAuthenticationResult(
            result="policy", result_comment=f"{len(signatures) - limit} more signatures not verified: "
            f"this verifier checks at most {limit} (RFC 6376 §6.1)"))
    return results


def _verify_one(zone: Zone, d: dkim.DKIM, index: int, value: bytes) -> authres.DKIMAuthenticationResult:
    tags = dkim.util.parse_tag_value(b"".join(value.split()))
    text = {k.decode(): v.decode() for k, v in tags.items() if k in (b"d", b"s", b"a")}
    key_name = f"{text.get('s')}._domainkey.{text.get('d')}"
    if zone.txt_record(key_name) is None:  # RFC 6376 §6.1.2: no key record is a permanent error
        return authres.DKIMAuthenticationResult(result="permerror", result_comment=f"no key at {key_name}",
                                                header_d=text.get("d"), header_s=text.get("s"),
                                                header_a=text.get("a"))
    try:
        ok = d.verify(idx=index, dnsfunc=zone.txt_record)
        result = "pass" if ok else "fail"
        comment = "good signature" if ok else "signature did not verify: a signed header changed"
    except dkim.ValidationError as exc:  # e.g. "body hash mismatch": the body changed in transit
        result, comment = "fail", str(exc).split(" (")[0]
    except dkim.DKIMException as exc:  # an unusable key or signature
        result, comment = "permerror", str(exc)
    return authres.DKIMAuthenticationResult(result=result, result_comment=comment,
                                            header_d=text.get("d"), header_s=text.get("s"),
                                            header_a=text.get("a"))


def check_arc(zone: Zone, message: bytes) -> authres.arc.ARCAuthenticationResult:
    """The ARC chain (RFC 8617 §5.2): none, pass or fail, with the sealer and the first
    hop's authentication results as comment."""
    if not _ARC_FIELD.search(message):  # no ARC field at the start of any line: dkimpy finds no set
        return authres.arc.ARCAuthenticationResult(result="none", result_comment="no ARC sets")
    dkim_rsa.install()
    arc = dkim.ARC(message, minkey=MIN_KEY_BITS)
    sets, _ = arc.sorted_arc_headers()
    if sets > MAX_ARC_SETS:
        return authres.arc.ARCAuthenticationResult(
            result="fail",
            result_comment=f"{sets} ARC sets: more than the {MAX_ARC_SETS} RFC 8617 §4.2.1 allows")
    cv, results, reason = arc.verify(dnsfunc=zone.txt_record)
    verdict = (cv or b"fail").decode()
    if verdict == "none":
        return authres.arc.ARCAuthenticationResult(result="none", result_comment="no ARC sets")
    sealer = _arc_sealer(message)
    comment = reason
    if verdict == "pass":
        comment = f"i={len(results)} sealed by {sealer}, first hop: {_first_aar(message)}"
    return authres.arc.ARCAuthenticationResult(result=verdict, result_comment=comment,
                                               header_as_d=sealer or None)


def _arc_sealer(message: bytes) -> str:
    """The d= of the newest ARC-Seal."""
    best = (0, "")
    for name, value in dkim.DKIM(message).headers:
        if name.lower() == b"arc-seal":
            tags = dkim.util.parse_tag_value(value.replace(b"\r\n", b""))
            best = max(best, (int(tags.get(b"i", b"0")), tags.get(b"d", b"").decode()))
    return best[1]


def _first_aar(message: bytes) -> str:
    """The results the first sealer recorded (its ARC-Authentication-Results, i=1)."""
    for name, value in dkim.DKIM(message).headers:
        if name.lower() == b"arc-authentication-results":
            text = " ".join(value.decode("utf-8", "replace").split())
            instance, _, rest = text.partition(";")
            if instance.strip() == "i=1":
                results = rest.strip().partition(";")[2].split(";")
                return " ".join(r.split()[0] for r in results if r.strip())
    return "nothing"


def check_dmarc(zone: Zone, message: bytes, spf_result: authres.SPFAuthenticationResult,
                dkim_results: Sequence[authres.DKIMAuthenticationResult],
                ) -> authres.dmarc.DMARCAuthenticationResult:
    """DMARC for the From domain as RFC 9989 defines it (:mod:`.dmarc`): the policy record found
    by the DNS Tree Walk, alignment of the SPF (MAIL FROM only, §4.4.2) and DKIM identifiers that
    passed, and ``policy.dmarc`` the policy to apply (one level lower under ``t=y``, §9.1)."""
    return _dmarc_result(zone, message, spf_result, dkim_results)[0]


def _dmarc_result(zone: Zone, message: bytes, spf_result: authres.SPFAuthenticationResult,
                  dkim_results: Sequence[authres.DKIMAuthenticationResult],
                  ) -> tuple[authres.dmarc.DMARCAuthenticationResult, DMARCResult | None]:
    domain = author_domain(message)
    if not domain:
        refused = authres.dmarc.DMARCAuthenticationResult(result="permerror", result_comment="no From domain")
        return refused, None
    ids = [Identifier("dkim", str(r.header_d), r.result, str(getattr(r, "header_s", "") or ""))
           for r in dkim_results if getattr(r, "header_d", None)]
    if spf_result.smtp_mailfrom:
        ids.append(Identifier("spf", str(spf_result.smtp_mailfrom).rpartition("@")[2], spf_result.result))
    verdict = evaluate(domain, ids, zone.txt, zone.exists)
    if verdict.result == "none":
        return authres.dmarc.DMARCAuthenticationResult(result="none", result_comment="no DMARC record",
                                                       header_from=domain), verdict
    record = verdict.discovery.record
    assert record is not None
    aligned = [name for name, ok in (("spf", verdict.spf_aligned), ("dkim", verdict.dkim_aligned)) if ok]
    comment = (f"aligned: {' and '.join(aligned)}" if aligned else "neither SPF nor DKIM passed aligned "
               f"with {domain} (adkim={record.mode('adkim')} aspf={record.mode('aspf')})")
    if verdict.testing:
        comment += f"; t=y: {verdict.published} applied as {verdict.applied} (RFC 9989 §4.7)"
    return authres.dmarc.DMARCAuthenticationResult(result=verdict.result, result_comment=comment,
                                                   header_from=domain, policy=verdict.applied), verdict


def relaxed_aligned(zone: Zone, domain: str, other: str) -> bool:
    """Whether two domains share their Organizational Domain (RFC 9989 §4.10.2, the DNS Tree
    Walk in the stub zone): DMARC's relaxed alignment."""
    return aligned(domain, other, "r", zone.txt)


def author_domain(message: bytes) -> str:
    """The domain of the (first) From address: the Author Domain DMARC protects (RFC 9989 §5.3.1)."""
    head = message.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ").split("\r\n")
    froms = [line[5:] for line in unfolded if line.lower().startswith("from:")]
    address = email.utils.parseaddr(froms[0])[1] if froms else ""
    return address.rpartition("@")[2].lower()


def check_iprev(zone: Zone, ip: str) -> authres.IPRevAuthenticationResult:
    """iprev (RFC 8601 §3): pass when a PTR name of ``ip`` has an A record back to ``ip``
    (forward-confirmed reverse DNS), fail when none does, permerror when there is no PTR."""
    names = zone.ptr(ip)
    if not names:
        return authres.IPRevAuthenticationResult(result="permerror", result_comment=f"no PTR record for {ip}",
                                                 policy_iprev=ip)
    for name in names:
        if ip in zone.addresses(name):
            return authres.IPRevAuthenticationResult(result="pass", result_comment=name, policy_iprev=ip)
    return authres.IPRevAuthenticationResult(
        result="fail", result_comment=f"{names[0]} does not resolve to {ip}", policy_iprev=ip)


# ----------------------------------------------------------------------------- all at once
@dataclass(frozen=True)
class Authentication:
    """What a receiver found out about one message, and the header it stamps."""

    authserv_id: str
    iprev: authres.IPRevAuthenticationResult
    spf: authres.SPFAuthenticationResult
    dkim: tuple[authres.DKIMAuthenticationResult, ...]
    arc: authres.arc.ARCAuthenticationResult
    dmarc: authres.dmarc.DMARCAuthenticationResult
    verdict: DMARCResult | None = None  # the DMARC evaluation behind ``dmarc`` (policy discovery, alignment)
    source_ip: str = ""
    mail_from: str = ""

    @property
    def results(self) -> list[Any]:
        return [self.iprev, self.spf, *self.dkim, self.arc, self.dmarc]

    @property
    def header(self) -> str:
        """The ``Authentication-Results:`` field (RFC 8601 §2.2), one line."""
        return str(authres.AuthenticationResultsHeader(authserv_id=self.authserv_id, results=self.results))

    def header_bytes(self) -> bytes:
        """The field folded for the wire, each result on its own line."""
        lines = [self.authserv_id, *(str(r) for r in self.results)]
        return ("Authentication-Results: " + ";\r\n\t".join(lines) + "\r\n").encode("utf-8")

    @property
    def dmarc_policy(self) -> str:
        """The policy the From domain asks for (none, quarantine, reject), "" without DMARC."""
        return str(getattr(self.dmarc, "policy", "") or "")

    def verdicts(self) -> dict[str, str]:
        """``{"iprev": "pass", "spf": "fail", "dkim": "pass", ...}``: dkim passes if any signature does."""
        found = {r.method: r.result for r in self.results}
        found["dkim"] = self.dkim_result
        return found

    @property
    def dkim_result(self) -> str:
        results = [r.result for r in self.dkim]
        return "pass" if "pass" in results else results[0]

    def __str__(self) -> str:
        return self.header


def authenticate(zone: Zone, message: bytes, *, ip: str, mail_from: str, helo: str,
                 authserv_id: str, iprev: authres.IPRevAuthenticationResult | None = None,
                 ) -> Authentication:
    """Every check a receiver makes on one message, in the order RFC 9989 §5.3 describes
    (``iprev``: the result :func:`check_iprev` already gave for ``ip``, not asked again)."""
    spf_result = check_spf(zone, ip, mail_from, helo)
    dkim_results = check_dkim(zone, message)
    dmarc_result, verdict = _dmarc_result(zone, message, spf_result, dkim_results)
    return Authentication(authserv_id=authserv_id, iprev=iprev or check_iprev(zone, ip), spf=spf_result,
                          dkim=tuple(dkim_results), arc=check_arc(zone, message), dmarc=dmarc_result,
                          verdict=verdict, source_ip=ip, mail_from=mail_from)
