"""Is a permanent failure about the recipient's address?  The guard against suppressing on a guess.

A sender suppresses an address it calls ``hard``; a valid recipient suppressed by mistake is
the most harmful error an explainer can make.  So a 5xx reply is ``hard`` only when something
names the recipient's address as the cause: a provider rule, an explicit mailbox status
(RFC 3463 subjects 1 and 2: ``X.1.x`` addressing, ``X.2.x`` mailbox), or a strong cue in its
words ("user unknown", "no such domain", "Postfach existiert nicht").  Otherwise
:func:`reconsider` looks for a sender-side cause in the words (an IP, content, header-syntax,
suspended-sender or daily-quota refusal is ``block``, shared/taxonomy-v2.md) and, failing
that, keeps the category the codes gave with ``class-only`` confidence, whose action is
``review`` (codes/decision.py), never ``suppress``.
"""
from __future__ import annotations

import re

from .causes import DATA
from .lexicon import Verdict

__all__ = ["BEFORE_RECIPIENT", "RECIPIENT_CATEGORIES", "SENDER_CATEGORIES", "names_recipient", "names_sender",
           "reconsider", "sender_refused", "sending_quota"]

#: the causes that make a 5xx reply hard: the recipient's address is bad
RECIPIENT_CATEGORIES = frozenset({"mailbox-unknown", "mailbox-disabled", "dns-routing", "syntax"})
#: the causes a permanent failure may have that say nothing against the recipient's address:
#: the sending side's (bounce type ``block``) and the temporary ones (``soft``: a daily quota,
#: a full mailbox), shared/taxonomy-v2.md
SENDER_CATEGORIES = frozenset(name for name, entry in DATA["categories"].items()
                              if entry["bounce_type"] in ("block", "soft"))
#: the commands answered before any recipient is named (RFC 5321 §3.3) -> the cause a refusal
#: of one has when its words name none: what that command offers (the IP, the HELO name ...)
BEFORE_RECIPIENT: dict[str, str] = DATA["before_recipient"]
# the words that say the refusal is about the recipient's mailbox, address or domain
_RECIPIENT_WORDS = re.compile(DATA["recipient_named"])
_RECIPIENT_SYNTAX = re.compile(DATA["hard_recipient_syntax"])
# the words that say the disabled account or the block is the sender's own ("your account has
# been suspended for sending")
_SENDER_WORDS = re.compile(DATA["sender_named"])
# the words that say the envelope sender's own address was checked and refused: what follows
# ("User unknown", a nested "550 5.1.1") is about the sender ("Sender address rejected: ...")
_SENDER_REFUSED = re.compile(DATA["sender_refused"])
# the words that make the sender itself the party refused ("Unauthorized sender", "not accepting
# mail from this sender"): never the recipient's address, whatever the status
_SENDER_SUBJECT = re.compile(DATA["sender_subject"])
# the words of a sender_named match that name the sender's address or domain (the envelope
# sender of RFC 5321 MAIL, its return path, the From: domain), not its account or sending
_SENDER_ADDRESS = ("domain", "address", "return", "envelope", "from")
# keyword rules (categories.json "keywords") strong enough to name the recipient alone
# X.1.x and X.2.x but the "other" X.1.0 and X.2.0, and X.4.6 (routing loop detected)
_EXPLICIT = re.compile(r"[45]\.(?:[12]\.(?!0$)\d+|4\.6)$")
_STRONG_KEYWORDS = frozenset({"mailbox-unknown", "dns-routing"})
# the enhanced-code subjects that say a refusal is not about the address (RFC 3463 §3.6-3.8)
_SENDER_SUBJECTS = {digit: DATA["enhanced_subject"][digit] for digit in ("5", "6", "7")}


# a quota the sender's account or sending is subject to ("quota exceeded for sender", "your
# account reached its email quota limit"), and the words that give a quota to the recipient
_SENDING_QUOTA = re.compile(DATA["sending_quota"])
_STORAGE_WORDS = re.compile(r"mailbox|inbox|storage|disk|recipient")


def sending_quota(low: str) -> bool:
    """True when the (lower-cased) words name a quota of the sender's account or sending, and
    none of the recipient's mailbox or storage: a volume limit (rate-limit), not a full mailbox."""
    return "quota" in low and _SENDING_QUOTA.search(low) is not None and _STORAGE_WORDS.search(low) is None


