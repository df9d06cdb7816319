"""Label a mined reply with a cause category and bounce type (shared/taxonomy-v2.md).

The rules (``labels.json``) are written for the corpus, apart from smtplesson's own rules:
the words of the reply decide first (ordered, first match wins), then the enhanced code's
registry meaning, then the class (``other``).  Every mined file was reviewed by eye after
labelling; ``overrides`` in ``labels.json`` holds the corrections that review made.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

_DATA = json.loads((Path(__file__).parent / "labels.json").read_text("utf-8"))
_RULES = [(category, re.compile(pattern)) for category, pattern in _DATA["rules"]]
_ENHANCED: dict[str, str] = _DATA["enhanced"]
_OVERRIDES: dict[str, str] = _DATA["overrides"]
#: mined texts the review found not to be replies (prose, fragments of multi-line replies)
NOT_REPLIES = frozenset(_DATA["not_replies"])
SENDER_SIDE = frozenset({"sender-auth", "reputation", "reverse-dns", "content", "policy",
                         "authentication", "tls", "relay-denied", "sender-rejected", "syntax",
                         "message-size"})
RECIPIENT_PERMANENT = frozenset({"mailbox-unknown", "mailbox-disabled", "dns-routing"})
_RECIPIENT_SYNTAX = re.compile(
    r"recipient address|rcpt|x\.1\.3|bad (?:destination )?(?:mailbox )?address syntax|recipient syntax")


def bounce_type(category: str, digit: int, low: str = "", enhanced: str | None = None) -> str:
    """The taxonomy's bounce type for a category and a reply class."""
    if category == "success" or digit in (2, 3):
        return "none"
    if category == "syntax" and digit == 5 and (
            _RECIPIENT_SYNTAX.search(low) or (enhanced or "").endswith(".1.3")):
        return "hard"
    if category in SENDER_SIDE:
        return "block"
    if category in RECIPIENT_PERMANENT or category == "other":
        return "soft" if digit == 4 else "hard"
    return "soft"


def category_of(code: int | None, enhanced: str | None, text: str) -> str:
    """The cause category of a reply from its words, then its enhanced code."""
    reply = " ".join(str(p) for p in (code, enhanced) if p is not None) + " " + text
    if reply in _OVERRIDES:
        return _OVERRIDES[reply]
    low = text.lower()
    for category, pattern in _RULES:
        if pattern.search(low):
            return category
    if enhanced is not None:
        return _ENHANCED.get("X" + enhanced[1:], "other")
    return "other"


def label(code: int | None, enhanced: str | None, text: str) -> tuple[str, str]:
    """(category, bounce type) of a mined reply."""
    category = category_of(code, enhanced, text)
    digit = code // 100 if code is not None else int((enhanced or "5")[0])
    return category, bounce_type(category, digit, text.lower(), enhanced)
