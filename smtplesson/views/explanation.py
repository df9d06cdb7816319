"""HTML card for an :class:`smtplesson.explanation.Explanation` (self-contained, inline CSS).

Readable on light and dark JupyterLab themes: text and background come from the
JupyterLab CSS variables (with fallbacks), class colours from ``palette``, and the
code and class are always printed in words too.
"""
from __future__ import annotations

from html import escape
from typing import Any

from .palette import UNKNOWN_STYLE, badge, style_for

__all__ = ["explanation_html"]

_CARD = (
    "font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:13px;line-height:1.45;"
    "color:var(--jp-ui-font-color1,inherit);background:var(--jp-layout-color1,transparent);"
    "border:1px solid var(--jp-border-color1,#8888);border-left:6px solid {border};"
    "border-radius:6px;padding:8px 12px;margin:4px 0;max-width:52em"
)
_LABEL = "color:var(--jp-ui-font-color2,inherit);padding:2px 10px 2px 0;vertical-align:top;white-space:nowrap"
_CELL = "padding:2px 0;vertical-align:top"
_QUOTE = (
    "font-family:var(--jp-code-font-family,monospace);font-size:12px;white-space:pre-wrap;"
    "word-break:break-word;margin:0 0 6px 0;padding:4px 6px;border-radius:4px;"
    "background:var(--jp-layout-color2,#8881)"
)


def explanation_html(exp: Any) -> str:
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
    rows = []
    if exp.provider:
        rows.append(("answered by", f"<b>{escape(exp.provider)}</b>"))
    rows += [("meaning", escape(exp.summary))]
    if exp.provider_note:
        rows.append(("provider", escape(exp.provider_note)))
    rows.append(("advice", escape(exp.advice)))
    if exp.command:
        rows.append(("command", f"<code>{escape(exp.command)}</code>"))
    if exp.references:
        rows.append(("RFC", escape(", ".join(exp.references))))
    rows += [("⚠ note", escape(note)) for note in exp.notes]
    table = "".join(
        f'<tr><td style="{_LABEL}">{label}</td><td style="{_CELL}">{value}</td></tr>'
        for label, value in rows
    )
    quoted = escape(exp.text if len(exp.text) <= 600 else exp.text[:599] + "…")
    return (
        f'<div class="smtpl-explanation" style="{_CARD.format(border=style.border)}">'
        f'<div style="margin-bottom:6px">{head}</div>'
        f'<pre style="{_QUOTE}">{quoted}</pre>'
        f'<table style="border-collapse:collapse">{table}</table>'
        "</div>"
    )
