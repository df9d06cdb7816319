"""Lesson 05 · Transient failures: the cause of each 4xx reply."""
from __future__ import annotations

from typing import Any

from ._framework import _cause_of, _exercise, _table, _wrong_cause

TRANSIENT_REPLIES = {
    "A": ("451 4.7.1 <carol@example.net>: Recipient address rejected: Greylisted, please try again "
          "in 300 seconds"),
    "B": "452 4.3.1 Insufficient system storage",
    "C": "452 4.5.3 Too many recipients (at most 3 per message)",
    "D": "421 4.7.0 mx.example.net Error: too many messages from 192.0.2.25, try again later",
    "E": "450 4.2.1 <bob@example.net>: Mailbox busy, try again later",
    "F": "454 4.7.0 Temporary authentication failure",
}
TRANSIENT_CAUSES = ("greylisting", "rate limit", "server storage", "too many recipients",
                    "mailbox busy", "auth backend", "mailbox full", "unknown user")
_TRANSIENT = {"A": "greylisting", "B": "server storage", "C": "too many recipients",
              "D": "rate limit", "E": "mailbox busy", "F": "auth backend"}
_TRANSIENT_WHY = {
    "A": "4.7.1 is a policy decision (subject 7); 'try again in 300 seconds' for an unknown "
         "client/sender/recipient triplet is the greylisting section.",
    "B": "subject 3 of the enhanced code is the mail *system* (RFC 3463 §3.4): whose storage?",
    "C": "4.5.3 is a protocol limit (subject 5) on RCPT commands — see the section with six "
         "recipients.",
    "D": "421 closes the whole connection; 'too many messages from …' is a limit on you, "
         "the client.",
    "E": "4.2.1 is mailbox status (subject 2, RFC 3463 §3.3): the mailbox exists but is not "
         "accepting messages right now — 'busy', says the text.",
    "F": "454 answered AUTH: the server could not check the password right now (RFC 4954 §6).",
}
_TRANSIENT_HINTS = {
    ("B", "mailbox full"): "That is the vendor article's misreading: a full *mailbox* is "
                           "X.2.2 (452 4.2.2 or 552 5.2.2); 452 4.3.1 is the server's own "
                           "storage (RFC 3463 §3.4).",
    ("C", "server storage"): "The basic code 452 is shared, but the enhanced code 4.5.3 says "
                             "'too many recipients' (RFC 3463 §3.6).",
    ("D", "server storage"): "Read the text and the first digit twice: 421 means the server "
                             "closes the connection; the text says why.",
}


@_exercise
def transient_failures(answer: Any) -> list[str]:
    """05: name the cause of each transient reply (letters A–F)."""
    wrong = _wrong_cause(TRANSIENT_REPLIES, _TRANSIENT_HINTS, _TRANSIENT_WHY)
    return [*_table(answer, _TRANSIENT, _cause_of, wrong, "causes"),
            "The basic code says *what to do* (4xx: keep the message, retry later); "
            "the enhanced code's subject says *why* (RFC 3463 §3).",
            "Nobody needs to act on any of them unless they last for days — the "
            "queue retries."]
