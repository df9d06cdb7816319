"""The queue shift (notebook 10): a pool of support tickets no lesson shows, drawn per learner.

Each ticket is what lands on a support desk — a reply line, a whole bounce, an MTA log line, an
ESP event, a "sent but not received" with the recipient copy's headers, a complaint or an
auto-reply, a bounce in another language — and its key: the action, the evidence tokens that
prove it, and the facts a two-sentence reply to the customer must contain. The tickets are data
(``course/data/tickets.json``), each citing where its evidence's shape comes from.

    shift = Shift("ann")          # 12 tickets drawn for "ann", every kind at least once
    shift.show(1)                 # what the customer sent
    check.queue_shift(answers, shift)
"""
from __future__ import annotations

import hashlib
import html
import os
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._data import load

#: what a support engineer can do about a ticket (issue 22; taxonomy-v2's bounce types underneath)
ACTIONS = ("suppress", "retry/wait", "fix authentication", "fix content", "slow down/warm up",
           "request delisting", "ask the recipient's admin", "reactivate the address",
           "nothing to do")
#: when each action is the right one (the triage card prints these)
ACTION_NOTES = {
    "suppress": "the address is bad (X.1.x, 5.2.1 disabled, NXDOMAIN), a complaint, or an earlier "
                "hard bounce: stop mailing it (keep it suppressed)",
    "retry/wait": "the address is fine and the cause passes: full mailbox, greylisting, a server "
                  "that does not answer, a delay warning — the queue retries",
    "fix authentication": "SPF, DKIM, DMARC alignment, PTR, SMTP AUTH: the sender's set-up",
    "fix content": "attachments, links on URI lists, message size: change the message",
    "slow down/warm up": "reputation or rate limits on the sender (new IP, too many connections, "
                         "a provider's low-reputation verdict)",
    "request delisting": "a named block list (Spamhaus, Barracuda, Outlook.com S3xxx, Microsoft "
                         "365 banned IPs): fix the cause, then ask the list's owner",
    "ask the recipient's admin": "a rule of the recipient's organisation or user: restricted "
                                 "groups, gateway blocks, blocked senders, a forwarder, a broken "
                                 "MTA-STS set-up",
    "reactivate the address": "suppressed for a cause that is gone (a full mailbox emptied, a "
                              "block wrongly suppressed); never a hard bounce or a complaint",
    "nothing to do": "delivered (250), an auto-reply, backscatter: nothing to change on the list",
}
#: other ways learners write an action
_SYNONYMS = {"retry": "retry/wait", "wait": "retry/wait", "retry later": "retry/wait",
             "slow down": "slow down/warm up", "warm up": "slow down/warm up",
             "delist": "request delisting", "delisting": "request delisting",
             "ask the recipient": "ask the recipient's admin",
             "ask the recipient's administrator": "ask the recipient's admin",
             "ask the admin": "ask the recipient's admin", "reactivate": "reactivate the address",
             "nothing": "nothing to do", "none": "nothing to do",
             "suppress the address": "suppress", "keep suppressed": "suppress"}
#: the kinds of ticket, in the order the notebook names them
KINDS = ("reply", "bounce", "log", "event", "not-received", "feedback", "non-english")
KIND_NAMES = {"reply": "reply line", "bounce": "whole bounce mail", "log": "MTA log line",
              "event": "ESP event", "not-received": "sent but not received (headers)",
              "feedback": "complaint, auto-reply or backscatter",
              "non-english": "bounce or reply in another language"}
#: words that say "remove the address" / "keep it" / "take it off the suppression list"
_REMOVE = ("remove", "suppress", "stop sending", "stop mailing", "take it off", "delete")
_KEEP = ("keep", "not remove", "n't remove", "no need to remove", "not suppress", "n't suppress",
         "not be removed", "nothing to suppress", "not a reason to suppress", "stay", "leave",
         "are fine", "is fine", "are valid", "is valid")
#: "keep it suppressed" says suppress, not keep
_KEEP_SUPPRESSED = re.compile(r"\bkeep (?:it |him |her |them |the address |the addresses )?suppressed")
_REACTIVATE = ("reactivat", "off the suppression list", "from the suppression list",
               "unsuppress", "remove the suppression", "delete the suppression")
SIZE = 12


def _norm(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str):
        return ""
    return " ".join(value.strip().lower().replace("’", "'").split())


def action_of(value: Any) -> str:
    """An answer's action as one of ACTIONS, or '' if it is none of them."""
    text = _norm(value)
    if text in ACTIONS:
        return text
    return _SYNONYMS.get(text, "")


