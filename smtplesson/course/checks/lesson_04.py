"""Lesson 04 · Retry or bounce: deferrals that only need time, and those the sender must act on."""
from __future__ import annotations

from typing import Any

from ._framework import Case, _exercise, _sort

RETRY_OR_ACT_CHOICES = ("time", "sender")
_YAHOO = "https://senders.yahooinc.com/smtp-error-codes"
_GMAIL = "https://support.google.com/a/answer/3726730"
RETRY_OR_ACT: dict[str, Case] = {
    "A": Case("450 4.2.0 <ann@example.net>: Recipient address rejected: Greylisted, see "
              "http://postgrey.schweikert.ch/help/example.net.html",
              "time", "greylisting (RFC 6647): the retry after the delay gets through.",
              otherwise=("this is Postgrey's reply (the link names it). What does a greylister "
                         "want from a sender, apart from one retry a few minutes later?")),
    "B": Case(f"421 4.7.0 [TSS04] Messages from 203.0.113.9 temporarily deferred due to "
              f"unexpected volume or user complaints - 4.16.55.1; see {_YAHOO}",
              "sender", f"Yahoo's [TSS04]: volume or complaints — lower the volume, clean the "
              f"list ({_YAHOO}).",
              otherwise=("4xx, so the queue will retry — but will retrying change 'volume or "
                         "user complaints'? Open the page the reply links to.")),
    "C": Case("421 4.3.2 System not accepting network messages",
              "time", "X.3.2, 'system not accepting network messages' (RFC 3463 §3.4): the "
              "server is going down or overloaded; the next try or the next MX gets through.",
              otherwise=("subject 3 is the *receiving* mail system (RFC 3463 §3.4). Is anything "
                         "in this reply about the sender's mail?")),
    "D": Case("451 4.7.650 The mail server [203.0.113.9] has been temporarily rate limited due "
              "to IP reputation.",
              "sender", "Microsoft's 4.7.650: the sending IP's reputation — only the sender can "
              "improve it (Outlook.com postmaster troubleshooting page).",
              otherwise=("'temporarily' is the provider's word for how long the limit lasts, "
                         "not for the cause. Whose reputation is it?")),
    "E": Case("452-4.2.2 The recipient's inbox is out of storage space. Please direct the "
              "recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp",
              "time", "a full mailbox (X.2.2, RFC 3463 §3.3): only the recipient can make room; "
              "the sender's queue waits.",
              otherwise=("subject 2 is the *mailbox* (RFC 3463 §3.3). Can the sender make room "
                         "in someone else's inbox?")),
    "F": Case("421-4.7.27 Your email has been rate limited because SPF authentication didn't "
              "pass for this message. Gmail requires all bulk email senders to authenticate "
              "with SPF. - gsmtp",
              "sender", f"Gmail's 4.7.27: SPF did not pass — the sender's DNS must be fixed "
                        f"({_GMAIL}); notebook 06 shows how.",
              otherwise=("'rate limited', yet the reason is in the same sentence: whose SPF "
                         "record decides whether SPF passes?")),
}


#: what the learner reads: letter -> reply
DEFERRALS = {key: case.text for key, case in RETRY_OR_ACT.items()}


@_exercise
def retry_or_act(answer: Any) -> list[str]:
    """04: for each deferral, does it only need time, or must the sender act?"""
    return _sort(answer, RETRY_OR_ACT, RETRY_OR_ACT_CHOICES)


