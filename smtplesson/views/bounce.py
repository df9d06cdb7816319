"""HTML for a :class:`smtplesson.codes.bounce.Bounce`: a header, then one card per recipient.

Pure function, self-contained HTML (inline CSS, JupyterLab theme variables with fallbacks):
the bounce's own facts on top, each recipient's card coloured by its reply class, with
the code and class printed in words too.
"""
from __future__ import annotations

from html import escape
from typing import Any

from .card import BG_SOFT, BORDER, FG_MUTED, FONT, MONO
from .palette import UNKNOWN_STYLE, badge, style_for

__all__ = ["bounce_html", "recipient_html"]

_KIND = {
    "dsn": "Delivery status notification (RFC 3464)",
    "vendor": "Bounce in the sender's own words",
    "feedback-report": "Feedback report (RFC 5965): a complaint, not a bounce",
    "auto-reply": "Automatic reply (RFC 3834): delivered, not a bounce",
    "not-a-bounce": "Not a bounce",
}
_WRAP = (f"font-family:{FONT};font-size:var(--jp-ui-font-size1,13px);line-height:1.45;"
         "color:var(--jp-ui-font-color1,inherit);max-width:62em")
_QUOTE = (f"font-family:{MONO};font-size:12px;white-space:pre-wrap;word-break:break-word;"
          f"margin:4px 0;padding:4px 6px;border-radius:4px;background:{BG_SOFT}")


def bounce_html(bounce: Any) -> str:
    """The whole bounce: what it is, who wrote it, the original message, a card per recipient."""
    facts = [("format", escape(bounce.format)), ("from", escape(bounce.sender or "")),
             ("reported by", escape(bounce.reporting_mta or "")),
             ("arrived", escape(bounce.arrival_date or ""))]
    original = bounce.original
    if original.subject or original.message_id:
        facts.append(("original", escape(" ".join(
            p for p in (f"“{original.subject}”" if original.subject else "", original.message_id or "")
            if p))))
    if bounce.note:
        facts.append(("note", escape(bounce.note)))
    facts += [(escape(name), escape(value)) for name, value in bounce.details[:12]]
    head = (f'<div style="font-weight:bold;margin-bottom:2px">{escape(_KIND.get(bounce.kind, bounce.kind))}'
            + (f' — {escape(bounce.subject)}' if bounce.subject else "") + "</div>")
    cards = "".join(recipient_html(r) for r in bounce.recipients)
    count = len(bounce.recipients)
    summary = (f'<div style="color:{FG_MUTED};margin:6px 0 2px">{count} recipient'
               f'{"s" if count != 1 else ""}</div>') if count else ""
    return (f'<div class="smtpl-bounce" data-kind="{escape(bounce.kind, quote=True)}" style="{_WRAP}">'
            f"{head}{_grid(facts)}{summary}{cards}</div>")


def recipient_html(recipient: Any) -> str:
    """One recipient's card: address, action, codes, what the server said and what it means."""
    exp = recipient.explanation
    lead = recipient.code if recipient.code is not None else recipient.status
    style = style_for(lead) if lead else UNKNOWN_STYLE
    badges = []
    if recipient.code is not None:
        badges.append(badge(recipient.code))
    if recipient.status:
        badges.append(badge(recipient.status, label=recipient.code is None))
    head = (f'<b>{escape(recipient.address)}</b> <span style="margin:0 6px">{escape(recipient.action)}</span>'
            + " ".join(badges))
    rows = [("category", escape(recipient.category)), ("bounce type", escape(recipient.bounce_type)),
            ("provider", escape(recipient.provider or "")),
            ("remote MTA", escape(recipient.remote_mta or "")),
            ("command", f"<code>{escape(recipient.command)}</code>" if recipient.command else "")]
    if exp.found:
        rows += [("meaning", escape(exp.summary)), ("advice", escape(exp.advice))]
    said = recipient.diagnostic
    quote = f'<pre style="{_QUOTE}">{escape(said if len(said) <= 600 else said[:599] + "…")}</pre>' if said else ""
    return (f'<div class="smtpl-bounce-recipient" style="box-sizing:border-box;margin:4px 0;padding:6px 10px;'
            f"border:1px solid {BORDER};border-left:6px solid {style.border};border-radius:6px;"
            f'background:var(--jp-layout-color1,transparent)">{head}{quote}{_grid(rows)}</div>')


def _grid(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f'<div style="color:{FG_MUTED};font-weight:600">{label}</div><div>{value}</div>'
                    for label, value in rows if value)
    return ('<div style="display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin-top:4px">'
            f"{cells}</div>") if cells else ""
