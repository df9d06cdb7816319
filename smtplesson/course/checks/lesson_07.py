"""Lesson 07 · Replies in code and at scale: the learner's retry policy, against live servers."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._framework import UNFINISHED, _exercise, _Feedback

_POLICY_MESSAGE = ("From: alice@example.com\r\nTo: undisclosed-recipients:;\r\n"
                   "Subject: Order confirmation\r\n\r\nThank you for your order!\r\n")


def _policy_cases() -> list[tuple[str, dict[str, Any], list[Any], list[str], dict[str, str], str]]:
    """(label, server options, rules, recipients, expected, hint) for the live retry check."""
    from ...server.debug import Rule

    bob, carol, dan = "bob@example.net", "carol@example.net", "dan@example.net"
    return [
        ("a healthy server", {}, [], [bob], {bob: "delivered"},
         "a 250 after the final '.' means delivered."),
        ("greylisting (451 4.7.1 at RCPT)", {"scenario": "greylisting"}, [], [bob],
         {bob: "retry"}, "a 4xx for every recipient: smtplib raises SMTPRecipientsRefused; "
                         "look at each (code, text) in exc.recipients."),
        ("one unknown user among two (550 5.1.1)", {"scenario": "unknown-user",
                                                    "users": ["bob@example.net"]},
         [], [bob, dan], {bob: "delivered", dan: "bounce"},
         "sendmail() raises nothing when some recipients are accepted: it RETURNS the refused "
         "ones as {address: (code, text)}."),
        ("too many recipients (452 4.5.3)", {"scenario": "too-many-recipients", "limit": 2},
         [], [bob, carol, dan], {bob: "delivered", carol: "delivered", dan: "retry"},
         "452 is transient: send the refused recipients again later (RFC 5321 §4.5.3.1.10)."),
        ("too many recipients with RFC 821's old code (552 5.5.3)", {},
         [Rule("RCPT", "552 5.5.3 Too many recipients", to=dan)],
         [bob, carol, dan], {bob: "delivered", carol: "delivered", dan: "retry"},
         "RFC 5321 §4.5.3.1.10: a 552 for too many recipients SHOULD be treated as 452 "
         "(retry). The enhanced code 5.5.3 or the text says which 552 it is."),
        ("a full mailbox (552 5.2.2)", {"scenario": "mailbox-full", "quota": 0}, [], [bob],
         {bob: "bounce"}, "this 552 is a real 5xx (mailbox full): the transaction "
                          "bounces ('bounce' here: give up this message). The address stays — "
                          "soft, notebook 05. Only the too-many-recipients 552 is special."),
        ("full server storage at MAIL (452 4.3.1)", {"scenario": "storage-full", "capacity": 0},
         [], [bob, carol], {bob: "retry", carol: "retry"},
         "a refused MAIL FROM raises SMTPSenderRefused (.smtp_code, .smtp_error): it applies "
         "to every recipient."),
        ("content rejected after the final '.' (554 5.7.1)", {},
         [Rule("END-OF-DATA", "554 5.7.1 Message rejected as spam")], [bob, carol],
         {bob: "bounce", carol: "bounce"},
         "a refused message raises SMTPDataError (.smtp_code, .smtp_error): every "
         "recipient shares its fate."),
        ("a server shutting down (421 at the greeting)", {"scenario": "shutting-down"}, [],
         [bob], {bob: "retry"},
         "a greeting other than 220 raises SMTPConnectError in smtplib.SMTP(...) itself; 421 "
         "is transient."),
        ("a 421 in the middle of RCPT", {"scenario": "shutting-down", "at": "RCPT"}, [],
         [bob, carol], {bob: "retry", carol: "retry"},
         "after a 421 the server closes the connection (RFC 5321 §3.8): nothing was "
         "delivered, so every recipient is retried."),
        ("a blocklisted client (554 at the greeting)", {"scenario": "no-service"}, [], [bob],
         {bob: "bounce"}, "SMTPConnectError with a 5xx code: permanent — bounce and tell a human."),
    ]


def _run_policy_case(func: Callable[..., Any], options: dict[str, Any], rules: list[Any],
                     recipients: list[str]) -> Any:
    from ...server.debug import DebugServer

    options = dict(options)
    scenario = options.pop("scenario", None)
    server = DebugServer(scenario, rules=rules, hostname="mx.example.net", **options)
    server.start()
    try:
        return func(server.address, "alice@example.com", list(recipients), _POLICY_MESSAGE)
    finally:
        server.stop()


@_exercise
def retry_policy(func: Any) -> list[str]:
    """07: run the learner's send function against live debug servers, one per situation."""
    if not callable(func):
        raise _Feedback("pass the function itself, without calling it: "
                        "check.retry_policy(send_with_policy).")
    passed: list[str] = []
    for label, options, rules, recipients, want, hint in _policy_cases():
        try:
            got = _run_policy_case(func, options, rules, recipients)
        except Exception as exc:
            raise _Feedback("\n".join(
                [f"{len(passed)} of {len(_policy_cases())} situations right so far; on {label} "
                 f"your function raised {type(exc).__name__}.", f"Hint: {hint}"])) from None
        if got is Ellipsis or (isinstance(got, Mapping) and Ellipsis in got.values()):
            raise _Feedback(f"your function still returns `...` for {label}: {UNFINISHED}")
        if not isinstance(got, Mapping):
            raise _Feedback(f"on {label} it returned {type(got).__name__}; return a dict "
                            "{recipient: 'delivered' | 'retry' | 'bounce'}.")
        wrong = [f"{r}: expected {w!r}, got {got.get(r)!r}" for r, w in want.items()
                 if str(got.get(r)).strip().lower() != w]
        if wrong:
            raise _Feedback("\n".join(
                [f"{len(passed)} of {len(_policy_cases())} situations right so far; "
                 f"not yet on {label}:"] + [f"• {line}" for line in wrong] + [f"Hint: {hint}"])) from None
        passed.append(label)
    return [f"all {len(passed)} live situations handled: delivered, retried or bounced, "
            "recipient by recipient.",
            "4xx: keep the message and retry with back-off; 5xx: do not repeat it (RFC 5321 "
            "§4.2.1) — except the 552 for too many recipients, which §4.5.3.1.10 says to treat "
            "as 452. Whether the *address* is bad is the next question: notebook 05."]
