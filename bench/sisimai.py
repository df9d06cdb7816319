"""Benchmark: read_bounce beside Sisimai, the reference bounce parser, on the same mails.

Run:  .venv/bin/python bench/sisimai.py [--rounds 5] [--repeat 5] [--corpus DIR]
Needs Debian's ``libsisimai-perl``.  Reads every .eml under the corpus (default the project's
own fixtures, tests/unit/data/bounces) from memory, ``repeat`` passes per round, and prints
mails per second of CPU time for each side (Sisimai's counted by Perl's ``times`` inside its
own process, after a warm-up pass, like ours), the medians of the rounds and their ratio.
Rounds alternate between the two.  Target (issue 19): >= 3 x Sisimai's mails per second.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

from smtplesson.bounces import read_bounce

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "unit" / "data" / "bounces"
SCRIPT = ROOT / "tools" / "sisimai" / "run.pl"


def sisimai_round(files: list[Path], repeat: int) -> tuple[float, float]:
    """Sisimai's CPU and wall seconds for ``repeat`` passes over the files (one round)."""
    out = subprocess.run(["perl", str(SCRIPT), "bench", "1", str(repeat), *map(str, files)],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def ours_round(mails: list[bytes], repeat: int) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeat):
        for data in mails:
            read_bounce(data)
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5, help="passes over the corpus per round")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if subprocess.run(["perl", "-MSisimai", "-e", "1"], capture_output=True).returncode:
        print("not measured: Sisimai is not installed (apt-get install libsisimai-perl)")
        return
    files = sorted(args.corpus.rglob("*.eml"))
    if not files:
        raise SystemExit(f"no .eml files under {args.corpus}")
    mails = [p.read_bytes() for p in files]
    for data in mails:  # warm up: regex compilation, caches, lazy imports
        read_bounce(data)
    count = len(mails) * args.repeat
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(args.rounds):
        ours.append(count / ours_round(mails, args.repeat)[0])
        theirs.append(count / sisimai_round(files, args.repeat)[0])
    mine, other = statistics.median(ours), statistics.median(theirs)
    print(f"{len(files)} mails x {args.repeat} passes x {args.rounds} rounds (alternating), "
          "mails/s of CPU time, median (min-max)")
    print(f"read_bounce {mine:,.0f} ({min(ours):,.0f}-{max(ours):,.0f}); "
          f"Sisimai {other:,.0f} ({min(theirs):,.0f}-{max(theirs):,.0f}); "
          f"ratio {mine / other:.1f} x (target >= 3 x)")


if __name__ == "__main__":
    main()
