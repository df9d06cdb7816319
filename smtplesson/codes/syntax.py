"""The one home of reply syntax: every pattern that finds a basic or an enhanced code.

A basic reply code is three digits (RFC 5321 §4.2): the first 2 to 5, the second 0 to 5,
the third 0 to 9.  A reply line is the code, then a space (the last line), a ``-`` (more
lines follow) or nothing.  An enhanced status code (RFC 3463 §2) is ``class "." subject
"." detail``: class 2, 4 or 5; subject and detail 1 to 3 digits without leading zeros;
on a reply line it follows the code and a space (RFC 2034 §4).

Use the helpers (:func:`code_of`, :func:`is_last_line`, :func:`enhanced_of`,
:func:`class_of`) rather than slicing reply strings; the compiled patterns are for
code that searches text.  Every pattern is ASCII-only.
"""
from __future__ import annotations

import re

__all__ = [
    "BASIC",
    "BASIC_ANY",
    "BASIC_IN_TEXT",
    "BASIC_PARTIAL",
    "CLASS",
    "CODE_AND_ENHANCED_IN_TEXT",
    "CODE_IN_TEXT",
    "ENHANCED",
    "ENHANCED_FIELD",
    "ENHANCED_HASHED",
    "ENHANCED_IN_TEXT",
    "ENHANCED_LENIENT",
    "ENHANCED_LENIENT_IN_TEXT",
    "ENHANCED_PARTIAL",
    "REPLY_LINE",
    "class_free",
    "class_of",
    "code_and_enhanced",
    "code_of",
    "enhanced_in_text",
    "enhanced_of",
    "is_last_line",
]

_BASIC = r"[2-5][0-5][0-9]"
_NUMBER = r"(?:0|[1-9][0-9]{0,2})"  # 1 to 3 digits, no leading zero (RFC 3463 §2)
_ENHANCED = rf"[245]\.{_NUMBER}\.{_NUMBER}"

#: a basic reply code, ``550`` (RFC 5321 §4.2); use with ``fullmatch``
BASIC = re.compile(_BASIC, re.ASCII)
#: any three digits: a query such as ``"199"`` is answered "no such code", not searched as words
BASIC_ANY = re.compile(r"[0-9]{3}", re.ASCII)
#: a partial basic code typed into a search, ``"5"`` or ``"55"``
BASIC_PARTIAL = re.compile(r"[0-9]{1,2}", re.ASCII)
#: an enhanced status code, strict RFC 3463 §2: ``5.1.1``, not ``5.01.1`` or ``X.1.1``
ENHANCED = re.compile(_ENHANCED, re.ASCII)
#: an enhanced code as people type it in a query: also the class-free ``X.1.1``/``x.1.1``
#: and leading zeros; groups: class, subject, detail
ENHANCED_LENIENT = re.compile(r"([245xX])\.([0-9]{1,3})\.([0-9]{1,3})", re.ASCII)
#: a partial enhanced code typed into a search, ``"5."``, ``"5.1"``, ``"X.1."``; group: subject
ENHANCED_PARTIAL = re.compile(r"[245xX]\.(?:([0-9]{1,3})\.?)?", re.ASCII)
#: the start of a reply line: group 1 the code, group 2 ``" "``, ``"-"`` or ``""``
REPLY_LINE = re.compile(rf"({_BASIC})([ \-]|(?=[\r\n])|\Z)", re.ASCII)
_ENHANCED_AT_START = re.compile(rf"(?:{_BASIC}[ \-])?({_ENHANCED})(?= |\r?\n|\Z)", re.ASCII)
_CONTINUATION = re.compile(r"[0-9]{3}-", re.ASCII)
#: a class written as people write it: ``5``, ``5xx``, ``5yz`` (RFC 5321 §4.2.1); group: digit
CLASS = re.compile(r"([2-5])(?:xx|XX|yz)?", re.ASCII)

# --- codes inside free text: a log line, a bounce, a question typed into a search
#: a basic code mentioned in a query, not part of a longer number or of ``5.1.1``
BASIC_IN_TEXT = re.compile(rf"(?<![0-9.])({_BASIC})(?![0-9]|\.[0-9])", re.ASCII)
#: a lenient enhanced code mentioned in a query; groups as :data:`ENHANCED_LENIENT`
ENHANCED_LENIENT_IN_TEXT = re.compile(
    r"(?<![0-9.])([245xX])\.([0-9]{1,3})\.([0-9]{1,3})(?![0-9.])", re.ASCII)
# Each pattern of a reply in a log starts with a digit class, so the regex engine can skip
# ahead fast; the lookbehind after the first digit keeps codes out of numbers, IP
# addresses, ports, dates, key=value pairs and hostnames.
_NOT_AFTER = r"(?<![\w.:/=\[\-+@$%][2-5])"
_LOG_BASIC = rf"[2-5]{_NOT_AFTER}[0-5][0-9]"
#: a code and its enhanced code in a log line: ``550 5.1.1``, ``550-5.1.1``, ``550, "5.7.26"``
#: (Gmail's help table), ``(550, b'5.7.1 ...')`` (Python's smtplib exceptions: the code, then the
#: reply text as bytes or str), ``#550 5.1.1`` (Exchange); groups: code, enhanced code
CODE_AND_ENHANCED_IN_TEXT = re.compile(
    rf"({_LOG_BASIC})(?:[ \-]|,\s*(?:b?'|[\"“])?)\s?({_ENHANCED})(?![0-9.])")
