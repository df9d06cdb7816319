"""Self-checks for the course's exercises.

Each exercise has one function here, named after it: ``check.first_conversation(answer)``.
Every check

* prints kind, specific feedback: the first line starts with ``RIGHT`` ("✅ Right") or
  ``NOT_YET`` ("🔎 Not yet"), then says what is right or what to look at;
* returns ``True`` or ``False``;
* never raises, whatever it is given (an unfinished ``...``, a typo, a crash inside the
  learner's own function): it catches everything and says what went wrong in plain words;
* prints the same text every run (no times, ports or object addresses), so a notebook's
  committed output stays comparable by nbval.

``check.environment()`` is the set-up check of notebook 00: it says plainly what is missing.
Lessons 00-04's checks come first; those of lessons 05-09 (written by course-2) follow at the end.
Every check has a right and a wrong answer in tests/test_course.py.
"""
from __future__ import annotations

import functools
import importlib
import importlib.metadata
import re
import socket
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "RIGHT", "NOT_YET", "environment", "start_here", "first_conversation", "send_your_own",
    "relay_path", "open_relay", "reply_parts", "what_to_do", "success_and_intermediate",
    # lessons 05-09 (written by course-2)
    "transient_failures", "permanent_failures", "read_bounce", "retry_policy", "diagnosis",
]

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


def _exercise(func: Callable[..., list[str]]) -> Callable[..., bool]:
    """Turn a checker that returns 'right' lines (or raises _Feedback) into a safe check."""

    @functools.wraps(func)
    def check(*args: Any, **kwargs: Any) -> bool:
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


def _codes_table(answer: Any, expected: Mapping[str, int], hints: Mapping[str, str],
                 praise: Mapping[str, str]) -> list[str]:
    """Check a dict of situation -> code; feedback names every key still wrong."""
    answer = _need_mapping(answer, expected)
    wrong = []
    for key, code in expected.items():
        given = _code_of(answer[key])
        if given != code:
            shown = "nothing readable" if given is None else str(given)
            wrong.append(f"{key!r}: you wrote {shown}. {hints[key]}")
    if wrong:
        good = len(expected) - len(wrong)
        raise _Feedback("\n".join([f"{good} of {len(expected)} are right. Look again at:"]
                                  + [f"• {line}" for line in wrong]))
    return [f"all {len(expected)} codes are right."] + [f"• {praise[k]}" for k in expected]


# --------------------------------------------------------------------------- 00


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _at_least(version: str | None, minimum: tuple[int, ...]) -> bool:
    if version is None:
        return False
    parts = tuple(int(p) for p in re.findall(r"[0-9]+", version)[:len(minimum)])
    return parts >= minimum


