"""DMARC as RFC 9989 (May 2026) defines it: the DNS Tree Walk instead of a Public Suffix List.

RFC 9989 obsoletes RFC 7489 and RFC 9091.  What changed for a receiver, each in one place here:

* **Policy discovery** (§4.10.1): the record at ``_dmarc.<Author Domain>``, else the one the
  DNS Tree Walk (§4.10) finds for the Organizational Domain, else the Public Suffix Domain's;
  at most eight queries, however many labels the name has.
* **Organizational Domain** (§4.10.2): read from the records the walk finds (``psd=n``: this
  is one; ``psd=y``: the name one label below is; else the record with the fewest labels),
  not from a list of suffixes.  Relaxed alignment compares Organizational Domains.
* **Tags** (§4.7): ``np`` (policy for non-existent subdomains), ``psd``, ``t`` (testing: the
  policy applied is one level below the one published).  ``pct``, ``rf`` and ``ri`` are
  historic (§9.3, Table 5) and, like any unknown tag, ignored (§4.7: "unknown tags MUST be
  ignored").  A record without a valid ``p`` acts as ``p=none`` when it has a ``rua``,
  otherwise DMARC does not apply (§4.10.1).
* **SPF** (§4.4.2): only the MAIL FROM identity counts (RFC 7489 let the HELO identity stand in
  for a null reverse-path).

No maintained Python library did this walk for a receiver when this was written (December 2026:
``dmarc`` 1.2.1 still finds organizational domains with publicsuffix2; ``checkdmarc`` walks for
the policy record only, with its own resolver and cache, to check a domain's records); this is
the walk against the RFC's text.  The DNS is two plain functions, so a stub zone (or a test's
dict) answers every query.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "MAX_QUERIES",
    "DMARCResult",
    "Discovery",
    "Identifier",
    "PolicyRecord",
    "aligned",
    "discover",
    "evaluate",
    "organizational_domain",
    "parse_record",
    "walk",
]

#: §4.10: "Author Domains with more than eight labels do not result in more than eight DNS queries"
MAX_QUERIES = 8
#: tags RFC 9989 registers as active (§9.3, Table 5); "historic" ones (pct, rf, ri) are ignored
ACTIVE_TAGS = frozenset({"adkim", "aspf", "fo", "np", "p", "psd", "rua", "ruf", "sp", "t", "v"})
REMOVED_TAGS = frozenset({"pct", "rf", "ri"})
POLICIES = ("none", "quarantine", "reject")
#: t=y: "the policy applied to any failing messages will be one level below the specified policy" (§4.7)
_ONE_BELOW = {"reject": "quarantine", "quarantine": "none", "none": "none"}

#: the TXT records at a name (``_dmarc.example.com``), as text
TxtLookup = Callable[[str], list[str]]
#: whether a domain exists (RFC 8020: not NXDOMAIN), for ``np`` (§3.2.13)
Exists = Callable[[str], bool]


@dataclass(frozen=True)
class PolicyRecord:
    """One valid DMARC Policy Record, found at ``_dmarc.<domain>``."""

    domain: str
    text: str
    tags: dict[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()  # tags present but not processed (removed in RFC 9989, or unknown)

    def _policy(self, tag: str) -> str | None:
        value = self.tags.get(tag, "").lower()
        return value if value in POLICIES else None

    @property
    def p(self) -> str | None:
        """The ``p`` tag if valid (a record without one may still act as ``p=none``)."""
        return self._policy("p")

    @property
    def sp(self) -> str | None:
        return self._policy("sp")

    @property
    def np(self) -> str | None:
        return self._policy("np")

    @property
    def psd(self) -> str:
        """``y``, ``n`` or ``u`` (the default, §4.7)."""
        value = self.tags.get("psd", "u").lower()
        return value if value in ("y", "n", "u") else "u"

    @property
    def testing(self) -> bool:
        """``t=y``: the Domain Owner is testing its policy (§4.7; replaces ``pct=0``, Appendix A.6)."""
        return self.tags.get("t", "n").lower() == "y"

    def mode(self, tag: str) -> str:
        """``adkim`` / ``aspf``: ``r`` (relaxed, the default) or ``s`` (strict)."""
        return "s" if self.tags.get(tag, "r").lower() == "s" else "r"

    @property
    def rua(self) -> list[str]:
        """The aggregate report URIs (``!size`` suffixes are obsolete syntax, dropped, §4.8)."""
        uris = [u.strip().split("!")[0] for u in self.tags.get("rua", "").split(",")]
        return [u for u in uris if ":" in u]

    def __str__(self) -> str:
        return self.text


def parse_record(text: str, domain: str) -> PolicyRecord | None:
    """The record if ``text`` is a DMARC Policy Record (``v=DMARC1`` first, §4.7), else None.

    Tags outside the registry are kept in :attr:`PolicyRecord.ignored`, not processed."""
    parts = [p.strip() for p in text.split(";")]
    first, _, version = parts[0].partition("=")
    if first.strip() != "v" or version.strip() != "DMARC1":  # case sensitive (§4.8)
        return None
    tags: dict[str, str] = {}
    ignored: list[str] = []
    for part in parts[1:]:
        name, eq, value = part.partition("=")
        name = name.strip().lower()
        if not eq or not name:
            continue
        if name in ACTIVE_TAGS:
            tags.setdefault(name, value.strip())
        else:
            ignored.append(name)
    return PolicyRecord(domain.lower().rstrip("."), text, tags, tuple(ignored))


def _record_at(domain: str, txt: TxtLookup) -> PolicyRecord | None:
    """The one valid record at ``_dmarc.<domain>``: several are all discarded (§4.10 step 2)."""
    found = [r for r in (parse_record(t, domain) for t in txt(f"_dmarc.{domain}")) if r is not None]
    return found[0] if len(found) == 1 else None


def _targets(domain: str) -> list[str]:
    """The names a full walk from ``domain`` queries, in order (§4.10 steps 3, 4 and 7)."""
    labels = domain.lower().rstrip(".").split(".")
    names = [".".join(labels)]
    rest = labels[1:] if len(labels) < MAX_QUERIES else labels[-(MAX_QUERIES - 1):]
    while rest:
        names.append(".".join(rest))
        rest = rest[1:]
    return names


def walk(domain: str, txt: TxtLookup, *, include_start: bool = True) -> list[PolicyRecord]:
    """The DNS Tree Walk (§4.10): valid records from ``domain`` up, stopping after one with
    ``psd=y`` or ``psd=n``; ``include_start=False`` starts at the parent (§4.10.1)."""
    found: list[PolicyRecord] = []
    for target in _targets(domain)[0 if include_start else 1:]:
        record = _record_at(target, txt)
        if record is None:
            continue
        found.append(record)
        if record.psd in ("y", "n"):
            break
    return found


def _select(start: str, records: list[PolicyRecord]) -> str:
    """§4.10.2's selection, from the longest name to the shortest."""
    for record in records:
        if record.psd == "n":
            return record.domain
        if record.psd == "y" and record.domain != start:
            below = start[: -len(record.domain) - 1].rsplit(".", 1)[-1]
            return f"{below}.{record.domain}"
    if records:
        return min(records, key=lambda r: r.domain.count(".")).domain
    return start


