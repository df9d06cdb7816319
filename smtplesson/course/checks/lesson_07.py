"""Lesson 07 · Bounces and DSNs: the learner's bounce reader, on our and the providers' bounces."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._framework import UNFINISHED, _exercise, _Feedback


def _bounce_cases() -> list[tuple[str, Any, dict[str, Any]]]:
    """(label, message, expected) — three bounce styles, built here so nothing is read from disk."""
    import email
    import email.policy

    from ...codes.dsn import RecipientStatus, build_dsn

    postfix = build_dsn(
        to="alice@example.com", reporting_mta="relay.example.com",
        arrival_date="Mon, 02 Mar 2026 09:00:00 +0000", date="Mon, 02 Mar 2026 09:00:01 +0000",
        message_id="<check.1@relay.example.com>", original_headers="Subject: Lunch\n",
        statuses=[RecipientStatus("dan@example.net", "failed", "5.1.1",
                                  "550 5.1.1 <dan@example.net>: Recipient address rejected: "
                                  "User unknown", "mx1.example.net")])
    microsoft = email.message_from_string(
        "From: postmaster@contoso.onmicrosoft.com\nTo: alice@example.com\n"
        "Subject: Undeliverable: Q3 report\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
        "--b1\nContent-Type: text/plain\n\nDelivery has failed to these recipients.\n\n"
        "--b1\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com\n\n"
        "Final-Recipient: rfc822;Pat.Jones@contoso.com\nAction: failed\nStatus: 5.1.10\n"
        "Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not\n"
        " found by SMTP address lookup\n\n--b1--\n", policy=email.policy.default)
    gmail = email.message_from_string(
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: alice@example.com\n"
        "Subject: Delivery Status Notification (Delay)\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; boundary="g2"; report-type=delivery-status\n\n'
        "--g2\nContent-Type: text/plain\n\nThere was a temporary problem delivering your message.\n\n"
        "--g2\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; googlemail.com\n\n"
        "Final-Recipient: rfc822; lee@example.org\nAction: delayed\nStatus: 4.2.2\n"
        "Diagnostic-Code: smtp; 452-4.2.2 The recipient's inbox is out of storage space.\n"
        " 452 4.2.2 Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp\n"
        "\n--g2--\n", policy=email.policy.default)
    return [
        ("a Postfix-style bounce (like the one the network sent)", postfix,
         {"recipient": "dan@example.net", "action": "failed", "status": "5.1.1", "code": 550}),
        ("a Microsoft 365-style bounce ('rfc822;' and 'smtp;' without a space)", microsoft,
         {"recipient": "Pat.Jones@contoso.com", "action": "failed", "status": "5.1.10", "code": 550}),
        ("a Gmail-style delay warning (Action: delayed, a folded multi-line reply)", gmail,
         {"recipient": "lee@example.org", "action": "delayed", "status": "4.2.2", "code": 452}),
    ]


_BOUNCE_HINTS = {
    "recipient": "Final-Recipient is 'type; address' (RFC 3464 §2.3.2): keep only what follows "
                 "the ';', stripped (the type 'rfc822' is not part of the address).",
    "action": "Action is one of failed, delayed, delivered, relayed, expanded (RFC 3464 §2.3.3).",
    "status": "Status is the enhanced code as text, e.g. '5.1.1' (RFC 3464 §2.3.4).",
    "code": "Diagnostic-Code is 'smtp; <the reply>' (RFC 3464 §2.3.6): the three digits after "
            "the ';' (spaces or not), as an int.",
}


@_exercise
def read_bounce(func: Any) -> list[str]:
    """07: the learner's function reads the first recipient block of a DSN."""
    if not callable(func):
        raise _Feedback("pass the function itself, without calling it: "
                        "check.read_bounce(bounce_summary).")
    for label, message, want in _bounce_cases():
        try:
            got = func(message)
        except Exception as exc:
            raise _Feedback(f"your function raised {type(exc).__name__} on {label}.\n"
                            "Hint: find the part whose get_content_type() is "
                            "'message/delivery-status'; its get_payload() is a list of blocks "
                            "(per-message first, then one per recipient).") from None
        if got is None or got is Ellipsis or (isinstance(got, Mapping) and Ellipsis in got.values()):
            raise _Feedback(f"your function still returns `...` (or None): {UNFINISHED}")
        if not isinstance(got, Mapping):
            raise _Feedback(f"on {label} it returned a {type(got).__name__}; return a dict with "
                            "the keys recipient, action, status, code.")
        for key, value in want.items():
            given = got.get(key)
            same = (given == value if key == "code" and not isinstance(given, bool)
                    else isinstance(given, str) and given.strip().lower() == str(value).lower())
            if not same:
                raise _Feedback(f"on {label}, {key!r} is {given!r}; expected {value!r}.\n"
                                f"{_BOUNCE_HINTS[key]}")
    return ["all three bounces read correctly: Postfix, Microsoft 365 and Gmail styles.",
            "The machine-readable part is the same everywhere (RFC 3464); only the human "
            "text differs — read the delivery-status part, not the prose."]
