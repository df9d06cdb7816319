"""Provider and MTA dialects: who answered, and what *they* mean by a reply.

``codes/data/providers.json`` is the one home of what the project knows about a receiver:
its markers and reply rules (read here, by :func:`smtplesson.explain`), the bounce formats
it writes (:class:`BounceFormat`, read by :mod:`smtplesson.bounces.providers`) and, where the
mail network plays it, its sender requirements (:class:`Requirements`, read by
:mod:`smtplesson.relay.requirements`).

Big providers reuse enhanced status codes with meanings of their own (Gmail's 5.7.27 is
"SPF did not pass", the registry's X.7.27 is RFC 7505's null MX), and every MTA has its
own wording.  ``codes/data/providers.json`` holds one rule per documented reply pattern, each
citing the public page it comes from.  :func:`match` recognises the receiving side from
markers in the text (``gsmtp``, ``[TSS04]``, ``AS(...)``, ``RESOLVER.ADR.*`` ...) and
returns the first rule that fits; the explainer lets it win over the registry meaning.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from .._data import load
from .phrases import PhraseIndex

__all__ = ["BOUNCE_ORDER", "PATTERNS", "PROVIDERS", "BounceFormat", "Provider", "ProviderRule",
           "Requirements", "identify", "match", "provider_from"]


@dataclass(frozen=True, eq=False)  # one object per rule: compared and hashed by identity
class ProviderRule:
    """One documented reply pattern of one provider or MTA."""

    provider: str  # the provider's id
    codes: frozenset[str]  # "550", "5.7.27" or class-free "X.7.27"; empty: any code
    text: str | None  # the regex the lower-cased text must contain, or None
    category: str
    meaning: str
    advice: str
    source: str
    bounce_type: str | None = None  # overrides the category's default when set
    alone: bool = False  # the text alone identifies the provider (no marker needed)
    since: str | None = None  # the date the source gives for this behaviour
    until: str | None = None  # the date it was superseded
    verified: str | None = None  # the date of the copy of the source checked; None: practice, unverified

    def fits(self, code: int | None, enhanced: str | None) -> bool:
        """True when the rule has no code condition or one of its codes is the reply's."""
        if not self.codes:
            return True
        if code is not None and str(code) in self.codes:
            return True
        return enhanced is not None and (enhanced in self.codes or "X" + enhanced[1:] in self.codes)


@dataclass(frozen=True)
class BounceFormat:
    """How a bounce the provider writes is recognised, and where its recipient list is."""

    name: str  # the Bounce.format it gives: "gmail", "microsoft365" ...
    signatures: tuple[tuple[str, str], ...]  # (where, lower-case needle): any one recognises it
    starts: tuple[str, ...] = ()  # lower-case markers before the recipient list
    stops: tuple[str, ...] = ()  # lower-case markers after it
    requires: str | None = None  # lower-case words the text must contain as well
    source: str = ""
    #: (lower-case marker, domain) where the bounce lists the provider's own users by name alone
    bare_names: tuple[str, str] | None = None


@dataclass(frozen=True)
class Requirements:
    """What the provider's MX checks on a sender, and its reply to each failed check."""

    profile: str  # the name SenderRequirements takes: "gmail", "yahoo"
    about: str
    sources: tuple[str, ...]
    replies: Mapping[str, str]  # check -> reply text, {ip}, {domain} ... filled in per message
    wording_of: Mapping[str, str]  # check -> the MTA whose words the reply uses (none documented)
    cites: Mapping[str, str] = field(default_factory=dict)  # check -> the page (dated) its reply follows
    limits: Mapping[str, Any] = field(default_factory=dict)  # the numbers the persona plays, with "source"


@dataclass(frozen=True, eq=False)
class Provider:
    """A receiving provider, a security gateway or an MTA, with its rules."""

    id: str
    name: str
    kind: str  # "provider", "gateway", "esp" or "mta"
    source: str  # the provider's main public page about its replies
    markers: tuple[str, ...]
    rules: tuple[ProviderRule, ...]
    bounce: tuple[BounceFormat, ...] = ()
    requirements: Requirements | None = None  # the first of ``profiles``
    profiles: tuple[Requirements, ...] = ()  # every persona the mail network plays of it
    own_codes: frozenset[str] = frozenset()  # enhanced codes only this provider writes: a marker


