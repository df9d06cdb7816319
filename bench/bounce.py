"""Benchmark: smtplesson.read_bounce over the bounce fixture corpus (real MTAs and documented).

Run:  .venv/bin/python bench/bounce.py [--rounds 7] [--repeat 20] [--corpus DIR]
Reads every .eml under the corpus (default tests/unit/data/bounces) from memory, ``repeat``
times per round, on one core; prints mails per second of CPU time (``time.process_time``: what
one core does, also on a machine other jobs keep busy) and of wall time, the median of the
rounds and the slowest and fastest round.  Target: >= 2,000 mails/s.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from smtplesson.codes.bounce import read_bounce

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "unit" / "data" / "bounces"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the corpus per round")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    mails = [p.read_bytes() for p in sorted(args.corpus.rglob("*.eml"))]
    if not mails:
        raise SystemExit(f"no .eml files under {args.corpus}")
    for data in mails:  # warm up: regex compilation, lru caches, lazy imports
        read_bounce(data)
    rates, wall_rates = [], []
    count = len(mails) * args.repeat
    for _ in range(args.rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(args.repeat):
            for data in mails:
                read_bounce(data)
        rates.append(count / (time.process_time() - cpu))
        wall_rates.append(count / (time.perf_counter() - wall))
    size = sum(map(len, mails)) / len(mails)
    print(f"read_bounce: {len(mails)} mails (mean {size / 1024:.1f} KiB), {args.rounds} rounds of "
          f"{args.repeat} passes")
    print(f"median {statistics.median(rates):,.0f} mails/s of CPU time (min {min(rates):,.0f}, "
          f"max {max(rates):,.0f}); wall time median {statistics.median(wall_rates):,.0f}; "
          "target 2,000 mails/s")


if __name__ == "__main__":
    main()