def _loopback_works() -> bool:
    """Can this kernel listen on 127.0.0.1 (ephemeral port) and connect to itself?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with socket.create_connection(listener.getsockname(), timeout=2):
            conn, _ = listener.accept()
            conn.close()
    return True


def _environment_rows() -> list[tuple[str, bool, str]]:
    """(what, ok, what to do if not) for everything the course needs."""
    rows = [("Python 3.11 or newer", sys.version_info >= (3, 11),
             f"this kernel runs Python {sys.version_info[0]}.{sys.version_info[1]}: "
             "pick a Python 3.11+ kernel (Kernel → Change Kernel) or ask your instructor")]
    for module, dist, minimum, label in (
        ("aiosmtpd", "aiosmtpd", (1, 4), "aiosmtpd 1.4 or newer (the local SMTP servers)"),
        ("ipywidgets", "ipywidgets", (8, 0), "ipywidgets 8 or newer (the explorer widgets)"),
        ("smtplesson", "smtplesson", (0, 1), "the smtplesson package (this course)"),
    ):
        try:
            importlib.import_module(module)
            ok = _at_least(_version(dist), minimum)
        except Exception:
            ok = False
        rows.append((label, ok, f"install it into this kernel's environment: "
                                f"python -m pip install '{dist}>={'.'.join(map(str, minimum))}' "
                                "(or run `make lab` from the course folder)"))
    lab = _version("jupyterlab")
    rows.append(("JupyterLab 4.1 or newer (draws the Mermaid diagrams)", _at_least(lab, (4, 1)),
                 "not found in this kernel's environment: that is fine if your JupyterHub runs "
                 "JupyterLab 4.1+; otherwise diagrams appear as plain text"))
    try:
        loop_ok = _loopback_works()
    except Exception:
        loop_ok = False
    rows.append(("the kernel can listen on 127.0.0.1 (loopback)", loop_ok,
                 "the local SMTP servers cannot start here (sockets blocked, e.g. JupyterLite "
                 "or a locked-down container): open the course on JupyterHub, Binder or your "
                 "own machine"))
    return rows


def environment() -> bool:
    """Print one line per requirement (✓ or ✗ with what to do); True when all are met."""
    try:
        rows = _environment_rows()
    except Exception as exc:  # pragma: no cover - the rows catch their own failures
        print(f"✗ the environment check itself failed ({type(exc).__name__}); "
              "ask your instructor.")
        return False
    for label, ok, remedy in rows:
        print(f"{'✓' if ok else '✗'} {label}" + ("" if ok else f"\n    → {remedy}"))
    missing = sum(not ok for _, ok, _ in rows)
    if missing:
        print(f"\n{missing} thing{'s' if missing > 1 else ''} missing: fix "
              f"{'them' if missing > 1 else 'it'}, then restart the kernel and run this cell "
              "again.")
    else:
        print("\nEverything is in place: on to the course.")
    return not missing


@_exercise
def start_here(answer: Any) -> list[str]:
    """00: what does SMTP stand for?"""
    if not isinstance(answer, str):
        raise _Feedback("write the answer as text in quotes, e.g. \"Some Words Here\".")
    words = " ".join(re.findall(r"[a-z]+", answer.lower()))
    if words == "simple mail transfer protocol":
        return ["SMTP is the Simple Mail Transfer Protocol, defined in RFC 5321.",
                "The vendor article says 'Simple Message Transfer Protocol': a small slip, "
                "but now you know to check the RFC."]
    if words == "simple message transfer protocol":
        raise _Feedback("that is how the vendor article expands it, and it is a slip.\n"
                        "Look at the title of RFC 5321 (linked in this notebook): the M is "
                        "not 'Message'.")
    if not words.startswith("simple") or not words.endswith("protocol"):
        raise _Feedback("the four words start with 'Simple' and end with 'Protocol'; "
                        "RFC 5321's title gives the two in between.")
    raise _Feedback(f"'{answer.strip()[:60]}' is close, but not the RFC's wording: "
                    "read the title of RFC 5321 again.")


# --------------------------------------------------------------------------- 01

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
    return _codes_table(answer, _FIRST_CONVERSATION, _FIRST_CONVERSATION_HINTS,
                        _FIRST_CONVERSATION_PRAISE)


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


# --------------------------------------------------------------------------- 02


def _hosts_in_received(message: Any) -> list[str]:
    """The 'by' host of each Received header, in the order the message travelled."""
    hosts = []
    for header in reversed(message.get_all("Received", [])):
        match = re.search(r"\bby\s+([A-Za-z0-9.-]+)", str(header))
        if match:
            hosts.append(match.group(1).lower())
    return hosts


@_exercise
def relay_path(answer: Any, message: Any) -> list[str]:
    """02: the hosts a delivered message passed, read from its Received chain, in order."""
    if isinstance(answer, str):
        raise _Feedback("make the answer a list of host names, e.g. "
                        "['first.example', 'second.example'].")
    answer = list(answer)
    if not answer or any(h is Ellipsis for h in answer):
        raise _Feedback(f"the list still holds `...` (or nothing): {UNFINISHED}")
    given = [str(h).strip().lower() for h in answer]
    expected = _hosts_in_received(message)
    if not expected:
        raise _Feedback("the message passed to the check has no Received headers: pass the "
                        "delivered message (the one read from the mailbox).")
    if given == expected:
        return [f"{' → '.join(expected)}.",
                "Each hop adds its Received line at the top (RFC 5321 §4.4), so the chain "
                "reads bottom-up."]
    if given == expected[::-1]:
        raise _Feedback("those are the right hosts, but in the order the headers are printed."
                        "\nEach server adds its Received line at the top: read the chain from "
                        "the bottom up to follow the message.")
    if sorted(given) == sorted(expected):
        raise _Feedback("the right hosts, in a mixed-up order: follow the Received lines from "
                        "the bottom up.")
    extra = [h for h in given if h not in expected]
    missing = [h for h in expected if h not in given]
    parts = [f"{len(expected)} hosts handled this message; your list has {len(given)}."]
    if extra:
        parts.append(f"Not in any Received 'by' part: {', '.join(extra)}.")
    if missing:
        parts.append(f"{len(missing)} host(s) are missing: each Received line names one "
                     "after 'by'.")
    raise _Feedback("\n".join(parts))


def _relay_refusal(transcript: Any) -> tuple[int, str] | None:
    """(code, enhanced) of the first 5xx reply to RCPT in a transcript, or None."""
    for sent, reply in getattr(transcript, "exchanges", ()):
        verbs = [line.text.split(" ", 1)[0].upper() for line in sent if line.kind == "command"]
        head = reply[-1].text if reply else ""
        if verbs and verbs[-1] == "RCPT" and head[:1] == "5":
            match = re.match(r"([0-9]{3})[ -]([245]\.[0-9]{1,3}\.[0-9]{1,3})?", head)
            if match:
                return int(match.group(1)), match.group(2) or ""
    return None


@_exercise
def open_relay(answer: Any, transcript: Any = None) -> list[str]:
    """02: the reply that refused to relay (basic and enhanced code), and whether to retry it."""
    answer = _need_mapping(answer, ("code", "enhanced", "retry_later"))
    refusal = _relay_refusal(transcript)
    codes = {refusal[0]} if refusal else {550, 554}
    wanted_enhanced = refusal[1] if refusal and refusal[1] else "5.7.1"
    code = _code_of(answer["code"])
    problems = []
    if code not in codes:
        problems.append("• code: the three digits of the server's reply to RCPT TO for the "
                        "outside recipient (a 5xx).")
    if str(answer["enhanced"]).strip() != wanted_enhanced:
        problems.append("• enhanced: the class.subject.detail after the basic code, as text; "
                        "subject 7 is security or policy (RFC 3463 §3.8).")
    if answer["retry_later"] is not False:
        problems.append("• retry_later: a 5xx is a permanent refusal (RFC 5321 §4.2.1); "
                        "should the same request be repeated? Answer True or False.")
    if problems:
        raise _Feedback("\n".join(["not all three yet:"] + problems))
    shown = f"{code} {wanted_enhanced}"
    return [f"{shown}: relaying denied, a permanent policy refusal.",
            "A server that relayed for anyone would be an open relay; an MX accepts mail only "
            "for its own domains, a submission server only from users who logged in "
            "(RFC 5321 §3.6, RFC 2505)."]


# --------------------------------------------------------------------------- 03

_REPLY_PARTS = {"code": 452, "enhanced": "4.5.3", "outcome": "retry", "lines": 2}


@_exercise
def reply_parts(answer: Any) -> list[str]:
    """03: take the multi-line 452 4.5.3 reply apart."""
    answer = _need_mapping(answer, _REPLY_PARTS)
    problems = []
    if _code_of(answer["code"]) != 452:
        problems.append("• code: the three digits every line starts with.")
    if str(answer["enhanced"]).strip() != "4.5.3":
        problems.append("• enhanced: the class.subject.detail right after the basic code "
                        "(RFC 3463 §2), as text in quotes.")
    if str(answer["outcome"]).strip().lower() != "retry":
        problems.append("• outcome: one of 'success', 'continue', 'retry', 'bounce' — the "
                        "first digit decides (RFC 5321 §4.2.1).")
    if answer["lines"] != 2 or isinstance(answer["lines"], bool):
        problems.append("• lines: count the lines; '452-' marks a line with more to come, "
                        "'452 ' the last (RFC 5321 §4.2.1).")
    if problems:
        raise _Feedback("\n".join([f"{4 - len(problems)} of 4 are right. Look again at:"]
                                  + problems))
    return ["452 4.5.3 over two lines: a temporary 'too many recipients'.",
            "Send the recipients that were refused in a later transaction "
            "(RFC 5321 §4.5.3.1.10)."]


_WHAT_TO_DO_CASES: tuple[tuple[str, str, str], ...] = (
    ("250 2.0.0 Ok: queued", "success", "a plain 2xx"),
    ("354 End data with <CR><LF>.<CR><LF>", "continue", "a 3xx: the server waits for more"),
    ("334 VXNlcm5hbWU6", "continue", "an AUTH challenge (3xx)"),
    ("250-mx.example.net\r\n250-SIZE 10240000\r\n250 HELP", "success",
     "a multi-line EHLO reply (look at the first line's digits)"),
    ("421 4.7.0 Too many connections, closing", "retry", "a 4xx"),
    ("451 4.7.1 Greylisted, try again later", "retry", "a 4xx with its enhanced code"),
    ("550 5.1.1 <nobody@example.net>: Recipient address rejected", "bounce", "a 5xx"),
    ("552-5.2.2 Mailbox full\r\n552 5.2.2 Try again much later", "bounce",
     "a multi-line 5xx"),
    ("451 5.7.1 Service unavailable", "retry",
     "an inconsistent reply: basic 4xx, enhanced 5.x.x — the basic code decides"),
    ("550 4.2.2 Mailbox full", "bounce",
     "an inconsistent reply: basic 5xx, enhanced 4.x.x — the basic code decides"),
)


@_exercise
def what_to_do(func: Any) -> list[str]:
    """03: the learner's function maps a reply's text to success/continue/retry/bounce."""
    if not callable(func):
        raise _Feedback("pass the function itself, without calling it: "
                        "check.what_to_do(what_to_do).")
    for text, want, why in _WHAT_TO_DO_CASES:
        shown = text.replace("\r\n", "\\r\\n")
        try:
            got = func(text)
        except Exception as exc:
            raise _Feedback(f"your function raised {type(exc).__name__} on {shown!r} ({why}).\n"
                            "Hint: parse_reply(text).code, or text[:3], gives the three digits.")
        if not isinstance(got, str) or got.strip().lower() != want:
            raise _Feedback(f"for {shown!r} ({why}) it returned {got!r}; expected one of "
                            "'success', 'continue', 'retry', 'bounce'.\nWhich does the first "
                            "digit say? (RFC 5321 §4.2.1)")
    return [f"all {len(_WHAT_TO_DO_CASES)} replies sorted correctly, the two inconsistent "
            "ones included.",
            "The basic code decides what the sender does (RFC 5321 §4.2.1); the enhanced "
            "code only refines the reason (RFC 3463 §2)."]


# --------------------------------------------------------------------------- 04

_SUCCESS_AND_INTERMEDIATE = {"greeting": 220, "go_ahead_send_text": 354, "auth_challenge": 334,
                             "auth_succeeded": 235, "will_forward": 251, "cannot_verify": 252,
                             "help_text": 214, "closing": 221}
_SUCCESS_HINTS = {
    "greeting": "The first thing any server says, before the client sends a command (section "
                "'220 and 221: hello and goodbye').",
    "go_ahead_send_text": "Not a 2xx: the server is not done, it waits for more (section "
                          "'354: go ahead').",
    "auth_challenge": "During AUTH the server asks for more, base64-encoded: a 3xx (section "
                      "'334 and 235: logging in').",
    "auth_succeeded": "The final reply of a successful AUTH (section '334 and 235: logging in').",
    "will_forward": "RCPT TO for a user who has moved and whose mail the server forwards itself "
                    "(section '251 and 252: forwarding and verifying').",
    "cannot_verify": "VRFY when the server will not confirm a mailbox but will still accept "
                     "mail for it (section '251 and 252: forwarding and verifying').",
    "help_text": "The answer to HELP (section '214 and 211: help and status').",
    "closing": "The reply to QUIT (section '220 and 221: hello and goodbye').",
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
    """04: match situations to 2xx/3xx codes."""
    return _codes_table(answer, _SUCCESS_AND_INTERMEDIATE, _SUCCESS_HINTS, _SUCCESS_PRAISE)


# =========================================================================== course-2: 05–09
# Checks for lessons 05–09, written by course-2 (appended to course-1's module).
# Add to __all__: "transient_failures", "permanent_failures", "read_bounce", "retry_policy",
# "diagnosis".  `mystery_server` is a lab helper for 09 (not an exercise, not in __all__).


def _causes_table(answer: Any, expected: Mapping[str, str], replies: Mapping[str, str],
                  hints: Mapping[tuple[str, str], str], why: Mapping[str, str]) -> list[str]:
    """Check a dict of letter -> cause; feedback names every letter still wrong."""
    answer = _need_mapping(answer, expected)
    wrong = []
    for key, cause in expected.items():
        given = str(answer[key]).strip().lower() if isinstance(answer[key], str) else answer[key]
        if given != cause:
            hint = hints.get((key, str(given)), why[key])
            wrong.append(f"{key} ({replies[key]}): you wrote {given!r}. {hint}")
    if wrong:
        good = len(expected) - len(wrong)
        raise _Feedback("\n".join([f"{good} of {len(expected)} are right. Look again at:"]
                                  + [f"• {line}" for line in wrong]))
    return [f"all {len(expected)} causes are right."]


# --------------------------------------------------------------------------- 05

TRANSIENT_REPLIES = {
    "A": "451 4.7.1 <carol@example.net>: Recipient address rejected: Greylisted, please try again in 300 seconds",
    "B": "452 4.3.1 Insufficient system storage",
    "C": "452 4.5.3 Too many recipients (at most 3 per message)",
    "D": "421 4.7.0 mx.example.net Error: too many messages from 192.0.2.25, try again later",
    "E": "450 4.2.1 <bob@example.net>: Mailbox busy, try again later",
    "F": "454 4.7.0 Temporary authentication failure",
}
TRANSIENT_CAUSES = ("greylisting", "rate limit", "server storage", "too many recipients",
                    "mailbox busy", "auth backend", "mailbox full", "unknown user")
_TRANSIENT = {"A": "greylisting", "B": "server storage", "C": "too many recipients",
              "D": "rate limit", "E": "mailbox busy", "F": "auth backend"}
_TRANSIENT_WHY = {
    "A": "4.7.1 is a policy decision (subject 7); 'try again in 300 seconds' for an unknown "
         "client/sender/recipient triplet is the greylisting section.",
    "B": "subject 3 of the enhanced code is the mail *system* (RFC 3463 §3.4): whose storage?",
    "C": "4.5.3 is a protocol limit (subject 5) on RCPT commands — see the section with six "
         "recipients.",
    "D": "421 closes the whole connection; 'too many messages from …' is a limit on you, "
         "the client.",
    "E": "4.2.1 is mailbox status (subject 2, RFC 3463 §3.3): the mailbox exists but is not "
         "accepting messages right now — 'busy', says the text.",
    "F": "454 answered AUTH: the server could not check the password right now (RFC 4954 §6).",
}
_TRANSIENT_HINTS = {
    ("B", "mailbox full"): "That is the vendor article's misreading: a full *mailbox* is "
                           "X.2.2 (452 4.2.2 or 552 5.2.2); 452 4.3.1 is the server's own "
                           "storage (RFC 3463 §3.4).",
    ("C", "server storage"): "The basic code 452 is shared, but the enhanced code 4.5.3 says "
                             "'too many recipients' (RFC 3463 §3.6).",
    ("D", "server storage"): "Read the text and the first digit twice: 421 means the server "
                             "closes the connection; the text says why.",
}


@_exercise
def transient_failures(answer: Any) -> list[str]:
    """05: name the cause of each transient reply (letters A–F)."""
    lines = _causes_table(answer, _TRANSIENT, TRANSIENT_REPLIES, _TRANSIENT_HINTS, _TRANSIENT_WHY)
    return lines + ["The basic code says *what to do* (4xx: keep the message, retry later); "
                    "the enhanced code's subject says *why* (RFC 3463 §3).",
                    "Nobody needs to act on any of them unless they last for days — the "
                    "queue retries."]


# --------------------------------------------------------------------------- 06

PERMANENT_REPLIES = {
    "A": "550 5.1.1 <dan@example.net>: Recipient address rejected: User unknown in local recipient table",
    "B": "551 5.1.6 User not local; please try <carol@example.org>",
    "C": "552 5.2.2 <dave@example.net>: Mailbox full (quota 2000 bytes)",
    "D": "553 5.1.3 <bob>: Recipient address rejected: need a fully-qualified address (user@domain)",
    "E": "554 5.7.1 Message content rejected as spam (matched 'lottery winner')",
    "F": "556 5.1.10 <info@nomail.example>: Recipient address has null MX",
    "G": "552 5.3.4 Message size exceeds fixed maximum message size",
}
PERMANENT_CAUSES = ("no such user", "moved", "mailbox full", "bad address syntax", "content",
                    "domain takes no mail", "too big", "relay denied")
_PERMANENT = {"A": "no such user", "B": "moved", "C": "mailbox full", "D": "bad address syntax",
              "E": "content", "F": "domain takes no mail", "G": "too big"}
_PERMANENT_WHY = {
    "A": "5.1.1 is 'bad destination mailbox address' (RFC 3463 §3.2).",
    "B": "551 names a <forward-path>: the user exists, somewhere else (RFC 5321 §3.4).",
    "C": "5.2.2 is mailbox status (subject 2): the mailbox exists.",
    "D": "5.1.3 is 'bad destination mailbox address *syntax*': look at the address itself.",
    "E": "554 after the final '.': the filter read the message (5.7.1 policy).",
    "F": "556 (RFC 7504) with 5.1.10: the domain published a null MX (RFC 7505).",
    "G": "5.3.4 is 'message too big for system' (subject 3, the mail system: RFC 3463 §3.4).",
}
_PERMANENT_HINTS = {
    ("B", "no such user"): "That is the vendor article's 551 misreading: 551 says the user is "
                           "not local *and names where to try* — the mailbox exists elsewhere.",
    ("D", "no such user"): "That is the vendor article's 553 misreading: 553 means the name is "
                           "not allowed (syntax), not that it does not exist — that is 550 5.1.1.",
    ("G", "mailbox full"): "Same basic code 552, different enhanced code: 5.3.4 (system limit) "
                           "versus 5.2.2 (mailbox quota).",
    ("C", "too big"): "Same basic code 552, different enhanced code: 5.2.2 is the mailbox's "
                      "quota, 5.3.4 the server's size limit.",
}


@_exercise
def permanent_failures(answer: Any) -> list[str]:
    """06: name the cause of each permanent reply (letters A–G)."""
    lines = _causes_table(answer, _PERMANENT, PERMANENT_REPLIES, _PERMANENT_HINTS, _PERMANENT_WHY)
    return lines + ["Two 552s with different causes: read the enhanced code, not just the "
                    "three digits (RFC 3463 §3).",
                    "A 5xx means 'do not repeat this request unchanged' (RFC 5321 §4.2.1): "
                    "someone must fix an address, a message or a setting first."]


# --------------------------------------------------------------------------- 07

def _bounce_cases() -> list[tuple[str, Any, dict[str, Any]]]:
    """(label, message, expected) — three bounce styles, built here so nothing is read from disk."""
    import email
    import email.policy

    from ..codes.dsn import RecipientStatus, build_dsn

    postfix = build_dsn(
        to="alice@example.com", reporting_mta="relay.example.com",
        arrival_date="Mon, 02 Mar 2026 09:00:00 +0000", date="Mon, 02 Mar 2026 09:00:01 +0000",
        message_id="<check.1@relay.example.com>", original_headers="Subject: Lunch\n",
        statuses=[RecipientStatus("dan@example.net", "failed", "5.1.1",
                                  "550 5.1.1 <dan@example.net>: Recipient address rejected: "
                                  "User unknown", "mx1.example.net")])
    microsoft = email.message_from_string(
        "From: postmaster@contoso.onmicrosoft.com\nTo: alice@example.com\n"
        "Subject: Undeliverable: Q3 report\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
        "--b1\nContent-Type: text/plain\n\nDelivery has failed to these recipients.\n\n"
        "--b1\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com\n\n"
        "Final-Recipient: rfc822;Pat.Jones@contoso.com\nAction: failed\nStatus: 5.1.10\n"
        "Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not\n"
        " found by SMTP address lookup\n\n--b1--\n", policy=email.policy.default)
    gmail = email.message_from_string(
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nTo: alice@example.com\n"
        "Subject: Delivery Status Notification (Delay)\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; boundary="g2"; report-type=delivery-status\n\n'
        "--g2\nContent-Type: text/plain\n\nThere was a temporary problem delivering your message.\n\n"
        "--g2\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; googlemail.com\n\n"
        "Final-Recipient: rfc822; lee@example.org\nAction: delayed\nStatus: 4.2.2\n"
        "Diagnostic-Code: smtp; 452-4.2.2 The recipient's inbox is out of storage space.\n"
        " 452 4.2.2 Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp\n"
        "\n--g2--\n", policy=email.policy.default)
    return [
        ("a Postfix-style bounce (like the one the network sent)", postfix,
         {"recipient": "dan@example.net", "action": "failed", "status": "5.1.1", "code": 550}),
        ("a Microsoft 365-style bounce ('rfc822;' and 'smtp;' without a space)", microsoft,
         {"recipient": "Pat.Jones@contoso.com", "action": "failed", "status": "5.1.10", "code": 550}),
        ("a Gmail-style delay warning (Action: delayed, a folded multi-line reply)", gmail,
         {"recipient": "lee@example.org", "action": "delayed", "status": "4.2.2", "code": 452}),
    ]


_BOUNCE_HINTS = {
    "recipient": "Final-Recipient is 'type; address' (RFC 3464 §2.3.2): keep only what follows "
                 "the ';', stripped (the type 'rfc822' is not part of the address).",
    "action": "Action is one of failed, delayed, delivered, relayed, expanded (RFC 3464 §2.3.3).",
    "status": "Status is the enhanced code as text, e.g. '5.1.1' (RFC 3464 §2.3.4).",
    "code": "Diagnostic-Code is 'smtp; <the reply>' (RFC 3464 §2.3.6): the three digits after "
            "the ';' (spaces or not), as an int.",
}


@_exercise
def read_bounce(func: Any) -> list[str]:
    """07: the learner's function reads the first recipient block of a DSN."""
    if not callable(func):
        raise _Feedback("pass the function itself, without calling it: "
                        "check.read_bounce(bounce_summary).")
    for label, message, want in _bounce_cases():
        try:
            got = func(message)
        except Exception as exc:
            raise _Feedback(f"your function raised {type(exc).__name__} on {label}.\n"
                            "Hint: find the part whose get_content_type() is "
                            "'message/delivery-status'; its get_payload() is a list of blocks "
                            "(per-message first, then one per recipient).")
        if got is None or got is Ellipsis or (isinstance(got, Mapping) and Ellipsis in got.values()):
            raise _Feedback(f"your function still returns `...` (or None): {UNFINISHED}")
        if not isinstance(got, Mapping):
            raise _Feedback(f"on {label} it returned a {type(got).__name__}; return a dict with "
                            "the keys recipient, action, status, code.")
        for key, value in want.items():
            given = got.get(key)
            same = (given == value if key == "code" and not isinstance(given, bool)
                    else isinstance(given, str) and given.strip().lower() == str(value).lower())
            if not same:
                raise _Feedback(f"on {label}, {key!r} is {given!r}; expected {value!r}.\n"
                                f"{_BOUNCE_HINTS[key]}")
    return ["all three bounces read correctly: Postfix, Microsoft 365 and Gmail styles.",
            "The machine-readable part is the same everywhere (RFC 3464); only the human "
            "text differs — read the delivery-status part, not the prose."]


