"""Explain an SMTP reply, a bounce or a mail-log line in plain language.

``explain(text)`` finds the reply inside text as people paste it -- a bare reply
(``"452 4.5.3 Too many recipients"``), a Postfix log or bounce line
(``"... said: 550 5.1.1 ... (in reply to RCPT TO command)"``), an Exchange NDR
(``"Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; ...'"``),
an Exim line, a DSN field (``"Diagnostic-Code: smtp; 552 5.2.2 ..."``,
``"Status: 5.1.1"``) -- and says what it means and what the sender should do.
It never raises: text without a reply gets ``found=False``.

The category tables and keyword rules live in ``codes/data/categories.json``.  The module is
called ``explanation``, not ``explain``, so that the lazy ``smtplesson.explain`` is always
the function and never this module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .._data import load
from .classes import REPLY_CLASSES, enhanced_class_of
from .phrases import PhraseIndex
from .providers import PATTERNS as _PROVIDER_PATTERNS
from .providers import Provider, ProviderRule
from .providers import match as _provider_match
from .registry import BASIC_CODES, ENHANCED_CODES, STRUCTURE, EnhancedCode, ReplyCode
from .reply import KINDS, OUTCOMES, Reply, ReplyError, parse_reply
from .syntax import (
    CODE_AND_ENHANCED_IN_TEXT,
    CODE_IN_TEXT,
    ENHANCED_FIELD,
    ENHANCED_HASHED,
    ENHANCED_IN_TEXT,
    class_free,
    class_of,
    code_of,
)

__all__ = ["BOUNCE_TYPES", "CATEGORIES", "Explanation", "explain"]

_DATA: dict[str, Any] = load("codes", "categories.json")
#: the 24 cause categories (issue 11), in the order of codes/data/categories.json
CATEGORIES: tuple[str, ...] = tuple(_DATA["categories"])
_ENH_MAP: dict[str, str] = _DATA["enhanced"]
_ENH_GENERIC = frozenset(_DATA["enhanced_generic"])
_ENH_SUBJECT: dict[str, str] = _DATA["enhanced_subject"]
_BASIC_MAP: dict[int, str] = {int(k): v for k, v in _DATA["basic"].items()}
_BASIC_GENERIC = frozenset(int(k) for k in _DATA["basic_generic"])
_BASIC_CLASS: dict[int, str] = {int(k): v for k, v in _DATA["basic_class"].items()}
_COMMANDS: dict[str, str] = _DATA["commands"]
# "(in reply to RCPT TO command)" (Postfix), "after RCPT TO:<...>" (Exim), "reject: RCPT from"
_COMMAND_PREFIXES = (
    "in reply to ", "mail server after ", "mailer after ", "host after ", "reject: ",
    "while sending ", "while receiving the ", "while receiving ",
)
_COMMAND_NAME = re.compile(
    r"(?:the )?(rcpt to|mail from|end of data|end-of-message|sending data block|data|ehlo|helo|"
    r"lhlo|initial (?:server )?greeting|initial connection|connect|starttls|auth|bdat|rset|quit|"
    r"vrfy|expn|noop|etrn)\b",
    re.IGNORECASE,
)
_KEYWORD_CATEGORY = [category for category, _ in _DATA["keywords"]]
# One scan finds both the keyword rules (numbers below len(_KEYWORD_CATEGORY)) and the
# provider markers and rule texts of codes/data/providers.json (the numbers after them).
_PHRASES = PhraseIndex([*(pattern for _, pattern in _DATA["keywords"]), *_PROVIDER_PATTERNS])
_CATEGORY_BOUNCE: dict[str, str] = {name: entry["bounce_type"] for name, entry in _DATA["categories"].items()}
_RECIPIENT_SYNTAX = re.compile(_DATA["hard_recipient_syntax"])
_SAYS_TEMPORARY = re.compile(_DATA["soft_when_temporary"])
_DNS_TEMPORARY = re.compile(_DATA["soft_dns_when_temporary"])
#: the four bounce types (issue 11) and what each tells a sender to do
BOUNCE_TYPES: dict[str, str] = dict(_DATA["bounce_types"])
_WS = re.compile(r"\s+")
_REPLY_OPENERS = frozenset(":;'\"(#>[")
_CUTS = (" (in reply to ", "(in reply to ", "; from=<", " ##")


@dataclass(frozen=True)
class Explanation:
    """What a reply (or a bounce / log line) means and what the sender should do."""

    text: str
    found: bool
    code: int | None
    enhanced: str | None
    outcome: str | None
    category: str
    summary: str
    advice: str
    references: tuple[str, ...]
    notes: tuple[str, ...]
    command: str | None
    reply: Reply | None
    bounce_type: str = "none"  # "hard", "soft", "block" or "none" (data/categories.json)
    provider: str | None = None  # who answered, e.g. "Gmail / Google Workspace"
    provider_note: str | None = None  # what that provider means by this reply, with its source

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        reply = None
        if self.reply is not None:
            reply = {"code": self.reply.code, "enhanced": self.reply.enhanced,
                     "lines": list(self.reply.lines)}
        return {
            "text": self.text, "found": self.found, "code": self.code,
            "enhanced": self.enhanced, "outcome": self.outcome, "category": self.category,
            "summary": self.summary, "advice": self.advice,
            "references": list(self.references), "notes": list(self.notes),
            "command": self.command, "reply": reply, "bounce_type": self.bounce_type,
            "provider": self.provider, "provider_note": self.provider_note,
        }

    @property
    def kind(self) -> str | None:
        """RFC 5321 class name of the basic code (or of the enhanced class)."""
        if self.code is None and self.enhanced is None:
            return None
        return KINDS.get(_class(self.code, self.enhanced))

    @property
    def info(self) -> ReplyCode | None:
        """The registry entry of the basic code, or None."""
        return BASIC_CODES.get(self.code) if self.code is not None else None

    @property
    def enhanced_info(self) -> EnhancedCode | None:
        """The registry entry of the enhanced code (class-free, ``X.1.1``), or None."""
        return ENHANCED_CODES.get(class_free(self.enhanced)) if self.enhanced else None

    def __str__(self) -> str:
        from ..views.text import explanation_text

        return explanation_text(self)

    def _repr_html_(self) -> str:
        from ..views.explanation import explanation_html

        return explanation_html(self)


def explain(text: Any) -> Explanation:
    """Find the SMTP reply in ``text`` and explain it; never raises."""
    try:
        return _explain(_as_text(text))
    except Exception as exc:  # last-resort guard: explain() must never raise
        return _nothing(_safe_text(text), f"internal error while explaining: {type(exc).__name__}")


def _as_text(text: Any) -> str:
    """Whatever was passed, as a str (bytes are decoded leniently)."""
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", "replace")
    return "" if text is None else str(text)


def _safe_text(text: Any) -> str:
    try:
        return _as_text(text)
    except Exception:
        return ""


def _explain(text: str) -> Explanation:
    reply = _wire_reply(text) if "\n" in text else None
    scan = text if reply is not None or ("\n" not in text and "  " not in text) else " ".join(text.split())
    code: int | None
    if reply is not None:
        code, enhanced, body = reply.code, reply.enhanced, reply.text
    else:
        code, enhanced, body = _find(scan)
        if code is None or enhanced is None:  # "RCPT TO:550", "550: 5.2.2", "550 #5.1.0" ...
            unglued = _unglue(scan)
            if unglued != scan:
                found = _find(unglued)
                if _known(found[0], found[1]) > _known(code, enhanced):
                    code, enhanced, body = found
        if code is not None:
            reply = Reply(code, enhanced, (body,))
    command = _command(scan)
    if (code is not None and code < 400) or (enhanced is not None and enhanced[0] == "2"):
        low = ""  # a success means the same from every provider: no dialect to look up
    else:
        low = _MASK.sub(_masked, _context(scan, body, code, enhanced).lower())
    if code is None and enhanced is None:
        keyword, hits = _scan(low)
        provider, rule = _provider_match(low, code, enhanced, hits)
        return _no_code(text, low, keyword, provider, rule)
    judged = _judge(low, code, enhanced, command)
    return Explanation(text, True, code, enhanced, *judged[:6], command, reply, *judged[6:])


def _known(code: int | None, enhanced: str | None) -> int:
    """How many of the two codes were found."""
    return (code is not None) + (enhanced is not None)


@lru_cache(maxsize=16384)
def _judge(low: str, code: int | None, enhanced: str | None, command: str | None
           ) -> tuple[str, str, str, str, tuple[str, ...], tuple[str, ...], str, str | None,
                      str | None]:
    """(outcome, category, summary, advice, references, notes, bounce type, provider name,
    provider note) of a reply whose codes are known; ``low`` is its masked, lower-cased
    context ("" for a success)."""
    provider = rule = keyword = None
    if low:
        keyword, hits = _scan(low)
        provider, rule = _provider_match(low, code, enhanced, hits)
    category = rule.category if rule is not None else _category(code, enhanced, keyword)
    outcome, summary, advice, references, notes = _static(code, enhanced, category)
    bounce = _bounce_type(category, _class(code, enhanced), low, command, rule)
    note = None
    if rule is not None:
        summary, advice, references, note = _with_rule(provider, rule, code, enhanced, summary,
                                                       references)
    return (outcome, category, summary, advice, references, notes, bounce,
            provider.name if provider else None, note)


# The receiving host named around a reply: Postfix "relay=HOST[" / "host HOST[", a DSN's
# "Remote-MTA: dns; HOST", Exim's "host HOST [", Exchange's "Remote server: HOST".
_HOST_MARKS = ("relay=", "host ", "Remote-MTA: dns;", "Remote-MTA: dns; ", "Remote server: ",
               "Remote Server: ")
_HOST = re.compile(r"[\w.-]{4,}")


# IPv4 addresses and the local part of <addresses> vary from line to line and mean nothing
# to the rules: masked, repeated replies share the scan cache.
_MASK = re.compile(r"[0-9](?<![0-9.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?![0-9.])|<[^<>@\s]+@", re.ASCII)


def _masked(match: re.Match[str]) -> str:
    return "<@" if match.group()[0] == "<" else "192.0.2.0"


def _context(scan: str, body: str, code: int | None, enhanced: str | None) -> str:
    """What the provider rules read: the reply from where its code first appears (a
    flattened multi-line reply may start before the line the code was taken from) and the
    receiving host; all the text when the reply has no text of its own."""
    if not body:
        return scan
    if code is not None:
        first = scan.find(str(code))
        if first >= 0 and len(scan) - first > len(body) + 16:
            body = _unfold(scan[first:], code, enhanced)
    for mark in _HOST_MARKS:
        at = scan.find(mark)
        if at >= 0:
            host = _HOST.match(scan, at + len(mark))
            if host is not None and host.group() not in body:
                return f"{host.group()} {body}"
    return body


# Shapes people paste that hide the code: "RCPT TO:550 ...", "ERROR_CODE :550",
# "550 #5.1.0", "550: 5.2.2", "smtp;550", "[550 5.1.1 ...]".
_GLUED = re.compile(
    r"[:;\[#](?:(?<=[:;\[])(?=[2-5][0-5][0-9](?:[ \-:#]|$))"  # "RCPT TO:550", "smtp;550", "[550"
    r"|(?<=[2-5][0-5][0-9]:)(?= ?[245]\.)"  # "550: 5.2.2"
    r"|(?<=[2-5][0-5][0-9] #)(?=[245]\.))", re.ASCII)  # "550 #5.1.0"


def _unglue(scan: str) -> str:
    """Put a space where a pasted reply glued its code to a neighbour."""
    return _GLUED.sub(_space, scan)


def _space(match: re.Match[str]) -> str:
    """':550' -> ': 550'; '550:' and '550 #' before an enhanced code -> a space."""
    mark, before = match.group(), match.string[match.start() - 1:match.start()]
    return " " if mark == "#" or (mark == ":" and before.isdigit()) else mark + " "


def _bounce_type(category: str, digit: int | None, low: str, command: str | None,
                 rule: ProviderRule | None) -> str:
    """hard / soft / block / none: the category's default, then what the text says."""
    if rule is not None and rule.bounce_type is not None:
        return rule.bounce_type
    default = _CATEGORY_BOUNCE.get(category, "class")
    if default == "none" or digit in (2, 3):
        return "none"
    if default == "class":
        return "soft" if digit == 4 else "hard"
    if default == "hard":
        if digit == 4:
            return "soft"
        if digit is None and category == "dns-routing" and _DNS_TEMPORARY.search(low):
            return "soft"
        return "hard"
    if default == "block":
        if category == "syntax" and digit == 5 and (
                command == "RCPT" or _RECIPIENT_SYNTAX.search(low)):
            return "hard"  # a malformed recipient address
        if digit == 4 and _SAYS_TEMPORARY.search(low):
            return "soft"  # the server itself calls it temporary
    return default


