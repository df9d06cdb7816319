"""A receiver's daily view of one sender, as Postmaster Tools draws it: a small SVG plot and its text.

The rows are :class:`~smtplesson.relay.reputation.DayRow` objects (or anything with the same
fields): per day the messages taken and deferred, the warm-up allowance, the spam rate against
the 0.1 % and 0.3 % lines of the bulk-sender rules, and the reputation verdict.  The plot has a
``<title>`` and an ``aria-label`` that say what it shows (its alt text), and
:func:`reputation_text` is the same view as a table for a screen reader or a terminal.
"""
from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from ._html import BORDER, FG, FG_MUTED, FONT, box

__all__ = ["reputation_html", "reputation_svg", "reputation_text"]

_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 560, 220, 52, 58, 24, 40
_TIER = {"high": "#2e7d32", "low": "#d08b00", "bad": "#c62828", None: "#9e9e9e"}
_SENT, _DEFERRED, _ALLOW, _SPAM = "#1f77b4", "#ff9f1c", "#555555", "#c62828"
#: the spam-rate lines of Gmail's and Yahoo's bulk-sender rules (below 0.1 %, never 0.3 %)
SPAM_LINES = (0.001, 0.003)


def _summary(rows: Sequence[Any], title: str) -> str:
    if not rows:
        return f"{title}: no mail seen yet."
    sent = sum(r.sent for r in rows)
    deferred = sum(r.deferred for r in rows)
    expired = sum(getattr(r, "expired", 0) for r in rows)
    worst = max((r.spam_rate for r in rows), default=0.0)
    last = rows[-1]
    gave_up = f", {expired} expired in the sender's queue" if expired else ""
    return (f"{title}: {len(rows)} days from {rows[0].day} to {last.day}; {sent} messages taken, {deferred} "
            f"deferrals or refusals{gave_up}; highest daily spam rate {worst:.2%}; reputation on the last "
            f"day: {last.reputation or 'not enough volume to judge'}.")


def reputation_svg(rows: Sequence[Any], title: str = "Reputation") -> str:
    """Bars: messages taken (blue) and deferred (orange) per day; dashed: the warm-up allowance;
    red line: the spam rate (right axis) against the 0.1 % and 0.3 % lines; dots: the verdict."""
    alt = _summary(rows, title)
    n = max(len(rows), 1)
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    top = max([1] + [r.sent + r.deferred for r in rows] + [r.allowance or 0 for r in rows])
    rate_top = max([SPAM_LINES[1] * 1.5] + [r.spam_rate for r in rows])
    step = plot_w / n
    bar = max(step * 0.6, 1.0)

    def y(v: float) -> float:
        return _TOP + plot_h * (1 - v / top)

    def yr(v: float) -> float:
        return _TOP + plot_h * (1 - v / rate_top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="smtpl-reputation" role="img" '
             f'viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" aria-label="{escape(alt)}" '
             f'style="font-family:{FONT};font-size:11px"><title>{escape(alt)}</title>',
             f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
             f'stroke="{BORDER}"/>',
             f'<text x="{_LEFT}" y="14" fill="{FG}" font-weight="600">{escape(title)}</text>',
             f'<text x="4" y="{_TOP + 8}" fill="{FG_MUTED}">{top}</text>',
             f'<text x="4" y="{_TOP + plot_h}" fill="{FG_MUTED}">0</text>']
    for line in SPAM_LINES:
        parts.append(f'<line x1="{_LEFT}" x2="{_LEFT + plot_w}" y1="{yr(line):.1f}" y2="{yr(line):.1f}" '
                     f'stroke="{_SPAM}" stroke-dasharray="2 3" stroke-width="0.8"/>'
                     f'<text x="{_LEFT + plot_w + 4}" y="{yr(line) + 4:.1f}" fill="{_SPAM}">'
                     f'{line:.1%}</text>')
    points, allowance = [], []
    for i, r in enumerate(rows):
        x = _LEFT + step * i + (step - bar) / 2
        cx = x + bar / 2
        parts.append(f'<rect x="{x:.1f}" y="{y(r.sent):.1f}" width="{bar:.1f}" '
                     f'height="{y(0) - y(r.sent):.1f}" '
                     f'fill="{_SENT}"><title>{r.day}: {r.sent} taken</title></rect>')
        if r.deferred:
            parts.append(f'<rect x="{x:.1f}" y="{y(r.sent + r.deferred):.1f}" width="{bar:.1f}" '
                         f'height="{y(r.sent) - y(r.sent + r.deferred):.1f}" fill="{_DEFERRED}">'
                         f'<title>{r.day}: {r.deferred} deferred or refused</title></rect>')
        if r.allowance is not None:
            allowance.append(f"{x:.1f},{y(r.allowance):.1f} {x + bar:.1f},{y(r.allowance):.1f}")
        points.append(f"{cx:.1f},{yr(r.spam_rate):.1f}")
        tier = _TIER.get(r.reputation, _TIER[None])
        parts.append(f'<circle cx="{cx:.1f}" cy="{_TOP + plot_h + 12}" r="4" fill="{tier}">'
                     f'<title>{r.day}: reputation {r.reputation or "no verdict"}</title></circle>')
        if n <= 14 or i % max(n // 7, 1) == 0:
            parts.append(f'<text x="{cx:.1f}" y="{_H - 6}" fill="{FG_MUTED}" text-anchor="middle">'
                         f'{r.day:%m-%d}</text>')
    for segment in allowance:
        parts.append(f'<polyline points="{segment}" fill="none" stroke="{_ALLOW}" stroke-dasharray="4 2"/>')
    if points:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{_SPAM}" '
                     'stroke-width="1.5"/>')
    parts.append("</svg>")
    return "".join(parts)


def reputation_text(rows: Sequence[Any], title: str = "Reputation") -> str:
    """The same view as a table: one line a day."""
    lines = [_summary(rows, title), "",
             f"{'day':<10}  {'taken':>6}  {'deferred':>8}  {'expired':>7}  {'allowance':>9}  "
             f"{'spam rate':>9}  reputation"]
    for r in rows:
        allowance = "-" if r.allowance is None else str(r.allowance)
        expired = getattr(r, "expired", 0)
        lines.append(f"{r.day!s:<10}  {r.sent:>6}  {r.deferred:>8}  {expired:>7}  {allowance:>9}  "
                     f"{r.spam_rate:>9.2%}  {r.reputation or '-'}")
    return "\n".join(lines)


def reputation_html(rows: Sequence[Any], title: str = "Reputation") -> str:
    """The plot in a card, with the legend in words."""
    legend = (f'<div style="color:{FG_MUTED};margin-top:4px">blue: messages taken · '
              "orange: deferred or refused · "
              "dashed: warm-up allowance · red line: spam rate (dotted: 0.1 % and 0.3 %) · dots: "
              "reputation (green high, amber low, red bad, grey no verdict)</div>")
    return box(reputation_svg(rows, title) + legend, accent=_SENT, css_class="smtpl-reputation-card")
