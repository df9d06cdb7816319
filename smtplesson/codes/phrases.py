"""Fast matching of many ordered phrase rules against one text.

Each rule is a regular expression of alternatives joined by ``|``, matched where a word
of the text begins.  An alternative that starts (after an optional ``\\b`` or a
lookbehind) with three literal characters, the first a letter, is filed under them, so
a text is scanned once, word by word, and only the alternatives filed under a word's
start are tried there; any other alternative is searched for on its own (slower).  The
text must already be lower-case; so must the patterns.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["PhraseIndex", "split_alternatives"]

_WORD = re.compile(r"[a-z]+")
_KEY = 3  # an alternative must start with at least this many literal characters
_LONGEST_KEY = 6  # alternatives are filed under up to this many of them
_Entry = tuple[int, str, "re.Pattern[str] | None"]


def split_alternatives(pattern: str) -> list[str]:
    """Split a regex at its top-level ``|`` (not inside groups, classes or escapes)."""
    parts: list[str] = []
    current: list[str] = []
    depth, in_class, escaped = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _literal_key(alternative: str) -> str | None:
    """The first three literal characters of a regex alternative, or None."""
    prefix = _literal_prefix(alternative)
    key = prefix[:_KEY]
    return key if len(key) == _KEY and key[0].isalpha() and key[0].islower() else None


def _literal_prefix(alternative: str) -> str:
    """The literal text a regex alternative starts with (after \\b or a lookbehind)."""
    text = alternative[2:] if alternative.startswith("\\b") else alternative
    if text.startswith(("(?<=", "(?<!")):  # a lookbehind before the literal start
        depth, close = 0, 0
        for close, char in enumerate(text):  # noqa: B007 (close is read after the loop)
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                break
        text = text[close + 1:]
    out: list[str] = []
    i = 0
    while i < len(text):
        char, step = text[i], 1
        if char == "\\":
            char, step = text[i + 1:i + 2], 2
            if not char or char.isalnum():
                break
        elif char in ".^$*+?{}[]()|":
            break
        if i + step < len(text) and text[i + step] in "*?{":
            break  # the character is optional or repeated
        out.append(char)
        i += step
    return "".join(out)


class PhraseIndex:
    """Ordered rules, matched by the first three letters of the words of a text."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.size = len(patterns)
        # first three characters -> ({first six characters: entries}, entries with a shorter
        # literal start); an entry is (rule number, literal prefix, compiled regex or None when
        # the alternative is all literal)
        self._index: dict[str, tuple[dict[str, list[_Entry]], list[_Entry]]] = {}
        self._loose: list[tuple[int, re.Pattern[str]]] = []
        for number, pattern in enumerate(patterns):
            for alternative in split_alternatives(pattern):
                key = _literal_key(alternative)
                if key is None:  # no literal start to index: searched for on its own
                    self._loose.append((number, re.compile(rf"(?<![a-z])(?:{alternative})")))
                    continue
                prefix = _literal_prefix(alternative)
                entry = (number, prefix, None if re.escape(prefix) == alternative
                         else re.compile(alternative))
                longer, shorter = self._index.setdefault(key, ({}, []))
                if len(prefix) >= _LONGEST_KEY:
                    longer.setdefault(prefix[:_LONGEST_KEY], []).append(entry)
                else:
                    shorter.append(entry)

    def _candidates(self, low: str) -> list[tuple[int, _Entry]]:
        """(start, entry) for every alternative filed under a word start of ``low``."""
        out: list[tuple[int, _Entry]] = []
        index = self._index
        for word in _WORD.finditer(low):
            start = word.start()
            bucket = index.get(low[start:start + _KEY])
            if bucket is not None:
                longer, shorter = bucket
                for entry in shorter:
                    out.append((start, entry))
                entries = longer.get(low[start:start + _LONGEST_KEY])
                if entries:
                    for entry in entries:
                        out.append((start, entry))
        return out

    def first(self, low: str) -> int | None:
        """The number of the earliest rule that matches ``low`` anywhere, or None."""
        best = self.size
        for start, (number, prefix, alternative) in self._candidates(low):
            if number < best and low.startswith(prefix, start) and (
                    alternative is None or alternative.match(low, start)):
                best = number
        for number, pattern in self._loose:
            if number < best and pattern.search(low):
                best = number
        return best if best < self.size else None

    def all(self, low: str) -> set[int]:
        """The numbers of every rule that matches ``low`` somewhere."""
        found: set[int] = set()
        for start, (number, prefix, alternative) in self._candidates(low):
            if number not in found and low.startswith(prefix, start) and (
                    alternative is None or alternative.match(low, start)):
                found.add(number)
        found.update(number for number, pattern in self._loose if pattern.search(low))
        return found

    def keys(self) -> Iterable[str]:
        """The three-character keys (for tests)."""
        return self._index.keys()
