"""Colours and labels for the four reply classes, shared by every view.

Colours are never the only signal: every badge also prints the code and the
class name.  The colours read on both the light and the dark JupyterLab theme.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class ClassStyle:
    """How one reply class (first digit) looks."""

    digit: int
    label: str  # "transient negative"
    short: str  # "4xx"
    outcome: str  # "retry"
    symbol: str  # a glyph that is not colour: ✓ … ↻ ✗
    fg: str
    bg: str
    border: str


CLASS_STYLE: dict[int, ClassStyle] = {
    2: ClassStyle(2, "positive completion", "2xx", "success", "✓", "#0b5d1e", "#d9f2df", "#2e8b57"),
    3: ClassStyle(3, "positive intermediate", "3xx", "continue", "…", "#0b3d91", "#dde8fb", "#3b73d1"),
    4: ClassStyle(4, "transient negative", "4xx", "retry", "↻", "#6b4200", "#fdebc8", "#d08b00"),
    5: ClassStyle(5, "permanent negative", "5xx", "bounce", "✗", "#8a1010", "#fbdada", "#c62828"),
}

UNKNOWN_STYLE = ClassStyle(0, "not a reply code", "?", "unknown", "?", "#333333", "#eeeeee", "#888888")


def style_for(code: int | str | None) -> ClassStyle:
    """The style of a basic code (550), an enhanced code ("5.1.1") or a class digit (5)."""
    text = str(code or "").strip()
    if text[:1].isdigit():
        return CLASS_STYLE.get(int(text[0]), UNKNOWN_STYLE)
    return UNKNOWN_STYLE


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
