"""The SMTP reply-code registry: basic codes (RFC 5321 and extensions), enhanced status
codes (RFC 3463 / IANA registry, RFC 5248) and the structure of a code, all loaded from
JSON files in ``smtplesson/data``. Pure data and lookup; no widgets, no network.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from .._data import load as _load
from .classes import REPLY_CLASSES
from .syntax import (
    BASIC_ANY,
    BASIC_IN_TEXT,
    BASIC_PARTIAL,
    ENHANCED_LENIENT,
    ENHANCED_LENIENT_IN_TEXT,
    ENHANCED_PARTIAL,
    class_of,
)

__all__ = [
    "BASIC_CODES",
    "ENHANCED_CODES",
    "STRUCTURE",
    "EnhancedCode",
    "ReplyCode",
    "enhanced",
    "lookup",
]

def _freeze(value: Any) -> Any:
    """Deep read-only copy: dicts become mapping proxies, lists become tuples."""
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


STRUCTURE: Mapping[str, Any] = _freeze(_load("structure.json"))


def _reference(rfc: str, section: str) -> str:
    """ "RFC 5321 §4.2.3", or "draft-x (IANA registry)" when the section is not a number."""
    return f"{rfc} §{section}" if section[:1].isdigit() else f"{rfc} ({section})"


@dataclass(frozen=True)
class ReplyCode:
    """One basic (three-digit) SMTP reply code."""

    code: int
    title: str
    meaning: str
    action: str
    commands: tuple[str, ...]
    rfc: str
    section: str
    causes: tuple[str, ...]
    misreading: str | None
    enhanced: tuple[str, ...]
    see_also: tuple[str, ...]
    #: where the enhanced codes above are practice, not registry pairings (or None)
    enhanced_note: str | None = None
    #: defined only by an Experimental RFC (e.g. 355, RFC 1845)
    experimental: bool = False
    #: known only from the IANA registry's associated-basic-code column (422, 430, 523 ...)
    registry_only: bool = False

    @property
    def kind(self) -> str:
        """The class name, e.g. "permanent negative" (RFC 5321 §4.2.1)."""
        return REPLY_CLASSES[self.code // 100].name

    @property
    def outcome(self) -> str:
        """"success" (2yz), "continue" (3yz), "retry" (4yz) or "bounce" (5yz)."""
        return REPLY_CLASSES[self.code // 100].outcome

    @property
    def reference(self) -> str:
        """The defining reference, e.g. "RFC 5321 §4.2.3"."""
        return _reference(self.rfc, self.section)

    @property
    def first_digit(self) -> str:
        """What the first digit says (the class of reply), in words."""
        reply_class = REPLY_CLASSES[self.code // 100]
        return f"{reply_class.digit}yz {reply_class.name}: {reply_class.meaning}"

    @property
    def second_digit(self) -> str:
        """What the second digit says (the category of reply), in words."""
        digit = self.code // 10 % 10
        entry = STRUCTURE["second_digit"][str(digit)]
        return f"x{digit}z {entry['name']}: {entry['meaning']}"

    def _repr_html_(self) -> str:
        from ..views.card import reply_code_card

        return reply_code_card(self)


@dataclass(frozen=True)
class EnhancedCode:
    """One enhanced status code (RFC 3463), keyed by its class-free form "X.1.1"."""

    code: str
    title: str
    meaning: str
    rfc: str
    section: str
    basic_codes: tuple[int, ...]
    #: further references (e.g. RFC 7504 beside RFC 7505 for X.1.10)
    see_also: tuple[str, ...] = ()

    @property
    def subject(self) -> int:
        """The subject digit (X.<subject>.detail)."""
        return int(self.code.split(".")[1])

    @property
    def detail(self) -> int:
        """The detail number (X.subject.<detail>)."""
        return int(self.code.split(".")[2])

    @property
    def reference(self) -> str:
        """The defining reference, e.g. "RFC 3463 §3.2" (a non-numeric section in parentheses)."""
        return _reference(self.rfc, self.section)

    @property
    def subject_name(self) -> str:
        """The subject's name, e.g. "Addressing Status"."""
        return STRUCTURE["enhanced_subject"][str(self.subject)]["name"]

    def with_class(self, klass: int | str) -> str:
        """The class-full form, e.g. with_class(5) -> "5.1.1"."""
        return f"{klass}{self.code[1:]}"

    def _repr_html_(self) -> str:
        from ..views.card import enhanced_code_card

        return enhanced_code_card(self)


