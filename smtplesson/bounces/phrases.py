"""Case-insensitive tests for literal phrases, with the answers of ``re.IGNORECASE`` and less work.

A pattern with ``re.IGNORECASE`` folds the case of every character it scans; ``in`` on text
lower-cased once (the readers keep their texts lower-cased) finds a phrase many times faster.
``str.lower`` and ``re.IGNORECASE`` agree on ASCII text; on other text a few letters differ
(``re`` matches ``i`` with ``İ`` and ``ı``, ``s`` with ``ſ``, ``k`` with the Kelvin sign), so text
that is not ASCII (``str.isascii`` costs nothing) is still searched with the pattern.
"""
from __future__ import annotations

import re

__all__ = ["Folded", "Phrases", "may_match"]


class Phrases:
    """Any of some literal phrases, anywhere in a text, whatever its case."""

    def __init__(self, *phrases: str) -> None:
        self.phrases = tuple(phrase.lower() for phrase in phrases)
        self.pattern = re.compile("|".join(map(re.escape, self.phrases)), re.I)

    def search(self, text: str, low: str | None = None) -> bool:
        """True when a phrase is in ``text`` (``low``: ``text`` lower-cased, when the caller has it)."""
        if text.isascii():
            low = text.lower() if low is None else low
            return any(phrase in low for phrase in self.phrases)
        return self.pattern.search(text) is not None


def may_match(text: str, low: str, needles: tuple[str, ...]) -> bool:
    """False only when a case-insensitive pattern that cannot match without one of ``needles``
    (lower case) does not match ``text`` (``low``: ``text`` lower-cased): a pre-check."""
    return not text.isascii() or any(needle in low for needle in needles)


class Folded:
    """A pattern searched whatever the case of the text: the plain pattern on the text
    lower-cased when the text is ASCII (the same matches at the same places, several times
    faster than ``re.IGNORECASE``), else the pattern with ``re.IGNORECASE``.  Its literals are
    lower case; read a group of the original text by its span."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.plain = re.compile(pattern, flags)
        self.folded = re.compile(pattern, flags | re.I)

    def target(self, text: str) -> tuple[re.Pattern[str], str]:
        """The pattern to run and the text to run it on (``text`` or ``text.lower()``)."""
        return (self.plain, text.lower()) if text.isascii() else (self.folded, text)