@dataclass(frozen=True)
class Ticket:
    """One ticket: what the learner sees (``ask``, ``evidence``) and its key."""

    id: str
    kind: str
    ask: str
    evidence: str
    action: str
    tokens: tuple[str, ...]
    suppress: bool | str  # True, False, or "reactivate"
    facts: Mapping[str, tuple[str, ...]]
    model: str  # the model reply: it passes its own facts
    hint: str
    why: str
    source: str
    also: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"[{KIND_NAMES[self.kind]}] {self.ask}\n\n{self.evidence}"

    def _repr_html_(self) -> str:
        return (f"<p><strong>{html.escape(KIND_NAMES[self.kind])}</strong> · "
                f"{html.escape(self.ask)}</p><pre>{html.escape(self.evidence)}</pre>")

    # ------------------------------------------------------------------ grading one answer

    def action_right(self, given: Any) -> bool:
        return action_of(given) in (self.action, *self.also)

    def evidence_right(self, given: Any) -> bool:
        """The learner's evidence names one of the tokens (or is a part of one, 4+ characters)."""
        text = _norm(given)
        if not text or text not in _norm(self.evidence):
            return False
        return any(_norm(token) in text or (len(text) >= 4 and text in _norm(token))
                   for token in self.tokens)

    def missing_facts(self, reply: Any) -> list[str]:
        """The facts a customer reply lacks: who refused, why, what to do, suppress or not."""
        text = _KEEP_SUPPRESSED.sub("suppress", _norm(reply))
        if not text:
            return ["who", "why", "do", "suppress"]
        missing = [name for name, words in self.facts.items()
                   if not any(word in text for word in words)]
        keep = any(word in text for word in _KEEP)
        if self.suppress == "reactivate":
            ok = any(word in text for word in _REACTIVATE)
        elif self.suppress:
            ok = any(word in text for word in _REMOVE) and not keep
        else:
            ok = keep
        if not ok:
            missing.append("suppress")
        return missing


def _ticket(entry: Mapping[str, Any]) -> Ticket:
    return Ticket(id=entry["id"], kind=entry["kind"], ask=entry["ask"], evidence=entry["evidence"],
                  action=entry["action"], tokens=tuple(entry["tokens"]), suppress=entry["suppress"],
                  facts={k: tuple(v) for k, v in entry["facts"].items()}, model=entry["model"],
                  hint=entry["hint"], why=entry["why"], source=entry["source"],
                  also=tuple(entry.get("also", ())))


_POOL: tuple[Ticket, ...] = ()


def tickets() -> list[Ticket]:
    """The whole pool of tickets (read once from ``course/data/tickets.json``)."""
    global _POOL
    if not _POOL:
        _POOL = tuple(_ticket(e) for e in load("course", "tickets.json")["tickets"])
    return list(_POOL)


def learner() -> str:
    """The learner's name for the draw: $SMTPLESSON_LEARNER, $JUPYTERHUB_USER, else 'learner'."""
    return os.environ.get("SMTPLESSON_LEARNER") or os.environ.get("JUPYTERHUB_USER") or "learner"


def draw(name: str, size: int = SIZE) -> list[Ticket]:
    """``size`` tickets (12 to 15) for ``name``: every kind at least once, the same draw every
    time for the same name (seeded by a hash of it, not by Python's per-run hash)."""
    size = min(max(int(size), 12), 15)
    rng = random.Random(hashlib.sha256(name.encode()).digest())
    pool = tickets()
    chosen = [rng.choice([t for t in pool if t.kind == kind]) for kind in KINDS]
    rest = [t for t in pool if t not in chosen]
    chosen += rng.sample(rest, size - len(chosen))
    rng.shuffle(chosen)
    return chosen


@dataclass
class Shift:
    """One learner's shift: the drawn tickets, numbered from 1, and how often each was tried."""

    name: str = field(default_factory=learner)
    size: int = SIZE
    tickets: list[Ticket] = field(init=False)
    tries: dict[int, int] = field(init=False, default_factory=dict)  # wrong submissions per ticket

    def __post_init__(self) -> None:
        self.tickets = draw(self.name, self.size)

    def __len__(self) -> int:
        return len(self.tickets)

    def __iter__(self) -> Iterator[Ticket]:
        return iter(self.tickets)

    def ticket(self, number: int) -> Ticket:
        return self.tickets[number - 1]

    def show(self, number: int) -> None:
        """Print ticket ``number``: what the customer wrote and the evidence they sent."""
        print(f"Ticket {number} of {len(self)}: {self.ticket(number)}")

    def model_answers(self) -> dict[int, dict[str, str]]:
        """The model answer to every drawn ticket (the solution notebook prints these)."""
        return {n: {"action": t.action, "evidence": t.tokens[0], "reply": t.model}
                for n, t in enumerate(self.tickets, 1)}

    def __repr__(self) -> str:
        kinds = sorted({KIND_NAMES[t.kind] for t in self.tickets})
        return f"<Shift for {self.name!r}: {len(self)} tickets; kinds: {', '.join(kinds)}>"
