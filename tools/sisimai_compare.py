"""Cross-check read_bounce against Sisimai on the project's own bounce fixtures.

Run:  .venv/bin/python tools/sisimai_compare.py [DIR ...] [--list]
Needs Debian's ``libsisimai-perl`` (``apt-get install libsisimai-perl``).  For every .eml under
the directories (default tests/unit/data/bounces), Sisimai's records (tools/sisimai/run.pl)
and read_bounce's recipients are paired by address; prints how often the reply code and the
status agree, and with --list every disagreement, to read one by one: Sisimai is a second
opinion, not the truth (RFC 3464 fields win).  Only Sisimai's software is used; its bounce
corpus is reserved for the project's evaluation and never read.
"""
from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from smtplesson.bounces import read_bounce

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "sisimai" / "run.pl"
CORPUS = ROOT / "tests" / "unit" / "data" / "bounces"


def sisimai(files: list[Path]) -> dict[str, list[dict[str, str]]]:
    """Sisimai's records of each file, by path."""
    out = subprocess.run(["perl", str(SCRIPT), "dump", "0", "0", *map(str, files)],
                         check=True, capture_output=True, text=True).stdout
    return {row["file"]: row["records"] for row in map(json.loads, out.splitlines())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[CORPUS])
    parser.add_argument("--list", action="store_true", help="print every disagreement")
    args = parser.parse_args()
    if subprocess.run(["perl", "-MSisimai", "-e", "1"], capture_output=True).returncode:
        raise SystemExit("Sisimai is not installed: apt-get install libsisimai-perl")
    files = sorted(p for d in args.dirs for p in d.rglob("*.eml"))
    theirs = sisimai(files)
    paired = code_same = status_same = ours_only = theirs_only = 0
    notes: list[str] = []
    for path in files:
        bounce = read_bounce(path.read_bytes())
        ours = {r.address.lower(): r for r in bounce.recipients}
        records = {r["recipient"].lower(): r for r in theirs.get(str(path), [])}
        ours_only += len(ours.keys() - records.keys())
        theirs_only += len(records.keys() - ours.keys())
        for address in sorted(ours.keys() & records.keys()):
            mine, other = ours[address], records[address]
            paired += 1
            code = str(mine.code or "")
            same_code, same_status = code == other["replycode"], (mine.status or "") == other["status"]
            code_same += same_code
            status_same += same_status
            if not (same_code and same_status):
                notes.append(f"{path.relative_to(ROOT)}  {address}: ours {code or '-'} "
                             f"{mine.status or '-'} | sisimai {other['replycode'] or '-'} "
                             f"{other['status'] or '-'} ({other['reason']})")
    print(f"{len(files)} mails; {paired} recipients read by both, {ours_only} by read_bounce only, "
          f"{theirs_only} by Sisimai only")
    if paired:
        print(f"reply code agrees on {code_same / paired:.1%}, status on {status_same / paired:.1%}")
    if args.list:
        print("\n".join(notes))


if __name__ == "__main__":
    main()
