"""Plain-text renderers: an explanation as readable lines, the table of every code.

Pure functions like the HTML views: the objects they draw come in, a string goes out.
``Explanation.__str__`` and ``python -m smtplesson explain``/``codes`` use them.
"""
from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..codes.classes import reply_class_of

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..bounces import Bounce
    from ..codes.explanation import Explanation
    from ..codes.registry import EnhancedCode, ReplyCode

__all__ = ["bounce_summary", "bounce_text", "codes_table", "explanation_text", "table"]

WIDTH = 88  # characters of a wrapped line
LABEL = 10  # characters of the label column


def explanation_text(exp: Explanation) -> str:
    """A readable multi-line description of an explanation."""
    if not exp.found:
        rows = [("text", short(exp.text))]
        if exp.category != "other" or exp.bounce_type != "none":  # a cause without a code
            rows += _cause(exp)
        rows += [("meaning", exp.summary), ("advice", exp.advice)]
        if exp.provider_note:
            rows.append(("provider", exp.provider_note))
        rows += [("note", note) for note in exp.notes]
        return "No SMTP reply found.\n" + labelled(rows)
    head = " ".join(str(part) for part in (exp.code, exp.enhanced) if part is not None)
    if exp.reply is not None and exp.reply.text:
        head += " " + short(exp.reply.text, 60)
    info, enh = exp.info, exp.enhanced_info
    rows = []
    if exp.code is not None:
        title = f" {info.title}" if info is not None else ""
        reply_class = reply_class_of(exp.code)
        name = reply_class.name if reply_class is not None else None
        rows.append(("code", f"{exp.code} — {name} ({exp.code // 100}xx):{title}"))
    if exp.enhanced is not None:
        title = f" {enh.title}" if enh is not None else " (not a registered code)"
        rows.append(("enhanced", f"{exp.enhanced}{title}"))
    rows += [("outcome", exp.outcome or ""), *_cause(exp), ("meaning", exp.summary)]
    if info is not None:
        rows.append(("", f"{exp.code}: {info.meaning}"))
    if enh is not None:
        rows.append(("", f"{exp.enhanced}: {enh.meaning}"))
    if exp.provider_note:
        rows.append(("provider", exp.provider_note))
    rows.append(("advice", exp.advice))
    if exp.command:
        rows.append(("command", exp.command))
    rows.append(("RFC", ", ".join(exp.references)))
    rows += [("note", note) for note in exp.notes]
    return head + "\n" + labelled(rows)


def _cause(exp: Explanation) -> list[tuple[str, str]]:
    """The cause category, the bounce type in words and who answered."""
    from ..codes.explanation import BOUNCE_TYPES

    rows = [("category", exp.category), ("bounce", BOUNCE_TYPES.get(exp.bounce_type, exp.bounce_type))]
    if exp.provider:
        rows.append(("answered", exp.provider))
    if exp.action:
        extra = [f"found by {exp.confidence}"]
        if exp.retry_after is not None:
            extra.append(f"retry after {exp.retry_after} s")
        if exp.blocklist:
            extra.append(f"block list: {exp.blocklist}")
        rows.append(("action", f"{exp.action} ({', '.join(extra)})"))
    return rows


def labelled(rows: Iterable[tuple[str, str]]) -> str:
    """``label:   value`` lines, values wrapped under each other."""
    indent = " " * (LABEL + 1)
    out = []
    for label, value in rows:
        first = f"{label + ':' if label else '':<{LABEL}} "
        out.append(textwrap.fill(value, WIDTH, initial_indent=first, subsequent_indent=indent,
                                 break_on_hyphens=False) if value else first.rstrip())
    return "\n".join(out)


def short(text: str, limit: int = 200) -> str:
    """Text on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(rows: Sequence[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """Columns padded to their widest cell, a dashed line under the header."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def codes_table(basic: Mapping[int, ReplyCode], enhanced: Mapping[str, EnhancedCode]) -> str:
    """Every basic and every enhanced code, one table each."""
    basic_rows = [(str(c.code), c.kind, c.title, c.reference) for c in basic.values()]
    enhanced_rows = [
        (c.code, short(c.title, 60), short(", ".join(map(str, c.basic_codes)) or "-", 24), c.reference)
        for c in enhanced.values()]
    return "\n".join([
        f"Basic reply codes ({len(basic_rows)})\n",
        table(basic_rows, ("Code", "Class", "Title", "Defined in")),
        f"\nEnhanced status codes ({len(enhanced_rows)}; X = class 2, 4 or 5)\n",
        table(enhanced_rows, ("Code", "Title", "Usually with", "Defined in")),
    ])



def bounce_text(bounce: Bounce) -> str:
    """A bounce as readable lines: what it is, its facts, each recipient with its meaning."""
    head = f"{bounce.kind} ({bounce.format})" + (f": {short(bounce.subject, 70)}" if bounce.subject else "")
    original = bounce.original
    described = " ".join(p for p in (f"“{original.subject}”" if original.subject else "",
                                     original.message_id or "") if p)
    rows = [("from", bounce.sender or ""), ("reported", bounce.reporting_mta or ""),
            ("arrived", bounce.arrival_date or ""), ("original", described), ("note", bounce.note),
            *bounce.details]
    lines = [head, *(_indented(labelled([r for r in rows if r[1]]), 2) if any(r[1] for r in rows) else [])]
    for r in bounce.recipients:
        lines.append("  " + _recipient_line(r))
        sub = [("said", short(r.diagnostic, 300)), ("by", r.remote_mta or ""), ("after", r.command or "")]
        if r.explanation.found:
            sub += [("meaning", r.explanation.summary), ("advice", r.explanation.advice)]
        lines += _indented(labelled([s for s in sub if s[1]]), 4)
    return "\n".join(lines)


def bounce_summary(label: str, bounce: Bounce) -> str:
    """A few lines per bounce for a terminal reading many: kind, then each recipient and its reply."""
    lines = [f"{label}: {bounce.kind} ({bounce.format})"
             + (f" “{short(bounce.subject, 70)}”" if bounce.subject else "")]
    if bounce.note:
        lines.append(f"    note: {bounce.note}")
    for r in bounce.recipients:
        lines.append("  " + _recipient_line(r) + (f", after {r.command}" if r.command else ""))
        if r.diagnostic:
            lines.append(f"      said: {short(r.diagnostic, 200)}")
        if r.esp is not None:
            lines.append(f"      service says: {r.esp.classification} ({r.esp.bounce_type})")
        if r.note:
            lines.append(f"      note: {short(r.note, 300)}")
    return "\n".join(lines)


def _recipient_line(r: Any) -> str:
    codes = " ".join(str(p) for p in (r.code, r.status) if p)
    if r.status_from == "inferred":
        codes += " (inferred)"
    raw = (r.raw_status or "").split()
    if raw and raw[0] != r.status:
        codes += f" (report: Status {r.raw_status})"
    return f"{r.address}: {r.action}" + (f" {codes}" if codes else "") + f" — {r.category}, {r.bounce_type}"


def _indented(text: str, spaces: int) -> list[str]:
    return [" " * spaces + line for line in text.splitlines()]
