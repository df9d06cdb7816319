"""Benchmark: read_bounce beside Sisimai, the reference bounce parser, on the same mails.

Run:  .venv/bin/python bench/sisimai.py [--rounds 7] [--repeat 3] [--corpus DIR ...] [--tree DIR ...]
Needs Debian's ``libsisimai-perl``.  The mails: every mail file under the corpora (default the
project's bounce fixtures, tests/unit/data/bounces, and the tuning split of its bounce corpus,
tests/corpus/bounces/tuning: real bounces of many writers, HTML, returned messages, non-UTF-8
charsets; never the held-out split).  Each side runs in a process of its own that reads the mails
into memory, makes one warm-up pass (module loading, regex compilation, caches) and then counts
the CPU time (user + system) of ``repeat`` passes: Sisimai by Perl's ``times``
(tools/sisimai/run.pl), read_bounce and the stdlib's bare ``email.message_from_bytes`` by
``time.process_time``.  A round runs each once, in an order that turns each round (no side always
first); the medians of the rounds and their ratios are printed, with the load average.
``--tree DIR`` adds read_bounce of another checkout (``git worktree`` or ``git archive``, the
directory that holds its ``smtplesson``) to the same rounds: a change measured before and after
side by side.  ``--costly`` keeps only the costly mails (:func:`costly`: an HTML part, a charset
other than US-ASCII and UTF-8, a base64 part, or over 16 KiB).  Target (issue 19): >= 3 x
Sisimai's mails per second.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = (ROOT / "tests" / "unit" / "data" / "bounces", ROOT / "tests" / "corpus" / "bounces" / "tuning")
SCRIPT = ROOT / "tools" / "sisimai" / "run.pl"
#: files under the corpora that are no mails (indexes, expectations, sending services' JSON events)
_NOT_MAILS = (".json", ".jsonl", ".md")
# what makes a mail costly to read (see costly), looked for in its bytes, in lower case
_HTML = re.compile(rb"content-type:[ \t]*text/html")
_BASE64 = re.compile(rb"content-transfer-encoding:[ \t]*base64")
_CHARSET = re.compile(rb'charset[ \t]*=[ \t]*"?([\w.:-]+)')
_WORKER = """
import sys, time
kind, repeat, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
if kind == "parse":
    from email import message_from_bytes as read
else:
    from smtplesson.bounces import read_bounce as read
mails = [open(f, "rb").read() for f in files]
for data in mails:
    read(data)
cpu, wall = time.process_time(), time.perf_counter()
for _ in range(repeat):
    for data in mails:
        read(data)
print(time.process_time() - cpu, time.perf_counter() - wall)
"""


def mail_files(corpora: list[Path]) -> list[Path]:
    """The mail files under ``corpora``, in a fixed order (no held-out folder is read)."""
    return sorted(p.absolute() for folder in corpora for p in folder.rglob("*")
                  if p.is_file() and not p.name.endswith(_NOT_MAILS) and "heldout" not in p.parts)


def costly(data: bytes) -> bool:
    """True for a mail of the shapes that cost a reader most: an HTML part, a charset other than
    US-ASCII and UTF-8 (declared anywhere in it), a base64 part, or over 16 KiB."""
    low = data.lower()
    return (len(data) > 16 * 1024 or _HTML.search(low) is not None or _BASE64.search(low) is not None
            or any(name not in (b"us-ascii", b"ascii", b"utf-8", b"utf8") for name in _CHARSET.findall(low)))


def python_round(kind: str, tree: Path, files: list[Path], repeat: int) -> float:
    """CPU seconds of ``repeat`` passes of read_bounce (``kind`` "read") of ``tree``, or of the
    bare stdlib parse (``kind`` "parse"), in a process of its own, after a warm-up pass."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", _WORKER, kind, str(repeat), *map(str, files)],
                         check=True, capture_output=True, text=True, cwd=tree, env=env).stdout.split()
    return float(out[0])


def sisimai_round(files: list[Path], repeat: int) -> float:
    """Sisimai's CPU seconds for ``repeat`` passes over the files, after a warm-up pass."""
    out = subprocess.run(["perl", str(SCRIPT), "bench", "1", str(repeat), *map(str, files)],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the mails per round")
    parser.add_argument("--corpus", type=Path, action="append", help="a folder of mails (repeatable)")
    parser.add_argument("--costly", action="store_true",
                        help="only the costly mails: HTML, charsets other than US-ASCII and UTF-8, "
                        "base64, over 16 KiB")
    parser.add_argument("--tree", type=Path, action="append", default=[],
                        help="another checkout whose read_bounce runs in the same rounds (repeatable)")
    args = parser.parse_args()
    if subprocess.run(["perl", "-MSisimai", "-e", "1"], capture_output=True).returncode:
        print("not measured: Sisimai is not installed (apt-get install libsisimai-perl)")
        return
    files = mail_files(args.corpus or list(CORPORA))
    if args.costly:
        files = [path for path in files if costly(path.read_bytes())]
    if not files:
        raise SystemExit("no mail files under the corpora")
    sizes = [p.stat().st_size for p in files]
    sides: dict[str, tuple[str, Path] | None] = {"read_bounce": ("read", ROOT)}
    sides.update({f"read_bounce of {tree}": ("read", tree.resolve()) for tree in args.tree})
    sides.update({"stdlib parse": ("parse", ROOT), "Sisimai": None})
    rates: dict[str, list[float]] = {name: [] for name in sides}
    count = len(files) * args.repeat
    load_before = os.getloadavg()
    names = list(sides)
    for turn in range(args.rounds):
        for name in names[turn % len(names):] + names[:turn % len(names)]:
            side = sides[name]
            seconds = sisimai_round(files, args.repeat) if side is None else \
                python_round(side[0], side[1], files, args.repeat)
            rates[name].append(count / seconds)
    load_after = os.getloadavg()
    print(f"{len(files)} mails (mean {statistics.mean(sizes) / 1024:.1f} KiB, median "
          f"{statistics.median(sizes) / 1024:.1f}, {sum(s > 16 * 1024 for s in sizes)} over 16 KiB) x "
          f"{args.repeat} passes x {args.rounds} rounds; mails/s of CPU time, median (min-max); "
          f"load average {load_before[0]:.1f} -> {load_after[0]:.1f}")
    medians = {name: statistics.median(found) for name, found in rates.items()}
    for name, found in rates.items():
        print(f"  {name}: {medians[name]:,.0f} ({min(found):,.0f}-{max(found):,.0f})")
    for name in names[:-2]:
        print(f"{name}: {medians[name] / medians['Sisimai']:.2f} x Sisimai (target >= 3 x), "
              f"{medians[name] / medians['stdlib parse']:.2f} of the bare stdlib parse")


if __name__ == "__main__":
    main()
