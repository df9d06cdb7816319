"""Measure ``explain`` on the reply corpus (tests/corpus/), tuned and held-out apart.

Run:  .venv/bin/python tools/evaluate.py [--misses N]

For each split, and within it by source kind and by language: cause accuracy (category),
bounce-type accuracy, the rate of valid recipients made hard (lines whose true bounce
type is not ``hard`` but that ``explain`` calls ``hard``) and, of those, the rate whose action
is ``suppress`` (the rest say "review": an unrecognised 5xx is hard by the taxonomy, but
never suppressed on a guess).  ``--misses N`` lists N misses of the tuning split only; the held-out split is
measured, never listed, so that nobody tunes on it.
"""
from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterable, Sequence

from corpus import Line, load

from smtplesson import explain

Got = tuple[str, str, str | None]  # category, bounce type, action


def _scores(pairs: Sequence[tuple[Line, Got]]) -> tuple[int, float, float, float, float]:
    """(lines, cause accuracy, bounce-type accuracy, valid-made-hard rate, valid-suppressed rate)."""
    total = len(pairs)
    cause = sum(got[0] == line.category for line, got in pairs)
    kind = sum(got[1] == line.bounce_type for line, got in pairs)
    valid = [(line, got) for line, got in pairs if line.bounce_type != "hard"]
    made_hard = sum(got[1] == "hard" for _, got in valid)
    suppressed = sum(got[2] == "suppress" for _, got in valid)
    rate = (lambda n: n / len(valid)) if valid else (lambda n: 0.0)
    return total, cause / total, kind / total, rate(made_hard), rate(suppressed)


def _table(title: str, groups: dict[str, list[tuple[Line, Got]]]) -> list[str]:
    rows = [f"  {title:<22} {'lines':>6} {'cause':>7} {'type':>7} {'valid->hard':>11} {'suppressed':>10}"]
    for name in sorted(groups, key=lambda g: (-len(groups[g]), g)):
        total, cause, kind, hard, suppressed = _scores(groups[name])
        rows.append(f"  {name:<22} {total:>6} {cause:>7.1%} {kind:>7.1%} {hard:>11.1%} {suppressed:>10.1%}")
    return rows


def report(lines: Iterable[Line]) -> list[str]:
    """The figures, as printable rows."""
    results: dict[str, list[tuple[Line, Got]]] = defaultdict(list)
    for line in lines:
        explained = explain(line.text)
        results[line.split].append((line, (explained.category, explained.bounce_type,
                                           explained.action)))
    out: list[str] = []
    for split in ("tuning", "heldout"):
        pairs = results.get(split, [])
        if not pairs:
            continue
        total, cause, kind, hard, suppressed = _scores(pairs)
        sources = len({line.source_id for line, _ in pairs})
        out.append(f"{split}: {total} lines from {sources} sources: cause {cause:.1%}, "
                   f"bounce type {kind:.1%}, valid recipients made hard {hard:.1%} "
                   f"(suppressed {suppressed:.1%})")
        by_kind: dict[str, list[tuple[Line, Got]]] = defaultdict(list)
        by_lang: dict[str, list[tuple[Line, Got]]] = defaultdict(list)
        for line, got in pairs:
            by_kind[line.kind].append((line, got))
            by_lang[line.lang].append((line, got))
        out += _table("by source kind", by_kind) + _table("by language", by_lang)
    return out


def misses(lines: Iterable[Line], count: int) -> list[str]:
    """Up to ``count`` tuning lines explain gets wrong (cause or bounce type)."""
    out = []
    for line in lines:
        if line.split != "tuning":
            continue
        got = explain(line.text)
        if (got.category, got.bounce_type) != (line.category, line.bounce_type):
            out.append(f"{line.category}/{line.bounce_type} <- {got.category}/{got.bounce_type}"
                       f"  {line.text[:110]}")
            if len(out) >= count:
                break
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", type=int, default=0, help="list N tuning misses")
    args = parser.parse_args(argv)
    lines = load()
    print("\n".join(report(lines)))
    if args.misses:
        print("\n".join(misses(lines, args.misses)))


if __name__ == "__main__":
    main()
