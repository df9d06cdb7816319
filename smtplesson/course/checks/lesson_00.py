"""Lesson 00 · Start here: what SMTP stands for."""
from __future__ import annotations

import re
from typing import Any

from ._framework import _exercise, _Feedback


@_exercise
def start_here(answer: Any) -> list[str]:
    """00: what does SMTP stand for?"""
    if not isinstance(answer, str):
        raise _Feedback("write the answer as text in quotes, e.g. \"Some Words Here\".")
    words = " ".join(re.findall(r"[a-z]+", answer.lower()))
    if words == "simple mail transfer protocol":
        return ["SMTP is the Simple Mail Transfer Protocol, defined in RFC 5321.",
                "The vendor article says 'Simple Message Transfer Protocol': a small slip, "
                "but now you know to check the RFC."]
    if words == "simple message transfer protocol":
        raise _Feedback("that is how the vendor article expands it, and it is a slip.\n"
                        "Look at the title of RFC 5321 (linked in this notebook): the M is "
                        "not 'Message'.")
    if not words.startswith("simple") or not words.endswith("protocol"):
        raise _Feedback("the four words start with 'Simple' and end with 'Protocol'; "
                        "RFC 5321's title gives the two in between.")
    raise _Feedback(f"'{answer.strip()[:60]}' is close, but not the RFC's wording: "
                    "read the title of RFC 5321 again.")
