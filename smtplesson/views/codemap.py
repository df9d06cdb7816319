"""HTML pieces of the code map (the widget ``smtplesson.widgets.code_map``): the grid of
codes by first and second digit, and the row and column headers.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from ._html import FG, FG_MUTED, FONT
from .palette import CLASS_STYLE, badge


def grid(codes: Iterable[int]) -> dict[tuple[int, int], list[int]]:
    """Codes grouped by (first digit, second digit), each group sorted."""
    cells: dict[tuple[int, int], list[int]] = {}
    for code in sorted(codes):
        cells.setdefault((code // 100, code // 10 % 10), []).append(code)
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