def _bounce_format(raw: Mapping[str, Any]) -> BounceFormat:
    names = raw.get("bare_names")
    return BounceFormat(raw["name"], tuple((where, needle) for where, needle in raw["signatures"]),
                        tuple(raw.get("starts", ())), tuple(raw.get("stops", ())), raw.get("requires"),
                        raw.get("source", ""),
                        (names["marker"], names["domain"]) if names else None)


def _requirements(raw: Mapping[str, Any]) -> Requirements:
    return Requirements(raw["profile"], raw["about"], tuple(raw["sources"]),
                        MappingProxyType(dict(raw["replies"])),
                        MappingProxyType(dict(raw.get("wording_of", {}))),
                        MappingProxyType(dict(raw.get("cites", {}))),
                        MappingProxyType(dict(raw.get("limits", {}))))


def _codes(written: Sequence[str]) -> frozenset[str]:
    """The codes of a rule, a range such as "5.7.606-649" standing for each code in it."""
    codes: set[str] = set()
    for code in written:
        head, dash, last = code.partition("-")
        if not dash:
            codes.add(code)
            continue
        prefix, _, first = head.rpartition(".")
        codes.update(f"{prefix}.{n}" for n in range(int(first), int(last) + 1))
    return frozenset(codes)


def provider_from(raw: Mapping[str, Any]) -> Provider:
    """A Provider from one entry of codes/data/providers.json (or of a user's rules file)."""
    rules = tuple(
        ProviderRule(
            provider=raw["id"], codes=_codes(rule.get("codes", ())), text=rule.get("text"),
            category=rule["category"], meaning=rule["meaning"], advice=rule["advice"],
            source=rule.get("source", raw["source"]), bounce_type=rule.get("bounce_type"),
            alone=bool(rule.get("alone", False)), since=rule.get("since"), until=rule.get("until"),
            verified=rule.get("verified"),
        )
        for rule in raw["rules"]
    )
    found = raw.get("requirements", ())
    profiles = tuple(_requirements(r) for r in ([found] if isinstance(found, Mapping) else found))
    return Provider(raw["id"], raw["name"], raw["kind"], raw["source"], tuple(raw["markers"]), rules,
                    tuple(_bounce_format(b) for b in raw.get("bounce", ())),
                    profiles[0] if profiles else None, profiles, _codes(raw.get("own_codes", ())))


_DATA = load("codes", "providers.json")
#: every provider and MTA, in the order their rules are tried
PROVIDERS: Mapping[str, Provider] = MappingProxyType(
    {raw["id"]: provider_from(raw) for raw in _DATA["providers"]})
_ORDER = {pid: n for n, pid in enumerate(PROVIDERS)}
#: the providers' bounce formats by name, in the order the bounce reader tries them
BOUNCE_ORDER: tuple[str, ...] = tuple(_DATA["bounce_order"])

# One phrase index over every marker and every rule text; entry n says what matched.
_ENTRIES: list[tuple[str, ProviderRule | None]] = []
_PATTERNS: list[str] = []
for _p in PROVIDERS.values():
    for _marker in _p.markers:
        _ENTRIES.append((_p.id, None))
        _PATTERNS.append(_marker)
    for _rule in _p.rules:
        if _rule.text is not None:
            _ENTRIES.append((_p.id, _rule))
            _PATTERNS.append(_rule.text)
#: every marker and rule text, in the order :func:`match`'s ``hits`` numbers them
PATTERNS: tuple[str, ...] = tuple(_PATTERNS)
_INDEX = PhraseIndex(PATTERNS)
#: enhanced code -> the provider whose own code it is (outside the registry, e.g. Microsoft's 5.7.708)
_OWNER = {code: p.id for p in PROVIDERS.values() for code in p.own_codes}
_RULE_ORDER: dict[int, int] = {}
# code-only rules of each provider by code ("550", "5.7.27", "X.7.27"): the first one wins
_CODE_RULES: dict[str, dict[str, ProviderRule]] = {pid: {} for pid in PROVIDERS}
for _p in PROVIDERS.values():
    for _rule in _p.rules:
        _RULE_ORDER[id(_rule)] = len(_RULE_ORDER)
        if _rule.text is None:
            for _code in _rule.codes:
                _CODE_RULES[_p.id].setdefault(_code, _rule)


