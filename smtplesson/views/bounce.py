"""HTML for a :class:`smtplesson.bounces.Bounce`: its facts, then one card per recipient.

Pure functions, self-contained HTML (inline CSS, the JupyterLab theme tokens of ``_html``):
each recipient's card is edged in its reply class's colour, with code and class printed in
words too.
"""
from __future__ import annotations

from html import escape
from typing import Any

from ._html import BG_SOFT, FG_MUTED, FONT, FONT_SIZE, MONO, box, code, rows
from .palette import UNKNOWN_STYLE, badge, style_for

__all__ = ["bounce_html", "recipient_html"]

_KIND = {
    "dsn": "Delivery status notification (RFC 3464)",
    "vendor": "Bounce in the reporting system's own words",
    "feedback-report": "Feedback report (RFC 5965): a complaint, not a bounce",
    "auto-reply": "Automatic reply (RFC 3834): delivered, not a bounce",
    "not-a-bounce": "Not a bounce",
}
_QUOTE = (f"font-family:{MONO};font-size:12px;white-space:pre-wrap;word-break:break-word;"
          f"margin:6px 0 0 0;padding:4px 6px;border-radius:4px;background:{BG_SOFT}")
_DIAGNOSTIC_SHOWN = 600  # characters of a diagnostic quoted on a card


def bounce_html(bounce: Any) -> str:
    """The whole bounce: what it is, who wrote it, the original message, a card per recipient."""
    original = bounce.original
    described = " ".join(p for p in (f"“{original.subject}”" if original.subject else "",
                                     original.message_id or "") if p)
    facts = [("format", escape(bounce.format)), ("from", escape(bounce.sender or "")),
             ("reported by", escape(bounce.reporting_mta or "")),
             ("arrived", escape(bounce.arrival_date or "")), ("original", escape(described)),
             ("note", escape(bounce.note))]
    facts += [(name, escape(value)) for name, value in bounce.details[:12]]
    title = escape(_KIND.get(bounce.kind, bounce.kind))
    if bounce.subject:
        title += f" — {escape(bounce.subject)}"
    count = len(bounce.recipients)
    counted = (f'<div style="color:{FG_MUTED};margin:8px 0 2px">{count} recipient{"s" if count != 1 else ""}'
               "</div>") if count else ""
    cards = "".join(recipient_html(r) for r in bounce.recipients)
    return (f'<div class="smtpl-bounce" data-kind="{escape(bounce.kind, quote=True)}" '
            f'style="font-family:{FONT};font-size:{FONT_SIZE};max-width:62em">'
            f'<div style="font-weight:bold">{title}</div>{rows(facts)}{counted}{cards}</div>')


def status_field_of(recipient: Any) -> str | None:
    """The enhanced code of the report's Status field as written (``"5.0.0 (x)"`` -> ``"5.0.0"``)."""
    raw = recipient.raw_status or ""
    return raw.split()[0] if raw.split() else None


def recipient_html(recipient: Any) -> str:
    """One recipient's card: address, action, codes, what the server said and what it means."""
    exp = recipient.explanation
    lead = recipient.code if recipient.code is not None else recipient.status
    style = style_for(lead) if lead else UNKNOWN_STYLE
    badges = [badge(recipient.code)] if recipient.code is not None else []
    if recipient.status:
        badges.append(badge(recipient.status, label=recipient.code is None))
    if recipient.raw_status and status_field_of(recipient) != recipient.status:
        raw = escape(recipient.raw_status)
        badges.append(f'<span style="color:{FG_MUTED}">(report: Status {raw})</span>')
    if recipient.status_from == "inferred":
        badges.append(f'<span style="color:{FG_MUTED}">(status inferred from the reply)</span>')
    head = (f"<b>{escape(recipient.address)}</b> "
            f'<span style="margin:0 6px">{escape(recipient.action)}</span>' + " ".join(badges))
    said = recipient.diagnostic
    if len(said) > _DIAGNOSTIC_SHOWN:
        said = said[:_DIAGNOSTIC_SHOWN - 1] + "…"
    quote = f'<pre style="{_QUOTE}">{escape(said)}</pre>' if said else ""
    esp = recipient.esp
    facts = [("category", escape(recipient.category)), ("bounce type", escape(recipient.bounce_type)),
             ("service says", escape(f"{esp.classification} ({esp.bounce_type})") if esp else ""),
             ("provider", escape(recipient.provider or "")),
             ("remote MTA", escape(recipient.remote_mta or "")),
             ("command", code(recipient.command) if recipient.command else "")]
    if exp.found:
        facts += [("meaning", escape(exp.summary)), ("advice", escape(exp.advice))]
    if recipient.note:
        facts.append(("note", escape(recipient.note)))
    return box(head + quote + rows(facts), accent=style.border, css_class="smtpl-bounce-recipient")
