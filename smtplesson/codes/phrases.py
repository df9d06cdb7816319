"""Fast matching of many ordered phrase rules against one text.

Each rule is a regular expression of alternatives joined by ``|``, matched where a word
of the text begins.  The literal text each alternative starts with (after an optional
``\\b`` or a lookbehind; at least three characters, the first a letter) goes into one
trie-shaped regex, so the regex engine finds in one pass every word start where some
alternative's literal start occurs, and only those alternatives are tried there.  An
alternative without such a start is searched for on its own (slower).  The text must
already be lower-case; so must the patterns.  Those alternatives are searched only when the
text holds one of the literal runs every match of theirs contains (:func:`needles`).
"""
from __future__ import annotations

import re
import re._constants as _sre_ops  # type: ignore[import-not-found]  # (typeshed: sre_constants)
import re._parser as _sre_parser  # type: ignore[import-not-found]  # the stdlib parse of a pattern
from collections.abc import Iterable, Sequence
from itertools import product
from typing import Any

__all__ = ["PhraseIndex", "expanded", "needles", "split_alternatives", "starts", "trie"]

_WORD = re.compile(r"[a-z]+")
_KEY = 3  # an alternative must start with at least this many literal characters
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
    return _literal_run(alternative)[0]


def _literal_run(alternative: str) -> tuple[str, int]:
    """(the literal text a regex alternative starts with, after \\b or a lookbehind; the
    index in ``alternative`` where that text's source ends)."""
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
    return "".join(out), len(alternative) - len(text) + i


# A group without groups inside it, optional or not ("(?:a|b)", "(?:a |b )?"), or a character
# that stands for itself made optional ("e?", ":?"): what :func:`expanded` writes out.
_CHOICE = re.compile(r"\(\?:((?:[^()\\]|\\.)*)\)(?:(\?)(?![?*+{])|(?![?*+{]))"
                     r"|([^\\()\[\]{}|.^$*+?])\?(?![?*+{])")


def expanded(alternative: str, *, whole: bool = False) -> list[str]:
    """``alternative`` as alternatives that together match what it matches, each with a
    literal start where one can be had: the choice right after its literal start written
    out (``"e?mail loop"`` -> ``["email loop", "mail loop"]``, ``"(?:bad|invalid) commands"``
    -> ``["bad commands", "invalid commands"]``), again while no key is found, up to
    :data:`_NEEDLES` alternatives; the alternative itself when it has a key or no choice
    to write out.  The phrase index finds a keyed alternative in its one trie pass.
    ``whole``: every choice after the literal start written out, key or not."""
    if (not whole and _literal_key(alternative) is not None) or alternative.startswith(("(?<=", "(?<!")):
        return [alternative]
    at = _literal_run(alternative)[1]
    choice = _CHOICE.match(alternative, at)
    if choice is None:
        return [alternative]
    head, tail = alternative[:at], alternative[choice.end():]
    if choice.group(3) is not None:  # an optional character
        options = [choice.group(3), ""]
    else:
        options = split_alternatives(choice.group(1)) + ([""] if choice.group(2) else [])
    out = [part for option in options for part in expanded(head + option + tail, whole=whole)]
    return out if len(out) <= _NEEDLES else [alternative]


_NEEDLES = 16  # at most this many strings in a needle set
_ZERO_WIDTH = frozenset({_sre_ops.AT, _sre_ops.ASSERT, _sre_ops.ASSERT_NOT})


def needles(pattern: str) -> tuple[str, ...] | None:
    """Strings of three characters or more one of which every match of ``pattern`` contains
    (``"e?mail loop"`` -> ``("email loop", "mail loop")``), or None when the pattern has no
    such run of literal text (or ignores case): a text holding none of them cannot match."""
    try:
        parsed = _sre_parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    best: set[str] = set()
    run: set[str] = {""}
    for item in [*parsed.data, None]:  # None: the end, which closes the last run
        words = _finite([item]) if item is not None else None
        if words is not None and len(run) * len(words) <= _NEEDLES:
            run = {a + b for a in run for b in words}
            continue
        if min(map(len, run)) > min(map(len, best), default=0):
            best = run
        run = words if words is not None else {""}
    return tuple(sorted(best)) if best and min(map(len, best)) >= 3 else None


