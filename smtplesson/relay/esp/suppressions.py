"""The sending service's suppression list: who is not mailed again, why, since when, and on what evidence.

An entry names the address, the reason (``bounce``, ``complaint``, ``unsubscribe``, ``manual``),
the simulated time and the evidence: the reply that bounced, the feedback report, the
unsubscribe request.  What suppresses is policy, kept as data in
``smtplesson/relay/data/esp.json`` (``"suppress"``):

* a hard bounce (the recipient address is bad) suppresses at once;
* a **block** never does: the receiver refused the *sender*, the address is fine;
* a soft bounce only after ``soft_after`` of them in a row, a delivery between them resets
  the count;
* a complaint or an unsubscribe suppresses at once.

:meth:`Suppressions.reactivate` takes an address off the list and keeps the entry in
:attr:`Suppressions.history`, so a wrongly suppressed address comes back with a record of who
took it off and why.

>>> s = Suppressions({"hard": True, "block": False, "soft_after": 3})
>>> s.bounced("bob@example.net", "hard", "550 5.1.1 no such user", 0.0)
True
>>> s.bounced("carol@example.net", "block", "550 5.7.1 blocked by policy", 0.0)
False
>>> "bob@example.net" in s, "carol@example.net" in s
(True, False)
"""
from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..._data import load
from ...addresses import normalise_address

__all__ = ["REASONS", "Suppression", "Suppressions", "policy"]

#: why an address is on the list
REASONS = ("bounce", "complaint", "unsubscribe", "manual")


def policy() -> dict[str, Any]:
    """The ``"suppress"`` section of ``esp.json``."""
    return dict(load("relay", "esp.json")["suppress"])


@dataclass(frozen=True)
class Suppression:
    """One address on the list (or, in the history, once on it)."""

    address: str
    reason: str  # REASONS
    time: float  # simulated seconds
    evidence: str  # the reply, the report or the request that caused it
    removed_at: float | None = None
    removed_because: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"email": self.address, "reason": self.reason, "created": self.time,
                "evidence": self.evidence, "removed_at": self.removed_at,
                "removed_because": self.removed_because}


class Suppressions:
    """The list: ``address in list``, ``list[address]``, iteration over the active entries."""

    def __init__(self, rules: Mapping[str, Any] | None = None) -> None:
        self.rules = dict(policy() if rules is None else rules)
        self._active: dict[str, Suppression] = {}
        self._soft: dict[str, list[str]] = {}  # address -> soft bounces since its last delivery
        self.history: list[Suppression] = []  # every entry ever made, removed ones with why
        self._lock = threading.Lock()

    # -- questions ------------------------------------------------------------------
    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and normalise_address(address) in self._active

    def __getitem__(self, address: str) -> Suppression:
        return self._active[normalise_address(address)]

    def get(self, address: str) -> Suppression | None:
        return self._active.get(normalise_address(address))

    def __iter__(self) -> Iterator[Suppression]:
        with self._lock:
            return iter(list(self._active.values()))

    def __len__(self) -> int:
        return len(self._active)

    def soft_count(self, address: str) -> int:
        """Soft bounces in a row so far (a delivery resets it)."""
        return len(self._soft.get(normalise_address(address), ()))

    # -- what the service learns ----------------------------------------------------
    def add(self, address: str, reason: str = "manual", evidence: str = "", time: float = 0.0) -> Suppression:
        """Suppress ``address`` (an existing entry stays as it is and is returned)."""
        if reason not in REASONS:
            raise ValueError(f"reason must be one of {', '.join(REASONS)} (got {reason!r})")
        key = normalise_address(address)
        if "@" not in key:
            raise ValueError(f"not an address: {address!r}")
        with self._lock:
            found = self._active.get(key)
            if found is not None:
                return found
            entry = Suppression(key, reason, time, evidence)
            self._active[key] = entry
            self.history.append(entry)
            self._soft.pop(key, None)
            return entry

    def bounced(self, address: str, bounce_type: str, reply: str, time: float) -> bool:
        """A final failure with ``bounce_type`` (hard, soft, block); True when it suppressed."""
        if bounce_type == "hard" and self.rules.get("hard", True):
            self.add(address, "bounce", reply, time)
            return True
        if bounce_type == "block" and self.rules.get("block", False):
            self.add(address, "bounce", reply, time)
            return True
        if bounce_type != "soft":
            return False
        key = normalise_address(address)
        with self._lock:
            runs = self._soft.setdefault(key, [])
            runs.append(reply)
            n = len(runs)
        limit = self.rules.get("soft_after")
        if limit is None or n < int(limit):
            return False
        self.add(address, "bounce", f"{n} soft bounces in a row, the last: {reply}", time)
        return True

    def delivered(self, address: str) -> None:
        """A delivery: the run of soft bounces is over."""
        with self._lock:
            self._soft.pop(normalise_address(address), None)

    def complained(self, address: str, report: str, time: float) -> bool:
        if not self.rules.get("complaint", True):
            return False
        self.add(address, "complaint", report, time)
        return True

    def unsubscribed(self, address: str, request: str, time: float) -> bool:
        if not self.rules.get("unsubscribe", True):
            return False
        self.add(address, "unsubscribe", request, time)
        return True

    def reactivate(self, address: str, because: str, time: float = 0.0) -> Suppression:
        """Take ``address`` off the list, saying why; the history keeps the entry.

        Raises KeyError when the address is not suppressed (nothing to undo)."""
        key = normalise_address(address)
        if not because.strip():
            raise ValueError("say why the address comes off the list (the record keeps it)")
        with self._lock:
            entry = self._active.pop(key, None)
            if entry is None:
                raise KeyError(f"{address!r} is not on the suppression list")
            removed = Suppression(entry.address, entry.reason, entry.time, entry.evidence,
                                  removed_at=time, removed_because=because)
            self.history[self.history.index(entry)] = removed
            self._soft.pop(key, None)
            return removed

    def __repr__(self) -> str:
        reasons: dict[str, int] = {}
        for e in self:
            reasons[e.reason] = reasons.get(e.reason, 0) + 1
        text = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) or "empty"
        return f"<Suppressions {text}>"
