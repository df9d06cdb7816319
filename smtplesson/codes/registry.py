"""The SMTP reply-code registry: basic codes (RFC 5321 and extensions), enhanced status
codes (RFC 3463 / IANA registry, RFC 5248) and the structure of a code, all loaded from
JSON files in ``smtplesson/codes/data``.  The facts only (each code's cause comes from the
code tables of :mod:`.causes`, not from the explainer); searching them is :mod:`.search`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .._data import load as _load
from .causes import code_cause
from .classes import REPLY_CLASSES, STRUCTURE
from .syntax import ENHANCED_LENIENT

__all__ = [
    "BASIC_CODES",
    "ENHANCED_CODES",
    "STRUCTURE",
    "EnhancedCode",
    "ReplyCode",
    "enhanced",
]


def _reference(rfc: str, section: str) -> str:
    """ "RFC 5321 §4.2.3", or "draft-x (IANA registry)" when the section is not a number."""
    return f"{rfc} §{section}" if section[:1].isdigit() else f"{rfc} ({section})"


@dataclass(frozen=True)
class ReplyCode:
    """One basic (three-digit) SMTP reply code."""

    code: int
    title: str
    meaning: str
    action: str
    commands: tuple[str, ...]
    rfc: str
    section: str
    causes: tuple[str, ...]
    misreading: str | None
    enhanced: tuple[str, ...]
    see_also: tuple[str, ...]
    #: where the enhanced codes above are practice, not registry pairings (or None)
    enhanced_note: str | None = None
    #: defined only by an Experimental RFC (e.g. 355, RFC 1845)
    experimental: bool = False
    #: known only from the IANA registry's associated-basic-code column (422, 430, 523 ...)
    registry_only: bool = False
    #: words people search for it by (read by :mod:`.search`)
    keywords: tuple[str, ...] = field(default=(), repr=False)
    #: (cause category, bounce type) of this code alone, e.g. 552 -> ("mailbox-full", "soft");
    #: a reply's text and its provider can say more (see :func:`smtplesson.explain`)
    cause: tuple[str, str] = field(default=("other", "none"), repr=False)

    @property
    def kind(self) -> str:
        """The class name, e.g. "permanent negative" (RFC 5321 §4.2.1)."""
        return REPLY_CLASSES[self.code // 100].name

    @property
    def outcome(self) -> str:
        """"success" (2yz), "continue" (3yz), "retry" (4yz) or "bounce" (5yz)."""
        return REPLY_CLASSES[self.code // 100].outcome

    @property
    def reference(self) -> str:
        """The defining reference, e.g. "RFC 5321 §4.2.3"."""
        return _reference(self.rfc, self.section)

    @property
    def first_digit(self) -> str:
        """What the first digit says (the class of reply), in words."""
        reply_class = REPLY_CLASSES[self.code // 100]
        return f"{reply_class.digit}yz {reply_class.name}: {reply_class.meaning}"

    @property
    def second_digit(self) -> str:
        """What the second digit says (the category of reply), in words."""
        digit = self.code // 10 % 10
        entry = STRUCTURE["second_digit"][str(digit)]
        return f"x{digit}z {entry['name']}: {entry['meaning']}"

    @property
    def enhanced_entries(self) -> tuple[tuple[str, EnhancedCode | None], ...]:
        """The related enhanced codes with their registry entries (None when unregistered)."""
        return tuple((text, enhanced(text)) for text in self.enhanced)

    def _repr_html_(self) -> str:
        from ..views.card import reply_code_card

        return reply_code_card(self)


@dataclass(frozen=True)
class EnhancedCode:
    """One enhanced status code (RFC 3463), keyed by its class-free form "X.1.1"."""

    code: str
    title: str
    meaning: str
    rfc: str
    section: str
    basic_codes: tuple[int, ...]
    #: further references (e.g. RFC 7504 beside RFC 7505 for X.1.10)
    see_also: tuple[str, ...] = ()
    #: words people search for it by (read by :mod:`.search`)
    keywords: tuple[str, ...] = field(default=(), repr=False)
    #: (cause category, bounce type) of this code as a permanent failure (5.x.x), e.g.
    #: X.1.1 -> ("mailbox-unknown", "hard"); a reply's text and provider can say more
    cause: tuple[str, str] = field(default=("other", "none"), repr=False)

    @property
    def subject(self) -> int:
        """The subject digit (X.<subject>.detail)."""
        return int(self.code.split(".")[1])

    @property
    def detail(self) -> int:
        """The detail number (X.subject.<detail>)."""
        return int(self.code.split(".")[2])

    @property
    def reference(self) -> str:
        """The defining reference, e.g. "RFC 3463 §3.2" (a non-numeric section in parentheses)."""
        return _reference(self.rfc, self.section)

    @property
    def subject_name(self) -> str:
        """The subject's name, e.g. "Addressing Status"."""
        return STRUCTURE["enhanced_subject"][str(self.subject)]["name"]

    @property
    def basic_entries(self) -> tuple[tuple[int, ReplyCode | None], ...]:
        """The basic codes it usually travels with, with their registry entries."""
        return tuple((number, BASIC_CODES.get(number)) for number in self.basic_codes)

    def with_class(self, klass: int | str) -> str:
        """The class-full form, e.g. with_class(5) -> "5.1.1"."""
        return f"{klass}{self.code[1:]}"

    def _repr_html_(self) -> str:
        from ..views.card import enhanced_code_card

        return enhanced_code_card(self)


