"""The instructor's view of a class, from the learners' attempt files (:mod:`.record`).

``class_report(paths)`` reads every ``attempts.jsonl`` under the given files or folders (on a
one-host hub: ``/home/*/.local/share/smtplesson``) and answers what an instructor asks during
a session:

- **completion per lesson**: how many learners got every exercise of the lesson right;
- **misconceptions per item**: the wrong answers most learners gave to one item, with what the
  item showed and the right answer ("C (MAIL FROM · 5.7.25 …): 14 of 30 said 'hard', not
  'block'") — only wrong answers at least two learners share, most common first;
- **who is stuck where**: learners with three or more wrong attempts at an exercise they have
  not got right yet.

``python -m smtplesson class-report DIR… [--csv FILE]`` prints the same, and writes one CSV row
per learner and exercise. Lines that are not attempt records are skipped and counted.
"""
from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import record
from .checks._framework import EXERCISES

STUCK_AFTER = 3  # wrong attempts at one exercise, none right yet
_FIELDS = {"learner", "exercise", "lesson", "right", "time"}  # every attempt line has them


@dataclass(frozen=True)
class Misconception:
    """A wrong answer several learners gave to one item."""

    exercise: str
    item: str
    text: str  # what the item showed, when the check recorded it
    answer: str
    expected: str
    learners: int  # learners who gave this wrong answer at least once
    of: int  # learners who answered the item at all

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 70 else self.text[:69] + "…"
        shown = f"{self.item} ({text})" if text else self.item
        right = f", not {self.expected!r}" if self.expected else ""
        return f"{self.exercise} · {shown}: {self.learners} of {self.of} said {self.answer!r}{right}"


@dataclass(frozen=True)
class Progress:
    """One learner at one exercise."""

    learner: str
    lesson: str
    exercise: str
    attempts: int
    right: bool
    last: str  # time of the last attempt (UTC, ISO 8601)


class ClassReport:
    """Completion, misconceptions and who is stuck, over a class's attempt records."""

    def __init__(self, lines: Iterable[dict[str, Any]], skipped: int = 0) -> None:
        self.skipped = skipped
        wholes: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        items: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        for line in lines:
            key = (line["exercise"], line["learner"])
            if line.get("item") is None:
                wholes[key].append(line)
            else:
                items[(line["exercise"], line["item"])][line["learner"]].append(line)
        self.learners = sorted({learner for _, learner in wholes})
        self.progress = [
            Progress(learner, runs[0]["lesson"], exercise, len(runs), any(r["right"] for r in runs),
                     max(r["time"] for r in runs))
            for (exercise, learner), runs in sorted(wholes.items())]
        self._items = items

    # --- the three questions -----------------------------------------------------------------
    def completion(self) -> dict[str, tuple[int, int]]:
        """Lesson -> (learners who got all its exercises right, learners in the class)."""
        per_lesson: dict[str, set[str]] = defaultdict(set)
        for name, lesson in EXERCISES.items():
            per_lesson[lesson].add(name)
        right = {(p.learner, p.exercise) for p in self.progress if p.right}
        done: dict[str, int] = {}
        for lesson, exercises in sorted(per_lesson.items()):
            done[lesson] = sum(all((learner, e) in right for e in exercises) for learner in self.learners)
        return {lesson: (count, len(self.learners)) for lesson, count in done.items()}

    def misconceptions(self, top: int = 3) -> list[Misconception]:
        """Per item, its most shared wrong answers (two learners or more), most common first."""
        found = []
        for (exercise, item), by_learner in self._items.items():
            wrong: Counter[str] = Counter()
            seen: dict[str, dict[str, Any]] = {}
            for answers in by_learner.values():
                for answer in {a["answer"] for a in answers if not a["right"]}:
                    wrong[answer] += 1
                for a in answers:
                    seen.setdefault(a["answer"], a)
            for answer, count in wrong.most_common(top):
                if count < 2:
                    break
                line = seen[answer]
                found.append(Misconception(exercise, item, line.get("text", ""), answer,
                                           line.get("expected", ""), count, len(by_learner)))
        return sorted(found, key=lambda m: (-m.learners / m.of, m.exercise, m.item))

    def stuck(self) -> list[Progress]:
        """Learners with STUCK_AFTER or more attempts at an exercise never right yet."""
        return [p for p in self.progress if not p.right and p.attempts >= STUCK_AFTER]

    # --- output -------------------------------------------------------------------------------
    def text(self, top: int = 10) -> str:
        lines = [f"Class report: {len(self.learners)} learners"
                 + (f" ({self.skipped} unreadable lines skipped)" if self.skipped else ""), "",
                 "Completion per lesson (every exercise right):"]
        lines += [f"  {lesson}: {done} of {total}" for lesson, (done, total) in self.completion().items()]
        lines += ["", "Most shared misconceptions:"]
        lines += [f"  {m}" for m in self.misconceptions()[:top]] or ["  none yet"]
        lines += ["", f"Stuck ({STUCK_AFTER}+ wrong attempts, none right):"]
        lines += [f"  {p.learner}: {p.exercise} (lesson {p.lesson}), {p.attempts} attempts"
                  for p in self.stuck()] or ["  nobody"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_markdown_(self) -> str:
        return "```text\n" + self.text() + "\n```"

    def to_csv(self, path: str | Path) -> None:
        """One row per learner and exercise: lesson, attempts, right, last attempt."""
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["learner", "lesson", "exercise", "attempts", "right", "last_attempt"])
            for p in self.progress:
                writer.writerow([p.learner, p.lesson, p.exercise, p.attempts, p.right, p.last])


def attempt_files(paths: Sequence[str | Path]) -> list[Path]:
    """Every attempts file named, or under a named folder."""
    found: list[Path] = []
    for path in map(Path, paths):
        found += sorted(path.rglob(record.FILE)) if path.is_dir() else [path] if path.is_file() else []
    return found


def class_report(paths: Sequence[str | Path]) -> ClassReport:
    """Read the attempt files under ``paths`` (files or folders) into a :class:`ClassReport`."""
    lines, skipped = [], 0
    for file in attempt_files(paths):
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            skipped += 1
            continue
        for raw in text.splitlines():
            try:
                line = json.loads(raw)
                if line.get("v") == record.VERSION and set(line) >= _FIELDS:
                    lines.append(line)
                    continue
            except (ValueError, AttributeError):
                pass
            skipped += bool(raw.strip())
    return ClassReport(lines, skipped)