def organizational_domain(domain: str, txt: TxtLookup) -> str:
    """The Organizational Domain of ``domain`` (§4.10.2); ``domain`` itself when the walk finds
    no record ("the initial target domain is the Organizational Domain")."""
    start = domain.lower().rstrip(".")
    return _select(start, walk(start, txt))


def aligned(identifier: str, author: str, mode: str, txt: TxtLookup) -> bool:
    """Identifier Alignment (§4.4): strict (``s``): the same name; relaxed (``r``): the same
    Organizational Domain.  Names compare case-insensitively (RFC 4343)."""
    a, b = identifier.lower().rstrip("."), author.lower().rstrip(".")
    if not a or not b:
        return False
    if a == b:
        return True
    return mode == "r" and organizational_domain(a, txt) == organizational_domain(b, txt)


@dataclass(frozen=True)
class Discovery:
    """What policy discovery found for one Author Domain (§4.10.1)."""

    author: str
    record: PolicyRecord | None  # None: DMARC does not apply
    org_domain: str
    policy: str  # the Domain Owner Assessment Policy for this domain ("" when none applies)
    tag: str  # where it came from: "p", "sp", "np" (or "p=none (no valid p, rua present)")
    queries: tuple[str, ...]  # the _dmarc names asked, in order


def discover(author: str, txt: TxtLookup, exists: Exists | None = None) -> Discovery:
    """Policy discovery for ``author`` (§4.10.1), with the names asked (at most eight)."""
    asked: list[str] = []

    def ask(name: str) -> list[str]:
        asked.append(name)
        return txt(name)

    author = author.lower().rstrip(".")
    own = _record_at(author, ask)
    records = [own] if own is not None else []
    if own is None or own.psd not in ("y", "n"):
        records += walk(author, ask, include_start=False)
    org = _select(author, records)
    record = own or next((r for r in records if r.domain == org), None) \
        or next((r for r in records if r.psd == "y"), None)
    if record is None:
        return Discovery(author, None, org, "", "", tuple(asked))
    policy, tag = _policy_of(record, author, exists)
    if policy is None:  # no valid p (or an invalid sp/np): p=none if rua is usable, else nothing
        if record.rua:
            return Discovery(author, record, org, "none", "p=none (no valid p, rua present)", tuple(asked))
        return Discovery(author, None, org, "", "", tuple(asked))
    return Discovery(author, record, org, policy, tag, tuple(asked))


