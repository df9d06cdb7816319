"""The one home of reply classes: what the first digit of a reply code (RFC 5321 §4.2.1)
and the class of an enhanced status code (RFC 3463 §2) say, read from
``codes/data/structure.json``.  Views add only colours and symbols.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .._data import load
from .syntax import class_of

__all__ = ["ENHANCED_CLASSES", "REPLY_CLASSES", "STRUCTURE", "ReplyClass", "enhanced_class_of",
           "reply_class_of"]


@dataclass(frozen=True)
class ReplyClass:
    """One class of replies, e.g. 5: "permanent negative", outcome "bounce"."""

    digit: int
    name: str  # "permanent negative" (RFC 5321) or "Permanent Failure" (RFC 3463)
    outcome: str  # "success", "continue", "retry" or "bounce": what a sender does
    meaning: str
    reference: str
    label: str = ""  # plain words for the outcome, "Permanent failure" (basic classes only)
    summary: str = ""  # "not done; the message is not delivered ..." (basic classes only)

    @property
    def short(self) -> str:
        """``"5xx"``."""
        return f"{self.digit}xx"


def _classes(table: Mapping[str, Mapping[str, str]], name: str) -> Mapping[int, ReplyClass]:
    return MappingProxyType({
        int(digit): ReplyClass(
            int(digit), entry[name], entry["outcome"], entry["meaning"], entry["reference"],
            entry.get("label", ""), entry.get("summary", ""))
        for digit, entry in table.items() if digit in "2345"
    })


def _freeze(value: Any) -> Any:
    """Deep read-only copy: dicts become mapping proxies, lists become tuples."""
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


#: codes/data/structure.json, read-only: what each digit of a basic and an enhanced code says
STRUCTURE: Mapping[str, Any] = _freeze(load("codes", "structure.json"))
#: the four classes of RFC 5321 §4.2.1, by first digit (1yz is unused in SMTP, §4.2)
REPLY_CLASSES: Mapping[int, ReplyClass] = _classes(STRUCTURE["first_digit"], "kind")
#: the three classes of enhanced status codes, RFC 3463 §2
ENHANCED_CLASSES: Mapping[int, ReplyClass] = _classes(STRUCTURE["enhanced_class"], "name")


def reply_class_of(code: int | str) -> ReplyClass | None:
    """The class of a basic code (550, ``"550 ..."``) or class digit (5), or None."""
    digit = class_of(code)
    return REPLY_CLASSES.get(digit) if digit is not None else None


def enhanced_class_of(code: str) -> ReplyClass | None:
    """The class of an enhanced code (``"5.1.1"`` -> Permanent Failure), or None."""
    digit = class_of(code)
    return ENHANCED_CLASSES.get(digit) if digit is not None else None
