"""Lesson 09 · Troubleshooting lab: the diagnosis of each mystery."""
from __future__ import annotations

from typing import Any

from ._framework import _code_of, _exercise, _Feedback, _need_mapping
from .mysteries import MYSTERIES

DIAGNOSIS_CAUSES = ("greylisting", "rate limit", "server storage", "too many recipients",
                    "mailbox busy", "no such user", "moved", "mailbox full",
                    "bad address syntax", "content", "too big", "relay denied",
                    "domain takes no mail", "blocklisted", "auth required")
_MYSTERY_HINTS = {
    "code": "the basic code is the three digits of the reply that refused (not the 250s "
            "around it, nor the 221 at the end).",
    "retry": "True if the sending server should keep the message and try again later — "
             "the first digit says (RFC 5321 §4.2.1).",
    "cause": "one of DIAGNOSIS_CAUSES; the enhanced code's subject (the middle number) and "
             "the reply's text narrow it down (RFC 3463 §3).",
}


@_exercise
def diagnosis(answer: Any, mystery: Any) -> list[str]:
    """09: the learner's diagnosis of a mystery: code, retry or not, cause."""
    if isinstance(mystery, bool) or mystery not in MYSTERIES:
        raise _Feedback(f"there is no mystery {mystery!r}: use 1 to {len(MYSTERIES)}.")
    want = MYSTERIES[mystery]["answer"]
    answer = _need_mapping(answer, want)
    problems = []
    if _code_of(answer["code"]) != want["code"]:
        problems.append(f"• code: {_MYSTERY_HINTS['code']}")
    if not isinstance(answer["retry"], bool) or answer["retry"] != want["retry"]:
        problems.append(f"• retry: {_MYSTERY_HINTS['retry']}")
    cause = answer["cause"].strip().lower() if isinstance(answer["cause"], str) else answer["cause"]
    if cause != want["cause"]:
        problems.append(f"• cause: {_MYSTERY_HINTS['cause']}")
    if problems:
        raise _Feedback("\n".join([f"mystery {mystery}: {3 - len(problems)} of 3 are right. "
                                   "Look again at:", *problems]))
    return [f"mystery {mystery} solved: {want['code']}, "
            f"{'transient — the queue retries' if want['retry'] else 'permanent — a human must act'}"
            f", cause: {want['cause']}."]
