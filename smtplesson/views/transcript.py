"""A transcript as a sequence diagram: client column, server column, arrows between.

The diagram is an HTML table (column headers with ``scope="col"``, each row's arrow a row header
with ``scope="row"`` that says its direction), so a screen reader reads it row by row.

Every reply carries its code, class symbol and class name (never colour alone) and is
explained below the diagram (and on hover) from the reply-code registry.
No times or ports are shown, so the output is the same on every run.
"""
from __future__ import annotations

from html import escape
from typing import Any

from ..codes.registry import BASIC_CODES
from ..codes.syntax import code_of, is_last_line
from ._html import FADED, MONO
from .palette import badge, style_for

_FONT = f"font-family:{MONO};font-size:12px"
_TABLE = "border-collapse:separate;border-spacing:6px 5px;width:100%"
_COLS = ('<colgroup><col style="width:38%"><col style="width:4.5em"><col></colgroup>')
_MUTED = FADED

#: codes whose legend entry this kernel has shown (a notebook explains each code once)
EXPLAINED: set[int] = set()


def fold_note(hidden: int) -> str:
    """What stands for ``hidden`` folded message-body lines."""
    return f"… ({hidden} more message line{'s' if hidden != 1 else ''})"



def _code_info(code: int | None) -> Any:
    return BASIC_CODES.get(code) if code is not None else None


def _title(code: int | None, meanings: bool = True) -> str:
    info = _code_info(code)
    style = style_for(code)
    if info is None:
        return f"{code}: {style.label}"
    return f"{code} {info.title} — {style.label}" + (f": {info.meaning}" if meanings else "")


def _client_cell(lines: list[str]) -> str:
    body = "<br>".join(escape(text) if text else "&nbsp;" for text in lines)
    return (f'<td style="text-align:right;vertical-align:top;white-space:pre-wrap;'
            f'overflow-wrap:anywhere">{body}</td>')


def _arrow(direction: str, code: int | None = None) -> str:
    if direction == "C":
        return (f'<th scope="row" style="text-align:center;font-weight:normal;{_MUTED}" '
                f'aria-label="client to server">──▶</th>')
    style = style_for(code)
    return (f'<th scope="row" style="text-align:center;font-weight:normal;color:{style.border}" '
            f'aria-label="server to client">◀──</th>')


def _reply_cell(lines: list[str], code: int | None, meanings: bool = True) -> str:
    style = style_for(code)
    texts = "<br>".join(escape(t) for t in lines)
    return (
        f'<td style="border-left:3px solid {style.border};padding-left:6px;vertical-align:top;'
        f'white-space:pre-wrap;overflow-wrap:anywhere" title="{escape(_title(code, meanings), quote=True)}">'
        f'{badge(code if code is not None else "?", title=_title(code, meanings))} '
        f'<span style="{_MUTED}">{escape(_short_title(code))}</span><br>{texts}</td>'
    )


def _short_title(code: int | None) -> str:
    info = _code_info(code)
    return info.title if info is not None else ""


#: one exchange: its reply code, its table rows, and its lines as plain text (for the fold)
Exchange = tuple[int | None, list[str], list[str]]


def _exchanges(transcript: Any, full: bool, meanings: bool = True) -> list[Exchange]:
    """Per exchange: the client's lines, then the reply they got — as rows and as text."""
    out: list[Exchange] = []
    rows: list[str] = []
    text: list[str] = []
    pending: list[str] = []
    reply: list[str] = []

    def flush_client() -> None:
        if pending:
            rows.append(f"<tr>{_client_cell(list(pending))}{_arrow('C')}<td></td></tr>")
            text.extend(f" -> {line}" for line in pending)
            pending.clear()

    for line, hidden in transcript.visible_lines(full):
        if line is None:
            pending.append(fold_note(hidden))
            continue
        if line.direction == "C":
            pending.append(line.text)
            continue
        flush_client()
        if line.direction == "T":  # the TLS handshake, between both sides
            rows.append(f'<tr><td colspan="3" style="text-align:center;{_MUTED}">'
                        f"🔒 {escape(line.text)}</td></tr>")
            text.append(f"🔒 {line.text}")
            continue
        reply.append(line.text)
        if is_last_line(line.text):
            code = code_of(reply[0])
            rows.append(f"<tr><td></td>{_arrow('S', code)}{_reply_cell(list(reply), code, meanings)}</tr>")
            text.extend(f"<-  {line}" for line in reply)
            out.append((code, rows, text))
            rows, text, reply = [], [], []
    flush_client()
    if reply:
        rows.append(f"<tr><td></td>{_arrow('S')}{_reply_cell(list(reply), None, meanings)}</tr>")
        text.extend(f"<-  {line}" for line in reply)
    if rows:
        out.append((None, rows, text))
    return out


