"""Colours and symbols for the four reply classes, shared by every view.

Colours are never the only signal: every badge also prints the code and the
class name (from :mod:`smtplesson.codes.classes`).  The colours read on both the
light and the dark JupyterLab theme.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..codes.classes import REPLY_CLASSES
from ..codes.syntax import class_of


@dataclass(frozen=True)
class ClassStyle:
    """How one reply class (first digit) looks; its words come from the class itself."""

    digit: int
    symbol: str  # a glyph that is not colour: ✓ … ↻ ✗
    fg: str
    bg: str
    border: str

    @property
    def label(self) -> str:
        """The class name, "transient negative" (RFC 5321 §4.2.1)."""
        reply_class = REPLY_CLASSES.get(self.digit)
        return reply_class.name if reply_class is not None else "not a reply code"

    @property
    def short(self) -> str:
        """``"4xx"``, or ``"?"`` outside the four classes."""
        return f"{self.digit}xx" if self.digit in REPLY_CLASSES else "?"

    @property
    def outcome(self) -> str:
        """What a sender does: "retry" for 4xx; "unknown" outside the four classes."""
        reply_class = REPLY_CLASSES.get(self.digit)
        return reply_class.outcome if reply_class is not None else "unknown"


_COLOURS = {
    2: ("✓", "#0b5d1e", "#d9f2df", "#2e8b57"),
    3: ("…", "#0b3d91", "#dde8fb", "#3b73d1"),
    4: ("↻", "#6b4200", "#fdebc8", "#d08b00"),
    5: ("✗", "#8a1010", "#fbdada", "#c62828"),
}
CLASS_STYLE: dict[int, ClassStyle] = {
    digit: ClassStyle(digit, *_COLOURS[digit]) for digit in REPLY_CLASSES}

UNKNOWN_STYLE = ClassStyle(0, "?", "#333333", "#eeeeee", "#888888")


def style_for(code: int | str | None) -> ClassStyle:
    """The style of a basic code (550), an enhanced code ("5.1.1") or a class digit (5)."""
    digit = class_of(code) if code is not None else None
    return CLASS_STYLE.get(digit, UNKNOWN_STYLE) if digit is not None else UNKNOWN_STYLE


def badge(code: int | str, *, title: str | None = None, label: bool = True) -> str:
    """An inline HTML badge: symbol, code and (optionally) the class name."""
    style = style_for(code)
    tip = escape(title or style.label, quote=True)
    text = f"{style.symbol} {escape(str(code))}"
    if label:
        text += f' <span style="font-weight:normal">· {escape(style.label)}</span>'
    return (
        f'<span class="smtpl-badge smtpl-{style.short}" title="{tip}" '
        f'style="display:inline-block;padding:1px 6px;border-radius:4px;'
        f"border:1px solid {style.border};background:{style.bg};color:{style.fg};"
        f'font-family:var(--jp-code-font-family,monospace);font-weight:bold;white-space:nowrap">'
        f"{text}</span>"
    )
