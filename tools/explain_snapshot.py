"""Snapshot what ``explain`` and ``read_bounce`` say, to prove a speed change alters nothing.

Run:  .venv/bin/python tools/explain_snapshot.py save /tmp/before.jsonl.gz
      .venv/bin/python tools/explain_snapshot.py diff /tmp/before.jsonl.gz

``save`` writes one JSON row per input: ``explain(line).to_dict()`` for every line of the reply
corpus (tests/corpus/**, both splits, read raw: nothing here is scored or listed), the lines
collected earlier (tests/unit/data/*.json), the Postfix log fixture and every line
bench/explain.py generates (200,000 by default); ``read_bounce(mail).to_dict()`` with each
recipient's full explanation for every ``.eml`` under tests/.  ``diff`` computes the same
rows again and lists the ones that differ, field by field (the first ``--show`` of them);
it exits 1 when any differs.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "diff"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--bench-lines", type=int, default=200_000)
    parser.add_argument("--show", type=int, default=20, help="differences listed in full")
    args = parser.parse_args()
    if args.action == "save":
        with gzip.open(args.path, "wt", encoding="utf-8", compresslevel=3) as out:
            count = 0
            for key, said in rows(args.bench_lines):
                out.write(json.dumps([key, said], ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        print(f"{count:,} rows saved to {args.path}")
        return
    with gzip.open(args.path, "rt", encoding="utf-8") as saved:
        old = dict(json.loads(row) for row in saved)
    differ = 0
    seen = set()
    for key, said in rows(args.bench_lines):
        seen.add(key)
        before = old.get(key)
        if before is not None and json.dumps(before, sort_keys=True) == json.dumps(
                json.loads(json.dumps(said)), sort_keys=True):
            continue
        differ += 1
        if differ <= args.show:
            print(f"{key}: " + ("new row" if before is None else "differs"))
            if before is not None:
                print("\n".join(differences(before, json.loads(json.dumps(said)))))
    missing = len(set(old) - seen)
    print(f"{len(seen):,} rows compared: {differ:,} differ, {missing:,} saved rows not produced")
    raise SystemExit(1 if differ or missing else 0)


if __name__ == "__main__":
    main()