# --------------------------------------------------------------------------- 08

_POLICY_MESSAGE = ("From: alice@example.com\r\nTo: undisclosed-recipients:;\r\n"
                   "Subject: Order confirmation\r\n\r\nThank you for your order!\r\n")


def _policy_cases() -> list[tuple[str, dict[str, Any], list[Any], list[str], dict[str, str], str]]:
    """(label, server options, rules, recipients, expected, hint) for the live retry check."""
    from ..server.debug import Rule

    bob, carol, dan = "bob@example.net", "carol@example.net", "dan@example.net"
    return [
        ("a healthy server", {}, [], [bob], {bob: "delivered"},
         "a 250 after the final '.' means delivered."),
        ("greylisting (451 4.7.1 at RCPT)", {"scenario": "greylisting"}, [], [bob],
         {bob: "retry"}, "a 4xx for every recipient: smtplib raises SMTPRecipientsRefused; "
                         "look at each (code, text) in exc.recipients."),
        ("one unknown user among two (550 5.1.1)", {"scenario": "unknown-user",
                                                    "users": ["bob@example.net"]},
         [], [bob, dan], {bob: "delivered", dan: "bounce"},
         "sendmail() raises nothing when some recipients are accepted: it RETURNS the refused "
         "ones as {address: (code, text)}."),
        ("too many recipients (452 4.5.3)", {"scenario": "too-many-recipients", "limit": 2},
         [], [bob, carol, dan], {bob: "delivered", carol: "delivered", dan: "retry"},
         "452 is transient: send the refused recipients again later (RFC 5321 §4.5.3.1.10)."),
        ("too many recipients with RFC 821's old code (552 5.5.3)", {},
         [Rule("RCPT", "552 5.5.3 Too many recipients", to=dan)],
         [bob, carol, dan], {bob: "delivered", carol: "delivered", dan: "retry"},
         "RFC 5321 §4.5.3.1.10: a 552 for too many recipients SHOULD be treated as 452 "
         "(retry). The enhanced code 5.5.3 or the text says which 552 it is."),
        ("a full mailbox (552 5.2.2)", {"scenario": "mailbox-full", "quota": 0}, [], [bob],
         {bob: "bounce"}, "this 552 is a real 5xx (mailbox full): bounce — only the "
                          "too-many-recipients 552 is special."),
        ("full server storage at MAIL (452 4.3.1)", {"scenario": "storage-full", "capacity": 0},
         [], [bob, carol], {bob: "retry", carol: "retry"},
         "a refused MAIL FROM raises SMTPSenderRefused (.smtp_code, .smtp_error): it applies "
         "to every recipient."),
        ("content rejected after the final '.' (554 5.7.1)", {},
         [Rule("END-OF-DATA", "554 5.7.1 Message rejected as spam")], [bob, carol],
         {bob: "bounce", carol: "bounce"},
         "a refused message raises SMTPDataError (.smtp_code, .smtp_error): every "
         "recipient shares its fate."),
        ("a server shutting down (421 at the greeting)", {"scenario": "shutting-down"}, [],
         [bob], {bob: "retry"},
         "a greeting other than 220 raises SMTPConnectError in smtplib.SMTP(...) itself; 421 "
         "is transient."),
        ("a 421 in the middle of RCPT", {"scenario": "shutting-down", "at": "RCPT"}, [],
         [bob, carol], {bob: "retry", carol: "retry"},
         "after a 421 the server closes the connection (RFC 5321 §3.8): nothing was "
         "delivered, so every recipient is retried."),
        ("a blocklisted client (554 at the greeting)", {"scenario": "no-service"}, [], [bob],
         {bob: "bounce"}, "SMTPConnectError with a 5xx code: permanent — bounce and tell a human."),
    ]


