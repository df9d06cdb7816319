"""What a sender should do with a reply: an action, and the wait or the block list it names.

:func:`decide` turns an explanation's cause category, bounce type, reply class and how the
cause was found (its ``confidence``) into one of :data:`ACTIONS`; a permanent failure that
only its class explains is never suppressed on a guess: its action is ``review``.
:func:`retry_after` reads the wait a reply asks for ("try again in 5 minutes", "Greylisted
for 300 seconds") in seconds; :func:`blocklist` names the block list a reply cites
("blocked using zen.spamhaus.org", "listed on SpamCop").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ACTIONS", "CONFIDENCES", "Decision", "blocklist", "decide", "retry_after"]

#: how the cause was found, most certain first
CONFIDENCES = ("provider-rule", "status", "lexicon", "class-only")
#: what a sender can do about a failed delivery
ACTIONS = ("suppress", "retry", "fix-authentication", "fix-content", "slow-down",
           "request-delisting", "ask-recipient-admin", "review")
#: the note an unrecognised permanent failure carries
UNRECOGNISED = "unrecognised: review before suppressing"

_BY_CATEGORY = {
    "sender-auth": "fix-authentication", "authentication": "fix-authentication",
    "tls": "fix-authentication",  # the sending side's transport security settings
    "content": "fix-content", "message-size": "fix-content",
    "policy": "ask-recipient-admin",
    "relay-denied": "review", "reverse-dns": "review", "sender-rejected": "review", "syntax": "review",
    "rate-limit": "slow-down",
}

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# the unit words, by the first letter of their unit: second, minute, hour, day in the
# languages of codes/data/lexicon.json
_UNIT_WORDS = {
    "s": r"seconds?|secs?|sekunden?|secondes?|segundos?|secondi|секунд\w*|秒",
    "m": r"minutes?|mins?|minuten?|minutos?|minuti|minuter|minut\w*|минут\w*|分钟|分",
    "h": r"hours?|hrs?|stunden?|heures?|horas?|ore|timmar|godzin\w*|час\w*|小时|時間",
    "d": r"days?|tagen?|jours?|d[ií]as|giorni|dagar|dni|дн\w*|дней|天|日",
}
_WAIT = re.compile(
    r"(?<![\w.])(\d{1,5}) ?(?:(" + _UNIT_WORDS["s"] + r")|(" + _UNIT_WORDS["m"] + r")|("
    + _UNIT_WORDS["h"] + r")|(" + _UNIT_WORDS["d"] + r"))(?![a-z])", re.IGNORECASE)
_NUMBER_WORD = re.compile(r"\d ?[^\W\d_]")  # a number before a word: the cheap test first
# a wait only counts where the reply speaks of retrying or of a temporary block
_ABOUT_RETRY = re.compile(
    r"try|retry|resend|later|again|deferr|greylist|graylist|blocked|wait|temporar|for the next|within|after|"
    r"erneut|später|réessa|plus tard|intent|riprova|повтор|позже|稍后|重试|后再|しばらく|時間をおいて",
    re.IGNORECASE)

# "blocked using zen.spamhaus.org", "listed in bl.spamcop.net", "found on one or more DNSBLs"
_LIST_HOST = re.compile(
    r"(?:blocked using|listed (?:at|in|on|by))\s+(?:the\s+)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)", re.IGNORECASE)
_KNOWN_LISTS = (
    ("spamhaus", "Spamhaus"), ("spamcop", "SpamCop"), ("barracudacentral", "Barracuda"),
    ("barracuda", "Barracuda"), ("sorbs", "SORBS"), ("uceprotect", "UCEPROTECT"),
    ("spamrats", "SpamRATS"), ("psbl", "PSBL"), ("cloudmark", "Cloudmark CSI"),
    ("return path", "Return Path"), ("ivmsip", "Invaluement ivmSIP"), ("invaluement", "Invaluement"),
    ("manitu", "NiX Spam (manitu)"), ("backscatterer", "Backscatterer"), ("surbl", "SURBL"),
    ("uribl", "URIBL"), ("mailspike", "Mailspike"), ("abuseat", "CBL (abuseat)"),
    ("orbitrbl", "ORBIT RBL"), ("trend micro", "Trend Micro RBL+"),
    ("mail-abuse", "Trend Micro RBL+"), ("s3150", "Microsoft (S3150 block list)"),
    ("blocked by spam statistics", "Yandex spam statistics"),
)


@dataclass(frozen=True)
class Decision:
    """What to do: the action, and the wait and block list the reply names (or None)."""

    action: str | None  # one of ACTIONS; None for a success
    retry_after: int | None  # seconds
    blocklist: str | None


def decide(category: str, bounce_type: str, digit: int | None, confidence: str, text: str) -> Decision:
    """The action for a reply explained as ``category``/``bounce_type`` (class ``digit``),
    its cause found by ``confidence`` (one of :data:`CONFIDENCES`)."""
    return _decide(category, bounce_type, digit, confidence, text)


# the causes whose replies name a block list, and those that may ask for a wait
_LISTED = frozenset({"reputation", "policy", "content", "other"})
_WAITS = frozenset({"greylisting", "rate-limit", "reputation", "server-shutdown", "mailbox-full",
                    "mailbox-unavailable", "storage", "policy", "other"})


@lru_cache(maxsize=8192)
def _decide(category: str, bounce_type: str, digit: int | None, confidence: str, text: str) -> Decision:
    wait = retry_after(text) if category in _WAITS else None
    listed = blocklist(text) if category in _LISTED else None
    if bounce_type == "none":
        action = None
    elif bounce_type == "hard":
        action = "review" if confidence == "class-only" else "suppress"
    elif category == "reputation":
        action = "slow-down" if digit == 4 and listed is None else "request-delisting"
    elif bounce_type == "block":
        action = _BY_CATEGORY.get(category, "review")
    else:
        action = "slow-down" if category == "rate-limit" else "retry"
    return Decision(action, wait, listed)


def retry_after(text: str) -> int | None:
    """The wait a reply asks for, in seconds, or None ("try again in 5 minutes" -> 300)."""
    if not _NUMBER_WORD.search(text) or not _ABOUT_RETRY.search(text):
        return None
    found = _WAIT.search(text)
    if found is None:
        return None
    unit = next(u for u, group in zip("smhd", found.groups()[1:], strict=True) if group)
    return int(found.group(1)) * _UNITS[unit]


def blocklist(text: str) -> str | None:
    """The block list a reply names, or None."""
    low = text.lower()
    for marker, name in _KNOWN_LISTS:
        if marker in low:
            return name
    host = _LIST_HOST.search(text)
    return host.group(1).lower() if host is not None else None