def _routine(code: int | None) -> bool:
    """A reply that went as planned (2xx, 3xx): folded away when something failed."""
    return code is not None and 200 <= code < 400


def _fold(run: list[Exchange]) -> str:
    """Routine exchanges as one click-to-show block of plain lines (small, and still all there)."""
    codes = " ".join(str(code) for code, _, _ in run)
    lines = "\n".join(escape(line) for _, _, text in run for line in text)
    return (f'<tr><td colspan="3"><details><summary style="cursor:pointer;{_MUTED}">'
            f"{len(run)} routine exchanges ({codes}): click to show</summary>"
            f'<pre style="margin:2px 0 2px 1em;white-space:pre-wrap">{lines}</pre></details></td></tr>')


def _rows(transcript: Any, full: bool, meanings: bool = True) -> list[str]:
    """The diagram's rows. When a reply failed (4xx, 5xx), runs of two or more routine
    exchanges fold into a click-to-show ``<details>`` so the failure stands out."""
    exchanges = _exchanges(transcript, full, meanings)
    if full or all(_routine(code) for code, _, _ in exchanges):
        return [row for _, part, _ in exchanges for row in part]
    out: list[str] = []
    run: list[Exchange] = []
    for exchange in [*exchanges, (0, [], [])]:  # a sentinel flushes the last run
        if _routine(exchange[0]):
            run.append(exchange)
            continue
        if len(run) >= 2:
            out.append(_fold(run))
        else:
            out.extend(row for _, part, _ in run for row in part)
        run = []
        out.extend(exchange[1])
    return out


def _legend(codes: list[int], explained: set[int] | None) -> str:
    items = []
    for code in dict.fromkeys(codes):
        if explained is not None:
            if code in explained:
                continue
            explained.add(code)
        info = _code_info(code)
        style = style_for(code)
        if info is None:
            text = escape(style.label)
        else:
            text = (f"<b>{escape(info.title)}</b> ({escape(style.label)}, {escape(info.outcome)}): "
                    f"{escape(info.meaning)} <span style=\"{_MUTED}\">{escape(info.reference)}</span>")
        items.append(f'<li style="margin:2px 0">{badge(code, label=False)} {text}</li>')
    if not items:
        return ""
    title = "Reply codes in this session" if explained is None else "Reply codes new here"
    return (f'<div style="margin-top:6px"><b>{title}</b>'
            f'<ul style="margin:2px 0 0 0;padding-left:1.2em;list-style:none">{"".join(items)}</ul></div>')


def transcript_html(transcript: Any, full: bool = False, explained: set[int] | None = None,
                    meanings: bool = True) -> str:
    """The sequence diagram of one session, as a self-contained HTML string.

    The message body is folded to "… (n more message lines)" and, when a reply failed, the
    routine exchanges fold away (click to show), unless ``full``. The legend under the
    diagram explains each code once: with ``explained`` (codes already explained, updated
    here) it lists only the codes new to it. Without ``meanings`` (a lab's evidence) neither the
    legend nor the replies' hover titles say what a code means.
    """
    header = (
        '<thead><tr style="font-weight:bold"><th scope="col" style="text-align:right">client</th>'
        '<th scope="col"><span style="position:absolute;left:-9999px">direction</span></th>'
        f'<th scope="col" style="text-align:left">server {escape(transcript.server)}</th></tr></thead>'
    )
    caption = (f'<caption style="position:absolute;left:-9999px">SMTP session with '
               f'{escape(transcript.server)}, one exchange per row</caption>')
    body = (f'<table style="{_TABLE}">{caption}{_COLS}{header}'
            f'<tbody>{"".join(_rows(transcript, full, meanings))}</tbody></table>')
    footer = ""
    if transcript.closed_by:
        footer += (f'<div style="text-align:center;{_MUTED};margin-top:4px">'
                   f'— connection closed by the {escape(transcript.closed_by)} —</div>')
    for note in transcript.notes:
        footer += f'<div style="margin-top:4px">⚠ {escape(note)}</div>'
    return (
        f'<div class="smtpl-transcript" style="{_FONT};line-height:1.35;max-width:62em">'
        f"{body}{footer}{_legend(transcript.codes, explained) if meanings else ''}</div>"
    )