#: a basic code alone in a log line, followed by a space, a continuation mark, the end or
#: punctuation; group: code
CODE_IN_TEXT = re.compile(rf"({_LOG_BASIC})(?=[ \t]|-(?![0-9])|$|[,;:)'\"\]])")
#: an enhanced code in a field: Postfix ``dsn=5.1.1``, DSN ``Status: 5.1.1``, qmail ``#5.1.1``
ENHANCED_FIELD = re.compile(rf"(?:dsn=|[Ss]tatus: ?|#)({_ENHANCED})(?![0-9.])")
#: an enhanced code anywhere in a log line, not inside a number, path or key=value
ENHANCED_IN_TEXT = re.compile(
    rf"([245](?<![\w.\-/:=][245])\.{_NUMBER}\.{_NUMBER})(?![0-9.]|\w)")
#: qmail's enhanced code in parentheses, ``(#5.1.1``
ENHANCED_HASHED = re.compile(rf"\(#({_ENHANCED})(?![0-9.])")

# A pattern led by a literal is searched for far faster than one led by a class of characters
# ([2-5]): the regex engine skips to each "." instead of trying every digit of the dates, ids
# and addresses before a reply.  So the two searches below start from the first dot after an
# enhanced code's class digit.  Keep the two sets in step with CODE_AND_ENHANCED_IN_TEXT's
# separator (tests/unit/test_syntax.py checks that the searches agree):
# what may stand just before the class digit, and every character the separator may hold.
_ENHANCED_DOT = re.compile(r"\.(?<=[\s,'\"“\-][245]\.)")
_SEPARATOR_CHARS = frozenset(" -,'\"“b")
_CLASS_DOT = re.compile(r"\.(?<=[245]\.)")
# The first such dot, and when the code stands just before it with one space or "-" between
# (the common "550 5.1.1", "550-5.1.1"), the code (group 1) and the rest of the enhanced code:
# the whole match of CODE_AND_ENHANCED_IN_TEXT in one search.
_CODE_DOT = re.compile(
    rf"\.(?<=[\s,'\"“\-][245]\.)(?:(?<=(?<![\w.:/=\[\-+@$%])({_BASIC})[ \-][245]\.)"
    rf"{_NUMBER}\.{_NUMBER}(?![0-9.]))?")


def code_and_enhanced(text: str) -> tuple[int, int, str, str] | None:
    """(start, end, code, enhanced code) of ``CODE_AND_ENHANCED_IN_TEXT.search(text)``, searched
    from a little before the first enhanced-looking dot: no match starts earlier (a code and its
    separator hold no dot), and there is none without such a dot."""
    dot = _CODE_DOT.search(text)
    if dot is None:
        return None
    at, end = dot.span()
    code = dot[1]
    if code is not None:  # "550 5.1.1": found whole
        return at - 5, end, code, text[at - 1:end]
    at -= 2  # the separator's last character, before the class digit
    while at > 0 and (text[at - 1] in _SEPARATOR_CHARS or text[at - 1].isspace()):
        at -= 1
    match = CODE_AND_ENHANCED_IN_TEXT.search(text, max(0, at - 3))
    return None if match is None else (match.start(), match.end(), match.group(1), match.group(2))


def enhanced_in_text(text: str) -> re.Match[str] | None:
    """``ENHANCED_IN_TEXT.search(text)``, searched from the first dot after a class digit."""
    dot = _CLASS_DOT.search(text)
    return ENHANCED_IN_TEXT.search(text, dot.start() - 1) if dot is not None else None


def code_of(line: str) -> int | None:
    """The reply code a reply line starts with (``"250-SIZE"`` -> 250); None if it starts
    with none (RFC 5321 §4.2: the code, then a space, ``-`` or the end of the line)."""
    match = REPLY_LINE.match(line) if isinstance(line, str) else None
    return int(match.group(1)) if match else None


def is_last_line(line: str) -> bool:
    """True unless the line is ``NNN-...``, a line that more lines of its reply follow."""
    return _CONTINUATION.match(line) is None


def enhanced_of(text: str) -> str | None:
    """The enhanced status code at the start of a reply or of its text (``"550 5.1.1 No"``
    and ``"5.1.1 No"`` -> ``"5.1.1"``); None if there is none (RFC 3463 §2, RFC 2034 §4)."""
    match = _ENHANCED_AT_START.match(text.strip()) if isinstance(text, str) else None
    return match.group(1) if match else None


def class_free(code: str) -> str:
    """``"5.1.1"`` -> ``"X.1.1"``, the registry's key: subject and detail mean the same in
    every class (RFC 3463 §2)."""
    return "X." + code.partition(".")[2]


def class_of(code: int | str) -> int | None:
    """The class digit 2, 3, 4 or 5 of a basic code (550, ``"550"``, a reply line), of an
    enhanced code (``"5.1.1"``) or of a class itself (5, ``"5xx"``); None otherwise
    (``"X.1.1"`` has no class; enhanced codes have no class 3)."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        if 2 <= code <= 5:
            return code
        return code // 100 if BASIC.fullmatch(str(code)) else None
    if not isinstance(code, str):
        return None
    text = code.strip()
    written = CLASS.fullmatch(text)
    if written is not None:
        return int(written.group(1))
    basic = code_of(text)
    if basic is not None:
        return basic // 100
    enhanced = ENHANCED_LENIENT.match(text)
    if enhanced and enhanced.group(1) in "245":
        return int(enhanced.group(1))
    return None
