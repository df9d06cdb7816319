"""The reply corpus of ``tests/corpus/`` (issue 19): labelled lines, their sources, the split.

Each ``*.jsonl`` line holds ``text``, ``category``, ``bounce_type`` (shared/taxonomy-v2.md),
``provider`` (where the source says it), ``lang``, ``source`` (URL, or package file:line) and
``source_id`` (the whole source the line belongs to: a page, a thread, a package).  Lines
under ``tests/corpus/heldout/`` come from sources frozen out of tuning; everything under
``tests/corpus/tuning/`` and the lines collected earlier (``tests/unit/data/*.json``) is the
tuning set.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
#: the lines collected before issue 19, kept in the tuning set where their tests read them
COLLECTED = (ROOT / "tests" / "unit" / "data" / "real_replies.json",
             ROOT / "tests" / "unit" / "data" / "provider_lines.json")
SPLITS = ("tuning", "heldout")


@dataclass(frozen=True)
class Line:
    """One labelled reply line and where it came from."""

    text: str
    category: str
    bounce_type: str
    provider: str | None
    lang: str
    source: str
    source_id: str
    kind: str  # "mined", "page", "thread" or "collected"
    split: str  # "tuning" or "heldout"
    file: str


def _collected() -> Iterator[Line]:
    for path in COLLECTED:
        raw = json.loads(path.read_text("utf-8"))
        for entry in raw.get("replies") or raw.get("lines") or ():
            yield Line(entry["text"], entry["category"], entry["bounce_type"], None, "en",
                       entry["source"], entry["source"], "collected", "tuning", path.name)


def load(split: str | None = None) -> list[Line]:
    """Every corpus line (of one split when ``split`` is given), in file order."""
    lines: list[Line] = []
    for name in SPLITS:
        if split not in (None, name):
            continue
        for path in sorted((CORPUS / name).glob("*.jsonl")):
            for row in path.read_text("utf-8").splitlines():
                if row.strip():
                    entry = json.loads(row)
                    lines.append(Line(entry["text"], entry["category"], entry["bounce_type"],
                                      entry.get("provider"), entry["lang"], entry["source"],
                                      entry["source_id"], entry["kind"], name, path.name))
    if split in (None, "tuning"):
        lines.extend(_collected())
    return lines