@lru_cache(maxsize=4096)
def _with_rule(provider: Provider | None, rule: ProviderRule, code: int | None,
               enhanced: str | None, summary: str, references: tuple[str, ...]
               ) -> tuple[str, str, tuple[str, ...], str]:
    """(summary, advice, references, provider note) once a provider rule explains the reply."""
    name = provider.name if provider is not None else rule.provider
    shown = enhanced or (str(code) if code is not None else "this reply")
    note = f"{name} uses {shown} for: {rule.meaning} (source: {rule.source})."
    entry = ENHANCED_CODES.get("X" + enhanced[1:]) if enhanced else None
    if entry is not None and _ENH_MAP.get(entry.code) != rule.category:
        note += (f" The registry's {entry.code} is '{entry.title}' ({entry.reference}); "
                 f"here {name}'s meaning applies.")
    head = summary.split("; ", 1)[0].rstrip(".")
    summary = f"{head}; {name}: {rule.meaning}."
    advice = f"{rule.advice} ({name}'s page: {rule.source})"
    return summary, advice, tuple(dict.fromkeys((*references, rule.source))), note


def _wire_reply(text: str) -> Reply | None:
    """A multi-line reply pasted as it came over the wire, or None."""
    stripped = text.strip()
    if code_of(stripped) is None:
        return None
    try:
        return parse_reply(stripped)
    except ReplyError:
        return None


