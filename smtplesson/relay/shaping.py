"""Sender automation: the relay reacts to what receivers answer, as data.

Big senders do not just retry: their MTA reads the replies and changes how it sends.  KumoMTA's
Traffic Shaping Automation matches a regex on a reply and, for a while, suspends the destination
or lowers its message rate; ``smtplesson/relay/data/shaping.json`` holds such rules (Yahoo's
``[TSS04]``: suspend two hours; Gmail's "unusual rate of unsolicited mail": 20 messages an hour
for an hour), each citing KumoMTA's documentation and the provider's page.  The router asks
:meth:`Shaping.admit` before each delivery run and tells :meth:`Shaping.react` every reply that
is not a success; what a rule did shows in the journey ("suspended by rule yahoo-tss04 …")
and on the simulated clock.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._data import load
from ..clock import format_elapsed

__all__ = ["RULES", "Hold", "Shaping", "ShapingRule"]

HOUR = 3600.0


@dataclass(frozen=True)
class ShapingRule:
    """One automation rule: when a reply matches ``regex``, ``action`` the destination."""

    name: str
    regex: re.Pattern[str]
    action: str  # "suspend" | "throttle"
    duration: float  # seconds
    source: str
    rate: int | None = None  # messages an hour, for "throttle"

    @classmethod
    def from_data(cls, raw: Mapping[str, Any]) -> ShapingRule:
        if raw["action"] not in ("suspend", "throttle"):
            raise ValueError(f"a shaping rule suspends or throttles (got {raw['action']!r})")
        return cls(raw["name"], re.compile(raw["regex"], re.IGNORECASE), raw["action"],
                   float(raw["duration"]), raw["source"], raw.get("rate"))


#: the rules of ``relay/data/shaping.json``, in order (the first that matches a reply acts)
RULES: tuple[ShapingRule, ...] = tuple(
    ShapingRule.from_data(r) for r in load("relay", "shaping.json")["rules"])


@dataclass
class Hold:
    """What one rule does to one destination, from ``since`` to ``until``."""

    rule: ShapingRule
    since: float
    until: float
    sent: list[float] = field(default_factory=list)  # when messages went, under a throttle

    def describe(self, label: Callable[[float], str]) -> str:
        what = ("suspended" if self.rule.action == "suspend"
                else f"throttled to {self.rule.rate} messages an hour")
        span = format_elapsed(self.until - self.since).lstrip("+")
        return f"{what} by rule {self.rule.name} until {label(self.until)} ({span})"


class Shaping:
    """The automation of one network's relays: ``(sending host, destination) -> Hold``.

    ``clock``: the simulated clock; ``label``: how a time prints in notes (``+2 h``)."""

    def __init__(self, clock: Callable[[], float], rules: Iterable[ShapingRule] = RULES,
                 label: Callable[[float], str] = lambda t: f"{t:.0f}") -> None:
        self.clock = clock
        self.rules = list(rules)
        self.label = label
        self.holds: dict[tuple[str, str], Hold] = {}
        self._lock = threading.Lock()

    def active(self, host: str, destination: str) -> Hold | None:
        """The hold on ``destination`` from ``host`` now, if any (an expired one is dropped)."""
        with self._lock:
            hold = self.holds.get((host, destination))
            if hold is not None and self.clock() >= hold.until:
                del self.holds[(host, destination)]
                return None
            return hold

    def react(self, host: str, destination: str, reply: str) -> str | None:
        """A receiver at ``destination`` answered ``host`` with ``reply``: the first rule that
        matches holds the destination; returns what it did, for the record."""
        rule = next((r for r in self.rules if r.regex.search(reply)), None)
        if rule is None:
            return None
        now = self.clock()
        current = self.active(host, destination)
        if current is not None and current.rule is rule:
            return None  # already held by this rule: the reply was sent before the hold began
        hold = Hold(rule, now, now + rule.duration)
        with self._lock:
            self.holds[(host, destination)] = hold
        return hold.describe(self.label)

    def admit(self, host: str, destination: str, count: int) -> tuple[int, float | None]:
        """How many of ``count`` messages due for ``destination`` may go now, and when the rest
        may (None when all may go)."""
        hold = self.active(host, destination)
        if hold is None:
            return count, None
        if hold.rule.action == "suspend":
            return 0, hold.until
        now = self.clock()
        window = hold.since + ((now - hold.since) // HOUR) * HOUR
        room = max(int(hold.rule.rate or 0) - sum(1 for t in hold.sent if t >= window), 0)
        if room >= count:
            hold.sent += [now] * count
            return count, None
        hold.sent += [now] * room
        return room, min(window + HOUR, hold.until)

    def resume(self, host: str, destination: str) -> float | None:
        """When a suspended destination may be tried again (None: it is not suspended)."""
        hold = self.active(host, destination)
        return hold.until if hold is not None and hold.rule.action == "suspend" else None