def starts(patterns: Iterable[str]) -> tuple[set[str], set[str]] | None:
    """What a :class:`PhraseIndex` of ``patterns`` needs to find anything: (strings one of
    which stands where a word starts, strings one of which stands anywhere).  Each
    alternative, every choice after its literal start written out (:func:`expanded`), gives
    its literal start where it has a key (the index finds it only where that starts a word),
    else its :func:`needles`.  None when one has neither, or a string holds a blank other
    than one space (a text with its blanks squeezed to one space then holds every string the
    text holds)."""
    at_word: set[str] = set()
    anywhere: set[str] = set()
    for pattern in patterns:
        for alternative in split_alternatives(pattern):
            for written in expanded(alternative, whole=True):
                found: tuple[str, ...]
                if _literal_key(written):
                    found, into = (_literal_prefix(written),), at_word
                else:
                    found, into = needles(written) or (), anywhere
                if not found or not all(_one_space(n) for n in found):
                    return None
                into.update(found)
    return at_word, anywhere


def _one_space(text: str) -> bool:
    """True when every blank in ``text`` is a space, none beside another."""
    return "  " not in text and all(char == " " or not char.isspace() for char in text)


def _finite(items: Iterable[Any]) -> set[str] | None:
    """Every string a sequence of parsed regex items matches (zero-width items match ""),
    or None when they are more than :data:`_NEEDLES` or unbounded."""
    out = {""}
    for op, av in items:
        words: set[str] | None
        if op in _ZERO_WIDTH:
            continue
        if op is _sre_ops.LITERAL:
            words = {chr(av)}
        elif op is _sre_ops.IN:
            words = _chars(av)
        elif op is _sre_ops.BRANCH:
            words = set()
            for branch in av[1]:
                found = _finite(branch)
                if found is None:
                    return None
                words |= found
        elif op is _sre_ops.SUBPATTERN:
            words = None if av[1] & re.IGNORECASE else _finite(av[3])
        elif op in (_sre_ops.MAX_REPEAT, _sre_ops.MIN_REPEAT) and av[1] <= 3:
            inner = _finite(av[2])
            words = None if inner is None else {
                "".join(parts) for n in range(av[0], av[1] + 1) for parts in product(sorted(inner), repeat=n)}
        else:
            return None
        if words is None:
            return None
        out = {a + b for a in out for b in words}
        if len(out) > _NEEDLES:
            return None
    return out


def _chars(items: Iterable[Any]) -> set[str] | None:
    """The characters of a parsed ``[...]`` class, or None when it negates or has many."""
    chars: set[str] = set()
    for op, av in items:
        if op is _sre_ops.LITERAL:
            chars.add(chr(av))
        elif op is _sre_ops.RANGE and av[1] - av[0] < _NEEDLES:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:
            return None
    return chars if len(chars) <= _NEEDLES else None