def _run_policy_case(func: Callable[..., Any], options: dict[str, Any], rules: list[Any],
                     recipients: list[str]) -> Any:
    from ..server.debug import DebugServer

    options = dict(options)
    scenario = options.pop("scenario", None)
    server = DebugServer(scenario, rules=rules, hostname="mx.example.net", **options)
    server.start()
    try:
        return func(server.address, "alice@example.com", list(recipients), _POLICY_MESSAGE)
    finally:
        server.stop()


@_exercise
def retry_policy(func: Any) -> list[str]:
    """08: run the learner's send function against live debug servers, one per situation."""
    if not callable(func):
        raise _Feedback("pass the function itself, without calling it: "
                        "check.retry_policy(send_with_policy).")
    passed: list[str] = []
    for label, options, rules, recipients, want, hint in _policy_cases():
        try:
            got = _run_policy_case(func, options, rules, recipients)
        except Exception as exc:
            raise _Feedback("\n".join(
                [f"{len(passed)} of {len(_policy_cases())} situations right so far; on {label} "
                 f"your function raised {type(exc).__name__}.", f"Hint: {hint}"]))
        if got is Ellipsis or (isinstance(got, Mapping) and Ellipsis in got.values()):
            raise _Feedback(f"your function still returns `...` for {label}: {UNFINISHED}")
        if not isinstance(got, Mapping):
            raise _Feedback(f"on {label} it returned {type(got).__name__}; return a dict "
                            "{recipient: 'delivered' | 'retry' | 'bounce'}.")
        wrong = [f"{r}: expected {w!r}, got {got.get(r)!r}" for r, w in want.items()
                 if str(got.get(r)).strip().lower() != w]
        if wrong:
            raise _Feedback("\n".join(
                [f"{len(passed)} of {len(_policy_cases())} situations right so far; "
                 f"not yet on {label}:"] + [f"• {line}" for line in wrong] + [f"Hint: {hint}"]))
        passed.append(label)
    return [f"all {len(passed)} live situations handled: delivered, retried or bounced, "
            "recipient by recipient.",
            "4xx: keep the message and retry with back-off; 5xx: stop and report — except "
            "the 552 for too many recipients, which RFC 5321 §4.5.3.1.10 says to treat as 452."]


