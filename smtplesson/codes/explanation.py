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
from typing import Any, NamedTuple

from .causes import DATA as _DATA
from .causes import bounce_type as _bounce_type
from .causes import class_digit as _class
from .causes import code_category, registry_category, says_temporary
from .classes import REPLY_CLASSES, enhanced_class_of
from .decision import UNRECOGNISED, decide
from .lexicon import OVERRULE as _OVERRULE
from .lexicon import THRESHOLD, Verdict, may_find
from .lexicon import score as lexicon_score
from .locate import command_of, context, locate
from .phrases import PhraseIndex
from .providers import PATTERNS as _PROVIDER_PATTERNS
from .providers import Provider, ProviderRule
from .providers import match as _provider_match
from .recipient import (
    BEFORE_RECIPIENT,
    RECIPIENT_CATEGORIES,
    SENDER_CATEGORIES,
    names_recipient,
    names_sender,
    reconsider,
    sender_refused,
    sending_quota,
)
from .registry import BASIC_CODES, ENHANCED_CODES, STRUCTURE, EnhancedCode, ReplyCode
from .reply import KINDS, OUTCOMES, Reply
from .silence import silent
from .stock import without_stock
from .syntax import class_free, class_of
from .userrules import UserRules, default_rules, user_rules

__all__ = ["BOUNCE_TYPES", "CATEGORIES", "Explanation", "explain"]

#: the 24 cause categories, in the order of codes/data/categories.json
CATEGORIES: tuple[str, ...] = tuple(_DATA["categories"])
_KEYWORD_CATEGORY = [category for category, _ in _DATA["keywords"]]
# One scan finds both the keyword rules (numbers below len(_KEYWORD_CATEGORY)) and the
# provider markers and rule texts of codes/data/providers.json (the numbers after them).
_PHRASES = PhraseIndex([*(pattern for _, pattern in _DATA["keywords"]), *_PROVIDER_PATTERNS])
#: the four bounce types and what each tells a sender to do
BOUNCE_TYPES: dict[str, str] = dict(_DATA["bounce_types"])


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
    #: how the cause was found: "provider-rule", "status", "lexicon" or "class-only"
    confidence: str = "class-only"
    #: what to do (codes/decision.py ACTIONS): "suppress", "retry", "review" ...; None for a success
    action: str | None = None
    retry_after: int | None = None  # seconds, when the reply says how long to wait
    blocklist: str | None = None  # the block list the reply names

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
            "confidence": self.confidence, "action": self.action,
            "retry_after": self.retry_after, "blocklist": self.blocklist,
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


def explain(text: Any, rules: Any = None) -> Explanation:
    """Find the SMTP reply in ``text`` and explain it; never raises.

    ``rules``: rules of your own, tried before the built-in provider rules -- a file (JSON in
    the shape of ``codes/data/providers.json``), its parsed content, or a :class:`UserRules`;
    by default the file named by the ``SMTPLESSON_RULES`` environment variable, if any.
    A file that cannot be read raises ValueError, the one error explain reports.
    """
    extra = default_rules() if rules is None else user_rules(rules)
    try:
        return _explain(text if type(text) is str else _as_text(text), extra)
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


# Line breaks written out as escapes, as a reply quoted in a Python or JSON repr shows them
# ("(550, b'5.7.1 ...\\nSender verify failed')", "...\\r\\n\"}"): blanks between its words; one
# before a lower-case letter is more likely a name ("CORP\\nancy", a Windows account)
_ESCAPED_BREAK = re.compile(r"\\[rnt](?![a-z])")


def _explain(text: str, extra: UserRules | None) -> Explanation:
    read = _ESCAPED_BREAK.sub(" ", text) if "\\" in text else text
    scan, reply, code, enhanced, body, command, start, stop = locate(read)
    if code is None and enhanced is None:
        # no reply: its context is the whole scan, its command the one the text names
        low = _masked_low(scan)
        if extra is None and silent(low):
            return _nothing(text)
        return _no_code(text, low, extra, command_of(read))
    if (code is not None and code < 400) or (enhanced is not None and enhanced[0] == "2"):
        low = ""  # a success means the same from every provider: no dialect to look up
    else:
        low = _masked_low(context(scan, body, code, enhanced, start, stop))
    return _made(_judge(low, code, enhanced, command, extra), text, reply)