def _basic_from(entry: Mapping[str, Any]) -> ReplyCode:
    return ReplyCode(
        code=int(entry["code"]), title=entry["title"], meaning=entry["meaning"], action=entry["action"], commands=tuple(entry["commands"]),
        rfc=entry["rfc"], section=entry["section"], causes=tuple(entry["causes"]),
        misreading=entry.get("misreading"), enhanced=tuple(entry["enhanced"]),
        see_also=tuple(entry["see_also"]), enhanced_note=entry.get("enhanced_note"),
        experimental=bool(entry.get("experimental")), registry_only=bool(entry.get("registry_only")),
    )


def _enhanced_from(entry: Mapping[str, Any]) -> EnhancedCode:
    return EnhancedCode(
        code=entry["code"], title=entry["title"], meaning=entry["meaning"], rfc=entry["rfc"],
        section=entry["section"], basic_codes=tuple(int(c) for c in entry["basic_codes"]),
        see_also=tuple(entry.get("see_also", ())),
    )


_BASIC_RAW = _load("basic_codes.json")["codes"]
_ENHANCED_RAW = _load("enhanced_codes.json")["codes"]
BASIC_CODES: Mapping[int, ReplyCode] = MappingProxyType(
    {int(e["code"]): _basic_from(e) for e in sorted(_BASIC_RAW, key=lambda e: int(e["code"]))})
ENHANCED_CODES: Mapping[str, EnhancedCode] = MappingProxyType(
    {e["code"]: _enhanced_from(e) for e in sorted(
        _ENHANCED_RAW, key=lambda e: tuple(int(p) for p in e["code"].split(".")[1:]))})


# --------------------------------------------------------------------------- enhanced()

def enhanced(code: str) -> EnhancedCode | None:
    """The EnhancedCode for "5.1.1", "X.1.1" or "x.1.1"; None when unknown or malformed."""
    if not isinstance(code, str):
        return None
    m = ENHANCED_LENIENT.fullmatch(code.strip())
    if m is None:
        return None
    return ENHANCED_CODES.get(f"X.{int(m.group(2))}.{int(m.group(3))}")


# --------------------------------------------------------------------------- lookup()

Entry = ReplyCode | EnhancedCode
_TOKEN_RE = re.compile(r"[a-z0-9]+", re.ASCII)
_MAX_QUERY = 2000      # characters of a query that are read
_MAX_TOKENS = 64       # tokens of a query that are scored
_MAX_GRAM = 3          # longest phrase (in tokens) matched as one unit
_MAX_RESULTS = 25
_SYN = _load("synonyms.json")
_STOPWORDS = frozenset(_SYN["stopwords"])
_SYNONYMS: Mapping[str, str] = MappingProxyType(dict(_SYN["synonyms"]))
_WEIGHTS = {"keyword": 6.0, "title": 4.0, "cause": 1.5, "meaning": 1.0}


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    """A light, deterministic stemmer (the same on index and query side)."""
    word = _SYNONYMS.get(word, word)
    for suffix, repl in (("ies", "y"), ("xes", "x"), ("sses", "ss"), ("ing", ""), ("ed", ""),
                         ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: len(word) - len(suffix)] + repl
            break
    return _SYNONYMS.get(word, word)


def _tokens(text: str) -> list[str]:
    """Lower-case, stemmed, stop-word-free tokens of text."""
    return [_stem(t) for t in _TOKEN_RE.findall(text.lower()) if t not in _STOPWORDS]


def _grams(tokens: list[str]) -> set[str]:
    """All 1- to _MAX_GRAM-token phrases of a token list."""
    out: set[str] = set()
    for n in range(1, _MAX_GRAM + 1):
        for i in range(len(tokens) - n + 1):
            out.add(" ".join(tokens[i:i + n]))
    return out


