"""HTML cards for reply codes, enhanced codes, explained bounces and kind messages.

Pure functions: model objects in, a self-contained HTML string out (inline CSS,
JupyterLab theme variables with fallbacks, no scripts, nothing fetched). Every
coloured thing also prints its code and class name (see ``palette``).
"""
from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import TYPE_CHECKING

from ..codes.classes import ENHANCED_CLASSES
from ..codes.registry import EnhancedCode, ReplyCode
from ..codes.syntax import class_of
from ._html import BORDER, FG, FG_MUTED, FONT, WARN, box, callout, rows
from ._html import code as html_code
from .palette import CLASS_STYLE, badge, style_for

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..codes.explanation import Explanation

MAX_ECHO = 160  # characters of the learner's text echoed back in messages


def _list(items: Iterable[str]) -> str:
    items = [i for i in items if i]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    lis = "".join(f"<li>{i}</li>" for i in items)
    return f'<ul style="margin:0;padding-left:1.2em">{lis}</ul>'


def _head(code_badge: str, title: str, sub: str = "") -> str:
    sub_html = f'<div style="color:{FG_MUTED};margin-top:2px">{sub}</div>' if sub else ""
    return (
        f'<div style="display:flex;flex-wrap:wrap;align-items:baseline;gap:8px">{code_badge}'
        f'<strong class="smtpl-card-title" style="font-size:1.15em">{escape(title)}</strong></div>{sub_html}'
    )


def _class_line(reply_code: int) -> str:
    style = style_for(reply_code)
    if style.digit not in CLASS_STYLE:
        return ""
    return f"{style.short} {escape(style.label)} — outcome: <strong>{escape(style.outcome)}</strong>"


def _enhanced_items(entries: Iterable[tuple[str, EnhancedCode | None]]) -> list[str]:
    return [f"{badge(text, label=False)}{f' {escape(info.title)}' if info else ''}"
            for text, info in entries]


def reply_code_card(code: ReplyCode) -> str:
    """The full reference card of one basic reply code."""
    items = [
        ("Class", _class_line(code.code)),
        ("Second digit", escape(code.second_digit)),
        ("Meaning", escape(code.meaning)),
        ("What the sender should do", escape(code.action)),
        ("Returned after", ", ".join(html_code(c) for c in code.commands)),
        ("Common causes", _list(escape(c) for c in code.causes)),
        ("Related enhanced codes", _list(_enhanced_items(code.enhanced_entries))),
        ("Cause and bounce type", escape(" — ".join(code.cause))),
        ("Defined in", escape("; ".join([code.reference, *code.see_also]))),
    ]
    if code.enhanced_note:
        items.insert(-2, ("Registry or practice", escape(code.enhanced_note)))
    body = _head(badge(code.code, title=code.kind), code.title) + rows(items)
    if code.misreading:
        body += callout("Common misreading", code.misreading, "smtpl-misreading")
    return box(body, accent=style_for(code.code).border, css_class="smtpl-code-card",
                attrs=f' data-code="{code.code}"')


def enhanced_code_card(code: EnhancedCode, typed: str | None = None) -> str:
    """The reference card of one enhanced status code (class-free "X.2.2")."""
    klass = class_of(typed) if typed else None
    shown = code.with_class(klass) if klass is not None and klass in ENHANCED_CLASSES else code.code
    forms = " ".join(badge(code.with_class(k), label=True) for k in ENHANCED_CLASSES)
    basics = [
        f"{badge(n, label=False)} {escape(info.title)}" if info is not None else badge(n)
        for n, info in code.basic_entries
    ]
    items = [
        ("Subject", escape(f"X.{code.subject}.x — {code.subject_name}")),
        ("Meaning", escape(code.meaning)),
        ("In each class", forms),
        ("Usually travels with", _list(basics)),
        ("Cause and bounce type (5.x.x)", escape(" — ".join(code.cause))),
        ("Defined in", escape("; ".join([code.reference, *code.see_also]))),
    ]
    body = _head(badge(shown, label=klass in ENHANCED_CLASSES), code.title,
                 "An enhanced status code (RFC 3463): class.subject.detail") + rows(items)
    return box(body, accent=style_for(shown).border, css_class="smtpl-enhanced-card",
                attrs=f' data-code="{escape(shown, quote=True)}"')


