"""The features of a reply's text for the learned fallback: pure stdlib, cheap, deterministic.

NFKC, lower case; e-mail addresses, URLs, IPv4/IPv6 addresses and host names masked to one
token each, digits to ``0``; then word unigrams and bigrams and, for runs of CJK script
(which has no spaces between words), character bigrams.  ``codes=True`` adds the reply code
and the class-free enhanced code as features of their own.
"""
from __future__ import annotations

import itertools
import re
import unicodedata

__all__ = ["features"]

_MASKS = (
    (re.compile(r"\S+@\S+"), " _addr_ "),
    (re.compile(r"(?:https?://|www\.)\S+"), " _url_ "),
    (re.compile(r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b|\b(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\b"), " _ip_ "),
    (re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b"), " _host_ "),
    (re.compile(r"[0-9]+"), "0"),
)
# a word: letters of any script but the CJK ones (whose runs are read by characters), or a mask
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"_[a-z]+_|[^\W\d_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def features(text: str, code: int | None = None, enhanced: str | None = None, *,
             bigrams: bool = True, cjk: bool = True, codes: bool = False) -> set[str]:
    """The set of features of ``text`` (a reply's words, as explain reads them)."""
    low = unicodedata.normalize("NFKC", text).lower()
    for pattern, mask in _MASKS:
        low = pattern.sub(mask, low)
    words = _WORD.findall(low)
    found = set(words)
    if bigrams:
        found.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    if cjk:
        for run in _CJK_RUN.findall(low):
            found.update(run[i:i + 2] for i in range(max(1, len(run) - 1)))
    if codes:
        if code is not None:
            found.add(f"#{code}")
        if enhanced is not None:
            found.add(f"#x{enhanced[1:]}")
    return found
