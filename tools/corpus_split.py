"""The frozen rule that puts a new corpus source in the tuning or the held-out split (issue 19).

A source (a page, a thread, a package: the ``source_id`` of its lines) is held out when the first
hex digit of the SHA-256 of its ``source_id`` is 0-3 (a quarter of the sources), else it is tuned
on.  The rule was fixed before the sources it splits were evaluated; it never looks at a line's
text or label.

Run:  python tools/corpus_split.py STAGED.jsonl NAME
appends each staged line to ``tests/corpus/<split>/NAME.jsonl`` and prints the counts.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"


def split_of(source_id: str) -> str:
    """"heldout" when sha256(source_id) starts with 0-3, else "tuning"."""
    return "heldout" if hashlib.sha256(source_id.encode("utf-8")).hexdigest()[0] in "0123" else "tuning"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("staged", type=Path, help="JSON lines in the corpus' shape")
    parser.add_argument("name", help="the corpus file name, without .jsonl")
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    sources: dict[str, set[str]] = {"tuning": set(), "heldout": set()}
    for row in args.staged.read_text("utf-8").splitlines():
        if not row.strip():
            continue
        entry = json.loads(row)
        split = split_of(entry["source_id"])
        with (CORPUS / split / f"{args.name}.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        counts[split] += 1
        sources[split].add(entry["source_id"])
    for split in ("tuning", "heldout"):
        print(f"{split}: {counts[split]} lines from {len(sources[split])} sources")


if __name__ == "__main__":
    main()
