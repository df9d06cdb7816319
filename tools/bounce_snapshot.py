"""Snapshot every field ``read_bounce`` returns, to prove a change to the reader alters no reading.

Run:  .venv/bin/python tools/bounce_snapshot.py save /tmp/bounces.jsonl.gz
      .venv/bin/python tools/bounce_snapshot.py diff /tmp/bounces.jsonl.gz

``save`` writes one JSON row per mail: ``read_bounce(data).to_dict()`` with each recipient's
full explanation, for every mail of the bounce corpus (tests/corpus/bounces, both splits, read
as they are: nothing here is scored, and held-out readings are never listed) and every bounce
fixture under tests/ (mails and sending services' event payloads).  ``diff`` reads them all
again and lists the rows that differ, field by field (the first ``--show``; held-out mails are
only counted); it exits 1 when any differs.  (tools/explain_snapshot.py does the same for
``explain`` and the ``.eml`` files.)
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from explain_snapshot import compare, save  # tools/explain_snapshot.py

from smtplesson.bounces import read_bounce

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "bounces"
FIXTURES = ROOT / "tests" / "unit" / "data" / "bounces"
#: files under the corpus and fixture folders that are not mails
_NOT_MAILS = {"index.jsonl", "expected.json", "README.md"}


def mails() -> Iterator[Path]:
    """Every bounce mail and event payload the snapshot reads, in a fixed order."""
    seen = set()
    for folder in (CORPUS, FIXTURES):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name not in _NOT_MAILS:
                seen.add(path)
                yield path
    for path in sorted((ROOT / "tests").rglob("*.eml")):  # bounces kept beside other tests
        if path not in seen:
            yield path


def reading(data: bytes) -> dict[str, Any]:
    """All ``read_bounce`` says of ``data``: the bounce, its recipients, their explanations."""
    bounce = read_bounce(data)
    out = bounce.to_dict()
    out["explanations"] = [r.explanation.to_dict() for r in bounce.recipients]
    out["is_bounce"] = bounce.is_bounce
    return json.loads(json.dumps(out))  # tuples as lists, as they are read back


def rows() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in mails():
        yield str(path.relative_to(ROOT)), reading(path.read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "diff"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--show", type=int, default=20, help="differences listed in full")
    args = parser.parse_args()
    if args.action == "save":
        print(f"{save(args.path, rows()):,} readings saved to {args.path}")
        return
    compared, differ, missing = compare(args.path, rows(), args.show)
    print(f"{compared:,} mails compared: {differ:,} differ, {missing:,} saved readings not produced")
    raise SystemExit(1 if differ or missing else 0)


if __name__ == "__main__":
    main()
