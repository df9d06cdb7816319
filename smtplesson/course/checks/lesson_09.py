"""Lesson 09 · Reference: situations matched to 2xx and 3xx codes."""
from __future__ import annotations

from typing import Any

from ._framework import _code_of, _exercise, _table, _wrong_code

_SUCCESS_AND_INTERMEDIATE = {"greeting": 220, "go_ahead_send_text": 354, "auth_challenge": 334,
                             "auth_succeeded": 235, "will_forward": 251, "cannot_verify": 252,
                             "help_text": 214, "closing": 221}
_SUCCESS_HINTS = {
    "greeting": "The first thing any server says, before the client sends a command: the first "
                "line of every conversation in 'Every code, one line each'.",
    "go_ahead_send_text": "Not a 2xx: the server is not done, it waits for the message — find "
                          "the line after '-> data'.",
    "auth_challenge": "During AUTH the server asks for more, base64-encoded: a 3xx (section "
                      "'AUTH: 334, 235, …').",
    "auth_succeeded": "The final reply of a successful AUTH (section 'AUTH: 334, 235, …').",
    "will_forward": "RCPT TO for a user who has moved and whose mail the server forwards itself "
                    "(section 'Help, status, forwarding, VRFY').",
    "cannot_verify": "VRFY when the server will not confirm a mailbox but will still accept "
                     "mail for it (section 'Help, status, forwarding, VRFY').",
    "help_text": "The answer to HELP, for a person at a keyboard (section 'Help, status, "
                 "forwarding, VRFY').",
    "closing": "The reply to QUIT: the last line of a conversation.",
}
_SUCCESS_PRAISE = {
    "greeting": "220 service ready (RFC 5321 §4.2.3)",
    "go_ahead_send_text": "354 start mail input (RFC 5321 §4.2.3)",
    "auth_challenge": "334 server challenge (RFC 4954 §4)",
    "auth_succeeded": "235 authentication successful (RFC 4954 §6)",
    "will_forward": "251 user not local; will forward (RFC 5321 §3.4)",
    "cannot_verify": "252 cannot VRFY user, but will accept message (RFC 5321 §3.5.3)",
    "help_text": "214 help message (RFC 5321 §4.2.3)",
    "closing": "221 service closing transmission channel (RFC 5321 §4.2.3)",
}


@_exercise
def success_and_intermediate(answer: Any) -> list[str]:
    """09: match situations to 2xx/3xx codes."""
    lines = _table(answer, _SUCCESS_AND_INTERMEDIATE, _code_of, _wrong_code(_SUCCESS_HINTS), "codes")
    return [*lines, *(f"• {_SUCCESS_PRAISE[key]}" for key in _SUCCESS_AND_INTERMEDIATE)]
