"""Retrieval practice: a short recall quiz at the end of each lesson, and predictions recorded
before the cell that reveals the answer.

``check.recall_quiz("05")`` prints lesson 05's questions; ``check.recall(answers, "05")`` says
nothing until every question has an answer, then explains each wrong one. ``check.predict(guess,
"04-queue")`` records a guess; ``check.reveal("04-queue")``, after the live cell, compares.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..._data import load
from ._framework import _exercise, _Feedback, _norm

_DATA = load("course", "recall.json")
QUIZZES: dict[str, list[dict[str, Any]]] = _DATA["quizzes"]
PREDICTIONS: dict[str, dict[str, Any]] = _DATA["predictions"]
_RECORDED: dict[str, str] = {}


def recall_quiz(lesson: str) -> None:
    """Print a lesson's recall questions (answer with a dict: number -> letter)."""
    questions = QUIZZES.get(str(lesson))
    if not questions:
        print(f"There is no recall quiz {lesson!r}: use one of {', '.join(QUIZZES)}.")
        return
    for number, item in enumerate(questions, 1):
        print(f"{number}. {item['q']}")
        for letter, text in item["choices"].items():
            print(f"     {letter}) {text}")


@_exercise
def recall(answer: Any, lesson: Any) -> list[str]:
    """The recall quiz: every question answered, then one verdict with the reasons."""
    questions = QUIZZES.get(str(lesson))
    if questions is None:
        raise _Feedback(f"there is no recall quiz {lesson!r}: use one of {', '.join(QUIZZES)}.")
    if not isinstance(answer, Mapping):
        raise _Feedback("answer with a dict: question number -> letter, e.g. {1: 'b', 2: 'a'}.")
    given = {n: _norm(answer.get(n, answer.get(str(n)))) for n in range(1, len(questions) + 1)}
    open_ = [str(n) for n, letter in given.items()
             if letter not in questions[n - 1]["choices"]]
    if open_:
        raise _Feedback(f"{len(questions) - len(open_)} of {len(questions)} answered with one of "
                        f"the letters (open: {', '.join(open_)}); the quiz says nothing until "
                        "every question has an answer.")
    wrong = [n for n, letter in given.items() if letter != questions[n - 1]["answer"]]
    if wrong:
        raise _Feedback("\n".join(
            [f"{len(questions) - len(wrong)} of {len(questions)} right. Think again about:"]
            + [f"• {n}. {questions[n - 1]['q']}" for n in wrong]))
    return [f"all {len(questions)} right."] + [
        f"• {n}. {item['why']}" for n, item in enumerate(questions, 1)]


def predict(guess: Any, question: str) -> bool:
    """Record a prediction before the cell that shows the answer; True once recorded."""
    item = PREDICTIONS.get(question)
    if item is None:
        print(f"There is no prediction {question!r}.")
        return False
    letter = _norm(guess)
    if letter not in item["choices"]:
        choices = "; ".join(f"{k}) {v}" for k, v in item["choices"].items())
        print(f"📝 Not recorded yet: {item['q']} Answer with one letter — {choices}.")
        return False
    _RECORDED[question] = letter
    print(f"📝 Recorded: {letter}) {item['choices'][letter]}. Now run the next cell and see.")
    return True


def reveal(question: str) -> None:
    """After the live cell: what was predicted, what happened, and whether they match."""
    item = PREDICTIONS.get(question)
    if item is None:
        print(f"There is no prediction {question!r}.")
        return
    guess = _RECORDED.get(question)
    said = (f"You predicted {guess}) {item['choices'][guess]}." if guess
            else "No prediction recorded (run the predict cell first, before this one).")
    verdict = "" if not guess else (" ✅ As you predicted." if guess == item["answer"]
                                    else " 🔎 Not what you predicted: worth a second look.")
    print(f"{said} What happened: {item['reveal']}{verdict}")
