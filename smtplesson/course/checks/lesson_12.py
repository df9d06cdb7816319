"""Lesson 12 · The sender's side: the forwarder's verdicts and the action for each ticket.

Every item cites the RFC section or the provider page its answer rests on. The lesson's
predictions and recall quiz are in ``course/data/recall.json`` (keys ``12-…`` and ``"12"``).
"""
from __future__ import annotations

from typing import Any

from ._framework import Case, _exercise, _Feedback, _need_mapping, _norm, _sort

#: the plain forwarder (no SRS) of the exercise: the verdicts Bob's MX writes
FORWARDED = {"spf": "fail", "dkim": "pass", "dmarc": "pass", "aligned_by": "dkim"}
_FORWARDED_HINTS = {
    "spf": "SPF checks the connecting address against the MAIL FROM domain (RFC 7208 §2.4): "
           "without SRS the forwarder keeps alice@example.com, and example.com does not list "
           "the forwarder's address.",
    "dkim": "a forwarder that changes nothing in the body or the signed headers leaves the "
            "signature valid (RFC 6376 §3.7: its hashes cover the body and the signed headers, "
            "not the envelope).",
    "dmarc": "DMARC passes when SPF *or* DKIM passes for a domain aligned with From: (RFC 9989 §4.4).",
    "aligned_by": "read the comment of dmarc=… in Authentication-Results: which identifier aligned?",
}


@_exercise
def forwarded_verdicts(answer: Any) -> list[str]:
    """The verdicts of Bob's MX for Alice's mail sent through a forwarder without SRS."""
    answer = _need_mapping(answer, FORWARDED)
    wrong = [f"• {key}: you wrote {answer[key]!r}. {_FORWARDED_HINTS[key]}"
             for key, want in FORWARDED.items() if _norm(answer[key]) != want]
    if wrong:
        raise _Feedback("\n".join([f"{len(FORWARDED) - len(wrong)} of {len(FORWARDED)} are right. "
                                   "Look again at:", *wrong]))
    return ["without SRS SPF fails at the next hop (the forwarder is not in example.com's SPF), "
            "the untouched DKIM signature passes, and DMARC passes on DKIM alone (RFC 9989 §4.4). "
            "Had the forwarder added a footer, DKIM would fail too, and p=reject would refuse it."]


ACTIONS = ("suppress", "wait", "fix authentication", "fix content", "ask the recipient's admin",
           "reactivate", "slow down", "nothing to do")

SENDER_TICKETS: dict[str, Case] = {
    "A": Case(
        "ESP event: {'event': 'bounce', 'email': 'lee@example.org', 'status': '5.1.1', 'type': "
        "'bounce', 'reason': '550 5.1.1 <lee@example.org>: Recipient address rejected: User "
        "unknown in virtual mailbox table'}",
        "suppress",
        "a mailbox that does not exist (RFC 3463 §3.2, X.1.1): a hard bounce, suppress it.",
        {"wait": "5.1.1 is permanent (RFC 3463 §3.2): no retry brings the mailbox back."},
        "the status is X.1.1, 'bad destination mailbox address' (RFC 3463 §3.2)."),
    "B": Case(
        "Log: status=bounced (host mx.fabrikam.example[192.0.2.7] said: 550 5.7.1 "
        "RESOLVER.RST.AuthRequired; authentication required (in reply to end of DATA command))",
        "ask the recipient's admin",
        "a Microsoft 365 tenant's group that takes only its own organisation's senders "
        "(Exchange Online NDRs: learn.microsoft.com/en-us/exchange/troubleshoot/email-delivery/"
        "ndr/non-delivery-reports-in-exchange-online): only the recipient's admin can open it; "
        "never suppress.",
        {"fix authentication": "AuthRequired asks for a sender *inside* the tenant's organisation, "
                               "not for SPF or DKIM: the group's setting, the recipient's admin's.",
         "suppress": "the group exists; a restriction is not a bad address."},
        "RESOLVER.RST.* is written by the recipient's tenant: whose setting is it?"),
    "C": Case(
        "Log: status=deferred (host mx.outlook.example[192.0.2.9] said: 451 4.7.650 The mail "
        "server [192.0.2.44] has been temporarily rate limited due to IP reputation.)",
        "slow down",
        "Outlook.com's temporary limit for a new or poorly rated IP (sendersupport.olc.protection."
        "outlook.com/pm/troubleshooting.aspx): lower the rate, warm the IP up; the queue retries.",
        {"suppress": "4.7.650 is about the sending IP, not the recipient.",
         "wait": "waiting alone repeats it tomorrow: the IP's rate must come down."},
        "read who the limit is about: the sending IP's reputation."),
    "D": Case(
        "Support chat: 'Our customer says jo@example.net never got anything; your dashboard "
        "says \"dropped: Bounced Address\" since March. Jo confirmed the address works.'",
        "reactivate",
        "dropped-by-suppression: the address bounced once; with the owner's confirmation, remove "
        "it from the list (and watch the next send).",
        {"suppress": "it is already suppressed: that is why nothing arrives.",
         "wait": "a dropped message is never tried: waiting changes nothing."},
        "'dropped' means the ESP never tried: look at the suppression list."),
    "E": Case(
        "Event: {'event': 'delivered', 'email': 'max@example.net', 'response': '250 2.0.0 OK'} — "
        "the customer says Max found it in Junk, X-Spam-Status: Yes, score=6.1 tests=BODY_LOTTERY",
        "fix content",
        "the MX accepted it (250: it took responsibility, RFC 5321 §6.1) and its filter scored the "
        "content: no delivery fault to retry; the content decides the folder.",
        {"nothing to do": "delivery worked, but the customer wants the inbox: BODY_LOTTERY is a "
                          "content rule, and the content can change.",
         "suppress": "Max's mailbox works: it took the message.",
         "fix authentication": "read the score's rules: a content rule, not an authentication one."},
        "a 250 is delivered; the folder is the receiver's filter: which rule fired?"),
    "F": Case(
        "Bounce: 550-5.7.26 This mail has been blocked because the sender is unauthenticated. "
        "Gmail requires all senders to authenticate with either SPF or DKIM.",
        "fix authentication",
        "Gmail refuses mail that passes neither SPF nor DKIM (SMTP errors and codes, "
        "support.google.com/a/answer/3726730; Email sender guidelines, 2024): fix the sender's "
        "records or signing.",
        {"suppress": "every Gmail recipient would get the same reply: the sender is at fault.",
         "ask the recipient's admin": "a Gmail account has no admin to ask: the rule is Gmail's, "
                                      "the fix the sender's DNS."},
        "the reply says what the sender lacks."),
}


@_exercise
def sender_actions(answer: Any) -> list[str]:
    """The action for each ticket of the sender's side."""
    return _sort(answer, SENDER_TICKETS, ACTIONS)
