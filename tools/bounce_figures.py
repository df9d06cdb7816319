"""Print how ``read_bounce`` reads the bounce fixtures: decoded, reply code and status right.

The truth is ``tests/unit/data/bounces/expected.json`` (per recipient: address, action, status,
reply code, command).  A mail counts as *decoded* when it is read as a bounce with at least one
recipient; its *action* (*code*, *status*) is right when every recipient's action (reply code,
status) is the expected one, in order; a failed or delayed recipient whose bounce type is ``none`` or
``unknown`` is counted apart.  Mails that are not bounces (ordinary mail, feedback reports,
auto-replies) are left out.

    python tools/bounce_figures.py [--fixtures DIR] [--misses]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from smtplesson import read_bounce

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "unit" / "data" / "bounces"


def figures(fixtures: Path) -> tuple[dict[str, int], list[str]]:
    expected: dict[str, dict] = json.loads((fixtures / "expected.json").read_text())
    counts = {"mails": 0, "decoded": 0, "action": 0, "code": 0, "status": 0, "typed-none": 0}
    misses: list[str] = []
    for name, want in sorted(expected.items()):
        if want["kind"] not in ("dsn", "vendor"):
            continue
        counts["mails"] += 1
        bounce = read_bounce(fixtures / name)
        got = bounce.recipients
        if bounce.is_bounce and got:
            counts["decoded"] += 1
        else:
            misses.append(f"{name}: not decoded ({bounce.kind}, {bounce.note})")
        wanted = [r[1] for r in want["recipients"]]
        actions = [r.action for r in got] == wanted
        counts["action"] += actions
        if not actions:
            misses.append(f"{name}: actions {[r.action for r in got]} != {wanted}")
        codes = [r.code for r in got] == [r[3] for r in want["recipients"]]
        statuses = [r.status for r in got] == [r[2] for r in want["recipients"]]
        counts["code"] += codes
        counts["status"] += statuses
        if not (codes and statuses):
            misses.append(f"{name}: code/status {[(r.code, r.status) for r in got]} != "
                          f"{[(r[3], r[2]) for r in want['recipients']]}")
        if any(r.action in ("failed", "delayed") and r.bounce_type in ("none", "unknown") for r in got):
            counts["typed-none"] += 1
            misses.append(f"{name}: a failed recipient typed none")
    return counts, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    parser.add_argument("--misses", action="store_true", help="list the mails read wrong")
    args = parser.parse_args(argv)
    counts, misses = figures(args.fixtures)
    total = counts["mails"] or 1
    print(f"bounce fixtures: {counts['mails']}")
    for key in ("decoded", "action", "code", "status"):
        print(f"{key:>10}: {counts[key]:4d}  {100 * counts[key] / total:5.1f} %")
    print(f"typed none: {counts['typed-none']:4d}")
    if args.misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
