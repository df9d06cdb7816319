"""Does a small learned fallback generalise better than the hand layers where they are weak?

Run:  .venv/bin/python tools/learned/study.py [--json out.json]
(needs the optional extra ``train``: ``pip install -e '.[train]'``, for scikit-learn)

Reads the TUNING split of the reply corpus only (tools/corpus.py; the held-out split is never
loaded here) and estimates, with 5-fold GroupKFold by ``source_id`` (no source in both the
fitted and the scored folds), per fold:
(a) ``explain`` as it is;
(b) ``explain`` with a linear model consulted only where explain falls through -- a failure
    reply whose cause is ``class-only`` or ``other`` -- and only when the model's most probable
    class is a sender-side or soft one (never a recipient-hard one, never ``syntax``, which a
    RCPT refusal makes hard) with a probability at or above a threshold.
Cause accuracy, bounce-type accuracy and valid recipients made hard, for each feature set,
model and threshold; the best setting is the one with the highest mean cause accuracy whose
type accuracy is no lower and whose valid->hard is no higher than (a) in every fold.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tools" / "learned")]

import numpy as np  # noqa: E402
from corpus import Line, load  # noqa: E402  (tools/corpus.py)
from sklearn.feature_extraction import DictVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402
from sklearn.naive_bayes import ComplementNB  # noqa: E402
from textfeatures import features  # noqa: E402  (tools/learned/textfeatures.py)

from smtplesson import explain  # noqa: E402
from smtplesson.codes.causes import DATA, class_digit  # noqa: E402
from smtplesson.codes.causes import bounce_type as category_bounce  # noqa: E402
from smtplesson.codes.explanation import _masked_low  # noqa: E402
from smtplesson.codes.locate import context, locate  # noqa: E402

#: what the model may answer: the categories whose bounce type is block or soft, less syntax
#: (a malformed recipient address is hard) -- never a recipient-hard category
ALLOWED = frozenset(name for name, entry in DATA["categories"].items()
                    if entry["bounce_type"] in ("block", "soft") and name != "syntax")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
FEATURE_SETS = {
    "words": {"bigrams": False, "cjk": False, "codes": False},
    "words+bigrams": {"bigrams": True, "cjk": False, "codes": False},
    "words+bigrams+cjk": {"bigrams": True, "cjk": True, "codes": False},
    "words+bigrams+cjk+codes": {"bigrams": True, "cjk": True, "codes": True},
}


@dataclass(frozen=True)
class Seen:
    """A tuning line as explain reads it and what explain says of it."""

    line: Line
    low: str  # the masked, lower-cased context explain's rules read
    code: int | None
    enhanced: str | None
    command: str | None
    category: str
    bounce: str
    fallback: bool  # a failure whose cause explain only has from the class, or "other"


def seen(line: Line) -> Seen:
    """Explain ``line`` and keep what the fallback would read."""
    scan, _reply, code, enhanced, body, command, start, stop = locate(line.text)
    got = explain(line.text)
    if code is None and enhanced is None:
        return Seen(line, _masked_low(scan), None, None, command, got.category, got.bounce_type, False)
    low = _masked_low(context(scan, body, code, enhanced, start, stop))
    failure = class_digit(code, enhanced) in (4, 5)
    fallback = failure and (got.confidence == "class-only" or got.category == "other")
    return Seen(line, low, code, enhanced, command, got.category, got.bounce_type, fallback)


Model = Callable[[], object]
MODELS: dict[str, Model] = {
    "logreg C=1": lambda: LogisticRegression(C=1.0, max_iter=2000),
    "logreg C=4": lambda: LogisticRegression(C=4.0, max_iter=2000),
    "complement-nb": lambda: ComplementNB(alpha=0.3),
}


def scores(rows: Sequence[Seen], answers: Sequence[tuple[str, str]]) -> tuple[float, float, float]:
    """(cause accuracy, type accuracy, valid recipients made hard) of ``answers``."""
    cause = sum(a[0] == r.line.category for r, a in zip(rows, answers, strict=True)) / len(rows)
    kind = sum(a[1] == r.line.bounce_type for r, a in zip(rows, answers, strict=True)) / len(rows)
    valid = [(r, a) for r, a in zip(rows, answers, strict=True) if r.line.bounce_type != "hard"]
    hard = sum(a[1] == "hard" for _, a in valid) / len(valid)
    return cause, kind, hard


def with_model(row: Seen, classes: Sequence[str], proba: np.ndarray, threshold: float) -> tuple[str, str]:
    """(category, bounce type) of explain with the model consulted in the fallback position."""
    if not row.fallback:
        return row.category, row.bounce
    best = int(np.argmax(proba))
    if classes[best] not in ALLOWED or proba[best] < threshold:
        return row.category, row.bounce
    category = classes[best]
    digit = class_digit(row.code, row.enhanced)
    return category, category_bounce(category, digit, row.low, row.command, None, row.enhanced)


def study(rows: Sequence[Seen], only_fallback: bool) -> dict[str, Any]:
    groups = [r.line.source_id for r in rows]
    folds = list(GroupKFold(n_splits=5).split(rows, groups=groups))
    base = [scores([rows[i] for i in test], [(rows[i].category, rows[i].bounce) for i in test])
            for _, test in folds]
    results: dict[str, Any] = {
        "a": base, "fallback_lines": [sum(rows[i].fallback for i in t) for _, t in folds], "settings": {}}
    for fname, options in FEATURE_SETS.items():
        feats = [dict.fromkeys(features(r.low, r.code, r.enhanced, **options), 1) for r in rows]
        for mname, make in MODELS.items():
            per_threshold: dict[float, list[tuple[float, float, float]]] = {t: [] for t in THRESHOLDS}
            for train, test in folds:
                fit = [i for i in train if rows[i].fallback or not only_fallback]
                vec = DictVectorizer()
                x = vec.fit_transform([feats[i] for i in fit])
                model = make()
                model.fit(x, [rows[i].line.category for i in fit])  # type: ignore[attr-defined]
                scored = [rows[i] for i in test]
                proba = model.predict_proba(vec.transform([feats[i] for i in test]))  # type: ignore[attr-defined]
                classes = list(model.classes_)  # type: ignore[attr-defined]
                for t in THRESHOLDS:
                    per_threshold[t].append(scores(scored, [with_model(r, classes, p, t)
                                                            for r, p in zip(scored, proba, strict=True)]))
            for t, figures in per_threshold.items():
                key = f"{fname} | {mname} | train={'fallback' if only_fallback else 'all'} | t={t}"
                results["settings"][key] = figures
                print(key, _line(figures), flush=True)
    return results


def _line(figures: Sequence[tuple[float, float, float]]) -> str:
    mean = [statistics.fmean(f[k] for f in figures) for k in range(3)]
    return (f"mean cause {mean[0]:.2%} type {mean[1]:.2%} v->h {mean[2]:.2%}  folds cause "
            + " ".join(f"{f[0]:.1%}" for f in figures))


def choose(results: dict[str, dict[str, Any]]) -> tuple[str, list[tuple[float, float, float]]]:
    """The setting with the highest mean cause accuracy whose type accuracy is no lower and
    whose valid->hard is no higher than (a)'s in every fold."""
    best: tuple[float, str, list[tuple[float, float, float]]] | None = None
    for result in results.values():
        base = result["a"]
        for key, figures in result["settings"].items():
            safe = all(b[1] >= a[1] and b[2] <= a[2] for a, b in zip(base, figures, strict=True))
            mean = statistics.fmean(f[0] for f in figures)
            if safe and (best is None or mean > best[0]):
                best = (mean, key, figures)
    assert best is not None
    return best[1], best[2]