# --------------------------------------------------------------------------- 09

_MYSTERIES: dict[int, dict[str, Any]] = {
    1: {"server": {"scenario": "greylisting", "delay": 300},
        "answer": {"code": 451, "retry": True, "cause": "greylisting"}},
    2: {"server": {"scenario": "too-many-recipients", "limit": 3},
        "answer": {"code": 452, "retry": True, "cause": "too many recipients"}},
    3: {"server": {"scenario": "relay-denied", "domains": ("example.net",)},
        "answer": {"code": 554, "retry": False, "cause": "relay denied"}},
    4: {"server": {"scenario": "mailbox-full", "quota": 0},
        "answer": {"code": 552, "retry": False, "cause": "mailbox full"}},
    5: {"server": None,  # a bounce from a provider (lesson 09 reads it from a file)
        "answer": {"code": 550, "retry": False, "cause": "blocklisted"}},
}
DIAGNOSIS_CAUSES = ("greylisting", "rate limit", "server storage", "too many recipients",
                    "mailbox busy", "no such user", "moved", "mailbox full",
                    "bad address syntax", "content", "too big", "relay denied",
                    "domain takes no mail", "blocklisted", "auth required")
_MYSTERY_HINTS = {
    "code": "the basic code is the three digits of the reply that refused (not the 250s "
            "around it, nor the 221 at the end).",
    "retry": "True if the sending server should keep the message and try again later — "
             "the first digit says (RFC 5321 §4.2.1).",
    "cause": "one of DIAGNOSIS_CAUSES; the enhanced code's subject (the middle number) and "
             "the reply's text narrow it down (RFC 3463 §3).",
}


