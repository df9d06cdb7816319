"""Snapshot what ``explain`` and ``read_bounce`` say, to prove a speed change alters nothing.

Run:  .venv/bin/python tools/explain_snapshot.py save /tmp/before.jsonl.gz
      .venv/bin/python tools/explain_snapshot.py diff /tmp/before.jsonl.gz

``save`` writes one JSON row per input: ``explain(line).to_dict()`` for every line of the reply
corpus (tests/corpus/**, both splits, read raw: nothing here is scored or listed), the lines
collected earlier (tests/unit/data/*.json), the Postfix log fixture and every line
bench/explain.py generates (200,000 by default); ``read_bounce(mail).to_dict()`` with each
recipient's full explanation for every ``.eml`` under tests/.  ``diff`` computes the same
rows again and lists the ones that differ, field by field (the first ``--show`` of them; held-out
rows are only counted); it exits 1 when any differs.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from explain import make_log  # type: ignore[import-not-found]  # noqa: E402  (bench/explain.py)

from smtplesson import explain  # noqa: E402
from smtplesson.bounces import read_bounce  # noqa: E402

Row = tuple[str, Any]  # (key, what was said)


def _corpus_lines() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / "tests" / "corpus").rglob("*.jsonl")):
        for number, row in enumerate(path.read_text("utf-8").splitlines(), 1):
            text = json.loads(row).get("text") if row.strip() else None
            if text is not None:  # bounces/index.jsonl lists mails, not lines
                yield f"{path.relative_to(ROOT)}:{number}", text
    for name in ("real_replies.json", "provider_lines.json"):
        raw = json.loads((ROOT / "tests" / "unit" / "data" / name).read_text("utf-8"))
        for number, entry in enumerate(raw.get("replies") or raw.get("lines") or (), 1):
            yield f"{name}:{number}", entry["text"]
    log = ROOT / "tests" / "unit" / "data" / "maillog" / "postfix.log"
    for number, line in enumerate(log.read_text("utf-8").splitlines(), 1):
        yield f"postfix.log:{number}", line


def rows(bench_lines: int) -> Iterator[Row]:
    """Every (key, output) the snapshot holds, in a fixed order."""
    for key, text in _corpus_lines():
        yield key, explain(text).to_dict()
    for number, line in enumerate(make_log(bench_lines)):
        yield f"bench:{number}", explain(line).to_dict()
    for path in sorted((ROOT / "tests").rglob("*.eml")):
        bounce = read_bounce(path.read_bytes())
        out = bounce.to_dict()
        out["explanations"] = [r.explanation.to_dict() for r in bounce.recipients]
        yield str(path.relative_to(ROOT)), out


def differences(old: Any, new: Any, where: str = "") -> Iterator[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        for name in dict.fromkeys([*old, *new]):
            yield from differences(old.get(name), new.get(name), f"{where}.{name}")
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from differences(a, b, f"{where}[{i}]")
    elif old != new:
        yield f"  {where or '.'}: {old!r}\n  {' ' * len(where or '.')}-> {new!r}"


def save(path: Path, rows: Iterable[Row]) -> int:
    """Write ``rows`` to ``path`` (gzipped JSON lines); return how many."""
    count = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=3) as out:
        for key, said in rows:
            out.write(json.dumps([key, said], ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def compare(path: Path, rows: Iterable[Row], show: int) -> tuple[int, int, int]:
    """(rows compared, rows that differ, saved rows not produced); the first ``show``
    differences are printed field by field, except held-out ones, which are only counted (no
    rule may be written from a held-out line or mail)."""
    with gzip.open(path, "rt", encoding="utf-8") as saved:
        old = dict(json.loads(row) for row in saved)
    differ, shown, held_out, seen = 0, 0, 0, set()
    for key, said in rows:
        seen.add(key)
        before, now = old.get(key), json.loads(json.dumps(said))  # tuples as lists, as read back
        if before == now:
            continue
        differ += 1
        if "heldout/" in key:
            held_out += 1
        elif shown < show:
            shown += 1
            print(f"{key}: " + ("new row" if before is None else "differs"))
            if before is not None:
                print("\n".join(differences(before, now)))
    if held_out:
        print(f"{held_out:,} held-out rows differ (counted, never listed)")
    return len(seen), differ, len(set(old) - seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "diff"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--bench-lines", type=int, default=200_000)
    parser.add_argument("--show", type=int, default=20, help="differences listed in full")
    args = parser.parse_args()
    if args.action == "save":
        print(f"{save(args.path, rows(args.bench_lines)):,} rows saved to {args.path}")
        return
    compared, differ, missing = compare(args.path, rows(args.bench_lines), args.show)
    print(f"{compared:,} rows compared: {differ:,} differ, {missing:,} saved rows not produced")
    raise SystemExit(1 if differ or missing else 0)


if __name__ == "__main__":
    main()
