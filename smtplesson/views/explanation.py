"""HTML card for an :class:`smtplesson.codes.explanation.Explanation` (self-contained, inline CSS).

Readable on light and dark JupyterLab themes: text and background come from the
JupyterLab CSS variables (with fallbacks), class colours from ``palette``, and the
code and class are always printed in words too.
"""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from ._html import BG_SOFT, MONO, box, rows
from ._html import code as html_code
from .palette import UNKNOWN_STYLE, badge, style_for

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..codes.explanation import Explanation

__all__ = ["explanation_html"]

_QUOTE = (
    f"font-family:{MONO};font-size:12px;white-space:pre-wrap;word-break:break-word;"
    f"margin:0 0 6px 0;padding:4px 6px;border-radius:4px;background:{BG_SOFT}"
)


def explanation_html(exp: Explanation) -> str:
    """The card: badges for the codes, outcome, category, meaning, advice, RFCs, notes."""
    lead = exp.code if exp.code is not None else exp.enhanced
    style = style_for(lead) if exp.found else UNKNOWN_STYLE
    badges = []
    if exp.code is not None:
        badges.append(badge(exp.code))
    if exp.enhanced is not None:
        badges.append(badge(exp.enhanced, label=exp.code is None))
    if not badges:
        badges.append(
            '<span style="font-weight:bold">? no reply code found</span>'
        )
    head = " ".join(badges)
    if exp.found:
        head += (
            f' <span style="margin-left:8px">outcome: <b>{escape(exp.outcome or "")}</b>'
            f' · category: <b>{escape(exp.category)}</b>'
            f' · bounce: <b>{escape(exp.bounce_type)}</b></span>'
        )
    elif exp.category != "other":
        head += (
            f' <span style="margin-left:8px">no code given · category: <b>{escape(exp.category)}</b>'
            f' · bounce: <b>{escape(exp.bounce_type)}</b></span>'
        )
    items: list[tuple[str, str]] = []
    if exp.provider:
        items.append(("answered by", f"<b>{escape(exp.provider)}</b>"))
    items += [("meaning", escape(exp.summary))]
    if exp.provider_note:
        items.append(("provider", escape(exp.provider_note)))
    items.append(("advice", escape(exp.advice)))
    if exp.command:
        items.append(("command", html_code(exp.command)))
    if exp.references:
        items.append(("RFC", escape(", ".join(exp.references))))
    items += [("⚠ note", escape(note)) for note in exp.notes]
    quoted = escape(exp.text if len(exp.text) <= 600 else exp.text[:599] + "…")
    body = f'<div style="margin-bottom:6px">{head}</div><pre style="{_QUOTE}">{quoted}</pre>{rows(items)}'
    return box(body, accent=style.border, css_class="smtpl-explanation")