def _made(values: dict[str, Any], text: str, reply: Reply | None) -> Explanation:
    """``Explanation(**values, text=text, reply=reply)``, ``values`` holding every other field
    in field order, built without the frozen dataclass's one ``object.__setattr__`` per field
    (a quarter of explain's time on a log line, bench/explain.py): the same frozen object,
    its ``__dict__`` filled at once."""
    made = object.__new__(Explanation)
    fields = made.__dict__
    fields.update(values)
    fields["text"] = text
    fields["reply"] = reply
    return made


class _Judgement(NamedTuple):
    """What the judge says of a reply whose codes are known."""

    outcome: str
    category: str
    summary: str
    advice: str
    references: tuple[str, ...]
    notes: tuple[str, ...]
    bounce_type: str
    provider: str | None  # the provider's name
    provider_note: str | None
    confidence: str  # "provider-rule", "status", "lexicon" or "class-only"


@lru_cache(maxsize=16384)
def _judge(low: str, code: int | None, enhanced: str | None, command: str | None,
           extra: UserRules | None = None) -> dict[str, Any]:
    """The fields of the Explanation of a reply whose codes are known, in field order, all
    but ``text`` and ``reply`` (None here): its codes, its judgement and the decision."""
    j = _judgement(low, code, enhanced, command, extra)
    decision = decide(j.category, j.bounce_type, _class(code, enhanced), j.confidence, low)
    return {"text": None, "found": True, "code": code, "enhanced": enhanced, "outcome": j.outcome,
            "category": j.category, "summary": j.summary, "advice": j.advice,
            "references": j.references, "notes": j.notes, "command": command, "reply": None,
            "bounce_type": j.bounce_type, "provider": j.provider, "provider_note": j.provider_note,
            "confidence": j.confidence, "action": decision.action,
            "retry_after": decision.retry_after, "blocklist": decision.blocklist}


def _judgement(low: str, code: int | None, enhanced: str | None, command: str | None,
               extra: UserRules | None) -> _Judgement:
    """The judgement of a reply whose codes are known; ``low`` is its masked, lower-cased
    context ("" for a success).  The cause: a provider rule (the user's first), else an
    explicit status code, else the words (keyword rules, then the cue lexicon), else the
    class alone."""
    provider = rule = None
    keywords: tuple[str, ...] = ()
    if low:
        keywords, hits = _scan(low)
        provider, rule = extra.match(low, code, enhanced) if extra is not None else (None, None)
        if rule is None:
            provider, rule = _provider_match(low, code, enhanced, hits)
    digit = _class(code, enhanced)
    if rule is not None and rule.category in RECIPIENT_CATEGORIES and sender_refused(low) and _bounce_type(
            rule.category, digit, low, command, rule.bounce_type, enhanced) == "hard":
        provider, rule = None, None  # "Sender address rejected: User unknown ...": the sender's
    if (rule is not None and enhanced is not None and enhanced[1:] == ".4.7"
            and rule.category != "expired" and "expired" in low):
        # "554 4.4.7 Message expired ...<451 4.7.650 ...>": the reporting queue says it gave up
        # (RFC 3463 X.4.7); the provider's reply quoted in it was only the last try
        # (shared/taxonomy-v2.md)
        provider, rule = None, None
    if rule is not None:
        category, confidence = rule.category, "provider-rule"
        bounce = _bounce_type(category, digit, low, command, rule.bounce_type, enhanced)
    else:
        category, confidence = _cause(code, enhanced, keywords, low)
        verdict = _verdict(low, code, enhanced, command) if low and (
            confidence == "class-only" or category in _OVERRULE
            or _bounce_type(category, digit, low, command, None, enhanced) == "hard") else None
        if verdict is not None and (
                (confidence == "class-only" and verdict.confident)
                # a code or a catch-all keyword yields to a strong cue that leads the words, even
                # where words naming what is refused ("sender address") keep it under the margin,
                # and to cues that agree and lead with confidence ("your IP" + "IP range")
                or ((verdict.strong or (verdict.confident and len(verdict.cues) > 1))
                    and verdict.score >= THRESHOLD and verdict.category in _OVERRULE.get(category, ()))):
            category, confidence = verdict.category, "lexicon"  # the words say more than the codes
        if category == "mailbox-full" and sending_quota(low):
            category, confidence = "rate-limit", "lexicon"  # the sender's quota, not the mailbox's
        bounce = _bounce_type(category, digit, low, command, None, enhanced)
        before = command in BEFORE_RECIPIENT and "recipient" not in low and "rcpt" not in low
        if bounce == "hard" and (before or not names_recipient(
                low, code, enhanced, category, confidence, keywords, verdict)):
            category, confidence = reconsider(category, keywords, verdict, enhanced, low)  # never on a guess
            bounce = _bounce_type(category, digit, low, command, None, enhanced)
            if bounce == "hard" and before and category != "other":
                # words of an address refused before any recipient was named ("user unknown" in
                # reply to MAIL FROM): they name what that command offers (the sender ...);
                # a reply that names nothing stays "other", reviewed (shared/taxonomy-v2.md).
                # One that names the recipient was answered out of order (pipelining): its words hold
                category, confidence = BEFORE_RECIPIENT.get(command or "", category), "class-only"
                bounce = _bounce_type(category, digit, low, command, None, enhanced)
    outcome, summary, advice, references, notes = _static(code, enhanced, category)
    note = None
    if rule is not None:
        summary, advice, references, note = _with_rule(provider, rule, code, enhanced, summary,
                                                       references)
    elif confidence == "class-only" and bounce == "hard":
        summary = f"{summary} Unrecognised: review before suppressing."
        notes = (*notes, f"{UNRECOGNISED}: neither a rule, an explicit status code nor the "
                         "words name the cause; only the class says the failure is permanent.")
    return _Judgement(outcome, category, summary, advice, references, notes, bounce,
                      provider.name if provider else None, note, confidence)