def sender_refused(low: str) -> bool:
    """True when the (lower-cased) words say the envelope sender's own address was checked and
    refused ("Sender address rejected: User unknown in local recipient table", "Sender verify
    failed"): a recipient cause named after them is the sender's."""
    return _SENDER_REFUSED.search(low) is not None


def names_sender(low: str) -> bool:
    """True when the (lower-cased) words name the sender's own account, domain, address or
    sending as what is refused ("the sending domain", "your account has been suspended for
    sending", "Sender address rejected: ...")."""
    return _SENDER_WORDS.search(low) is not None or _SENDER_REFUSED.search(low) is not None


def names_recipient(low: str, code: int | None, enhanced: str | None, category: str, confidence: str,
                    keywords: tuple[str, ...], verdict: Verdict | None) -> bool:
    """True when the reply (lower-cased ``low``) names the recipient's address as the cause
    of ``category``, found with ``confidence``; ``keywords``: the keyword rules it matched,
    ``verdict``: what the cue lexicon says."""
    if confidence == "provider-rule":
        return True
    if category not in RECIPIENT_CATEGORIES or _SENDER_REFUSED.search(low):
        return False  # a sender-side cause, or the sender's own address refused
    named = _SENDER_WORDS.search(low)
    if named is not None and (any(word in named.group() for word in _SENDER_ADDRESS)
                              or named.group().endswith("ip")
                              or (category == "mailbox-disabled" and "recipient" not in low)):
        # the sender's own domain or From: is what the words refuse, whatever the status; and
        # an account disabled or suspended from sending is the sender's ("550 5.2.1 Your
        # account has been suspended for sending spam"), not the recipient's mailbox
        return False
    if (("sender" in low or "from" in low) and _SENDER_SUBJECT.search(low) is not None
            and not (verdict is not None and verdict.strong and verdict.category in RECIPIENT_CATEGORIES)):
        return False  # the sender is the party refused ("550 5.1.1 Unauthorized sender")
    if enhanced is not None and _EXPLICIT.match(enhanced):
        return True  # an explicit addressing, mailbox or routing-loop status (RFC 3463 §3.2-3.5)
    if code == 556 and confidence == "status":
        return True  # "domain does not accept mail": the recipient's domain (RFC 7504 §3)
    if _SENDER_WORDS.search(low):
        return False  # the sender's own account or sending is refused, not the recipient
    if category == "syntax":
        return _RECIPIENT_SYNTAX.search(low) is not None  # "recipient address", "RCPT TO"
    if category in keywords and (category in _STRONG_KEYWORDS or _RECIPIENT_WORDS.search(low)):
        return True
    return verdict is not None and verdict.category == category and verdict.strong


def reconsider(category: str, keywords: tuple[str, ...], verdict: Verdict | None,
               enhanced: str | None = None, low: str = "") -> tuple[str, str]:
    """(category, confidence) of a 5xx reply found to be ``category`` that does not name the
    recipient: the first sender-side cause its words point to (a strong cue of the lexicon
    first, then the keyword rules, then any cue), else ``sender-rejected`` when the words say
    the sender's own address or host was refused or name its domain or address, and ``policy``
    when they name its account or sending
    (``low``: the lower-cased reply), else the cause an enhanced code's protocol, content or
    security subject names (X.5, X.6, X.7: RFC 3463 §3.6-3.8 -- never the address),
    else ``category`` itself on the class alone (``class-only``: its action is review, never
    suppress)."""
    if verdict is not None and verdict.strong and verdict.category in SENDER_CATEGORIES:
        return verdict.category, "lexicon"
    for keyword in keywords:
        if keyword in SENDER_CATEGORIES:
            return keyword, "lexicon"
    for category, weight in verdict.ranked if verdict is not None else ():
        if category in SENDER_CATEGORIES and weight > 0:  # any sender-side cue beats a guess
            return category, "lexicon"
    if low and _SENDER_REFUSED.search(low):
        return "sender-rejected", "lexicon"  # the sender's own address or host checked and refused
    named = (_SENDER_WORDS.search(low) or _SENDER_SUBJECT.search(low)) if low else None
    if named is not None:  # the sender's own domain or address (RFC 5321 MAIL), else its account
        return ("sender-rejected" if any(word in named.group() for word in _SENDER_ADDRESS)
                else "policy"), "lexicon"
    subject = _SENDER_SUBJECTS.get(enhanced.split(".")[1]) if enhanced and enhanced.count(".") == 2 else None
    if subject is not None:
        return subject, "status"
    return category, "class-only"
