"""Benchmark: machine instructions per line of ``explain`` over bench/explain.py's log, counted
by valgrind's callgrind (``apt-get install valgrind``).

CPU time on a loaded machine moves with its neighbours by several per cent; an instruction
count barely does (the hash seed is fixed): two trees holding the same code agree within one
invocation to 0.01 %, while separate invocations have differed by up to 1.5 % (memory layout,
the garbage collector), so compare trees side by side with ``--against``.  Each tree is run
twice under callgrind: the same generated lines, ``--few`` and ``--many`` of them explained
(caches cleared first, as bench/explain.py's runs do); the difference, divided by the extra
lines, is the cost of one line (start-up, imports, data loads and the log's making cancel
out).  By default lines 20,001 to 25,000: the judge's caches as warm as over most of
bench/explain.py's 200,000 lines (an earlier window, ``--few 1000 --many 6000``, also counts
the cache misses of the first lines).  ``--against TREE`` counts another checkout's
smtplesson beside this one and prints the ratio.  About two minutes per run; the runs go
two at a time.

    .venv/bin/python bench/explain_instructions.py [--few 20000] [--many 25000] [--against TREE]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import sys
from pathlib import Path

from _callgrind import instructions as callgrind  # bench/_callgrind.py

HERE = Path(__file__).resolve().parent


def measured(total: int, count: int) -> None:
    """The measured program: make ``total`` bench lines, explain the first ``count``."""
    sys.path.insert(0, str(HERE))
    from explain import make_log, run  # bench/explain.py

    run(make_log(total)[:count])


def instructions(tree: Path, total: int, count: int) -> int:
    """All the instructions callgrind counts in :func:`measured` with ``tree``'s smtplesson."""
    env = {**os.environ, "PYTHONPATH": str(tree.resolve()), "PYTHONHASHSEED": "0"}
    return callgrind([sys.executable, __file__, "--measure", str(total), str(count)], env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--few", type=int, default=20_000)
    parser.add_argument("--many", type=int, default=25_000)
    parser.add_argument("--against", type=Path, help="another checkout to count beside this one")
    parser.add_argument("--measure", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measured(*args.measure)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    trees = {"this": HERE.parent} | ({"other": args.against} if args.against else {})
    runs = [(name, count) for name in trees for count in (args.few, args.many)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        counted = dict(zip(runs, pool.map(
            lambda job: instructions(trees[job[0]], args.many, job[1]), runs), strict=True))
    per = {name: (counted[name, args.many] - counted[name, args.few]) / (args.many - args.few)
           for name in trees}
    print(f"explain: instructions per line, lines {args.few + 1:,} to {args.many:,} "
          "of bench/explain.py's log")
    for name, tree in trees.items():
        print(f"{name:5s} {per[name]:9,.0f}  ({tree})")
    if "other" in per:
        print(f"this / other: {per['this'] / per['other']:.3f} "
              f"(other / this {per['other'] / per['this']:.3f})")


if __name__ == "__main__":
    main()