def _basic_from(entry: Mapping[str, Any]) -> ReplyCode:
    return ReplyCode(
        code=int(entry["code"]), title=entry["title"], meaning=entry["meaning"],
        action=entry["action"], commands=tuple(entry["commands"]),
        rfc=entry["rfc"], section=entry["section"], causes=tuple(entry["causes"]),
        misreading=entry.get("misreading"), enhanced=tuple(entry["enhanced"]),
        see_also=tuple(entry["see_also"]), enhanced_note=entry.get("enhanced_note"),
        experimental=bool(entry.get("experimental")), registry_only=bool(entry.get("registry_only")),
        keywords=tuple(entry.get("keywords", ())), cause=code_cause(int(entry["code"]), None),
    )


def _enhanced_from(entry: Mapping[str, Any]) -> EnhancedCode:
    return EnhancedCode(
        code=entry["code"], title=entry["title"], meaning=entry["meaning"], rfc=entry["rfc"],
        section=entry["section"], basic_codes=tuple(int(c) for c in entry["basic_codes"]),
        see_also=tuple(entry.get("see_also", ())), keywords=tuple(entry.get("keywords", ())),
        cause=code_cause(None, "5" + entry["code"][1:]),
    )


_BASIC_RAW = _load("codes", "basic_codes.json")["codes"]
_ENHANCED_RAW = _load("codes", "enhanced_codes.json")["codes"]
BASIC_CODES: Mapping[int, ReplyCode] = MappingProxyType(
    {int(e["code"]): _basic_from(e) for e in sorted(_BASIC_RAW, key=lambda e: int(e["code"]))})
ENHANCED_CODES: Mapping[str, EnhancedCode] = MappingProxyType(
    {e["code"]: _enhanced_from(e) for e in sorted(
        _ENHANCED_RAW, key=lambda e: tuple(int(p) for p in e["code"].split(".")[1:]))})


def enhanced(code: str) -> EnhancedCode | None:
    """The EnhancedCode for "5.1.1", "X.1.1" or "x.1.1"; None when unknown or malformed."""
    if not isinstance(code, str):
        return None
    m = ENHANCED_LENIENT.fullmatch(code.strip())
    if m is None:
        return None
    return ENHANCED_CODES.get(f"X.{int(m.group(2))}.{int(m.group(3))}")
