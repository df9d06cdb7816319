"""HTML pieces of the code map: row and column headers, and a static (non-clickable) map.

The clickable map is the widget ``smtplesson.widgets.code_map``; it uses these
headers. ``code_map_html`` is the same grid as plain HTML (for static pages and
for the widget's text-free fallback).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from .card import BORDER, FG, FG_MUTED, FONT
from .palette import CLASS_STYLE, badge


def grid(codes: Iterable[int]) -> dict[tuple[int, int], list[int]]:
    """Codes grouped by (first digit, second digit), each group sorted."""
    cells: dict[tuple[int, int], list[int]] = {}
    for code in sorted(codes):
        text = str(code)
        cells.setdefault((int(text[0]), int(text[1])), []).append(code)
    return cells


def columns(structure: Mapping[str, Any], cells: Iterable[tuple[int, int]]) -> list[int]:
    """Second digits to show: every one the structure names plus any a code uses."""
    named = {int(d) for d in structure.get("second_digit", {})}
    return sorted(named | {second for _, second in cells})


def column_header(digit: int, structure: Mapping[str, Any]) -> str:
    """'x2z' over 'connections'."""
    entry = structure.get("second_digit", {}).get(str(digit), {})
    name = escape(str(entry.get("name", "")))
    return (
        f'<div class="smtpl-map-col" style="font-family:{FONT};color:{FG};text-align:center;'
        f'line-height:1.2"><strong>x{digit}z</strong><br>'
        f'<span style="color:{FG_MUTED};font-size:0.9em">{name}</span></div>'
    )


def row_header(digit: int) -> str:
    """The class of a row: badge with symbol, '5xx' and the class name, and its outcome."""
    style = CLASS_STYLE[digit]
    return (
        f'<div class="smtpl-map-row" style="font-family:{FONT};color:{FG};line-height:1.3">'
        f"{badge(style.short, title=style.label)}<br>"
        f'<span style="color:{FG_MUTED};font-size:0.9em">outcome: {escape(style.outcome)}</span></div>'
    )


def code_map_html(codes: Mapping[int, Any], structure: Mapping[str, Any]) -> str:
    """The whole map as a static HTML table (codes as labelled badges)."""
    cells = grid(codes)
    cols = columns(structure, cells)
    head = "".join(f'<th style="padding:4px">{column_header(d, structure)}</th>' for d in cols)
    rows = []
    for first in sorted(CLASS_STYLE):
        tds = []
        for second in cols:
            items = "<br>".join(
                badge(c, title=getattr(codes[c], "title", ""), label=False) for c in cells.get((first, second), [])
            )
            tds.append(f'<td style="padding:4px;vertical-align:top;border-top:1px solid {BORDER}">{items}</td>')
        rows.append(f'<tr><th style="padding:4px;text-align:left">{row_header(first)}</th>{"".join(tds)}</tr>')
    return (
        f'<table class="smtpl-codemap" style="border-collapse:collapse;font-family:{FONT};color:{FG}">'
        f'<tr><th></th>{head}</tr>{"".join(rows)}</table>'
    )
