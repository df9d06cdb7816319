"""Lesson 06 · Permanent failures: the cause of each 5xx reply."""
from __future__ import annotations

from typing import Any

from ._framework import _cause_of, _exercise, _table, _wrong_cause

PERMANENT_REPLIES = {
    "A": "550 5.1.1 <dan@example.net>: Recipient address rejected: User unknown in local recipient table",
    "B": "551 5.1.6 User not local; please try <carol@example.org>",
    "C": "552 5.2.2 <dave@example.net>: Mailbox full (quota 2000 bytes)",
    "D": "553 5.1.3 <bob>: Recipient address rejected: need a fully-qualified address (user@domain)",
    "E": "554 5.7.1 Message content rejected as spam (matched 'lottery winner')",
    "F": "556 5.1.10 <info@nomail.example>: Recipient address has null MX",
    "G": "552 5.3.4 Message size exceeds fixed maximum message size",
}
PERMANENT_CAUSES = ("no such user", "moved", "mailbox full", "bad address syntax", "content",
                    "domain takes no mail", "too big", "relay denied")
_PERMANENT = {"A": "no such user", "B": "moved", "C": "mailbox full", "D": "bad address syntax",
              "E": "content", "F": "domain takes no mail", "G": "too big"}
_PERMANENT_WHY = {
    "A": "5.1.1 is 'bad destination mailbox address' (RFC 3463 §3.2).",
    "B": "551 names a <forward-path>: the user exists, somewhere else (RFC 5321 §3.4).",
    "C": "5.2.2 is mailbox status (subject 2): the mailbox exists.",
    "D": "5.1.3 is 'bad destination mailbox address *syntax*': look at the address itself.",
    "E": "554 after the final '.': the filter read the message (5.7.1 policy).",
    "F": "556 (RFC 7504) with 5.1.10: the domain published a null MX (RFC 7505).",
    "G": "5.3.4 is 'message too big for system' (subject 3, the mail system: RFC 3463 §3.4).",
}
_PERMANENT_HINTS = {
    ("B", "no such user"): "That is the vendor article's 551 misreading: 551 says the user is "
                           "not local *and names where to try* — the mailbox exists elsewhere.",
    ("D", "no such user"): "That is the vendor article's 553 misreading: 553 means the name is "
                           "not allowed (syntax), not that it does not exist — that is 550 5.1.1.",
    ("G", "mailbox full"): "Same basic code 552, different enhanced code: 5.3.4 (system limit) "
                           "versus 5.2.2 (mailbox quota).",
    ("C", "too big"): "Same basic code 552, different enhanced code: 5.2.2 is the mailbox's "
                      "quota, 5.3.4 the server's size limit.",
}


@_exercise
def permanent_failures(answer: Any) -> list[str]:
    """06: name the cause of each permanent reply (letters A–G)."""
    wrong = _wrong_cause(PERMANENT_REPLIES, _PERMANENT_HINTS, _PERMANENT_WHY)
    return [*_table(answer, _PERMANENT, _cause_of, wrong, "causes"),
            "Two 552s with different causes: read the enhanced code, not just the "
            "three digits (RFC 3463 §3).",
            "A 5xx means 'do not repeat this request unchanged' (RFC 5321 §4.2.1): "
            "someone must fix an address, a message or a setting first."]
