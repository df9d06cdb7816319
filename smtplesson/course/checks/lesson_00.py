"""Lesson 00 · Start here: what to do about a first real bounce."""
from __future__ import annotations

from typing import Any

from ._framework import Case, _exercise, _Feedback, _norm

FIRST_BOUNCE_CHOICES = ("retry later", "suppress the address", "fix the sender's set-up",
                        "nothing, it was delivered")
_FIRST_BOUNCE = Case(
    text="the Postfix bounce of notebook 00",
    answer="suppress the address",
    why=("550 5.1.1 in reply to RCPT TO: the mailbox does not exist (RFC 3463 §3.2). A hard "
         "bounce — mailing it again only hurts the sender's reputation, so it goes on the "
         "suppression list."),
    hints={
        "retry later": ("the first digit is 5: the same request fails the same way (RFC 5321 "
                        "§4.2.1), and `Action: failed` says the server has already given up. "
                        "What does the enhanced code's subject (the middle 1) say is wrong?"),
        "fix the sender's set-up": ("that is the answer for a *block*, whose enhanced code is "
                                    "5.7.x (security or policy). This one is 5.1.x: subject 1 "
                                    "is addressing (RFC 3463 §3.2) — whose address?"),
        "nothing, it was delivered": ("read the Action field: `failed` (RFC 3464 §2.3.3). A "
                                      "delivered report would say `delivered` — and this mail "
                                      "came from the Mail Delivery System."),
    },
)


@_exercise
def first_bounce(answer: Any) -> list[str]:
    """00: what should the sender do about the address in a first real bounce?"""
    given = _norm(answer)
    if given == _FIRST_BOUNCE.answer:
        return [_FIRST_BOUNCE.why]
    if given in _FIRST_BOUNCE.hints:
        raise _Feedback(f"not {given!r}: {_FIRST_BOUNCE.hints[given]}")
    raise _Feedback(f"answer with one of {', '.join(map(repr, FIRST_BOUNCE_CHOICES))}, in quotes.")