def _find(scan: str) -> tuple[int | None, str | None, str]:
    """(code, enhanced, reply text) found in a log or bounce line."""
    match = CODE_AND_ENHANCED_IN_TEXT.search(scan)
    if match is not None:
        code, enhanced = int(match.group(1)), match.group(2)
        return code, enhanced, _body(scan, match.start(), match.end(), code, enhanced)
    match = _pick_code(scan)
    if match is not None:
        code = int(match.group(1))
        body = _body(scan, match.start(), match.end(), code, None)
        hashed = ENHANCED_HASHED.search(body)
        return code, (hashed.group(1) if hashed else None), body
    field = ENHANCED_FIELD.search(scan) or ENHANCED_IN_TEXT.search(scan)
    if field is not None:
        return None, field.group(1), ""
    return None, None, ""


def _pick_code(scan: str) -> re.Match[str] | None:
    """The best code-like number: a registry code where a reply starts (after ':', ';',
    a quote, '(' ...), else any registry code, else an unknown code where a reply starts."""
    known = unknown = None
    for match in CODE_IN_TEXT.finditer(scan):
        at_reply = _at_reply_start(scan, match.start())
        if int(match.group(1)) in BASIC_CODES:
            if at_reply:
                return match
            known = known or match
        elif at_reply and unknown is None:
            unknown = match
    return known or unknown


