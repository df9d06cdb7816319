"""The quick test explain runs on text without a reply code: can its words name a cause at all?

Most such text in a mail log is noise ("connect from ...", "from=<...>, size=..., nrcpt=1").
:func:`silent` tells it apart with one regex search, where the phrase index of the keyword and
provider rules (:mod:`.phrases`) and the cue lexicon (:mod:`.lexicon`) take many: the search
looks for what every one of them needs to find anything, so a text it calls silent is
explained as nothing by the long way too (tests/unit/test_explain_quick.py checks it).
"""
from __future__ import annotations

import re
from functools import lru_cache

from .causes import DATA
from .lexicon import COMPOUND_HEAD, ascii_cues, unsure
from .phrases import starts, trie
from .providers import PROVIDERS

__all__ = ["silent"]


@lru_cache(maxsize=1)
def _telling() -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """(a pattern found in every text -- blanks squeezed, a space before and after -- where a
    keyword rule, a provider rule's text or an ASCII cue of the lexicon is, else on every run
    of letters a cue closing a compound may stand in (group 1); the keys of those cues).

    The first pattern holds, where a word starts, the rules' literal starts and the cues, and
    anywhere, the strings the other rules hold (:func:`starts`).  None when a rule has none
    such.  Compiled the first time it is used."""
    found = starts([pattern for _, pattern in DATA["keywords"]] + [
        rule.text for p in PROVIDERS.values() for rule in p.rules if rule.text is not None])
    if found is None:
        return None
    cues, keys = ascii_cues()
    at_word, anywhere = {*found[0], *cues}, found[1]
    firsts = "".join(sorted({re.escape(word[0]) for word in at_word}))
    run = COMPOUND_HEAD + min(map(len, keys), default=0)  # letters a compound's cue needs
    return (re.compile(f"[^a-z](?:(?=[{firsts}])(?:{trie(at_word)})|([a-z]{{{run},}}))"
                       + (f"|{trie(anywhere)}" if anywhere else "")),
            re.compile(trie(keys) if keys else "(?!)"))


def silent(low: str) -> bool:
    """True when text without a code (``low``: masked, lower-case) can name no cause: no
    keyword rule, provider rule or cue of the lexicon can be found in it, nor in it with its
    numbers and ids masked.  False when unsure (:func:`.lexicon.unsure`)."""
    telling = _telling()
    if telling is None or unsure(low):
        return False
    pattern, compound = telling
    text = f" {' '.join(low.split())} "
    at = 0
    while (found := pattern.search(text, at)) is not None:
        if found.lastindex is None:  # a rule's or a cue's start
            return False
        start, end = found.span(1)  # a long run of letters: a compound's cue after its head?
        if compound.search(text, start + COMPOUND_HEAD, end) is not None:
            return False
        at = start  # strings found anywhere may stand inside the run
    return True
