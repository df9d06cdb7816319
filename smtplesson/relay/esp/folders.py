"""The receiving side's spam filter: a 250 is not the inbox.

A receiving MX that answered 250 still decides where the copy goes: the Inbox, the Junk
folder, or quarantine (held by the provider, out of the user's sight).  The filter here adds
points for what it sees (content rules, the receiver's own Authentication-Results, the
complaint rate of the author's domain at this receiver) the way SpamAssassin does, and a DMARC
failure under ``p=quarantine`` goes to Junk whatever the score (RFC 7489 §6.3).  Rules and
thresholds are data: ``smtplesson/relay/data/esp.json`` (``"spam"``).

The reasons go into the copy's headers, as filters write them::

    X-Spam-Status: Yes, score=5.5 required=5.0 tests=BODY_LOTTERY,SUBJ_MONEY
    X-Spam-Score: 5.5
    X-Spam-Flag: YES
    X-Folder: Junk (score 5.5, required 5.0: BODY_LOTTERY, SUBJ_MONEY)

``X-Spam-Status`` / ``X-Spam-Score`` / ``X-Spam-Flag`` are SpamAssassin's own headers
(``add_header`` in Mail::SpamAssassin::Conf); ``X-Folder`` is the network's, naming the folder
a real mailbox would show the copy in.  :func:`folder_of` reads it back.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Any

from ..._data import load

__all__ = ["FOLDERS", "FOLDER_HEADER", "Filing", "Reading", "SpamFilter", "folder_of"]

FOLDERS = ("Inbox", "Junk", "Quarantine")
FOLDER_HEADER = "X-Folder"
_AUTH = re.compile(r"\b(spf|dkim|dmarc)=(\w+)", re.IGNORECASE)
_SUBJECT = re.compile(rb"\r\nSubject:[ \t]*([^\r\n]*)", re.IGNORECASE)
_FROM_DOMAIN = re.compile(rb"\r\nFrom:[^\r\n]*@([A-Za-z0-9.-]+)", re.IGNORECASE)
_FEEDBACK_ID = re.compile(rb"\r\nFeedback-ID:[ \t]*([^\r\n]*)", re.IGNORECASE)
_MAY_AUTH = re.compile(rb"\r\n(?:Authentication-Results|X-Spam-Flag):", re.IGNORECASE)


def folder_of(message: Message) -> str:
    """The folder a delivered copy was filed in (Inbox when no filter looked at it)."""
    value = str(message.get(FOLDER_HEADER, "") or "").strip()
    name = value.split(" ", 1)[0]
    return name if name in FOLDERS else "Inbox"


@dataclass(frozen=True)
class Filing:
    """Where a copy went and why: the score, the rules that fired (name, points, what)."""

    folder: str
    score: float
    required: float
    rules: tuple[tuple[str, float, str], ...]

    def headers(self) -> bytes:
        return _filing_headers(self)


@functools.lru_cache(maxsize=256)
def _filing_headers(filing: Filing) -> bytes:
    """The header fields of a filing (remembered: most copies get the same few)."""
    names = ",".join(name for name, _, _ in filing.rules) or "none"
    spam = filing.folder != "Inbox"
    lines = [f"X-Spam-Status: {'Yes' if spam else 'No'}, score={filing.score:.1f} "
             f"required={filing.required:.1f} tests={names}",
             f"X-Spam-Score: {filing.score:.1f}"]
    if spam:
        lines.append("X-Spam-Flag: YES")
    why = ", ".join(name for name, _, _ in filing.rules) or "no rule fired"
    lines.append(f"{FOLDER_HEADER}: {filing.folder} "
                 f"(score {filing.score:.1f}, required {filing.required:.1f}: {why})")
    return ("\r\n".join(lines) + "\r\n").encode("ascii", "replace")


@dataclass(frozen=True)
class Reading:
    """What a receiver reads of one message, once: what the rules look at, and the author's
    domain, ``Feedback-ID`` and whether it is DKIM-signed (what the feedback loops count)."""

    subject: str
    body: str
    auth: dict[str, str]
    author: str
    receiver: str
    feedback_id: str = ""
    signed: bool = False


class SpamFilter:
    """The filter of one network's receiving MX hosts.

    ``complaint_rate(receiver_domain, author_domain)``: the share of that author's mail the
    receiver's users reported as spam (the feedback loops keep the count)."""

    def __init__(self, spec: Mapping[str, Any] | None = None, *,
                 complaint_rate: Callable[[str, str], float] | None = None) -> None:
        spec = dict(load("relay", "esp.json")["spam"] if spec is None else spec)
        self.junk_at = float(spec["junk_at"])
        self.quarantine_at = float(spec["quarantine_at"])
        self.rules: list[dict[str, Any]] = [  # words lower-cased once
            {**rule, "words": [w.lower() for w in rule.get("words", ())]} for rule in spec["rules"]]
        self.complaint_rate = complaint_rate or (lambda receiver, author: 0.0)

    @staticmethod
    def read(data: bytes, receiver: str) -> Reading:
        """Read one message arriving at ``receiver`` (the MX host's domain)."""
        head_end = data.find(b"\r\n\r\n")
        head = b"\r\n" + (data[:head_end] if head_end >= 0 else data)
        body = data[head_end + 4: head_end + 4 + 65536] if head_end >= 0 else b""
        subject = _SUBJECT.search(head)
        author = _FROM_DOMAIN.search(head)
        fbid = _FEEDBACK_ID.search(head)
        return Reading(
            subject=subject.group(1).decode("utf-8", "replace").lower() if subject else "",
            body=body.decode("utf-8", "replace").lower(),
            auth=_auth_results(head.decode("utf-8", "replace")) if _MAY_AUTH.search(head) else {},
            author=author.group(1).decode("ascii", "replace").lower() if author else "",
            receiver=receiver,
            feedback_id=fbid.group(1).decode("ascii", "replace").strip() if fbid else "",
            signed=b"\r\nDKIM-Signature:" in head)

    def judge(self, data: bytes | Reading, receiver: str = "") -> Filing:
        """Score one message (its bytes, or what :meth:`read` read of it)."""
        seen = data if isinstance(data, Reading) else self.read(data, receiver)
        fired: list[tuple[str, float, str]] = []
        forced: str | None = None
        for rule in self.rules:
            if self._fires(rule, seen):
                fired.append((rule["name"], float(rule.get("score", 0.0)), rule.get("about", "")))
                forced = forced or rule.get("folder")
        score = round(sum(points for _, points, _ in fired), 1)
        if score >= self.quarantine_at:
            folder = "Quarantine"
        elif score >= self.junk_at or forced == "Junk":
            folder = "Junk"
        else:
            folder = forced or "Inbox"
        return Filing(folder, score, self.junk_at, tuple(fired))

    def _fires(self, rule: Mapping[str, Any], seen: Reading) -> bool:
        if "auth" in rule:
            if seen.auth.get(rule["auth"]) != rule["result"]:
                return False
            return "policy" not in rule or rule["policy"] in seen.auth.get("dmarc-policy", "")
        if rule.get("complaints"):
            rate = self.complaint_rate(seen.receiver, seen.author) if seen.author else 0.0
            return bool(seen.author) and rate >= float(rule["rate"])
        words: Sequence[str] = rule.get("words", ())
        if rule.get("body"):
            where = seen.body
        else:
            where = seen.subject if rule.get("header", "").lower() == "subject" else ""
        return any(w in where for w in words)

    def file(self, data: bytes, receiver: str) -> tuple[Filing, bytes]:
        """The filing and the copy with its reasons in headers (at the top, as filters add them)."""
        filing = self.judge(data, receiver)
        return filing, filing.headers() + data


def _auth_results(head: str) -> dict[str, str]:
    """spf / dkim / dmarc results of the first Authentication-Results field (the receiver's
    own, RFC 8601 §5), and the DMARC policy the MX noted (``X-Spam-Flag`` by the MX's
    sender-requirements check: "DMARC policy of … is quarantine")."""
    found: dict[str, str] = {}
    at = head.lower().find("\r\nauthentication-results:")
    if at >= 0:
        end = at + 2
        while True:  # the field and its folded lines
            nxt = head.find("\r\n", end)
            if nxt < 0 or head[nxt + 2: nxt + 3] not in (" ", "\t"):
                break
            end = nxt + 2
        field = head[at: nxt if nxt >= 0 else len(head)]
        for method, result in _AUTH.findall(field):
            found.setdefault(method.lower(), result.lower())
    flag = re.search(r"\r\nX-Spam-Flag:[^\r\n]*DMARC policy of [^\r\n]* is (\w+)", head, re.IGNORECASE)
    if flag:
        found["dmarc"] = "fail"
        found["dmarc-policy"] = flag.group(1).lower()
    return found