def _at_reply_start(scan: str, start: int) -> bool:
    """True when the code opens the text or follows a separator a reply comes after."""
    i = start - 1
    if i >= 0 and scan[i] in " \t":
        i -= 1
    return i < 0 or scan[i] in _REPLY_OPENERS


def _unfold(text: str, code: int, enhanced: str | None) -> str:
    """A multi-line reply flattened into one line, without the codes inside it."""
    if f"{code}-" in text or f" {code} " in text:
        for mark in ("-", " "):
            text = text.replace(f" {code}{mark}{enhanced} " if enhanced else f" {code}{mark}", " ")
    return text


def _body(scan: str, start: int, end: int, code: int, enhanced: str | None) -> str:
    """The reply's text: after the code, up to Postfix's '(in reply to ...)' and the like."""
    body = scan[end:]
    for cut in _CUTS:
        at = body.find(cut)
        if at >= 0:
            body = body[:at]
    body = _unfold(body, code, enhanced).lstrip(" -").rstrip()
    opener = scan[start - 1] if start else ""
    quoted = opener and opener in "'\"" and body.endswith(opener)
    if quoted or (body.endswith(")") and body.count(")") > body.count("(")):
        body = body[:-1]
    return body.strip()


def _command(scan: str) -> str | None:
    """The SMTP command the reply answered, if the text says so."""
    for prefix in _COMMAND_PREFIXES:
        at = scan.find(prefix)
        if at >= 0:
            match = _COMMAND_NAME.match(scan, at + len(prefix))
            if match is not None:
                return _COMMANDS.get(match.group(1).lower())
    return None


