"""Benchmark: smtplesson.read_bounce over the bounce fixture corpus (real MTAs and documented).

Run:  .venv/bin/python bench/bounce.py [--rounds 7] [--repeat 20] [--corpus DIR]
Reads every .eml under the corpus (default tests/unit/data/bounces) from memory, ``repeat``
times per round, on one core; prints mails per second of CPU time (``time.process_time``: what
one core does, also on a machine other jobs keep busy) and of wall time, the median of the
rounds and the slowest and fastest round.  Side by side, in interleaved rounds, the stdlib's
``email.message_from_bytes`` alone over the same mails: the ratio says what reading the
bounce costs beyond parsing it, whatever else the machine is doing.  Target: >= 2,000 mails/s.
``--every-field`` also times ``read_bounce(mail).to_dict()`` in the same rounds: what reading
every field costs, those found only when first read (``model.Later``) included.
"""
from __future__ import annotations

import argparse
import email
import statistics
import time
from pathlib import Path

from smtplesson.bounces import read_bounce

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "unit" / "data" / "bounces"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the corpus per round")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--every-field", action="store_true", help="also time read_bounce(...).to_dict()")
    args = parser.parse_args()
    mails = [p.read_bytes() for p in sorted(args.corpus.rglob("*.eml"))]
    if not mails:
        raise SystemExit(f"no .eml files under {args.corpus}")
    for data in mails:  # warm up: regex compilation, lru caches, lazy imports
        read_bounce(data)
    rates, wall_rates, parse_rates, every_rates = [], [], [], []
    count = len(mails) * args.repeat
    for _ in range(args.rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(args.repeat):
            for data in mails:
                read_bounce(data)
        rates.append(count / (time.process_time() - cpu))
        wall_rates.append(count / (time.perf_counter() - wall))
        cpu = time.process_time()
        for _ in range(args.repeat):
            for data in mails:
                email.message_from_bytes(data)
        parse_rates.append(count / (time.process_time() - cpu))
        if args.every_field:
            cpu = time.process_time()
            for _ in range(args.repeat):
                for data in mails:
                    read_bounce(data).to_dict()
            every_rates.append(count / (time.process_time() - cpu))
    size = sum(map(len, mails)) / len(mails)
    print(f"read_bounce: {len(mails)} mails (mean {size / 1024:.1f} KiB), {args.rounds} rounds of "
          f"{args.repeat} passes")
    print(f"median {statistics.median(rates):,.0f} mails/s of CPU time (min {min(rates):,.0f}, "
          f"max {max(rates):,.0f}); wall time median {statistics.median(wall_rates):,.0f}; "
          "target 2,000 mails/s")
    parse = statistics.median(parse_rates)
    print(f"stdlib email.message_from_bytes alone: median {parse:,.0f} mails/s; read_bounce runs at "
          f"{statistics.median(rates) / parse:.2f} of the bare parse")
    if every_rates:
        every = statistics.median(every_rates)
        print(f"read_bounce(...).to_dict(), every field read: median {every:,.0f} mails/s; "
              f"{every / parse:.2f} of the bare parse")


if __name__ == "__main__":
    main()
