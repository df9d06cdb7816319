"""The quick test explain runs on text without a reply code: can its words name a cause at all?

Most such text in a mail log is noise ("connect from ...", "from=<...>, size=..., nrcpt=1").
:func:`silent` tells it apart with one regex search at word starts and a few string
searches, where the phrase index of the keyword and provider rules (:mod:`.phrases`) and the
cue lexicon (:mod:`.lexicon`) take many: it looks for what every one of them needs to find
anything, so a text it calls silent is explained as nothing by the long way too
(tests/unit/test_explain_quick.py checks it).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .causes import DATA, says_temporary
from .lexicon import COMPOUND_HEAD, ascii_cues, unsure
from .locate import squeezed
from .phrases import starts, trie
from .providers import PROVIDERS

__all__ = ["silent"]


class _Telling(NamedTuple):
    """What :func:`silent` searches for."""

    at_word: re.Pattern[str]  # the rules' literal starts and the cues, where a word starts
    anywhere: re.Pattern[str]  # strings the other rules hold, anywhere
    compound: re.Pattern[str]  # the keys of the cues that may close a compound
    long_run: bytes  # as many letters as a compound's head and the shortest key hold, as "a"s


# A text's letters as "a", everything else as " ": a run of letters long enough to hold a
# compound's head and closing cue is then found by one bytes search.
_LETTERS = bytes(ord("a") if ord("a") <= byte <= ord("z") else ord(" ") for byte in range(256))
_RUN = re.compile("[a-z]+")


@lru_cache(maxsize=1)
def _telling() -> _Telling | None:
    """What every keyword rule, provider rule text and ASCII cue of the lexicon needs to be
    found in a text (blanks squeezed, a space before and after): the rules' literal starts
    and the cues where a word starts, the strings the other rules hold (:func:`starts`)
    anywhere, a cue's key inside a long run of letters.  None when a rule has none such.
    Compiled the first time it is used."""
    found = starts([pattern for _, pattern in DATA["keywords"]] + [
        rule.text for p in PROVIDERS.values() for rule in p.rules if rule.text is not None])
    if found is None:
        return None
    cues, keys = ascii_cues()
    at_word = {*found[0], *cues}
    firsts = "".join(sorted({re.escape(word[0]) for word in at_word}))
    return _Telling(re.compile(f"[^a-z](?=[{firsts}])(?:{trie(at_word)})"),
                    re.compile(trie(needle for needle in found[1] if needle.isascii()) or "(?!)"),
                    re.compile(trie(keys) if keys else "(?!)"),
                    b"a" * (COMPOUND_HEAD + min(map(len, keys), default=0)))


def silent(low: str) -> bool:
    """True when text without a code (``low``: masked, lower-case) can name no cause: no
    keyword rule, provider rule or cue of the lexicon can be found in it, nor in it with its
    numbers and ids masked.  False when unsure (:func:`.lexicon.unsure`): then ``low`` is
    ASCII."""
    telling = _telling()
    if telling is None or unsure(low):
        return False
    text = f" {squeezed(low)} "
    if telling.at_word.search(text) is not None:
        return False
    if telling.anywhere.search(text) is not None:
        return False
    # every ASCII spelling of a temporary failure (codes/data/categories.json "temporary_failure")
    # holds one of these: "temporary", "temporaire", "temporal", "tijdelijk", "tymczasowy", "midlertidig"
    if ("tempor" in text or "tijdelijk" in text or "tymczas" in text or "midlertid" in text) and (
            says_temporary(text)):
        return False  # "Erreur temporaire serveur": a transient failure (codes/causes.py)
    if telling.long_run in text.encode().translate(_LETTERS):  # a compound's cue after its head?
        for run in _RUN.finditer(text):
            if run.end() - run.start() >= len(telling.long_run) and telling.compound.search(
                    text, run.start() + COMPOUND_HEAD, run.end()) is not None:
                return False
    return True
