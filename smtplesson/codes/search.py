"""``lookup``: find registry codes by code, partial code or words ("mailbox full").

A small search engine over the registry: a light stemmer with synonyms
(``codes/data/synonyms.json``), 1- to 3-word phrases weighted by the field they come from
(keyword, title, cause, meaning) and a simple inverse document frequency.  The index is
built on the first word query, not at import: ``BASIC_CODES[550]`` never pays for it.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType

from .._data import load
from .registry import BASIC_CODES, ENHANCED_CODES, EnhancedCode, ReplyCode
from .syntax import (
    BASIC_ANY,
    BASIC_IN_TEXT,
    BASIC_PARTIAL,
    ENHANCED_LENIENT,
    ENHANCED_LENIENT_IN_TEXT,
    ENHANCED_PARTIAL,
    class_of,
)

__all__ = ["Entry", "lookup"]

Entry = ReplyCode | EnhancedCode
_TOKEN_RE = re.compile(r"[a-z0-9]+", re.ASCII)
_MAX_QUERY = 2000      # characters of a query that are read
_MAX_TOKENS = 64       # tokens of a query that are scored
_MAX_GRAM = 3          # longest phrase (in tokens) matched as one unit
_MAX_RESULTS = 25
_SYN = load("codes", "synonyms.json")
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


def _fields(entry: Entry) -> Iterable[tuple[str, str]]:
    yield "title", entry.title
    yield "meaning", entry.meaning
    for text in entry.causes if isinstance(entry, ReplyCode) else ():
        yield "cause", text
    for text in entry.keywords:
        yield "keyword", text


@dataclass(frozen=True)
class _Index:
    """Phrase -> {entry number: weight}, the entries in index order, each phrase's IDF."""

    postings: dict[str, dict[int, float]]
    entries: list[Entry]
    idf: dict[str, float]


@cache
def _index() -> _Index:
    """The inverted index, built on the first word query."""
    entries: list[Entry] = []
    postings: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    registry: list[Entry] = [*BASIC_CODES.values(), *ENHANCED_CODES.values()]  # in file order
    for number, entry in enumerate(registry):
        entries.append(entry)
        per_field: dict[str, dict[str, float]] = defaultdict(dict)
        for field, text in _fields(entry):
            toks = _tokens(text)
            grams = _grams(toks) if field in ("keyword", "title") else set(toks)
            for gram in grams:
                per_field[field][gram] = _WEIGHTS[field] * (1 + gram.count(" "))
        # a phrase counts once per field (title, meaning, causes, keywords), summed over fields
        for weights in per_field.values():
            for gram, weight in weights.items():
                postings[gram][number] += weight
    # rarer phrases count more (a simple inverse document frequency)
    idf = {g: 1.0 + (len(entries) / len(p)) ** 0.5 / 4 for g, p in postings.items()}
    return _Index({g: dict(p) for g, p in postings.items()}, entries, idf)


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
    index = _index()
    scores: dict[int, float] = defaultdict(float)
    for gram in _grams(_tokens(text)[:_MAX_TOKENS]):
        postings = index.postings.get(gram)
        if postings:
            idf = index.idf[gram]
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
    result: list[Entry] = [_index().entries[n] for n, _ in ranked]
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