def diagnose(rows: Sequence[Seen], key: str) -> None:
    """Where the fallback stands: how many fallback lines explain already gets right, how many
    it gets wrong whose true cause the model may answer (the most (b) can gain), how often the
    model is right where it fires, and the model alone as a classifier of every line, in the
    same grouped folds (its generalisation to unseen sources, beside explain's in-sample one)."""
    fname, mname, train, threshold = (part.strip() for part in key.split("|"))
    t = float(threshold.removeprefix("t="))
    feats = [dict.fromkeys(features(r.low, r.code, r.enhanced, **FEATURE_SETS[fname]), 1) for r in rows]
    fallback = [r for r in rows if r.fallback]
    right = sum(r.category == r.line.category for r in fallback)
    ceiling = sum(r.category != r.line.category and r.line.category in ALLOWED for r in fallback)
    print(f"fallback position: {len(fallback)} lines, explain right on {right}; wrong with a true "
          f"cause the model may give: {ceiling} ({ceiling / len(rows):.2%} of all lines: "
          "the most (b) can gain)")
    groups = [r.line.source_id for r in rows]
    fires = model_right = explain_right = 0
    for number, (fit_all, test) in enumerate(GroupKFold(n_splits=5).split(rows, groups=groups), 1):
        fit = [i for i in fit_all if rows[i].fallback or train == "train=all"]
        vec = DictVectorizer()
        model = MODELS[mname]()
        model.fit(vec.fit_transform([feats[i] for i in fit]), [rows[i].line.category for i in fit])  # type: ignore[attr-defined]
        proba = model.predict_proba(vec.transform([feats[i] for i in test]))  # type: ignore[attr-defined]
        classes = list(model.classes_)  # type: ignore[attr-defined]
        alone = sum(classes[int(np.argmax(p))] == rows[i].line.category
                    for i, p in zip(test, proba, strict=True)) / len(test)
        inside = sum(rows[i].category == rows[i].line.category for i in test) / len(test)
        print(f"  fold {number}: {len(test)} lines, model alone {alone:.1%}, explain {inside:.1%}")
        for i, p in zip(test, proba, strict=True):
            best = int(np.argmax(p))
            if rows[i].fallback and classes[best] in ALLOWED and p[best] >= t:
                fires += 1
                model_right += classes[best] == rows[i].line.category
                explain_right += rows[i].category == rows[i].line.category
    print(f"  where the model fires (t={t}): {fires} lines, model right {model_right}, "
          f"explain right {explain_right}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--diagnose", metavar="SETTING",
                        help="only the diagnosis of one setting, "
                             "e.g. 'words+bigrams | logreg C=1 | train=all | t=0.7'")
    args = parser.parse_args(argv)
    rows = [seen(line) for line in load("tuning")]
    print(f"tuning: {len(rows)} lines, {len({r.line.source_id for r in rows})} sources, "
          f"{sum(r.fallback for r in rows)} in the fallback position")
    if args.diagnose:
        diagnose(rows, args.diagnose)
        return
    out = {"fallback" if only else "all": study(rows, only) for only in (False, True)}
    base = out["all"]["a"]
    key, figures = choose(out)
    print(f"chosen: {key}")
    for number, (a, b) in enumerate(zip(base, figures, strict=True), 1):
        print(f"  fold {number}: (a) cause {a[0]:.2%} type {a[1]:.2%} v->h {a[2]:.2%}"
              f"   (b) cause {b[0]:.2%} type {b[1]:.2%} v->h {b[2]:.2%}")
    print(f"  (a) {_line(base)}\n  (b) {_line(figures)}")
    diagnose(rows, key)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