@lru_cache(maxsize=16384)  # bench/explain.py: log lines repeat their reply texts
def _scan(low: str) -> tuple[str | None, frozenset[int]]:
    """(category of the earliest keyword rule found in ``low``, provider pattern numbers)."""
    numbers = _PHRASES.all(low)
    size = len(_KEYWORD_CATEGORY)
    keyword = min((n for n in numbers if n < size), default=None)
    hits = frozenset(n - size for n in numbers if n >= size)
    return (_KEYWORD_CATEGORY[keyword] if keyword is not None else None), hits


def _category(code: int | None, enhanced: str | None, keyword: str | None) -> str:
    """Enhanced code first, then basic code, then the keyword category (generic codes defer
    to the keywords)."""
    decided, fallback = _code_category(code, enhanced)
    if decided is not None:
        return decided
    return keyword or fallback


@lru_cache(maxsize=4096)  # bench/explain.py guards these caches: without them < 60,000 lines/s
def _code_category(code: int | None, enhanced: str | None) -> tuple[str | None, str]:
    """(category decided by the codes alone or None, fallback category)."""
    digit = _class(code, enhanced)
    if digit in (2, 3):
        return "success", "success"
    enh_cat = None
    if enhanced is not None:
        key = class_free(enhanced)
        enh_cat = _ENH_MAP.get(key)
        if enh_cat is not None and key not in _ENH_GENERIC:
            return enh_cat, enh_cat
        if enh_cat is None:
            enh_cat = _ENH_SUBJECT.get(enhanced.split(".")[1], "other")
    basic_cat = _BASIC_MAP.get(code) if code is not None else None
    if basic_cat is not None and code not in _BASIC_GENERIC:
        return basic_cat, basic_cat
    return None, enh_cat or basic_cat or _BASIC_CLASS.get(digit, "other")


@lru_cache(maxsize=4096)
def _static(code: int | None, enhanced: str | None, category: str
            ) -> tuple[str, str, str, tuple[str, ...], tuple[str, ...]]:
    """(outcome, summary, advice, references, notes): everything that depends on codes only."""
    digit = _class(code, enhanced)
    outcome = OUTCOMES[digit]
    reply_class = REPLY_CLASSES[digit]
    shown = " ".join(str(part) for part in (code, enhanced) if part is not None)
    summary = f"{reply_class.label} ({shown}): {reply_class.summary}"
    entry = _DATA["categories"][category]
    if category != "success":
        summary += f"; {entry['summary']}"
    summary += "."
    advice_by_outcome = entry["advice"]
    if enhanced is not None and digit in (4, 5):
        advice_by_outcome = _DATA["advice_by_enhanced"].get(class_free(enhanced), advice_by_outcome)
    advice = advice_by_outcome.get(outcome) or next(iter(advice_by_outcome.values()))
    info = BASIC_CODES.get(code) if code is not None else None
    enh_info = ENHANCED_CODES.get(class_free(enhanced)) if enhanced else None
    references: list[str] = []
    notes: list[str] = []
    if code is not None:
        references.append(info.reference if info is not None else "RFC 5321 §4.2.1")
        if info is None:
            notes.append(
                f"{code} is not a reply code defined by an RFC; its first digit still says "
                f"'{KINDS[digit]}' (RFC 5321 §4.2.1), and that decides what a sender does."
            )
    if enhanced is not None:
        references.append(enh_info.reference if enh_info is not None else "RFC 3463 §2")
        if enh_info is None:
            subject = _registry_subject(enhanced)
            notes.append(
                f"{enhanced} is not a registered enhanced status code (RFC 3463 / IANA registry);"
                f" it is system-specific. Its class {class_of(enhanced)} still means "
                f"'{_enhanced_class_name(enhanced)}'{subject}."
            )
    if code is None:
        notes.append(
            "No basic reply code was found, only the enhanced status code; the outcome comes "
            "from its class digit (RFC 3463 §2)."
        )
    elif enhanced is not None and class_of(enhanced) != digit:
        notes.append(_mismatch_note(code, enhanced))
        references.extend(["RFC 3463 §2", "RFC 5321 §4.2"])
    return outcome, summary, advice, tuple(dict.fromkeys(references)), tuple(notes)