def _verdict(low: str, code: int | None, enhanced: str | None, command: str | None) -> Verdict | None:
    """What the words say: those the server added to its codes' stock text when they name a
    cause (RFC 5321 §4.2: the text beside a code is for people; its stock phrase says what the
    code says, codes/stock.py), else the whole text, stock phrase and all, as the code's own voice."""
    added = without_stock(low, code, enhanced)
    verdict = lexicon_score(added, command, enhanced) if added is not low else None
    return verdict if verdict is not None else lexicon_score(low, command, enhanced)


_IDLE_TIMEOUT = re.compile(r"time ?out|timed out|inactivity|idle")
# a timeout on the way onward (the writer's own connection to the next host), not the session's
_ONWARD = re.compile(
    r"remote|relay|upstream|open timeout|not answering|connect(?:ing)? to|while talking|to host|"
    r"connection timed out|read time ?out")


def _cause(code: int | None, enhanced: str | None, keywords: tuple[str, ...],
           low: str = "") -> tuple[str, str]:
    """(category, confidence) without a provider rule: the codes when they decide, then the
    keyword rules, then the class alone (which the cue lexicon may then overrule)."""
    decided, fallback = code_category(code, enhanced)
    if decided is not None:
        category, confidence = decided, "status"
    elif keywords:
        category, confidence = keywords[0], "lexicon"
    else:
        category, confidence = fallback, "class-only"
    if code == 421 and (category == "other" or (
            category == "network" and _IDLE_TIMEOUT.search(low))):
        # the server closes on its own error or on the client's idle time: a 421 closing
        # (RFC 5321 §3.8, §4.5.3.2), shared/taxonomy-v2.md
        return "server-shutdown", "status"
    if (code is not None and category == "network" and _IDLE_TIMEOUT.search(low)
            and not _ONWARD.search(low)):
        # a server's own reply that the session timed out ("451 timeout (#4.4.2)", "Error:
        # transaction timeout") closes it on the client's idle time, RFC 5321 §4.5.3.2; the
        # writer's own failed connection onward stays network (shared/taxonomy-v2.md)
        return "server-shutdown", confidence
    return category, confidence


