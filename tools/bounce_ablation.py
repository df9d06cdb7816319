"""Leave-one-format-out: what the bounce reader still reads when a format it knows is taken away.

Run:  .venv/bin/python tools/bounce_ablation.py [DIR ...] [--json] [--list]
For every format the reader knows (``readers.FORMATS``: providers, gateways, MTAs), the mails of the
directories (default: the tuning bounce corpus) that the whole reader reads from their text
(``kind="vendor"``) and names with that format are read again with the format left out: the reader
of a format it has never seen.  Three harder rows: ``every format`` (all of them left out at once, the
generic path alone), ``rfc3464`` (the reports read without their delivery-status fields, as if
their writer had sent only its words) and ``formats and rfc3464`` (both: every mail the reader
decodes, read by the generic path from its words alone).  The whole reader's reading is the reference
(``tests/corpus/bounces/tuning/expected.json`` holds it, reviewed).  For each row:

- *mails*: the mails it names; *decoded*: those still read as a bounce with a recipient;
- *recipients*: those whose failed or delayed recipients are exactly the reference's;
- *right*: those whose recipients, reply codes and statuses are all the reference's;
- *harder*: recipients made ``hard`` where the reference's were not (a valid address suppressed on a
  guess), *none*: failed or delayed recipients typed ``none`` / ``unknown`` (both should stay 0).

The *transfer* figure is the share of right mails over all the single formats' mails.  ``--list`` names each
mail that is not right (tuning mails only: it refuses a held-out directory).
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from sisimai_compare import mails  # tools/sisimai_compare.py

from smtplesson.bounces import Bounce, read_bounce, readers

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "bounces" / "tuning"
FAILED = ("failed", "delayed")
Reading = tuple[tuple[str, str, "int | None", "str | None", str], ...]


def reading(bounce: Bounce) -> Reading:
    """The failed or delayed recipients of a bounce: address, action, code, status, bounce type."""
    return tuple(sorted((r.address.lower(), r.action, r.code, r.status, r.bounce_type)
                        for r in bounce.recipients if r.action in FAILED)) if bounce.is_bounce else ()


EVERY = "every format"
BOTH = "formats and rfc3464"


@contextmanager
def without(name: str) -> Iterator[None]:
    """The reader without the format ``name`` (``rfc3464``: without delivery-status fields)."""
    if name in ("rfc3464", BOTH):
        with mock.patch.object(readers, "read_status", lambda mail: None), \
                mock.patch.object(readers, "FORMATS", () if name == BOTH else readers.FORMATS):
            yield
        return
    kept = tuple(fmt for fmt in readers.FORMATS if fmt.name != name and name != EVERY)
    with mock.patch.object(readers, "FORMATS", kept):
        yield


def score(reference: Reading, ablated: Reading) -> dict[str, int]:
    ref = {r[0]: r for r in reference}
    got = {r[0]: r for r in ablated}
    return {"decoded": bool(got), "recipients": bool(got) and ref.keys() == got.keys(),
            "right": bool(got) and {a: r[2:4] for a, r in ref.items()} == {a: r[2:4] for a, r in got.items()},
            "harder": sum(1 for a, r in got.items()
                          if r[4] == "hard" and (a not in ref or ref[a][4] != "hard")),
            "none": sum(1 for r in got.values() if r[4] in ("none", "unknown"))}


def ablate(files: list[Path]) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Per format (and ``rfc3464``): the counts above; and the mails that are not right."""
    datas = {path: path.read_bytes() for path in files}
    by_format: dict[str, list[tuple[Path, Reading]]] = {}
    for path, data in datas.items():
        bounce = read_bounce(data)
        ref = reading(bounce)
        if not ref:
            continue
        if bounce.kind == "vendor" and bounce.format != "text":
            by_format.setdefault(bounce.format, []).append((path, ref))
            by_format.setdefault(EVERY, []).append((path, ref))
        elif bounce.kind == "dsn":
            by_format.setdefault("rfc3464", []).append((path, ref))
        if bounce.kind in ("vendor", "dsn"):
            by_format.setdefault(BOTH, []).append((path, ref))
    table: dict[str, dict[str, int]] = {}
    misses: list[str] = []
    for name in sorted(by_format):
        counts = dict.fromkeys(("mails", "decoded", "recipients", "right", "harder", "none"), 0)
        with without(name):
            for path, ref in by_format[name]:
                got = reading(read_bounce(datas[path]))
                counts["mails"] += 1
                for key, value in score(ref, got).items():
                    counts[key] += value
                if not score(ref, got)["right"]:
                    misses.append(f"{name}  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
                                  f"{list(ref)} -> {list(got)}")
        table[name] = counts
    return table, misses


def totals(rows: list[dict[str, int]]) -> dict[str, Any]:
    """The sum of ``rows``, and its shares."""
    total = {key: sum(c[key] for c in rows) for key in ("mails", "decoded", "recipients", "right",
                                                          "harder", "none")}
    mails = total["mails"] or 1
    return {**total, **{f"{key}_rate": round(total[key] / mails, 4) for key in ("decoded", "recipients",
                                                                               "right")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[CORPUS])
    parser.add_argument("--json", action="store_true", help="print the table as JSON")
    parser.add_argument("--list", action="store_true", help="name every mail not read right")
    args = parser.parse_args()
    files = mails(args.dirs, listing=args.list)
    table, misses = ablate(files)
    sums = {"one format left out": totals([c for n, c in table.items() if n not in (EVERY, "rfc3464", BOTH)]),
            "every format left out": totals([table[EVERY]] if EVERY in table else []),
            "rfc3464 fields left out": totals([table["rfc3464"]] if "rfc3464" in table else []),
            "both left out": totals([table[BOTH]] if BOTH in table else [])}
    if args.json:
        print(json.dumps({"formats": table, "totals": sums}, indent=1))
    else:
        print(f"{'left out':<22}{'mails':>6}{'decoded':>9}{'recipients':>11}{'right':>7}"
              f"{'harder':>7}{'none':>5}")
        for name, c in table.items():
            print(f"{name:<22}{c['mails']:>6}{c['decoded']:>9}{c['recipients']:>11}{c['right']:>7}"
                  f"{c['harder']:>7}{c['none']:>5}")
        for label, t in sums.items():
            print(f"{label}: {t['mails']} mails, decoded {t['decoded_rate']:.1%}, recipients "
                  f"{t['recipients_rate']:.1%}, right {t['right_rate']:.1%}; {t['harder']} made hard, "
                  f"{t['none']} typed none")
    if args.list:
        print("\n".join(misses))


if __name__ == "__main__":
    main()