def mystery_server(number: int) -> Any:
    """Lesson 09: a started DebugServer whose scenario is not shown (stop it when done)."""
    from ..server.debug import DebugServer

    spec = _MYSTERIES.get(number)
    if spec is None or spec["server"] is None:
        raise ValueError(f"no mystery server {number!r}: the servers are "
                         f"{[n for n, s in _MYSTERIES.items() if s['server']]}")
    options = dict(spec["server"])
    scenario = options.pop("scenario")
    return DebugServer(scenario, hostname="mx.example.net", **options).start()


@_exercise
def diagnosis(answer: Any, mystery: Any) -> list[str]:
    """09: the learner's diagnosis of a mystery: code, retry or not, cause."""
    if isinstance(mystery, bool) or mystery not in _MYSTERIES:
        raise _Feedback(f"there is no mystery {mystery!r}: use 1 to {len(_MYSTERIES)}.")
    want = _MYSTERIES[mystery]["answer"]
    answer = _need_mapping(answer, want)
    problems = []
    if _code_of(answer["code"]) != want["code"]:
        problems.append(f"• code: {_MYSTERY_HINTS['code']}")
    if not isinstance(answer["retry"], bool) or answer["retry"] != want["retry"]:
        problems.append(f"• retry: {_MYSTERY_HINTS['retry']}")
    cause = answer["cause"].strip().lower() if isinstance(answer["cause"], str) else answer["cause"]
    if cause != want["cause"]:
        problems.append(f"• cause: {_MYSTERY_HINTS['cause']}")
    if problems:
        raise _Feedback("\n".join([f"mystery {mystery}: {3 - len(problems)} of 3 are right. "
                                   "Look again at:"] + problems))
    return [f"mystery {mystery} solved: {want['code']}, "
            f"{'transient — the queue retries' if want['retry'] else 'permanent — a human must act'}"
            f", cause: {want['cause']}."]
