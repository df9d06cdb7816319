"""Lesson 12 · The sender's side: predictions, the forwarder's verdicts, the action for each
ticket, and the recall quiz.

Every item cites the RFC section or the provider page (dated) its answer rests on.
"""
from __future__ import annotations

from typing import Any

from ._framework import Case, _exercise, _Feedback, _need_mapping, _norm, _sort

#: what a learner predicts before a live cell: question, choices, answer, what happened
PREDICTIONS: dict[str, dict[str, Any]] = {
    "three-ways": {
        "q": "Dan has no mailbox. Which record says which SMTP command his server refused?",
        "choices": {"a": "the DSN", "b": "the Postfix log line", "c": "the ESP event"},
        "answer": "b",
        "reveal": "only the log line says 'in reply to RCPT TO command': RFC 3464 §2.3 gives a "
                  "DSN no field for the command, and the event has none either. Recipient, status, "
                  "server and reply are the same in all three.",
    },
    "5.7.515": {
        "q": "SPF fails, DKIM passes, and Alice's domain sends over 5,000 a day. Which copy is refused?",
        "choices": {"a": "both", "b": "only Olivia's (outlook.example)", "c": "neither: DKIM passes"},
        "answer": "b",
        "reveal": "Outlook.com refused with 550 5.7.515 (SPF and DKIM must both pass for a "
                  "high-volume sender since 2025-05-05); the Gmail-like MX took Bob's copy, "
                  "because DMARC passed on DKIM.",
    },
    "srs": {
        "q": "A forwarder with SRS sends Alice's message on to Bob. For which domain does SPF pass "
             "at Bob's MX?",
        "choices": {"a": "example.com (Alice's domain)", "b": "forward.example.org (the forwarder's)",
                    "c": "SPF fails"},
        "answer": "b",
        "reveal": "SPF passed for forward.example.org: SRS put the forwarder's domain in MAIL FROM "
                  "(SRS0=…@forward.example.org), and the untouched DKIM signature kept DMARC "
                  "aligned with example.com.",
    },
    "mta-sts": {
        "q": "example.net enforces an MTA-STS policy that names mx9 only; its MX records point at "
             "mx1 and mx2. What does the relay do?",
        "choices": {"a": "delivers without TLS", "b": "bounces the message at once",
                    "c": "defers it and keeps it queued"},
        "answer": "c",
        "reveal": "the relay deferred (4.7.5, certificate not verified) at both MX hosts and kept "
                  "the message queued: in enforce mode a sender MUST NOT deliver to an MX that "
                  "fails the policy (RFC 8461 §5), so the mail waits in the queue like any "
                  "temporary failure.",
    },
}


@_exercise
def prediction(guess: Any, question: Any) -> list[str]:
    """A prediction made before the live cell, compared with what happened in it."""
    item = PREDICTIONS.get(str(question))
    if item is None:
        raise _Feedback(f"there is no prediction {question!r}: use one of {', '.join(PREDICTIONS)}.")
    letter = _norm(guess)
    if letter not in item["choices"]:
        choices = "; ".join(f"{k}) {v}" for k, v in item["choices"].items())
        raise _Feedback(f"answer with one letter — {choices}.")
    said = f"you predicted {letter}) {item['choices'][letter]}."
    if letter != item["answer"]:
        raise _Feedback(f"{said} What happened: {item['reveal']}\nWorth a second look.")
    return [said, f"What happened: {item['reveal']}"]


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


RECALL_CHOICES = ("a", "b", "c")

SENDER_RECALL: dict[str, Case] = {
    "1": Case("The DSN's Status, the log line's dsn= and the event's status for one failed "
              "recipient: a) three different checks, b) one reply seen three ways, c) only the "
              "event is reliable",
              "b", "one reply, three records (RFC 3464 §2.3.4; Postfix's smtp log line; the event).",
              otherwise="compare Status:, dsn= and status on the same recipient."),
    "2": Case("An ESP should suppress a recipient after: a) any 5xx, b) a block (5.7.x about the "
              "sender), c) a hard bounce, a complaint or an unsubscribe",
              "c", "blocks are about the sender; suppressing on them loses valid recipients.",
              otherwise="which of these says the address itself is bad or unwilling?"),
    "3": Case("List-Unsubscribe-Post: List-Unsubscribe=One-Click means: a) the receiver may POST "
              "to the https URI without a page or a login, b) the user must click twice, "
              "c) unsubscribe by reply mail only",
              "a", "RFC 8058 §3.2: a POST with that body, no page, no login, no further click.",
              otherwise="RFC 8058 §3.2 says what the POST is."),
    "4": Case("After an MTA-STS enforce failure the sending relay: a) bounces at once, b) sends "
              "without TLS, c) defers and retries",
              "c", "RFC 8461 §5: it MUST NOT deliver to an MX that fails the policy; the mail "
              "stays queued and is retried.",
              otherwise="RFC 8461 §5: what must the sender not do with a failing MX?"),
}


@_exercise
def sender_recall(answer: Any) -> list[str]:
    """The recall quiz of lesson 12 (question number -> letter)."""
    if isinstance(answer, dict):
        answer = {str(key): value for key, value in answer.items()}
    return _sort(answer, SENDER_RECALL, RECALL_CHOICES)
