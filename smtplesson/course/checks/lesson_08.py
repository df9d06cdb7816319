"""Lesson 08 · Troubleshooting lab: the six diagnoses, graded together.

The key is ``lab.KEY``, in plain text: the lab is a self-check, not an exam. Nothing is said
about any mystery until all six have an answer, and a mystery's hint appears only from its
second wrong hand-in on, so guessing field by field teaches nothing and costs six answers a try.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..lab import KEY, Lab
from ..queue import ACTIONS, action_of
from ._framework import _code_of, _exercise, _Feedback, _norm

LAB_ACTIONS = ACTIONS
COMMANDS = ("CONNECT", "EHLO", "MAIL FROM", "RCPT TO", "DATA", "END-OF-DATA", "not shown")
_FIELDS = ("code", "command", "action")
#: a hint per mystery, shown from the second wrong hand-in on
HINTS = {
    1: "the refusal came before your client said anything: which reply is that (RFC 5321 §3.1)? "
       "And what does 'found on one or more DNSBLs' ask the sender to do?",
    2: "530 answers MAIL before any recipient: the server wants the client to log in first "
       "(RFC 4954 §6). Whose set-up — the app's SMTP AUTH — is missing?",
    3: "'- gcdp' is Google's mark for a rule the recipient's Workspace admin wrote "
       "(Gmail SMTP errors and codes). Can you, the sender, change their rule?",
    4: "subject 2 is the mailbox, detail 2 'full' (RFC 3463 §3.3, persistent transient). Is the "
       "address bad, or the mailbox full for now?",
    5: "the reply came after the message (end of data). Which domain's SPF record does it name, "
       "and who can fix it?",
    6: "qmail writes no delivery-status part and no three-digit code: the evidence has neither "
       "a reply code nor a command — answer 'not shown' — but '(#5.1.1)' is there.",
}


def _command(value: Any) -> str:
    text = _norm(value).upper().replace("_", "-")
    if text in ("NOT SHOWN", "NONE", "NO COMMAND", "-"):
        return "not shown"
    return {"MAIL": "MAIL FROM", "RCPT": "RCPT TO", "GREETING": "CONNECT",
            "EOD": "END-OF-DATA", "END OF DATA": "END-OF-DATA"}.get(text, text)


def _code(value: Any) -> str:
    if _norm(value) in ("not shown", "none", "no code", "-"):
        return "not shown"
    code = _code_of(value)
    return "" if code is None else str(code)


def read(answer: Mapping[str, Any]) -> dict[str, str]:
    """One mystery's answer as the key spells it."""
    return {"code": _code(answer["code"]), "command": _command(answer["command"]),
            "action": action_of(answer["action"])}


@_exercise
def diagnoses(answer: Any, lab: Any) -> list[str]:
    """08: all six diagnoses at once — the refusing code, the command it answered, the action."""
    if not isinstance(lab, Lab):
        raise _Feedback("give the lab as the second argument: check.diagnoses(answers, lab).")
    if not isinstance(answer, Mapping):
        raise _Feedback("the answers should be a dict: mystery number -> "
                        "{'code': …, 'command': …, 'action': …}.")
    done = {}
    for number in KEY:
        given = answer.get(number)
        if isinstance(given, Mapping) and all(
                f in given and given[f] is not Ellipsis and given[f] not in ("", None)
                for f in _FIELDS):
            done[number] = read(given)
    if len(done) < len(KEY):
        open_ = [str(n) for n in KEY if n not in done]
        raise _Feedback(f"{len(done)} of {len(KEY)} mysteries have a code, a command and an "
                        f"action (open: {', '.join(open_)}). The check says nothing about any "
                        "of them until all six are in.")
    problems = []
    for number, given in done.items():
        wrong = [f for f in _FIELDS if given[f] != KEY[number][f]]
        if not wrong:
            continue
        lab.tries[number] = lab.tries.get(number, 0) + 1
        line = f"• mystery {number}: look again at the {' and the '.join(wrong)}."
        if lab.tries[number] >= 2:
            line += f"\n     Hint: {HINTS[number]}"
        problems.append(line)
    if problems:
        raise _Feedback("\n".join([f"{len(KEY) - len(problems)} of {len(KEY)} mysteries solved. "
                                   "Open again (a hint appears from the second wrong try on):",
                                   *problems]))
    return [f"all {len(KEY)} mysteries solved."] + [
        f"• {n}: {k['code']} at {k['command']} → {k['action']}" for n, k in KEY.items()]