# IPv4 addresses and the local part of <addresses> vary from line to line and mean nothing
# to the rules: masked, repeated replies share the scan cache.  Two passes with fixed
# replacements cost less than one with a callback; neither pattern can match what the other
# puts in or takes out (digits and dots; "<", "@", blanks), so the result is the same.
_IPV4 = re.compile(r"[0-9](?<![0-9.][0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?![0-9.])", re.ASCII)
# The first dot of an IPv4 address: a pattern led by a literal, which the regex engine skips
# to fast (_IPV4 is tried at every digit of the text).  No address starts more than three
# characters before the first such dot, so _IPV4 replaces in the text from one character
# before that (its lookbehind's context) on, and is not run at all without such a dot.
_IPV4_DOT = re.compile(r"\.(?<=[0-9]\.)(?=[0-9]{1,3}\.[0-9]{1,3}\.[0-9])", re.ASCII)
_LOCAL_PART = re.compile(r"<[^<>@\s]+@", re.ASCII)
# Exim's "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no": the cipher of a session, not its cause
_EXIM_CIPHER = re.compile(r"(?<![a-z])x=tls\S*(?: cv=\w+)?")
# Outlook's send error quotes the account's settings beside the server's reply ("Port: 25,
# Secure(SSL): No", "Sécurisé (SSL) : Non", "Seguro (SSL): Não"): a setting, not the cause
_CLIENT_SSL = re.compile(r"\(ssl\)\s*\)?\s*:\s*\w+")


def _masked_low(text: str) -> str:
    """``text`` in lower case, its IPv4 addresses 192.0.2.0 and its ``<local@`` parts ``<@``."""
    low = text.lower()
    dot = _IPV4_DOT.search(low)
    if dot is not None:
        start = max(0, dot.start() - 4)
        low = low[:start] + _IPV4.sub("192.0.2.0", low[start:])
    if "<" in low:
        low = _LOCAL_PART.sub("<@", low)
    if "x=tls" in low:  # Exim's log field of the session's cipher names no refusal
        low = _EXIM_CIPHER.sub("x=", low)
    if "(ssl)" in low:
        low = _CLIENT_SSL.sub("", low)
    return low


# A hex id of six characters or more, not glued to a letter before it, with a digit in it
# ("accede", "facade" are words), else a run of digits.  Written to start with the class of
# its first character, so the regex engine only stops at [0-9a-f] (two thirds of the time of
# "(?<![a-z])(?=[a-f]*[0-9])[0-9a-f]{6,}|[0-9]+", with the same matches).
_IDS = re.compile(r"[0-9a-f](?:(?<![a-z].)(?:(?<=[0-9])|(?=[a-f]*[0-9]))[0-9a-f]{5,}|(?<=[0-9])[0-9]*)")


@lru_cache(maxsize=4096)
def _with_rule(provider: Provider | None, rule: ProviderRule, code: int | None,
               enhanced: str | None, summary: str, references: tuple[str, ...]
               ) -> tuple[str, str, tuple[str, ...], str]:
    """(summary, advice, references, provider note) once a provider rule explains the reply."""
    name = provider.name if provider is not None else rule.provider
    shown = enhanced or (str(code) if code is not None else "this reply")
    dated = f", since {rule.since}" if rule.since else ""
    dated += f", until {rule.until}" if rule.until else ""
    checked = f"checked {rule.verified}" if rule.verified else "practice, unverified"
    note = f"{name} uses {shown} for: {rule.meaning} (source: {rule.source}{dated}; {checked})."
    entry = ENHANCED_CODES.get("X" + enhanced[1:]) if enhanced else None
    if entry is not None and registry_category(entry.code) != rule.category:
        note += (f" The registry's {entry.code} is '{entry.title}' ({entry.reference}); "
                 f"here {name}'s meaning applies.")
    head = summary.split("; ", 1)[0].rstrip(".")
    named = rule.meaning.startswith(name)  # "Postfix: …" is not said twice
    summary = f"{head}; {rule.meaning}." if named else f"{head}; {name}: {rule.meaning}."
    advice = f"{rule.advice} ({name}'s page: {rule.source})"
    return summary, advice, tuple(dict.fromkeys((*references, rule.source))), note


_KEYWORD_NUMBERS = frozenset(range(len(_KEYWORD_CATEGORY)))


