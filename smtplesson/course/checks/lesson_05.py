"""Lesson 05 · Bounces and DSNs: hard, soft, block or none, and whether to suppress."""
from __future__ import annotations

from typing import Any

from ...codes.providers import PROVIDERS
from ._framework import Case, _exercise, _Feedback, _need_mapping, _norm, _sort

_GMAIL = PROVIDERS["google"]  # what the cases say of Gmail is its entry's (tests/unit/test_providers.py)

BOUNCE_TYPES = ("hard", "soft", "block", "none")
_BOUNCES: dict[str, tuple[Case, bool]] = {
    "A": (Case("RCPT TO · Action: failed · Status: 5.1.1 · smtp; 550 5.1.1 <ann@example.net>: "
               "Recipient address rejected: User unknown in virtual mailbox table",
               "hard", "5.1.1 at RCPT: no such mailbox (RFC 3463 §3.2) — suppress it.",
               hints={"block": "a block refuses the *sender*; subject 1 (addressing) is about "
                               "the recipient's address.",
                      "soft": "soft means the address exists but cannot take mail now. Does "
                              "'unknown' sound like now?"},
               otherwise="Action: failed — it is a bounce. Which subject is 1 (RFC 3463 §3.2)?"),
          True),
    "B": (Case("(no command: no connection) · Action: failed · Status: 4.4.1 · X-Postfix; "
               "connect to mx.example.org[192.0.2.7]:25: Connection refused",
               "soft", "Postfix gave up after 5 days on a server that never answered: the "
               "address was never refused, so it is not suppressed on one expiry.",
               hints={"hard": "no server ever said the address is bad — the connection was "
                              "refused, for five days. Is that the recipient's mailbox's fault?",
                      "none": "Action: failed is final (RFC 3464 §2.3.3), even with a 4.x.x "
                              "status: the message was returned."},
               otherwise="who refused what? Nobody answered at all."),
          False),
    "C": (Case("MAIL FROM · Action: failed · Status: 5.7.25 · smtp; 550-5.7.25 The IP address "
               "sending this message does not have a PTR record setup, or the corresponding "
               "forward DNS entry does not match the sending IP. - gsmtp",
               "block", "Gmail's 5.7.25: the sending IP has no matching reverse DNS (PTR) — the "
               f"sender's DNS must be fixed; the recipient is fine, do not suppress "
               f"({_GMAIL.source}).",
               hints={"hard": "the refusal came at MAIL FROM, before any recipient was named. "
                              "Subject 7 is security or policy (RFC 3463 §3.8): whose IP address "
                              "has no PTR record?",
                      "soft": "a missing PTR record does not appear by waiting: someone who "
                              "runs the sending IP must add it."},
               otherwise="subject 7 is security or policy (RFC 3463 §3.8)."),
          False),
    "D": (Case("RCPT TO · Action: failed · Status: 5.2.2 · smtp; 552-5.2.2 The email account "
               "that you tried to reach is over quota. - gsmtp",
               "soft", "5.2.2 mailbox full is a 'persistent transient' failure (RFC 3463 §3.3): "
               "retry later; suppress only after repeated soft bounces.",
               hints={"hard": "the account exists — it is only full. RFC 3463 §3.3 calls X.2.2 "
                              "'persistent transient'.",
                      "block": "nothing about the sender here: subject 2 is the mailbox."},
               otherwise="subject 2 is the recipient's mailbox (RFC 3463 §3.3)."),
          False),
    "E": (Case("Auto-Submitted: auto-replied · Subject: Out of office until Monday · (no "
               "delivery-status part)",
               "none", "an auto-reply (RFC 3834): the address works — never suppress on one.",
               hints={"soft": "there is no delivery-status part and no failed Action: was "
                              "anything refused at all?",
                      "hard": "someone's mail program answered: the mailbox exists and works."},
               otherwise="look at Auto-Submitted (RFC 3834 §5)."),
          False),
}
BOUNCE_CASES = {key: case for key, (case, _) in _BOUNCES.items()}
#: what the learner reads: letter -> the bounce's evidence
BOUNCES = {key: case.text for key, case in BOUNCE_CASES.items()}


@_exercise
def bounce_types(answer: Any) -> list[str]:
    """05: hard, soft, block or none — and suppress the recipient or not?"""
    answer = _need_mapping(answer, _BOUNCES)
    types, wrong = {}, []
    for key, value in answer.items():
        if key not in _BOUNCES:
            continue
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise _Feedback(f"{key}: give a pair (type, suppress), e.g. (\"hard\", True).")
        types[key] = value[0]
        case, suppress = _BOUNCES[key]
        if _norm(value[0]) == case.answer and value[1] is not suppress:
            wrong.append(f"{key}: the type is right; suppress should be {suppress} — "
                         + ("a hard bounce never gets better." if suppress else
                            "the recipient's address is not what failed."))
    try:
        lines = _sort(types, BOUNCE_CASES, BOUNCE_TYPES)
    except _Feedback as feedback:
        raise _Feedback("\n".join([str(feedback)] + [f"• {line}" for line in wrong])) from None
    if wrong:
        raise _Feedback("\n".join(["every type is right. Look again at:"]
                                  + [f"• {line}" for line in wrong]))
    return lines