def trie(words: Iterable[str]) -> str:
    """A regex matching exactly the given words, as a trie (fast in ``re``)."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branch(tree)


def _branch(node: dict[str, Any]) -> str:
    parts = [re.escape(char) + _branch(child) for char, child in sorted(node.items()) if char]
    if not parts:
        return ""
    body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
    return f"(?:{body})?" if "" in node else body


class PhraseIndex:
    """Ordered rules, found in one pass of the regex engine over a lower-cased text."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.size = len(patterns)
        by_prefix: dict[str, list[_Entry]] = {}
        loose: list[tuple[int, str]] = []
        for number, pattern in enumerate(patterns):
            for alternative in (a for whole in split_alternatives(pattern) for a in expanded(whole)):
                if _literal_key(alternative) is None:  # no literal start: searched on its own
                    loose.append((number, alternative))
                    continue
                prefix = _literal_prefix(alternative)
                plain = re.escape(prefix) == alternative
                by_prefix.setdefault(prefix, []).append(
                    (number, prefix, None if plain else re.compile(alternative)))
        # What a match of the trie at a word start can be: the longest literal start found
        # there; every alternative whose literal start is a beginning of it is a candidate.
        self._candidates: dict[str, list[_Entry]] = {
            prefix: sorted((entry for n in range(_KEY, len(prefix) + 1)
                            for entry in by_prefix.get(prefix[:n], ())), key=lambda e: e[0])
            for prefix in by_prefix}
        # A word start is the text's start or a character after one that is not a-z.  Matched
        # as that character (consumed, so the regex engine skips ahead to the few candidates
        # fast) and, after it, the first letter of some literal start; group 1 is the start.
        pattern = trie(by_prefix)
        firsts = "".join(sorted({re.escape(prefix[0]) for prefix in by_prefix}))
        self._starts = re.compile(rf"[^a-z](?=[{firsts}])(?=({pattern}))" if by_prefix else "(?!)")
        self._head = re.compile(rf"(?=({pattern}))" if by_prefix else "(?!)")
        # The alternatives without a literal start, in one pattern searched in one pass (eight
        # patterns searched one by one cost more than the whole trie scan), those that can
        # only match non-ASCII text (CJK phrases) in a second one that ASCII text skips.  The
        # group that wraps an alternative (the last group to close when it matches) names
        # its rule.
        self._loose = [self._combined([(n, a) for n, a in loose if a.isascii()]),
                       self._combined([(n, a) for n, a in loose if not a.isascii()])]

    @staticmethod
    def _combined(loose: list[tuple[int, str]]
                  ) -> tuple[re.Pattern[str], dict[int, int], re.Pattern[str] | None] | None:
        """One pattern for the given (rule number, alternative)s, its group -> rule map, and
        the needles one of which a text must hold for it to match, as one trie-shaped
        pattern (None: always search)."""
        if not loose:
            return None
        numbers: dict[int, int] = {}
        group = 1
        found: list[str] | None = []
        for number, alternative in loose:
            numbers[group] = number
            group += 1 + re.compile(alternative).groups
            own = needles(alternative)
            found = None if found is None or own is None else [*found, *own]
        pattern = re.compile("(?<![a-z])(?:" + "|".join(f"({a})" for _, a in loose) + ")")
        return pattern, numbers, None if found is None else re.compile(trie(found))

    def _loose_hits(self, low: str) -> set[int]:
        """The rules whose alternatives without a literal start match ``low``."""
        hits: set[int] = set()
        for combined in self._loose[:1] if low.isascii() else self._loose:
            if combined is not None:
                pattern, numbers, wanted = combined
                if wanted is not None and wanted.search(low) is None:
                    continue  # no match can be there: the pattern is not searched (most texts)
                hits.update(numbers[found.lastindex] for found in pattern.finditer(low)
                            if found.lastindex)
        return hits

    def _found(self, low: str) -> list[re.Match[str]]:
        """The literal starts at word starts of ``low``: group 1 of each match."""
        head = self._head.match(low)
        found = list(self._starts.finditer(low))
        return [head, *found] if head is not None else found

    def first(self, low: str) -> int | None:
        """The number of the earliest rule that matches ``low`` anywhere, or None."""
        best = self.size
        candidates = self._candidates
        for found in self._found(low):
            for number, _, alternative in candidates[found.group(1)]:
                if number >= best:
                    break
                if alternative is None or alternative.match(low, found.start(1)):
                    best = number
                    break
        if best > 0:  # a rule without a literal start may come earlier
            best = min(best, min(self._loose_hits(low), default=best))
        return best if best < self.size else None

    def all(self, low: str) -> set[int]:
        """The numbers of every rule that matches ``low`` somewhere."""
        hits: set[int] = set()
        candidates = self._candidates
        for found in self._found(low):
            for number, _, alternative in candidates[found.group(1)]:
                if number not in hits and (alternative is None or alternative.match(low, found.start(1))):
                    hits.add(number)
        hits.update(self._loose_hits(low))
        return hits
