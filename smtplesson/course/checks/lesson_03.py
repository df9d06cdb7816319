"""Lesson 03 · Anatomy of a reply: a reply taken apart, and what a sender does with one."""
from __future__ import annotations

from typing import Any

from ._framework import _code_of, _exercise, _Feedback, _need_mapping

_REPLY_PARTS = {"code": 452, "enhanced": "4.5.3", "outcome": "retry", "lines": 2}


@_exercise
def reply_parts(answer: Any) -> list[str]:
    """03: take the multi-line 452 4.5.3 reply apart."""
    answer = _need_mapping(answer, _REPLY_PARTS)
    problems = []
    if _code_of(answer["code"]) != 452:
        problems.append("• code: the three digits every line starts with.")
    if str(answer["enhanced"]).strip() != "4.5.3":
        problems.append("• enhanced: the class.subject.detail right after the basic code "
                        "(RFC 3463 §2), as text in quotes.")
    if str(answer["outcome"]).strip().lower() != "retry":
        problems.append("• outcome: one of 'success', 'continue', 'retry', 'bounce' — the "
                        "first digit decides (RFC 5321 §4.2.1).")
    if answer["lines"] != 2 or isinstance(answer["lines"], bool):
        problems.append("• lines: count the lines; '452-' marks a line with more to come, "
                        "'452 ' the last (RFC 5321 §4.2.1).")
    if problems:
        raise _Feedback("\n".join([f"{4 - len(problems)} of 4 are right. Look again at:",
                                   *problems]))
    return ["452 4.5.3 over two lines: a temporary 'too many recipients'.",
            "Send the recipients that were refused in a later transaction "
            "(RFC 5321 §4.5.3.1.10)."]


_WHAT_TO_DO_CASES: tuple[tuple[str, str, str], ...] = (
    ("250 2.0.0 Ok: queued", "success", "a plain 2xx"),
    ("354 End data with <CR><LF>.<CR><LF>", "continue", "a 3xx: the server waits for more"),
    ("334 VXNlcm5hbWU6", "continue", "an AUTH challenge (3xx)"),
    ("250-mx.example.net\r\n250-SIZE 10240000\r\n250 HELP", "success",
     "a multi-line EHLO reply (look at the first line's digits)"),
    ("421 4.7.0 Too many connections, closing", "retry", "a 4xx"),
    ("451 4.7.1 Greylisted, try again later", "retry", "a 4xx with its enhanced code"),
    ("550 5.1.1 <nobody@example.net>: Recipient address rejected", "bounce", "a 5xx"),
    ("552-5.2.2 Mailbox full\r\n552 5.2.2 Try again much later", "bounce",
     "a multi-line 5xx"),
    ("451 5.7.1 Service unavailable", "retry",
     "an inconsistent reply: basic 4xx, enhanced 5.x.x — the basic code decides"),
    ("550 4.2.2 Mailbox full", "bounce",
     "an inconsistent reply: basic 5xx, enhanced 4.x.x — the basic code decides"),
)


@_exercise
def what_to_do(func: Any) -> list[str]:
    """03: the learner's function maps a reply's text to success/continue/retry/bounce."""
    if not callable(func):
        raise _Feedback("pass the function itself, without calling it: "
                        "check.what_to_do(what_to_do).")
    for text, want, why in _WHAT_TO_DO_CASES:
        shown = text.replace("\r\n", "\\r\\n")
        try:
            got = func(text)
        except Exception as exc:
            raise _Feedback(f"your function raised {type(exc).__name__} on {shown!r} ({why}).\n"
                            "Hint: parse_reply(text).code, or text[:3], gives the three digits.") from None
        if not isinstance(got, str) or got.strip().lower() != want:
            raise _Feedback(f"for {shown!r} ({why}) it returned {got!r}; expected one of "
                            "'success', 'continue', 'retry', 'bounce'.\nWhich does the first "
                            "digit say? (RFC 5321 §4.2.1)")
    return [f"all {len(_WHAT_TO_DO_CASES)} replies sorted correctly, the two inconsistent "
            "ones included.",
            "The basic code decides what the sender does (RFC 5321 §4.2.1); the enhanced "
            "code only refines the reason (RFC 3463 §2)."]
