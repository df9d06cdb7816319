"""Lesson 01 · The first conversation: the codes of one session, and a message of your own."""
from __future__ import annotations

from typing import Any

from ._framework import _code_of, _exercise, _Feedback, _table, _wrong_code

_FIRST_CONVERSATION = {"greeting": 220, "after_data_command": 354, "after_end_of_data": 250,
                       "after_quit": 221}
_FIRST_CONVERSATION_HINTS = {
    "greeting": "The greeting is the first line the server sends, before the client says "
                "anything: the first '<-' line of the transcript.",
    "after_data_command": "Find the client's DATA line; the reply right below it invites the "
                          "message text (a 3xx code: 'go on').",
    "after_end_of_data": "Find the line with a single '.': that ends the message; the next "
                         "server line is the one that matters most.",
    "after_quit": "The last server line, after the client's QUIT.",
}
_FIRST_CONVERSATION_PRAISE = {
    "greeting": "220: service ready, sent before the client says anything (RFC 5321 §4.2.3).",
    "after_data_command": "354: start mail input; end it with <CRLF>.<CRLF> (RFC 5321 §4.1.1.4).",
    "after_end_of_data": "250 after the final '.': the server has taken responsibility for "
                         "the message (RFC 5321 §6.1) — not proof it reached an inbox.",
    "after_quit": "221: closing the channel (RFC 5321 §4.1.1.10).",
}


@_exercise
def first_conversation(answer: Any) -> list[str]:
    """01: the reply codes at the four landmarks of a conversation."""
    lines = _table(answer, _FIRST_CONVERSATION, _code_of, _wrong_code(_FIRST_CONVERSATION_HINTS), "codes")
    return [*lines, *(f"• {_FIRST_CONVERSATION_PRAISE[key]}" for key in _FIRST_CONVERSATION)]


_WANTED_RECIPIENTS = ("alice@example.net", "bob@example.net")
_WANTED_SUBJECT = "my first message"


@_exercise
def send_your_own(server: Any) -> list[str]:
    """01: the learner sends one message to two recipients; look at what the server stored."""
    messages = getattr(server, "messages", None)
    if messages is None:
        raise _Feedback("pass the server object itself: check.send_your_own(server).")
    if not messages:
        raise _Feedback("the server has no message stored yet. Did the sending cell run "
                        "without an error? Fill in the recipients and run it again.")
    last = messages[-1]
    rcpts = sorted(str(r).lower() for r in last.rcpt_tos)
    subject = str(last.message.get("Subject", "")).strip()
    if rcpts != sorted(_WANTED_RECIPIENTS):
        raise _Feedback(
            f"the last message went to {', '.join(rcpts) or 'nobody'}.\n"
            f"It should go to both {' and '.join(_WANTED_RECIPIENTS)}: the envelope "
            "recipients are the list you pass to sendmail(), one RCPT TO each.")
    if subject.lower() != _WANTED_SUBJECT:
        raise _Feedback(f"the recipients are right. The Subject is {subject!r}; make it "
                        "'My first message' (it is a header in the message text, not part "
                        "of the envelope).")
    return ["the server stored your message for both recipients.",
            "Two RCPT TO commands, one DATA: one copy of the text, two envelope recipients "
            "(RFC 5321 §3.3)."]