def entry_card(entry: ReplyCode | EnhancedCode, typed: str | None = None) -> str:
    """The card for whatever lookup() returned: a ReplyCode or an EnhancedCode."""
    if isinstance(entry, ReplyCode):
        return reply_code_card(entry)
    return enhanced_code_card(entry, typed)


def _echo(text: str) -> str:
    one_line = " ".join(text.split())
    if len(one_line) > MAX_ECHO:
        one_line = one_line[: MAX_ECHO - 1] + "…"
    return escape(one_line)


def explanation_card(explanation: Explanation, basic: ReplyCode | None = None) -> str:
    """An explained reply or bounce line (``views.explanation``), then the code's reference card."""
    from .explanation import explanation_html

    exp = explanation
    attrs = (
        f'data-code="{exp.code or ""}" data-enhanced="{escape(exp.enhanced or "", quote=True)}" '
        f'data-category="{escape(exp.category, quote=True)}" '
        f'data-outcome="{escape(exp.outcome or "", quote=True)}"'
    )
    reference = ""
    if basic is not None:  # folded, so the explanation and the buttons below stay in view
        reference = (
            f'<details class="smtpl-reference" style="margin:2px 0;font-family:{FONT};color:{FG}">'
            f'<summary style="cursor:pointer;padding:2px 0">Reference card: {badge(basic.code, label=False)} '
            f"{escape(basic.title)}</summary>{reply_code_card(basic)}</details>"
        )
    return f'<div class="smtpl-explained" {attrs}>{explanation_html(exp)}{reference}</div>'


def message_card(title: str, text: str = "", *, kind: str = "info") -> str:
    """A short, kind message (no match, bad input, a demo that cannot run)."""
    accent = {"info": "var(--jp-brand-color1, #1976d2)", "warn": WARN}.get(kind, BORDER)
    icon = {"info": "ℹ", "warn": "⚠"}.get(kind, "•")
    body = f'<strong class="smtpl-card-title">{icon} {escape(title)}</strong>'
    if text:
        body += f'<div style="margin-top:4px;color:{FG_MUTED}">{escape(text)}</div>'
    return box(body, accent=accent, css_class=f"smtpl-message smtpl-{kind}")


def _looks_like(query: str) -> str:
    """The shape of a query that matched nothing: "basic", "enhanced" or "words"."""
    q = query.strip()
    if q.isdigit():
        return "basic"
    parts = q.split(".")
    if len(parts) == 3 and parts[0][:1] in "0123456789xX" and all(p.isalnum() for p in parts):
        return "enhanced"
    return "words"


def no_match_card(query: str, hidden: int = 0) -> str:
    """Why nothing matched, and what to try instead."""
    shown = _echo(query)
    if hidden:
        return message_card(
            f"No match in the classes you selected for “{shown}”",
            f"{hidden} match{'es' if hidden != 1 else ''} in other classes — "
            "turn the class filters back on to see "
            f"{'them' if hidden != 1 else 'it'}.",
        )
    shape = _looks_like(query)
    if shape == "basic" and len(query.strip()) < 3:
        return message_card(f"{shown}… keep typing", "Reply codes have three digits, e.g. 550 or 451.")
    if shape == "basic":
        firsts = ", ".join(f"{d}xx ({s.label})" for d, s in CLASS_STYLE.items())
        return message_card(
            f"{shown} is not an SMTP reply code",
            f"Reply codes have three digits and start with 2, 3, 4 or 5: {firsts}. Try 550 or 451.",
        )
    if shape == "enhanced":
        return message_card(
            f"{shown} is not a registered enhanced status code",
            "Enhanced codes look like class.subject.detail: class 2, 4 or 5, subject 0–7, "
            "e.g. 5.1.1 or 4.7.1.",
        )
    return message_card(
        f"Nothing matches “{shown}”",
        "Try a code (552), an enhanced code (5.2.2), a few words (mailbox full, greylisting) "
        "or paste the whole line from a bounce.",
    )


def prompt_card() -> str:
    """What to type, for an empty input."""
    return message_card(
        "Type a code, a few words or paste a bounce line",
        "For example 552, 5.2.2, greylisting, mailbox full, or "
        "“550 5.1.1 The email account that you tried to reach does not exist”.",
    )