def _fields(raw: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    yield "title", raw["title"]
    yield "meaning", raw["meaning"]
    for text in raw.get("causes", ()):
        yield "cause", text
    for text in raw.get("keywords", ()):
        yield "keyword", text


def _build_index() -> tuple[dict[str, dict[int, float]], list[Entry]]:
    """Inverted index: phrase -> {entry number: weight}; entries in index order."""
    entries: list[Entry] = []
    index: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    raws = [(BASIC_CODES[int(r["code"])], r) for r in _BASIC_RAW]
    raws += [(ENHANCED_CODES[r["code"]], r) for r in _ENHANCED_RAW]
    for number, (entry, raw) in enumerate(raws):
        entries.append(entry)
        per_field: dict[str, dict[str, float]] = defaultdict(dict)
        for field, text in _fields(raw):
            toks = _tokens(text)
            grams = _grams(toks) if field in ("keyword", "title") else set(toks)
            for gram in grams:
                per_field[field][gram] = _WEIGHTS[field] * (1 + gram.count(" "))
        # a phrase counts once per field (title, meaning, causes, keywords), summed over fields
        for weights in per_field.values():
            for gram, weight in weights.items():
                index[gram][number] += weight
    return {g: dict(p) for g, p in index.items()}, entries


_INDEX, _ENTRIES = _build_index()
# rarer phrases count more (a simple inverse document frequency)
_IDF = {g: 1.0 + (len(_ENTRIES) / len(p)) ** 0.5 / 4 for g, p in _INDEX.items()}


def _exact(query: str) -> list[Entry] | None:
    """Answer a query that is just a basic or an enhanced code; None if it is neither."""
    if BASIC_ANY.fullmatch(query):
        found = BASIC_CODES.get(int(query))
        return [found] if found else []
    m = ENHANCED_LENIENT.fullmatch(query)
    if m is None:
        return None
    code = ENHANCED_CODES.get(f"X.{int(m.group(2))}.{int(m.group(3))}")
    if code is None:
        return []
    return [code, *_travelling(code, m.group(1))]


def _prefix(query: str) -> list[Entry] | None:
    """Codes under a partial code: "5" / "55" -> basic codes in numeric order,
    "5." / "5.1" / "5.1." -> the enhanced codes (of that subject); None if not a partial code."""
    if BASIC_PARTIAL.fullmatch(query):
        found: list[Entry] = [c for n, c in BASIC_CODES.items() if str(n).startswith(query)]
    else:
        m = ENHANCED_PARTIAL.fullmatch(query)
        if m is None:
            return None
        subject = m.group(1)
        found = [c for c in ENHANCED_CODES.values()
                 if subject is None or c.subject == int(subject)]
    return found


def _travelling(code: EnhancedCode, klass: str) -> list[ReplyCode]:
    """The basic codes an enhanced code travels with, those of the given class first."""
    basics = [BASIC_CODES[c] for c in code.basic_codes if c in BASIC_CODES]
    if klass in "245":
        same = [b for b in basics if class_of(b.code) == int(klass)]
        return same or basics
    return basics


def _word_scores(text: str) -> dict[int, float]:
    """Score every indexed entry against the words of text."""
    scores: dict[int, float] = defaultdict(float)
    for gram in _grams(_tokens(text)[:_MAX_TOKENS]):
        postings = _INDEX.get(gram)
        if postings:
            idf = _IDF[gram]
            for number, weight in postings.items():
                scores[number] += weight * idf
    return scores


def lookup(query: str) -> list[Entry]:
    """Codes matching a query: "550", "5.1.1"/"X.1.1", a partial code ("55" -> 550 to 556,
    "5.1." -> the X.1.* enhanced codes), or words ("mailbox full").

    Best match first; [] when nothing matches. Never raises on any string.
    """
    if not isinstance(query, str):
        return []
    query = query[:_MAX_QUERY].strip()
    exact = _exact(query)
    if exact is None:
        exact = _prefix(query)
    if exact is not None:
        return exact
    scores = _word_scores(query)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    result: list[Entry] = [_ENTRIES[n] for n, _ in ranked]
    # codes mentioned inside the text ("got a 550 5.7.1 from them") go first
    mentioned: list[Entry] = []
    for m in ENHANCED_LENIENT_IN_TEXT.finditer(query):
        code = ENHANCED_CODES.get(f"X.{int(m.group(2))}.{int(m.group(3))}")
        if code is not None:
            mentioned.append(code)
    for m in BASIC_IN_TEXT.finditer(query):
        basic = BASIC_CODES.get(int(m.group(1)))
        if basic is not None:
            mentioned.insert(0, basic)
    seen: set[int] = set()
    out: list[Entry] = []
    for entry in mentioned + result:
        if id(entry) not in seen:
            seen.add(id(entry))
            out.append(entry)
    return out[:_MAX_RESULTS]
