"""The small framework every exercise check is built on.

A check is a function decorated with ``_exercise``: it returns the lines to print when the answer
is right, or raises ``_Feedback`` with what to look at again. The decorator turns that into what
the lessons call: it prints ``RIGHT`` or ``NOT_YET`` and the lines, returns True or False, and
never raises, whatever it is given (an unfinished ``...``, a typo, a crash inside the learner's
own function). The text it prints is the same every run (no times, ports or object addresses),
so a notebook's committed output stays comparable by nbval. Each attempt and its graded items
go to :mod:`smtplesson.course.record` (which writes them only when recording is on).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import record

RIGHT = "✅ Right"
NOT_YET = "🔎 Not yet"
UNFINISHED = "replace the ... with your answer, run that cell, then run this one again."


class _Feedback(Exception):
    """Raised inside a check to stop with one 'not yet' message."""


def _say(ok: bool, lines: Iterable[str]) -> bool:
    """Print the verdict and its explanation; return ok."""
    lines = [line for line in lines if line]
    head = RIGHT if ok else NOT_YET
    print(f"{head}: {lines[0]}" if lines else f"{head}.")
    for line in lines[1:]:
        print(f"   {line}")
    return ok


#: every exercise check: its name -> its lesson ("05"); the class report's list of exercises
EXERCISES: dict[str, str] = {}


def _lesson_of(module: str) -> str:
    """"smtplesson.course.checks.lesson_05" -> "05"; the set-up check belongs to lesson 00."""
    tail = module.rsplit(".", 1)[-1]
    return tail.removeprefix("lesson_") if tail.startswith("lesson_") else "00"


def _exercise(func: Callable[..., list[str]]) -> Callable[..., bool]:
    """Turn a checker that returns 'right' lines (or raises _Feedback) into a safe check."""
    lesson = EXERCISES[func.__name__] = _lesson_of(func.__module__)

    @functools.wraps(func)
    def check(*args: Any, **kwargs: Any) -> bool:
        with record.attempt(lesson, func.__name__) as attempt:
            ok = _run(*args, **kwargs)
        record.finish(attempt, ok)
        return ok

    def _run(*args: Any, **kwargs: Any) -> bool:
        if any(arg is Ellipsis for arg in args):
            return _say(False, [f"the answer is still `...`: {UNFINISHED}"])
        try:
            lines = func(*args, **kwargs)
        except _Feedback as feedback:
            return _say(False, str(feedback).split("\n"))
        except Exception as exc:  # never a bare traceback in a learner's notebook
            return _say(False, [
                f"the check could not read your answer ({type(exc).__name__}).",
                "Compare its shape with the example in the exercise cell, run that cell "
                "again, then this one.",
            ])
        return _say(True, lines)

    return check


# --------------------------------------------------------------------------- helpers


def _code_of(value: Any) -> int | None:
    """A reply code from 250, "250", "250 OK" or "250-mx..."; None if there is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        match = re.match(r"\s*([1-5][0-9][0-9])(?![0-9])", value)
        return int(match.group(1)) if match else None
    return None


def _need_mapping(answer: Any, keys: Iterable[str]) -> Mapping[str, Any]:
    """The answer as a dict with the expected keys, or a _Feedback naming what is off."""
    keys = list(keys)
    if not isinstance(answer, Mapping):
        raise _Feedback(
            f"the answer should be a dict with the keys {', '.join(keys)} "
            f"(you gave a {type(answer).__name__}).")
    missing = [k for k in keys if k not in answer]
    if missing:
        raise _Feedback(f"the dict has no {', '.join(repr(k) for k in missing)} yet: "
                        f"add {'it' if len(missing) == 1 else 'them'} and run again.")
    unfinished = [k for k in keys if answer[k] is Ellipsis]
    if unfinished:
        raise _Feedback(f"{', '.join(repr(k) for k in unfinished)} still "
                        f"{'holds' if len(unfinished) == 1 else 'hold'} `...`: {UNFINISHED}")
    return answer


def _table(answer: Any, expected: Mapping[str, Any], read: Callable[[Any], Any],
           wrong: Callable[[str, Any], str], what: str) -> list[str]:
    """Check a dict of key -> expected value; the feedback names every key still wrong.

    `read` turns the learner's value into one comparable with the expected one; `wrong(key,
    read value)` says what is off about one key; `what` names the values ("codes", "causes").
    """
    answer = _need_mapping(answer, expected)
    for key, want in expected.items():
        record.item(key, read(answer[key]), read(answer[key]) == want, expected=want)
    problems = [f"• {wrong(key, read(answer[key]))}"
                for key, want in expected.items() if read(answer[key]) != want]
    if problems:
        good = len(expected) - len(problems)
        raise _Feedback("\n".join([f"{good} of {len(expected)} are right. Look again at:", *problems]))
    return [f"all {len(expected)} {what} are right."]


def _cause_of(value: Any) -> Any:
    """A cause as the checks compare it: text trimmed and lower-cased; anything else as given."""
    return value.strip().lower() if isinstance(value, str) else value


def _wrong_code(hints: Mapping[str, str]) -> Callable[[str, int | None], str]:
    """`_table`'s `wrong` for a dict of situation -> code: what was read, then the key's hint."""
    def wrong(key: str, given: int | None) -> str:
        shown = "nothing readable" if given is None else str(given)
        return f"{key!r}: you wrote {shown}. {hints[key]}"
    return wrong


def _wrong_cause(replies: Mapping[str, str], hints: Mapping[tuple[str, str], str],
                 why: Mapping[str, str]) -> Callable[[str, Any], str]:
    """`_table`'s `wrong` for a dict of letter -> cause: the reply, then the hint for that
    very mix-up (`hints[letter, cause]`) or else why the right cause is right."""
    def wrong(key: str, given: Any) -> str:
        return f"{key} ({replies[key]}): you wrote {given!r}. {hints.get((key, str(given)), why[key])}"
    return wrong


# --------------------------------------------------------------------------- sorting exercises


def _norm(value: Any) -> str:
    """An answer as the checks compare it: text, lower case, single spaces; '' if not text."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return " ".join(str(value).strip().lower().replace("’", "'").split())


@dataclass(frozen=True)
class Case:
    """One item of a sorting exercise: what the learner reads, the answer, what to say."""

    text: str
    answer: str
    why: str  # said when right: the reason, with its RFC section or provider page
    hints: Mapping[str, str] = field(default_factory=dict)  # wrong answer -> its own hint
    otherwise: str = ""  # the hint for any other wrong answer


def _sort(answer: Any, cases: Mapping[str, Case], choices: tuple[str, ...]) -> list[str]:
    """Check a dict letter -> choice; each wrong letter gets the hint for *that* wrong answer."""
    answer = _need_mapping(answer, cases)
    wrong = []
    for key, case in cases.items():
        given = _norm(answer[key])
        record.item(key, given, given == case.answer, expected=case.answer, text=case.text)
        if given == case.answer:
            continue
        if given not in choices:
            wrong.append(f"{key}: {answer[key]!r} is not one of {', '.join(map(repr, choices))}.")
            continue
        wrong.append(f"{key}: not {given!r}. {case.hints.get(given, case.otherwise)}")
    if wrong:
        good = len(cases) - len(wrong)
        raise _Feedback("\n".join([f"{good} of {len(cases)} are right. Look again at:"]
                                  + [f"• {line}" for line in wrong]))
    return [f"all {len(cases)} are right."] + [f"• {key}: {c.why}" for key, c in cases.items()]


