"""Case-insensitive tests for literal phrases, with the answers of ``re.IGNORECASE`` and less work.

A pattern with ``re.IGNORECASE`` folds the case of every character it scans; ``in`` on text
lower-cased once (the readers keep their texts lower-cased) finds a phrase many times faster.
For phrases and patterns written in ASCII, ``str.lower`` and ``re.IGNORECASE`` agree on every
character but three: ``re`` matches ``i`` with ``İ`` (which ``str.lower`` makes two characters)
and dotless ``ı``, and ``s`` with ``ſ``.  Text without them (:func:`foldable`; ASCII text, and
text with an accent or in another script, as most bounces that are not ASCII) is searched
lower-cased; text with one of them, and non-ASCII phrases, with the pattern.  (A test checks the
claim on every code point.)
"""
from __future__ import annotations

import re

__all__ = ["Folded", "Phrases", "foldable", "lower", "may_match"]

#: the letters ``str.lower`` and ``re.IGNORECASE`` read apart (tests/unit/test_bounce_phrases.py:
#: the only ones)
APART = ("\u0130", "\u0131", "\u017f")


#: each Latin-1 character's lower case, by its byte (each one character of Latin-1: else this fails)
_LATIN1_LOWER = bytes(ord(chr(byte).lower()) for byte in range(256))


def lower(text: str) -> str:
    """``text.lower()``; Latin-1 text that is not ASCII lower-cased by a table of its 256 characters
    (``str.lower`` looks each one up in the Unicode tables: 10 times slower on a 35 KiB bounce)."""
    if not text.isascii():
        try:
            return text.encode("latin-1").translate(_LATIN1_LOWER).decode("latin-1")
        except UnicodeEncodeError:
            pass
    return text.lower()


def foldable(text: str) -> bool:
    """True when a pattern whose literals are ASCII finds the same matches, at the same places,
    in ``text.lower()`` as with ``re.IGNORECASE`` in ``text`` (``text.lower()`` keeps its length)."""
    return text.isascii() or not (APART[0] in text or APART[1] in text or APART[2] in text)


def _ascii_lowered(text: str) -> bytes | None:
    """``text`` as bytes, its ASCII letters lower-cased (many times faster than ``str.lower``): an
    ASCII phrase is in it when it is in ``text.lower()``, for a :func:`foldable` text -- None when
    a letter of ``text`` above ASCII lower-cases into ASCII (the Kelvin sign: "k"; no letter of
    Latin-1 does; İ is not foldable)."""
    try:
        return text.encode("latin-1").lower()
    except UnicodeEncodeError:
        return None if "\u212a" in text else text.encode("utf-8", "surrogatepass").lower()


class Phrases:
    """Any of some literal phrases, anywhere in a text, whatever its case."""

    def __init__(self, *phrases: str) -> None:
        self.phrases = tuple(phrase.lower() for phrase in phrases)
        self.pattern = re.compile("|".join(map(re.escape, self.phrases)), re.I)
        self.ascii = tuple(phrase for phrase in self.phrases if phrase.isascii())
        self.ascii_bytes = tuple(phrase.encode("ascii") for phrase in self.ascii)
        others = [phrase for phrase in self.phrases if not phrase.isascii()]
        #: the phrases that are not ASCII, searched with re.IGNORECASE in text that is not ASCII
        self.others = re.compile("|".join(map(re.escape, others)), re.I) if others else None

    def search(self, text: str, low: str | None = None) -> bool:
        """True when a phrase is in ``text`` (``low``: ``text`` lower-cased, when the caller has it)."""
        if text.isascii():
            low = text.lower() if low is None else low
            return any(phrase in low for phrase in self.phrases)
        if not foldable(text):
            return self.pattern.search(text) is not None
        if low is None and (data := _ascii_lowered(text)) is not None:
            found = any(phrase in data for phrase in self.ascii_bytes)
        else:
            low = text.lower() if low is None else low
            found = any(phrase in low for phrase in self.ascii)
        return found or (self.others is not None and self.others.search(text) is not None)


def may_match(text: str, low: str, needles: tuple[str, ...]) -> bool:
    """False only when a case-insensitive pattern that cannot match without one of ``needles``
    (lower case) does not match ``text`` (``low``: ``text`` lower-cased): a pre-check.  Text that
    is not ASCII is checked only when it is :func:`foldable` and the needles are ASCII."""
    if not text.isascii() and not (foldable(text) and all(map(str.isascii, needles))):
        return True
    return any(needle in low for needle in needles)


class Folded:
    """A pattern searched whatever the case of the text: the plain pattern on the text
    lower-cased when :func:`foldable` says that finds the same matches at the same places
    (several times faster than ``re.IGNORECASE``), else the pattern with ``re.IGNORECASE``.
    Its literals are lower case; read a group of the original text by its span.  A pattern with
    literals that are not ASCII runs lower-cased on ASCII text, and on foldable text without its
    ``anchors``: one letter of each of its alternatives that are not ASCII, each matched with
    ``re.IGNORECASE`` by its lower and upper case only (tests/unit/test_bounce_phrases.py checks
    them on every code point): without them only its ASCII alternatives can match."""

    def __init__(self, pattern: str, flags: int = 0, anchors: str = "") -> None:
        self.plain = re.compile(pattern, flags)
        self.folded = re.compile(pattern, flags | re.I)
        self.ascii = pattern.isascii() and re.search(r"\\[xuUN]", pattern) is None
        self.anchors = tuple(dict.fromkeys(anchors.lower() + anchors.upper()))

    def target(self, text: str) -> tuple[re.Pattern[str], str]:
        """The pattern to run and the text to run it on (``text`` or ``text.lower()``)."""
        if text.isascii() or (foldable(text) and (self.ascii or (
                bool(self.anchors) and not any(anchor in text for anchor in self.anchors)))):
            return self.plain, lower(text)
        return self.folded, text