@lru_cache(maxsize=8192)
def _hits(low: str) -> tuple[tuple[str, ...], tuple[ProviderRule, ...]]:
    """(providers recognised by a marker or a rule's own wording, rules whose text counts)."""
    return _sorted_hits(frozenset(_INDEX.all(low)))


@lru_cache(maxsize=4096)
def _sorted_hits(numbers: frozenset[int]) -> tuple[tuple[str, ...], tuple[ProviderRule, ...]]:
    marked: set[str] = set()
    matched: list[ProviderRule] = []
    for number in numbers:
        pid, rule = _ENTRIES[number]
        if rule is None:
            marked.add(pid)
        else:
            matched.append(rule)
    rules = [r for r in matched if r.alone or r.provider in marked]
    providers = marked | {r.provider for r in rules if r.alone}
    # the rules of a provider named by a marker first, then those known by wording alone
    return (tuple(sorted(providers, key=lambda p: (p not in marked, _ORDER[p]))),
            tuple(sorted(rules, key=lambda r: (r.provider not in marked, _RULE_ORDER[id(r)]))))


def identify(low: str) -> tuple[str, ...]:
    """The ids of the providers and MTAs the lower-cased text points to, in file order."""
    return _hits(low)[0]


def match(low: str, code: int | None, enhanced: str | None, hits: frozenset[int] | None = None
          ) -> tuple[Provider | None, ProviderRule | None]:
    """(the provider that answered, the rule that explains the reply) for lower-cased text.

    ``hits``: the numbers of the :data:`PATTERNS` found in ``low``, when the caller has
    already scanned it (the explainer scans once for these and its keyword rules).  An
    enhanced code a provider calls its own (``own_codes``) recognises that provider too.

    The candidates are the rules whose text matched (and whose provider was recognised,
    unless the wording alone identifies it) and the code-only rules of the recognised
    providers; of those whose codes fit, the first in file order wins.  Either may be None.
    """
    found = _hits(low) if hits is None else _sorted_hits(hits)
    owner = _OWNER.get(enhanced) if enhanced is not None else None
    if owner is not None and owner not in found[0]:  # the code is the provider's own marker
        found = (tuple(sorted((*found[0], owner), key=_ORDER.__getitem__)), found[1])
    return _match(found, code, enhanced)


@lru_cache(maxsize=8192)
def _match(found: tuple[tuple[str, ...], tuple[ProviderRule, ...]], code: int | None,
           enhanced: str | None) -> tuple[Provider | None, ProviderRule | None]:
    providers, rules = found
    best: ProviderRule | None = None
    for rule in rules:
        if rule.fits(code, enhanced):
            best = rule
            break
    keys = [str(code)] if code is not None else []
    if enhanced is not None:
        keys += [enhanced, "X" + enhanced[1:]]
    for pid in providers:
        by_code = _CODE_RULES[pid]
        fitting = [by_code[key] for key in keys if key in by_code]
        if fitting:
            first = min(fitting, key=lambda r: _RULE_ORDER[id(r)])
            if best is None or _rank(first, providers) < _rank(best, providers):
                best = first
    if best is not None:
        return PROVIDERS[best.provider], best
    provider = _preferred(providers)
    return (PROVIDERS[provider] if provider else None), None


def _rank(rule: ProviderRule, providers: Sequence[str]) -> tuple[int, int]:
    """Order of preference: the provider's place among the recognised ones, then file order."""
    place = providers.index(rule.provider) if rule.provider in providers else len(providers)
    return place, _RULE_ORDER[id(rule)]


def _preferred(providers: Sequence[str]) -> str | None:
    """The receiving side among the recognised ones: a provider before an MTA."""
    for pid in providers:
        if PROVIDERS[pid].kind != "mta":
            return pid
    return providers[0] if providers else None
