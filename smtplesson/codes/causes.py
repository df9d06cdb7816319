"""What the codes alone say of a reply: its cause category and its bounce type.

The tables are ``codes/data/categories.json`` (read here, once): the category of each enhanced
code and basic code, which of them are too generic to decide alone, and each category's
default bounce type.  The registry gives every code its :attr:`~.registry.ReplyCode.cause`
from here; :mod:`.explanation` (the judge) starts from the same functions and lets the
reply's words and its provider's rules say more.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .._data import load
from .syntax import class_free, class_of

__all__ = ["DATA", "bounce_type", "category", "class_digit", "code_category", "code_cause", "says_temporary"]

#: codes/data/categories.json
DATA: dict[str, Any] = load("codes", "categories.json")
_ENH_MAP: dict[str, str] = DATA["enhanced"]
_ENH_GENERIC = frozenset(DATA["enhanced_generic"])
_ENH_SUBJECT: dict[str, str] = DATA["enhanced_subject"]
_BASIC_MAP: dict[int, str] = {int(k): v for k, v in DATA["basic"].items()}
_BASIC_GENERIC = frozenset(int(k) for k in DATA["basic_generic"])
_BASIC_CLASS: dict[int, str] = {int(k): v for k, v in DATA["basic_class"].items()}
_CATEGORY_BOUNCE: dict[str, str] = {name: entry["bounce_type"] for name, entry in DATA["categories"].items()}
_RECIPIENT_SYNTAX = re.compile(DATA["hard_recipient_syntax"])
_SAYS_TEMPORARY = re.compile(DATA["soft_when_temporary"])
_DNS_TEMPORARY = re.compile(DATA["soft_dns_when_temporary"])
_TEMPORARY_FAILURE = re.compile(DATA["temporary_failure"])


def says_temporary(low: str) -> bool:
    """True when the (lower-cased) text calls the failure a temporary error or problem, in any
    language of the lexicon ("temporary failure", "erreur temporaire", "一時的な問題")."""
    return _TEMPORARY_FAILURE.search(low) is not None


def class_digit(code: int | None, enhanced: str | None) -> int:
    """The class digit a sender acts on: the basic code's, else the enhanced code's."""
    if type(code) is int and 200 <= code <= 559 and code // 10 % 10 <= 5:
        return code // 100  # a basic code (RFC 5321 §4.2): what class_of says, without its regex
    digit = class_of(code if code is not None else enhanced or "")
    if digit is None:
        raise ValueError(f"no reply class in {code!r} / {enhanced!r}")
    return digit


def category(code: int | None, enhanced: str | None, keyword: str | None) -> str:
    """Enhanced code first, then basic code, then the keyword category (generic codes defer
    to the keywords)."""
    decided, fallback = code_category(code, enhanced)
    if decided is not None:
        return decided
    return keyword or fallback


@lru_cache(maxsize=4096)  # bench/explain.py guards these caches: without them < 60,000 lines/s
def code_category(code: int | None, enhanced: str | None) -> tuple[str | None, str]:
    """(category decided by the codes alone or None, fallback category)."""
    digit = class_digit(code, enhanced)
    if digit in (2, 3):
        return "success", "success"
    enh_cat = None
    if enhanced is not None:
        key = class_free(enhanced)
        enh_cat = _ENH_MAP.get(key)
        if enh_cat == "success":  # X.6.4, X.3.6 on a failure: the detail does not say the cause
            enh_cat = None
        if code == 501 and key == "X.1.7":
            # "501 5.1.7": a syntax error in the arguments (RFC 5321 §4.2.3) of a bad sender's
            # mailbox address syntax (RFC 3463 §3.2): both codes say the address is malformed
            return "syntax", "syntax"
        if enh_cat is not None and key not in _ENH_GENERIC:
            return enh_cat, enh_cat
        if enh_cat is None:
            enh_cat = _ENH_SUBJECT.get(enhanced.split(".")[1], "other")
    basic_cat = _BASIC_MAP.get(code) if code is not None else None
    if basic_cat is not None and code not in _BASIC_GENERIC:
        return basic_cat, basic_cat
    if enhanced is not None and enhanced[1:] == ".0.0" and basic_cat == "syntax":
        # X.0.0 names no subject (RFC 3463 §3.1); a 500-504 or 553 still says the command or
        # its argument was refused (RFC 5321 §4.2.2-4.2.3)
        return None, basic_cat
    return None, enh_cat or basic_cat or _BASIC_CLASS.get(digit, "other")


def registry_category(enhanced: str) -> str | None:
    """The category categories.json gives a class-free enhanced code (``X.7.1``), or None."""
    return _ENH_MAP.get(enhanced)


def bounce_type(category: str, digit: int | None, low: str, command: str | None,
                rule_bounce: str | None = None, enhanced: str | None = None) -> str:
    """hard / soft / block / none: a provider rule's own, else the category's default, then
    what the (lower-cased) text and the enhanced code (X.1.3: a bad recipient address) say."""
    if rule_bounce is not None:
        return rule_bounce
    default = _CATEGORY_BOUNCE.get(category, "class")
    if default == "none" or digit in (2, 3):
        return "none"
    if default == "class":
        # words without a code that call the failure temporary are no reason to suppress
        return "soft" if digit == 4 or (digit is None and (
            _SAYS_TEMPORARY.search(low) is not None or says_temporary(low))) else "hard"
    if default == "hard":
        if digit == 4:
            return "soft"
        if digit is None and category == "dns-routing" and _DNS_TEMPORARY.search(low):
            return "soft"
        return "hard"
    if default == "block":
        if category == "syntax" and digit in (5, None) and (
                command == "RCPT" or _RECIPIENT_SYNTAX.search(low)
                or (enhanced is not None and enhanced[1:] == ".1.3" and "sender" not in low)):
            return "hard"  # a malformed recipient address (X.1.3: RFC 3463 §3.2)
        if digit == 4 and _SAYS_TEMPORARY.search(low):
            return "soft"  # the server itself calls it temporary
    return default


def code_cause(code: int | None, enhanced: str | None) -> tuple[str, str]:
    """(cause category, bounce type) of a code on its own, e.g. 552 -> ("mailbox-full", "soft"):
    what :func:`smtplesson.explain` says of the bare code (tests/unit/test_codes.py checks it)."""
    found = category(code, enhanced, None)
    text = enhanced if enhanced is not None else str(code)
    return found, bounce_type(found, class_digit(code, enhanced), text, None)