def _scan(low: str) -> tuple[tuple[str, ...], frozenset[int]]:
    """(categories of the keyword rules found in ``low``, in rule order; provider pattern
    numbers).  Not cached: the judge that calls it is, and a text without a code is new."""
    numbers = _PHRASES.all(low)
    found = numbers & _KEYWORD_NUMBERS
    keywords = tuple(dict.fromkeys(_KEYWORD_CATEGORY[n] for n in sorted(found))) if found else ()
    size = len(_KEYWORD_CATEGORY)
    return keywords, frozenset(n - size for n in numbers - found)


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


# the catch-all keyword causes that a strong cue may overrule in text without a code (a
# mailbox or routing keyword stays: "quota exceeded ... too much mail stored" is the mailbox's;
# "try again later" says when, not why: "Too many requests. Try again later." is a rate limit)
_CATCH_ALL = frozenset({"policy", "reputation", "content", "server-shutdown"})


def _no_code(text: str, low: str, extra: UserRules | None, command: str | None) -> Explanation:
    """Text without a reply code: its cause and bounce type from the words, if it has one
    (``command``: what ``command_of(text)`` says)."""
    keywords, hits = _scan(low)
    provider, rule = extra.match(low, None, None) if extra is not None else (None, None)
    if rule is None:
        provider, rule = _provider_match(low, None, None, hits)
    if rule is not None and rule.category in RECIPIENT_CATEGORIES and sender_refused(low) and _bounce_type(
            rule.category, None, low, None, rule.bounce_type) == "hard":
        provider, rule = None, None  # "Sender address rejected: User unknown ...": the sender's
    category = rule.category if rule is not None else (keywords[0] if keywords else None)
    if rule is None and (category is None or category in _CATCH_ALL):
        # numbers and hex ids off: the log lines around bounces then repeat.  As with a code,
        # a strong cue may overrule a catch-all keyword ("IP is rejected": the IP, not policy),
        # but only for a sender-side or temporary cause: words alone never make a line hard
        # (masking costs more than a search for cues: done only when there may be one)
        verdict = lexicon_score(_IDS.sub("0", low), command) if may_find(low) else None
        if verdict is not None and verdict.confident and (category is None or (
                verdict.strong and verdict.category in _OVERRULE[category]
                and verdict.category in SENDER_CATEGORIES)):
            category = verdict.category
    if category is None and says_temporary(low):
        category = "other"  # "Erreur temporaire serveur": a transient failure with no cause named
    if category is None or category == "success":
        return _nothing(text)
    bounce = _bounce_type(category, None, low, None, rule.bounce_type if rule is not None else None)
    if rule is None and bounce == "hard" and names_sender(low):
        # the sender's own domain or account is what is refused ("no valid MX record for the
        # sending domain"): never the recipient's address (codes/recipient.py)
        verdict = lexicon_score(_IDS.sub("0", low), command) if may_find(low) else None
        category = reconsider(category, keywords, verdict, None, low)[0]
        bounce = _bounce_type(category, None, low, None, None)
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
    confidence = "provider-rule" if rule is not None else "lexicon"
    decision = decide(category, bounce, None, confidence, low)
    return Explanation(text, False, None, None, None, category, summary, advice, references,
                       notes, command, None, bounce,
                       provider.name if provider else None, note, confidence, decision.action,
                       decision.retry_after, decision.blocklist)


def _nothing(text: str, note: str | None = None) -> Explanation:
    """The Explanation for text with no reply code in it."""
    return _made({**_NOTHING, "notes": (note,)} if note else _NOTHING, text, None)


_NOTHING: dict[str, Any] = {
    "text": "", "found": False, "code": None, "enhanced": None, "outcome": None, "category": "other",
    "summary": "No SMTP reply code was found in this text: no three-digit reply code such as 550 "
               "and no enhanced status code such as 5.1.1.",
    "advice": "Paste the server's reply itself, e.g. the part after 'said:' in a Postfix log or "
              "the 'Remote Server returned' line of an NDR.",
    "references": (), "notes": (), "command": None, "reply": None, "bounce_type": "none",
    "provider": None, "provider_note": None, "confidence": "class-only", "action": None,
    "retry_after": None, "blocklist": None}