def _class(code: int | None, enhanced: str | None) -> int:
    """The class digit a sender acts on: the basic code's, else the enhanced code's."""
    digit = class_of(code if code is not None else enhanced or "")
    if digit is None:
        raise ValueError(f"no reply class in {code!r} / {enhanced!r}")
    return digit


def _registry_subject(enhanced: str) -> str:
    """' and subject N (name)' from the structure data, or ''."""
    subject = enhanced.split(".")[1]
    entry = STRUCTURE["enhanced_subject"].get(subject)
    return f", and subject {subject} means '{entry['name']}'" if entry is not None else ""


def _enhanced_class_name(enhanced: str) -> str:
    """'permanent failure' for 5.x.x (RFC 3463 §2)."""
    reply_class = enhanced_class_of(enhanced)
    return reply_class.name.lower() if reply_class is not None else ""


def _mismatch_note(code: int, enhanced: str) -> str:
    """The RFC 3463 §2 class-mismatch note, saying what a sender acts on."""
    digit = code // 100
    if digit == 3:
        return (
            f"A {code} (3xx) reply carries the enhanced code {enhanced}, but enhanced status "
            "codes have only the classes 2, 4 and 5 (RFC 3463 §2). A sender acts on the basic "
            f"code: continue the command sequence."
        )
    action = {
        2: "the command succeeded",
        4: "treat it as a temporary failure and retry later",
        5: "treat it as a permanent failure and do not retry unchanged",
    }[digit]
    return (
        f"Inconsistent reply: the basic code {code} is {digit}xx ({KINDS[digit]}) but the "
        f"enhanced code {enhanced} has class {class_of(enhanced)} "
        f"({_enhanced_class_name(enhanced)}). RFC 3463 §2 gives the class the same "
        "meaning as the first digit of the basic code, so the two must agree. A sender acts on "
        f"the basic code (RFC 5321 §4.2: a client determines its actions by the reply code): "
        f"{action}."
    )


def _no_code(text: str, low: str, keyword: str | None, provider: Provider | None,
             rule: ProviderRule | None) -> Explanation:
    """Text without a reply code: its cause and bounce type from the words, if it has one."""
    category = rule.category if rule is not None else keyword
    if category is None or category == "success":
        return _nothing(text)
    bounce = _bounce_type(category, None, low, None, rule)
    entry = _DATA["categories"][category]
    summary = (f"No reply code was given: this text has no three-digit reply code and no "
               f"enhanced status code. Its words say: {entry['summary']}.")
    advice = entry["advice"]["retry" if bounce == "soft" else "bounce"]
    references: tuple[str, ...] = ()
    note = None
    if rule is not None:
        summary, advice, references, note = _with_rule(provider, rule, None, None, summary, ())
        summary = summary.replace("; ", ". ", 1)
    notes = ("The cause comes from the wording alone; the sending server's log or the DSN's "
             "Status field would give the code.",)
    return Explanation(text, False, None, None, None, category, summary, advice, references,
                       notes, _command(text), None, bounce,
                       provider.name if provider else None, note)


def _nothing(text: str, note: str | None = None) -> Explanation:
    """The Explanation for text with no reply code in it."""
    summary = (
        "No SMTP reply code was found in this text: no three-digit reply code such as 550 "
        "and no enhanced status code such as 5.1.1."
    )
    advice = (
        "Paste the server's reply itself, e.g. the part after 'said:' in a Postfix log or "
        "the 'Remote Server returned' line of an NDR."
    )
    notes = (note,) if note else ()
    return Explanation(text, False, None, None, None, "other", summary, advice, (), notes,
                       None, None, "none")
