"""Lesson 02 · The relay path: the Received chain, and the open-relay refusal."""
from __future__ import annotations

import re
from typing import Any

from ._framework import UNFINISHED, _code_of, _exercise, _Feedback, _need_mapping


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
        raise _Feedback("\n".join(["not all three yet:", *problems]))
    shown = f"{code} {wanted_enhanced}"
    return [f"{shown}: relaying denied, a permanent policy refusal.",
            "A server that relayed for anyone would be an open relay; an MX accepts mail only "
            "for its own domains, a submission server only from users who logged in "
            "(RFC 5321 §3.6, RFC 2505)."]
