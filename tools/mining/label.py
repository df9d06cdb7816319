"""Label a mined reply with a cause category and bounce type (shared/taxonomy-v2.md).

The rules (``labels.json``) are written for the corpus, apart from smtplesson's own rules:
an enhanced code whose subject is unambiguous decides first (``enhanced_first``: X.1.3 bad
destination address syntax, X.7.8 credentials), then the words of the reply (ordered, first
match wins), then the enhanced code's registry meaning, then ``other``; a 421 whose words
name no cause but an internal error is a closing (``server-shutdown``, the taxonomy's
"421 closings").  An override may name the bounce type too (``category/type``).  Every mined
file was reviewed by eye after labelling; ``overrides`` in ``labels.json`` holds the
corrections that review made, from the literal's source (the command it answers).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

_DATA = json.loads((Path(__file__).parent / "labels.json").read_text("utf-8"))
_RULES = [(category, re.compile(pattern)) for category, pattern in _DATA["rules"]]
_ENHANCED: dict[str, str] = _DATA["enhanced"]
_ENHANCED_FIRST: dict[str, str] = _DATA["enhanced_first"]
_OVERRIDES: dict[str, str] = _DATA["overrides"]
#: mined texts the review found not to be replies (prose, fragments of multi-line replies)
NOT_REPLIES = frozenset(_DATA["not_replies"])
#: mined replies whose cause nobody can tell (templates that could say anything): left out
AMBIGUOUS = frozenset(_DATA["ambiguous"])
SENDER_SIDE = frozenset({"sender-auth", "reputation", "reverse-dns", "content", "policy",
                         "authentication", "tls", "relay-denied", "sender-rejected", "syntax",
                         "message-size"})
RECIPIENT_PERMANENT = frozenset({"mailbox-unknown", "mailbox-disabled", "dns-routing"})
# a malformed recipient address (hard), as opposed to command, sequence or parameter syntax
_RECIPIENT_SYNTAX = re.compile(
    r"(?:bad|invalid|malformed|illegal|improper)\b.{0,12}(?:recipient|destination)|recipient address syntax"
    r"|could not parse (?:your )?(?:recipient|rcpt)|invalid rcpt to\b|invalid to: (?!unexpected whitespace)"
    r"|unacceptable to:|mailbox name not allowed|syntax error in mailbox name"
    r"|normali[sz]e the recipient")
_TEMPORARY = re.compile(r"temporar(?:y|ily)|local problem")
_SENDER = re.compile(r"sender|mail from|\bfrom\b")


def bounce_type(category: str, digit: int, low: str = "", enhanced: str | None = None) -> str:
    """The taxonomy's bounce type for a category and a reply class."""
    if category == "success" or digit in (2, 3):
        return "none"
    if category == "syntax" and digit == 5 and not _SENDER.search(low) and (
            _RECIPIENT_SYNTAX.search(low) or (enhanced or "").endswith(".1.3")):
        return "hard"
    if category in SENDER_SIDE:
        # a 4xx the server itself calls temporary, or its own local problem, is a failure on
        # the receiving side, not a refusal of the sender (taxonomy: soft = "temporary, on the
        # receiving side"), as the reviewed Gmail page line "454 4.7.0 Cannot authenticate due
        # to a temporary system problem" is labelled
        return "soft" if digit == 4 and _TEMPORARY.search(low) else "block"
    if category in RECIPIENT_PERMANENT or category == "other":
        return "soft" if digit == 4 else "hard"
    return "soft"


def category_of(code: int | None, enhanced: str | None, text: str) -> str:
    """The cause category of a reply from its words, then its enhanced code."""
    reply = " ".join(str(p) for p in (code, enhanced) if p is not None) + " " + text
    if reply in _OVERRIDES:
        return _OVERRIDES[reply]
    subject = "X" + enhanced[1:] if enhanced is not None else ""
    if subject in _ENHANCED_FIRST:
        return _ENHANCED_FIRST[subject]
    low = text.lower()
    category = next((name for name, pattern in _RULES if pattern.search(low)), None)
    if category is None:
        category = _ENHANCED.get(subject, "other")
    return "server-shutdown" if category == "other" and code == 421 else category


#: qmail writes its enhanced code after the text: "553 sorry, ... (#5.7.1)"
_QMAIL_ENHANCED = re.compile(r"\(#([245]\.[0-9]{1,3}\.[0-9]{1,3})\)")


def label(code: int | None, enhanced: str | None, text: str) -> tuple[str, str]:
    """(category, bounce type) of a mined reply."""
    if enhanced is None and (qmail := _QMAIL_ENHANCED.search(text)) is not None:
        enhanced = qmail.group(1)
    category = category_of(code, enhanced, text)
    if "/" in category:  # an override that also names the bounce type ("syntax/block": ZMailer
        # writes X.1.3 for command syntax)
        named, kind = category.split("/")
        return named, kind
    digit = code // 100 if code is not None else int((enhanced or "5")[0])
    return category, bounce_type(category, digit, text.lower(), enhanced)
