"""The HTML views' shared style: theme tokens and the few building blocks every card uses.

Tokens are JupyterLab CSS variables with fallbacks, so output reads on the light and the
dark theme and outside JupyterLab.  Class colours and symbols live in ``palette``.
"""
from __future__ import annotations

from collections.abc import Iterable
from html import escape

FG = "var(--jp-ui-font-color1,#1f1f1f)"
FG_MUTED = "var(--jp-ui-font-color2,#555)"
BG = "var(--jp-layout-color1,#fff)"
BG_SOFT = "var(--jp-layout-color2,#f3f3f3)"
BORDER = "var(--jp-border-color2,#c8c8c8)"
FONT = "var(--jp-ui-font-family,system-ui,sans-serif)"
FONT_SIZE = "var(--jp-ui-font-size1,13px)"
MONO = "var(--jp-code-font-family,monospace)"
WARN = "var(--jp-warn-color1,#d08b00)"  # borders only: text keeps the theme's own colours
FADED = "opacity:0.7"  # a declaration: secondary text that keeps its own colour


def box(body: str, *, accent: str, css_class: str, attrs: str = "") -> str:
    """The card frame: theme-aware background, a coloured left edge."""
    return (
        f'<div class="smtpl-card {css_class}"{attrs} style="box-sizing:border-box;max-width:62em;'
        f"margin:4px 0;padding:8px 12px;border:1px solid {BORDER};border-left:6px solid {accent};"
        f"border-radius:6px;background:{BG};color:{FG};font-family:{FONT};font-size:{FONT_SIZE};"
        f'line-height:1.45">{body}</div>'
    )


def rows(items: Iterable[tuple[str, str]]) -> str:
    """A two-column label/value grid of HTML values; rows with an empty value are left out."""
    cells = "".join(
        f'<div style="color:{FG_MUTED};font-weight:600">{escape(label)}</div><div>{value}</div>'
        for label, value in items if value
    )
    return (
        '<div style="display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;'
        f'margin-top:6px">{cells}</div>'
    )


def code(text: str) -> str:
    """Inline code, escaped."""
    return (f'<code style="font-family:{MONO};background:{BG_SOFT};padding:0 3px;'
            f'border-radius:3px">{escape(text)}</code>')


def callout(label: str, text: str, css_class: str) -> str:
    """A boxed warning: ``⚠ label: text``."""
    return (
        f'<div class="{css_class}" style="margin-top:8px;padding:5px 8px;border-radius:4px;'
        f'background:{BG_SOFT};color:{FG};border:1px solid {WARN};border-left:4px solid {WARN}">'
        f"<strong>⚠ {escape(label)}:</strong> {escape(text)}</div>"
    )
