"""What a learner's self-checks answered, kept in a file the learner owns (off unless asked).

Every check (``smtplesson.check.*``) reports one *attempt*: the exercise, whether it was right,
and for exercises made of items (the letters of a sorting exercise, the keys of a table) each
item with the answer given and whether it was right. When recording is on, each attempt is
appended as JSON lines to ``attempts.jsonl`` in the recording folder:

- ``SMTPLESSON_RECORD`` unset, empty or ``0``: nothing is written (a laptop, the tests);
- ``1``: the folder is ``$XDG_DATA_HOME/smtplesson`` (``~/.local/share/smtplesson``);
- any other value: that folder.

The hub deployment turns it on (``deploy/jupyterhub/jupyterhub_config.py``). One line is::

    {"v": 1, "learner": "ada", "lesson": "05", "exercise": "bounce_types", "attempt": 3,
     "item": "C", "answer": "hard", "right": false, "expected": "block",
     "text": "MAIL FROM · Action: failed · Status: 5.7.25 …", "time": "2026-12-06T10:04:11Z"}

with ``"item": null`` (and no answer) for the exercise as a whole; ``expected`` and ``text``
(what the item showed) are there when the check knows them. Nothing else is stored: no
notebook content, no code, no mail. ``python -m smtplesson class-report`` reads these files
(:mod:`smtplesson.course.report`). Recording never changes what a check prints or returns, and
a file that cannot be written is skipped silently: a learner's check must never fail on it.
"""
from __future__ import annotations

import getpass
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FILE = "attempts.jsonl"
VERSION = 1


def folder() -> Path | None:
    """The recording folder, or None when recording is off."""
    setting = os.environ.get("SMTPLESSON_RECORD", "").strip()
    if setting in ("", "0"):
        return None
    if setting == "1":
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "smtplesson"
    return Path(setting).expanduser()


def learner() -> str:
    """The learner's name: the hub's user name, else the login name."""
    name = os.environ.get("JUPYTERHUB_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class _Attempt:
    lesson: str
    exercise: str
    items: list[dict[str, Any]] = field(default_factory=list)


_local = threading.local()
_counts: dict[str, int] = {}


@contextmanager
def attempt(lesson: str, exercise: str) -> Iterator[_Attempt]:
    """Collect the items a check grades; :func:`finish` writes them with the verdict."""
    current = _Attempt(lesson, exercise)
    outer = getattr(_local, "current", None)
    _local.current = current
    try:
        yield current
    finally:
        _local.current = outer


def item(key: str, answer: Any, right: bool, expected: Any = None, text: str = "") -> None:
    """One graded item of the check being run (nothing happens outside a check)."""
    current: _Attempt | None = getattr(_local, "current", None)
    if current is None:
        return
    line: dict[str, Any] = {"item": str(key), "answer": _short(answer), "right": bool(right)}
    if expected is not None:
        line["expected"] = _short(expected)
    if text:
        line["text"] = _short(text)
    current.items.append(line)


def finish(current: _Attempt, right: bool) -> None:
    """Append the attempt's lines to the learner's file, if recording is on."""
    where = folder()
    if where is None:
        return
    number = _counts[current.exercise] = _counts.get(current.exercise, 0) + 1
    base = {"v": VERSION, "learner": learner(), "lesson": current.lesson,
            "exercise": current.exercise, "attempt": number,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    lines = [{**base, "item": None, "right": right}]
    lines += [{**base, **graded} for graded in current.items]
    try:
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(where / FILE, "a", encoding="utf-8") as out:
            out.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    except OSError:
        pass


def _short(answer: Any) -> str:
    """An answer as stored: text, at most 200 characters."""
    text = answer if isinstance(answer, str) else repr(answer)
    return text if len(text) <= 200 else text[:199] + "…"
