"""Lesson 06 · Why was I blocked? Predict the verdicts, then name what each refusal is about."""
from __future__ import annotations

from typing import Any

from ._framework import _cause_of, _exercise, _Feedback, _need_mapping, _table, _wrong_cause

#: the change the prediction is about: a wrong SPF record, the relay still signing with DKIM
PREDICTION_KEYS = ("spf", "dkim", "dmarc", "delivered")
_PREDICTED = {"spf": "fail", "dkim": "pass", "dmarc": "pass", "delivered": True}
_PREDICTION_WHY = {
    "spf": "the relay sends from 127.0.0.10, and the record now allows only 127.0.0.99 with "
           "'-all' (RFC 7208 §5.1): the result is fail.",
    "dkim": "nothing changed for DKIM: the relay still signs, the key is still published at "
            "s2026._domainkey.example.com, the body is untouched.",
    "dmarc": "DMARC passes when SPF *or* DKIM passes aligned with the From domain "
             "(RFC 9989 §5.3.5); DKIM's d=example.com does.",
    "delivered": "a DMARC pass means the receiver has no reason to refuse: SPF failing alone "
                 "does not block aligned, signed mail.",
}

BLOCKED_REPLIES = {
    "A": ("550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's "
          "DMARC policy."),
    "B": ("550 5.7.25 [127.0.0.66] The IP address sending this message does not have a PTR "
          "record setup, or the corresponding forward DNS entry does not point to the sending IP."),
    "C": ("553 5.7.1 [BL21] Connections will not be accepted from 127.0.0.66, because the ip is "
          "in Spamhaus's list"),
    "D": ("421 4.7.29 [127.0.0.10] Your email has been rate limited because this message wasn't "
          "sent over a TLS connection."),
    "E": "4.7.5 Server certificate not verified (certificate has expired) for host mx1.example.net",
    "F": ("550 5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail "
          "requires all senders to authenticate with either SPF or DKIM."),
}
BLOCKED_CAUSES = ("dmarc policy", "no spf or dkim pass", "reverse dns", "blocklist",
                  "receiver wants tls", "our tls policy", "mailbox full")
_BLOCKED = {"A": "dmarc policy", "B": "reverse dns", "C": "blocklist", "D": "receiver wants tls",
            "E": "our tls policy", "F": "no spf or dkim pass"}
_BLOCKED_WHY = {
    "A": "'due to domain's DMARC policy': the From domain publishes p=reject and neither SPF "
         "nor DKIM passed aligned with it.",
    "B": "5.7.25 is 'reverse DNS validation failed' (RFC 7372 §3.3): the PTR is missing or "
         "its name does not point back to the address.",
    "C": "the connecting address is on a DNS blocklist (RFC 5782): refused at the greeting, "
         "before any message.",
    "D": "4.7.29 is the receiver's own TLS requirement: it defers mail that came without "
         "STARTTLS.",
    "E": "no three-digit code: the *sending* relay wrote this itself (Postfix's "
         "smtp_tls_security_level=verify) — the MX never refused anything.",
    "F": "Gmail's floor for every sender: SPF or DKIM must pass, aligned or not.",
}
_BLOCKED_HINTS = {
    ("A", "no spf or dkim pass"): "Both are 5.7.26, but A names the domain's DMARC policy: "
                                  "the From domain asked for the refusal.",
    ("F", "dmarc policy"): "F says nothing of a policy: with no SPF or DKIM pass at all, Gmail "
                           "refuses even when the domain has no DMARC record.",
    ("E", "receiver wants tls"): "Look for the reply code: a receiver's refusal starts with "
                                 "three digits; this line is the relay's own decision.",
}


@_exercise
def predict_verdicts(answer: Any) -> list[str]:
    """06: predict Authentication-Results (and delivery) for a wrong SPF record, DKIM intact."""
    given = _need_mapping(answer, PREDICTION_KEYS)
    wrong = []
    for key in PREDICTION_KEYS:
        value = given[key]
        value = value.strip().lower() if isinstance(value, str) else value
        if value != _PREDICTED[key]:
            wrong.append(f"{key}: {_PREDICTION_WHY[key]}")
    if wrong:
        raise _Feedback("\n".join(["not quite — look again at:", *wrong]))
    return ["SPF fails, DKIM passes, DMARC passes through DKIM, and the message is delivered.",
            "One aligned pass is enough for DMARC (RFC 9989 §5.3.5) — run the next cell to see it."]


@_exercise
def why_blocked(answer: Any) -> list[str]:
    """06: name what each refusal (letters A–F) is about."""
    wrong = _wrong_cause(BLOCKED_REPLIES, _BLOCKED_HINTS, _BLOCKED_WHY)
    return [*_table(answer, _BLOCKED, _cause_of, wrong, "causes"),
            "Authentication refusals come after the message (end of DATA); blocklists at the "
            "greeting or at RCPT, depending on the receiver (Yahoo's [BL21] at connection, "
            "Postfix's reject_rbl_client at RCPT); the relay's own TLS policy never reaches "
            "the receiver at all."]
