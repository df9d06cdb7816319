"""A reply code's own stock text, masked out of the words that are read for its cause.

RFC 5321 §4.2.2 gives each reply code a text ("503 Bad sequence of commands", "550 Requested
action not taken: mailbox unavailable") and RFC 3463 §3 with the IANA registry (RFC 5248)
gives each enhanced code a title ("5.5.1 Invalid command"); §4.2 says the text is
"intended for the human user" and a client acts on the code.  A server that sends the stock
text with its code says nothing the code does not: those words add no evidence of a cause.
What the server adds ("(already authenticated)", "IP blacklisted") does.  :func:`without_stock`
takes the registry's phrases for a reply's codes (codes/data/basic_codes.json and
enhanced_codes.json: one precomputed mask per pair of codes) out of a lower-cased text, so that
the cue lexicon reads only the added words, and the code decides when nothing else is said.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .registry import BASIC_CODES, ENHANCED_CODES
from .syntax import class_free

__all__ = ["stock_phrases", "without_stock"]

# "<domain>", "<forward-path>", "<n>": what the server fills in, not stock words; "(registry
# association)", "(AUTH continuation)": the registry's notes, not the text
_FILLED = re.compile(r"<[^<>]*>|\((?:registry association|auth continuation)\)")
# 554 "Transaction failed (or, at connection opening, 'No SMTP service here')": the quoted
# alternative is stock text of its own (RFC 5321 §4.2.3)
_QUOTED = re.compile(r"'([^']+)'")
# a title that joins alternatives ("TLS not available / temporary authentication failure", RFC
# 3207 §4 and RFC 4954 §6; "Authentication required / must issue STARTTLS first", RFC 4954 §6
# and RFC 3207 §4) gives a code two meanings: the text that says one of them says more than the
# code, and is not masked.  Of "User not local; please try <forward-path>" the first clause only
# is stock ("please try" is any server's words)
_ALTERNATIVES = " / "
_MIN_PHRASE = 8  # a shorter remnant ("ok") is no phrase worth masking


def _phrases(title: str) -> tuple[str, ...]:
    """The stock phrases of one registry title, lower-cased, longest first."""
    if _ALTERNATIVES in title:
        return ()
    low = title.lower()
    quoted = _QUOTED.findall(low)
    low = _FILLED.sub(" ", _QUOTED.sub(" ", low))
    low = low.split(" (or", 1)[0].split("; ", 1)[0]
    parts = [" ".join(part.split()).strip(" ,.") for part in (low, *quoted)]
    return tuple(sorted({p for p in parts if len(p) >= _MIN_PHRASE}, key=len, reverse=True))


@lru_cache(maxsize=512)
def stock_phrases(code: int | None, enhanced: str | None) -> tuple[str, ...]:
    """The registry's stock phrases of a basic code and of an enhanced code (either may be
    None), lower-cased, longest first: 503 + 5.5.1 -> ("bad sequence of commands",
    "invalid command")."""
    titles = []
    if code is not None and code in BASIC_CODES:
        titles.append(BASIC_CODES[code].title)
    if enhanced is not None:
        entry = ENHANCED_CODES.get(class_free(enhanced))
        if entry is not None:
            titles.append(entry.title)
    found = {phrase for title in titles for phrase in _phrases(title)}
    return tuple(sorted(found, key=len, reverse=True))


def without_stock(low: str, code: int | None, enhanced: str | None) -> str:
    """``low`` (lower-cased) with the stock phrases of its codes put out as clause marks ("; "),
    so that no cue or negation reads across them."""
    for phrase in stock_phrases(code, enhanced):
        if phrase in low:
            low = low.replace(phrase, "; ")
    return low