def _policy_of(record: PolicyRecord, author: str, exists: Exists | None) -> tuple[str | None, str]:
    if record.p is None or any(t in record.tags and record._policy(t) is None for t in ("sp", "np")):
        return None, ""
    if record.domain == author:
        return record.p, "p"
    if exists is not None and not exists(author) and record.np:
        return record.np, "np"
    if record.sp:
        return record.sp, "sp"
    return record.p, "p"


@dataclass(frozen=True)
class Identifier:
    """An authenticated identifier: the SPF MAIL FROM domain or a DKIM ``d=`` that passed."""

    method: str  # "spf" | "dkim"
    domain: str
    result: str  # "pass", "fail", ...
    selector: str = ""


@dataclass(frozen=True)
class DMARCResult:
    """The DMARC verdict on one message (§5.3.5, §5.3.6)."""

    result: str  # "pass" | "fail" | "none" (no policy record) | "permerror"
    discovery: Discovery
    spf_aligned: bool = False
    dkim_aligned: bool = False
    applied: str = ""  # the policy to apply after t=y is taken into account ("policy.dmarc", RFC 9989 §9.1)

    @property
    def published(self) -> str:
        return self.discovery.policy

    @property
    def testing(self) -> bool:
        return bool(self.discovery.record and self.discovery.record.testing)

    @property
    def disposition(self) -> str:
        """What a receiver following the policy does: ``none``, ``quarantine`` or ``reject``."""
        return self.applied if self.result == "fail" else "none"


def evaluate(author: str, identifiers: list[Identifier], txt: TxtLookup,
             exists: Exists | None = None) -> DMARCResult:
    """Discover the policy of ``author`` and check the identifiers that passed for alignment."""
    found = discover(author, txt, exists)
    if found.record is None:
        return DMARCResult("none", found)
    record = found.record
    spf = any(i.method == "spf" and i.result == "pass" and aligned(i.domain, author, record.mode("aspf"), txt)
              for i in identifiers)
    dkim = any(i.method == "dkim" and i.result == "pass"
               and aligned(i.domain, author, record.mode("adkim"), txt) for i in identifiers)
    applied = _ONE_BELOW[found.policy] if record.testing else found.policy
    return DMARCResult("pass" if spf or dkim else "fail", found, spf, dkim, applied)
