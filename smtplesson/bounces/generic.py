"""What a bounce says by meaning, whoever wrote it: the reader's path for formats it has never seen.

A format (:mod:`.mta`, :mod:`.providers`, :mod:`.gateways`) knows where its writer lists the
recipients and what its words mean.  A bounce from a writer without one is read by what bounces
share (``data/failures.json``): words that state a delivery failed, in many languages, beside the
address they are about; non-delivery subjects; words that name one RFC 3463 status when no code
is given.  ``tools/bounce_ablation.py`` measures how much of each format's mails this reads alone.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from .._data import load
from ..codes.explanation import Explanation, explain
from ..codes.lexicon import score
from ..codes.recipient import RECIPIENT_CATEGORIES
from .phrases import Phrases
from .status import INFERRED
from .text import Found, reply_line

__all__ = ["SUBJECTS", "introduces_failure", "labelled_reason", "reason_status", "says_failed",
           "states_failure", "with_reason", "worded_status"]

_DATA = load("bounces", "failures.json")
_FAILED: tuple[str, ...] = tuple(dict.fromkeys(w for words in _DATA["failed"].values() for w in words))
_FAILED_PATTERN = re.compile("|".join(map(re.escape, _FAILED)), re.I)
_INTRODUCTIONS = Phrases(*_DATA["introductions"])
#: non-delivery subjects in other languages (the English ones are readers._BOUNCE_SUBJECT's)
SUBJECTS: tuple[str, ...] = tuple(_DATA["subjects"])
#: a line that opens with a reason's label: "Reason:  Exceeded Maximum Delivery Attempts.", "Grund: ..."
_REASON_LINE = re.compile(r"^[ \t*>-]*(?:" + "|".join(map(re.escape, _DATA["reason_labels"]))
                          + r")[ \t]*[:：][ \t]*(\S.{2,})$", re.I | re.M)
#: a line that ends with a reason's label, the reason in the paragraph after it ("This Message was
#: undeliverable due to the following reason:\n\nYour message was not delivered because ...", Netscape)
_REASON_BEFORE = re.compile(r"\b(?:" + "|".join(map(re.escape, _DATA["reason_labels"])) + r")(?:\(s\)|s)?"
                            r"[ \t]*[:：][ \t]*\n[ \t]*\n?((?:[ \t]*\S[^\n]*(?:\n|$)){1,8})", re.I)
_STATUSES: tuple[tuple[str, str], ...] = tuple((words, detail) for words, detail, _ in _DATA["statuses"])

#: how much of a recipient's words, from their start, may say that its delivery failed
_NEAR = 200
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|[。！？]")
#: an address the words name as the sender, not as a recipient: "not accepting mail from bob@...",
#: "A message sent by <bob@...>", "Absender: bob@..."
_SENDER_BEFORE = re.compile(r"(?:\bfrom|\bsent by|\bsender|\babsender|\bexpéditeur|\bremitente|"
                            r"\bmittente|\bremetente|\bafzender|\bnadawca|\bотправител[ьяю])"
                            r"\s*[:<'\"(]*\s*$", re.I)


def states_failure(found: Found) -> bool:
    """True when the words next to a recipient (on its line before it, or after it) say its delivery
    failed (in any language of ``data/failures.json``): "Delivery failed 20 attempts: bob@example.net",
    "Сообщение не может быть доставлено получателю bob@example.ru: ...", "addressed to
    'bob@example.net', failed because ...", "bob@example.net にメールを配信できませんでした"."""
    if _SENDER_BEFORE.search(found.before[-40:]) is not None:
        return False
    # the sentence that names the address: "Your message could not be delivered. For help write to
    # helpdesk@example.com" says nothing of the help desk
    before = _SENTENCE_END.split(found.before[-_NEAR:])[-1]
    return says_failed(f"{before} {_SENTENCE_END.split(found.context[:_NEAR], 1)[0]}")


def introduces_failure(text: str, low: str) -> bool:
    """True when ``text`` (a mail's first lines; ``low``: lower-cased) opens a non-delivery report
    ("Your message could not be delivered", "Ihre Nachricht konnte nicht zugestellt werden")."""
    return _INTRODUCTIONS.search(text, low)


def says_failed(text: str) -> bool:
    """True when ``text`` says a delivery failed, in any language of ``data/failures.json``."""
    if text.isascii():
        low = text.lower()
        return any(words in low for words in _FAILED)
    return _FAILED_PATTERN.search(text) is not None


#: a failure after a count of tries: the writer retried until its queue gave up ("Delivery failed 20
#: attempts", IMail; "failed after 5 delivery attempts"): RFC 3463 X.4.7 Delivery time expired
_TRIED = re.compile(r"\b\d+\s+(?:delivery\s+)?(?:attempts|retries|tries)\b")


def worded_status(diagnostic: str) -> str | None:
    """The permanent status (``5.1.2``) the words of a reply-less diagnostic name, if they name one."""
    low = diagnostic.lower()
    found = next((f"5.{detail}" for words, detail in _STATUSES if words in low), None)
    return found or ("5.4.7" if _TRIED.search(low) else None)


#: the causes a refusal's verb alone names ("rejected", "blocked", "listed"): what follows says more
_VERB_CAUSES = frozenset({"policy", "reputation", "content", "server-shutdown"})


def reason_status(diagnostic: str, category: str) -> str | None:
    """The permanent status the reason of a code-less failure names when its explanation
    (``category``) came only from the refusal's verb: "was rejected due to the user exceeding its
    mailbox quota" is the mailbox's (5.2.2), not a policy's.  The reason counts where one cue of
    it alone names its cause (the cue lexicon, :mod:`..codes.lexicon`) and that cause never
    makes the address hard (the words name no code: a valid recipient is not suppressed on them)."""
    if category not in _VERB_CAUSES:
        return None
    verdict = score(diagnostic[:500].lower())
    if verdict is None or not (verdict.strong and verdict.confident) or verdict.category in _VERB_CAUSES \
            or verdict.category in RECIPIENT_CATEGORIES or verdict.category == "mailbox-disabled":
        return None
    detail = INFERRED.get(verdict.category)
    return f"5.{detail}" if detail else None


def labelled_reason(text: str) -> str | None:
    """The words of the first line of ``text`` (a bounce's first 4 KiB) that a reason's label opens
    ("Reason:  Exceeded Maximum Delivery Attempts."): the one reason a bounce gives for all its
    recipients, when no reply says it."""
    head = text[:4096]
    line, before = _REASON_LINE.search(head), _REASON_BEFORE.search(head)
    if before is not None and (line is None or before.start() < line.start()):
        # its first sentence: what follows explains it ("The amount of time a message is queued ...")
        return _SENTENCE_END.split(" ".join(before.group(1).split()), 1)[0][:500]
    return " ".join(line.group(1).split())[:500] if line else None


def with_reason(found: list[Found], text: str,
                explaining: Callable[[str], Explanation] = explain) -> list[Found]:
    """The recipients a bounce lists, those whose own words name no reply and no cause given the
    one reason it labels for all of them (:func:`labelled_reason`), if it labels one
    (``explaining``: :func:`~smtplesson.codes.explain`, or a caller's store of its answers)."""
    bare = [f for f in found
            if reply_line(f.context) is None and explaining(f.diagnostic).category == "other"]
    reason = labelled_reason(text) if bare else None
    if reason is None:
        return found
    return [Found.told(f.address, reason, None, reason, f.leading) if f in bare else f for f in found]
