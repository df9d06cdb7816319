"""Lesson 10 · The queue shift: every drawn ticket's action, evidence and customer reply.

Nothing is said about any ticket until every ticket has an answer; a ticket's hint appears only
from its second wrong try on; the verdict ends with a score per skill and per kind of ticket.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..queue import ACTIONS, KIND_NAMES, Shift, action_of
from ._framework import _exercise, _Feedback

_PARTS = ("action", "evidence", "reply")
_FACTS = {"who": "who refused (or accepted)", "why": "why", "do": "what the customer must do",
          "suppress": "whether to suppress the address (or keep it, or reactivate it)"}


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def _answers(answer: Any, shift: Shift) -> dict[int, Mapping[str, Any]]:
    """Every drawn ticket's answer, or a _Feedback that says only how many are still open."""
    if not isinstance(answer, Mapping):
        raise _Feedback(f"the answers should be a dict: ticket number -> "
                        f"{{'action': …, 'evidence': …, 'reply': …}} (you gave a "
                        f"{type(answer).__name__}).")
    done = {}
    for number in range(1, len(shift) + 1):
        given = answer.get(number, answer.get(str(number)))
        if isinstance(given, Mapping) and all(
                isinstance(given.get(part), str) and given[part].strip() for part in _PARTS):
            done[number] = given
    if len(done) < len(shift):
        open_ = [str(n) for n in range(1, len(shift) + 1) if n not in done]
        raise _Feedback(f"{len(done)} of {len(shift)} tickets have an action, evidence and reply "
                        f"(open: {', '.join(open_)}).\nFeedback comes when every ticket is "
                        "answered, as in a real queue: no ticket is graded on its own.")
    return done


@_exercise
def queue_shift(answer: Any, shift: Any) -> list[str]:
    """10: the whole shift at once — the action, the evidence and the customer reply per ticket."""
    if not isinstance(shift, Shift):
        raise _Feedback("give the shift as the second argument: check.queue_shift(answers, shift).")
    done = _answers(answer, shift)
    score = dict.fromkeys(_PARTS, 0)
    kinds: dict[str, list[int]] = {}
    problems = []
    for number, given in done.items():
        ticket = shift.ticket(number)
        missing = ticket.missing_facts(given["reply"])
        right = {"action": ticket.action_right(given["action"]),
                 "evidence": ticket.evidence_right(given["evidence"]),
                 "reply": not missing and _sentences(given["reply"]) <= 3}
        for part, ok in right.items():
            score[part] += ok
        tally = kinds.setdefault(KIND_NAMES[ticket.kind], [0, 0])
        tally[0] += all(right.values())
        tally[1] += 1
        if all(right.values()):
            continue
        shift.tries[number] = shift.tries.get(number, 0) + 1
        notes = []
        if not right["action"]:
            known = action_of(given["action"])
            notes.append("the action" + ("" if known else f" (one of: {', '.join(ACTIONS)})"))
        if not right["evidence"]:
            notes.append("the evidence (copy the token or line from the ticket that proves it)")
        if not right["reply"]:
            if missing:
                notes.append("the reply, which does not yet say "
                             + " or ".join(_FACTS[m] for m in missing))
            else:
                notes.append("the reply's length: two sentences are enough")
        line = f"• ticket {number}: look again at {'; '.join(notes)}."
        if shift.tries[number] >= 2:
            line += f"\n     Hint: {ticket.hint}"
        problems.append(line)
    total = len(shift)
    scores = " · ".join(f"{part} {score[part]}/{total}" for part in _PARTS)
    by_kind = ", ".join(f"{kind} {ok}/{n}" for kind, (ok, n) in sorted(kinds.items()))
    if problems:
        raise _Feedback("\n".join([f"{total - len(problems)} of {total} tickets closed. "
                                   f"Score per skill: {scores}.", f"By kind: {by_kind}.",
                                   "Open again (a hint appears from the second wrong try on):",
                                   *problems]))
    return [f"all {total} tickets closed. Score per skill: {scores}.",
            *(f"• {n}: {shift.ticket(n).why}" for n in done)]
