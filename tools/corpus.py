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
            source_id = entry["source"].split()[0]  # the URL, without the note after it
            yield Line(entry["text"], entry["category"], entry["bounce_type"], None, "en",
                       entry["source"], source_id, "collected", "tuning", path.name)


def _key(text: str) -> str:
    """A line's text without case and white space: what makes two lines the same line."""
    return "".join(text.lower().split())


def load(split: str | None = None) -> list[Line]:
    """Every corpus line (of one split when ``split`` is given), in file order.

    A held-out line whose text a tuning source also has (two MTAs writing the same reply, two
    pages copying one list) is left out of the held-out split: it was seen in tuning."""
    lines: list[Line] = []
    for name in SPLITS:
        for path in sorted((CORPUS / name).glob("*.jsonl")):
            for row in path.read_text("utf-8").splitlines():
                if row.strip():
                    entry = json.loads(row)
                    lines.append(Line(entry["text"], entry["category"], entry["bounce_type"],
                                      entry.get("provider"), entry["lang"], entry["source"],
                                      entry["source_id"], entry["kind"], name, path.name))
    lines.extend(_collected())
    tuned = {_key(line.text) for line in lines if line.split == "tuning"}
    return [line for line in lines if (split is None or line.split == split)
            and (line.split == "tuning" or _key(line.text) not in tuned)]
