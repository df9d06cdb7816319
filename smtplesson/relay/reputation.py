"""Reputation on the simulated clock: what each receiver has seen of a sender, day by day.

Every receiver keeps its own books, per sending IP and per domain (the From domain's primary
domain, as Gmail counts it): messages, complaints, unknown recipients, deferrals.  From them
it judges the sender the way Postmaster Tools shows it (``"high"``, ``"low"``, ``"bad"``, or
no verdict below the minimum volume), knows a *bulk sender* (5,000 messages in a day to that
receiver: a permanent status) and holds a new IP to its **warm-up** allowance (50 messages on
its first day, doubling every day).  The numbers and their sources are in
``smtplesson/relay/data/reputation.json``; the receiver personas (:mod:`.personas`) ask this
ledger before they answer, and a lesson feeds it history it need not send::

    rep = net.reputation
    rep.observe("gmail", ip="127.0.0.10", domain="example.com", sent=6000, complaints=30)
    rep.standing("gmail", ip="127.0.0.10")          # 'bad': 0.5 % of the mail was reported as spam
    rep.history("gmail", domain="example.com")      # one row a day, for the plot in views/

Time is the network's :class:`~smtplesson.clock.SimClock`: a day is a UTC calendar day of it.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from .._data import load
from .requirements import PROFILES

if TYPE_CHECKING:  # pragma: no cover
    from ..clock import SimClock

__all__ = ["DAY", "MODEL", "DayRow", "Reputation", "ReputationView", "Tally", "warmup_allowance",
           "warmup_curve"]

DAY = 86400.0
#: the model: tiers, minimum volume, window and warm-up schedule, with their sources
MODEL: Mapping[str, Any] = load("relay", "reputation.json")


def warmup_allowance(age_days: int, schedule: Mapping[str, Any] = MODEL["warmup"]) -> int | None:
    """A new IP's allowance on its ``age_days``-th day (0: the first), or None once established."""
    cap = schedule["first_day"] * schedule["growth"] ** max(age_days, 0)
    return None if cap >= schedule["established"] else int(cap)


@dataclass
class Tally:
    """One day of one identity (an IP or a domain) at one receiver."""

    sent: int = 0  # messages the receiver accepted
    complaints: int = 0  # "report spam" clicks (feedback reports)
    unknown: int = 0  # recipients that do not exist
    deferred: int = 0  # messages it deferred or refused for reputation or volume

    def add(self, other: Tally) -> None:
        self.sent += other.sent
        self.complaints += other.complaints
        self.unknown += other.unknown
        self.deferred += other.deferred


@dataclass(frozen=True)
class DayRow:
    """One day of the Postmaster-Tools-style view."""

    day: date
    sent: int
    complaints: int
    unknown: int
    deferred: int
    spam_rate: float  # that day's complaints / messages
    reputation: str | None  # the verdict at the end of that day (None: not enough volume)
    allowance: int | None  # the warm-up allowance of an IP that day (None: established, or a domain)
    expired: int = 0  # messages the sender's queue gave up on that day (a warm-up curve's blast)


class ReputationView:
    """Rows of a receiver's daily view, shown as a small plot (HTML) or a table (text)."""

    def __init__(self, rows: Sequence[DayRow], title: str) -> None:
        self.rows = list(rows)
        self.title = title

    def _repr_html_(self) -> str:
        from ..views.reputation import reputation_html

        return reputation_html(self.rows, self.title)

    def svg(self) -> str:
        from ..views.reputation import reputation_svg

        return reputation_svg(self.rows, self.title)

    def __str__(self) -> str:
        from ..views.reputation import reputation_text

        return reputation_text(self.rows, self.title)

    def __repr__(self) -> str:
        return f"<ReputationView {self.title!r}: {len(self.rows)} days>"


def warmup_curve(planned: Sequence[int], *, start: date | None = None, lifetime_days: int = 5,
                 schedule: Mapping[str, Any] = MODEL["warmup"]) -> ReputationView:
    """A new IP's days at one receiver when the sender plans ``planned[d]`` messages on day d:
    each day the receiver takes up to the warm-up allowance (oldest first), the rest wait in
    the sender's queue and expire after ``lifetime_days`` (Postfix's 5 days).  A ramp
    (``[50, 100, 200, ...]``) is taken whole; a blast (``[6000, 0, ...]``) is mostly deferred,
    then expires."""
    if any(n < 0 for n in planned):
        raise ValueError("planned volumes are never negative")
    first = start or date(2026, 3, 2)
    backlog: list[list[int]] = []  # [day queued, count], oldest first
    rows = []
    for d, new in enumerate(planned):
        if new:
            backlog.append([d, int(new)])
        cap = warmup_allowance(d, schedule)
        room = sum(n for _, n in backlog) if cap is None else cap
        taken = 0
        for item in backlog:
            take = min(item[1], room - taken)
            item[1] -= take
            taken += take
        expired = sum(n for q, n in backlog if d - q + 1 >= lifetime_days)
        backlog = [item for item in backlog if item[1] and d - item[0] + 1 < lifetime_days]
        waiting = sum(n for _, n in backlog)
        rows.append(DayRow(date.fromordinal(first.toordinal() + d), taken, 0, 0, waiting + expired, 0.0,
                           None, cap, expired))
    shown = ", ".join(str(n) for n in planned[:6]) + (" …" if len(planned) > 6 else "")
    return ReputationView(rows, f"warm-up: {shown}")


@dataclass
class _Books:
    days: dict[int, Tally] = field(default_factory=dict)
    first: int | None = None  # the first day an IP sent here (warm-up starts)


class Reputation:
    """Every receiver's view of every sender, on the simulated clock.

    ``established``: the IPs whose warm-up is long over (the network's own relay: the lessons
    that do not teach warm-up must not meet it); any other IP starts warming up the first
    day it sends to a receiver.  :meth:`new_ip` makes an established IP new again."""

    def __init__(self, clock: SimClock, established: Iterable[str] = (),
                 model: Mapping[str, Any] = MODEL) -> None:
        self.clock = clock
        self.model = model
        self.established = set(established)
        self._books: dict[tuple[str, str], _Books] = {}
        self._bulk: dict[str, set[str]] = {}  # receiver -> primary domains that are bulk senders
        self._lock = threading.RLock()  # the servers' threads write, the lesson reads

    # ------------------------------------------------------------------ what happens
    def today(self) -> int:
        return int(self.clock() // DAY)

    def _tally(self, receiver: str, key: str, day: int) -> Tally:
        books = self._books.setdefault((receiver, key), _Books())
        if key.startswith("ip:") and books.first is None:
            books.first = day
        return books.days.setdefault(day, Tally())

    def observe(self, receiver: str, *, ip: str | None = None, domain: str | None = None, sent: int = 0,
                complaints: int = 0, unknown: int = 0, deferred: int = 0, days_ago: int = 0) -> None:
        """Add to what ``receiver`` saw from ``ip`` and/or ``domain`` on a day (today by default):
        the history a lesson need not send message by message."""
        if min(sent, complaints, unknown, deferred, days_ago) < 0:
            raise ValueError("counts and days_ago are never negative")
        if ip is None and domain is None:
            raise ValueError("say whose reputation: ip=..., domain=... or both")
        day = self.today() - days_ago
        seen = Tally(sent, complaints, unknown, deferred)
        with self._lock:
            for key in _keys(ip, domain):
                self._tally(receiver, key, day).add(seen)
            if domain is not None and self._volume(receiver, domain, day) >= self.bulk_threshold(receiver):
                self._bulk.setdefault(receiver, set()).add(domain.lower())

    def accepted(self, receiver: str, ip: str, domain: str) -> None:
        """The receiver took one message."""
        self.observe(receiver, ip=ip, domain=domain, sent=1)

    def complaint(self, receiver: str, domain: str, ip: str | None = None, count: int = 1) -> None:
        """A recipient at ``receiver`` reported a message as spam."""
        self.observe(receiver, ip=ip, domain=domain, complaints=count)

    def unknown_user(self, receiver: str, ip: str, domain: str | None = None) -> None:
        """The sender tried a recipient ``receiver`` does not have."""
        self.observe(receiver, ip=ip, domain=domain, unknown=1)

    def deferred(self, receiver: str, ip: str, domain: str | None = None) -> None:
        self.observe(receiver, ip=ip, domain=domain, deferred=1)

    def new_ip(self, ip: str) -> None:
        """Forget ``ip``'s past: it warms up again from its next message (a new dedicated IP)."""
        with self._lock:
            self.established.discard(ip)
            for key in [k for k in self._books if k[1] == f"ip:{ip}"]:
                del self._books[key]

    # ------------------------------------------------------------------ what the receiver concludes
    @staticmethod
    def bulk_threshold(receiver: str) -> float:
        """The receiver's bulk-sender threshold (messages a day from one primary domain), as its
        entry in the provider home says; infinite for a receiver that has none."""
        profile = PROFILES.get(receiver)
        found = profile.limits.get("bulk_threshold") if profile is not None else None
        return float("inf") if found is None else float(found)

    def _volume(self, receiver: str, domain: str, day: int) -> int:
        books = self._books.get((receiver, f"domain:{domain.lower()}"))
        return books.days[day].sent if books and day in books.days else 0

    def is_bulk(self, receiver: str, domain: str) -> bool:
        """``domain`` once sent ``receiver`` its bulk threshold in one day: that status stays."""
        return domain.lower() in self._bulk.get(receiver, ())

    def sent_today(self, receiver: str, *, ip: str | None = None, domain: str | None = None) -> int:
        books = self._books.get((receiver, _one(ip, domain)))
        day = books.days.get(self.today()) if books else None
        return day.sent if day else 0

    def allowance(self, receiver: str, *, ip: str | None = None, domain: str | None = None) -> int | None:
        """How many messages ``receiver`` takes today from ``ip`` (or ``domain``): a warming IP
        its warm-up allowance; a sender of low standing a share of its usual daily volume (the
        model's ``low_share``); None: no limit."""
        books = self._books.get((receiver, _one(ip, domain)))
        caps: list[int] = []
        if ip is not None and ip not in self.established:
            first = books.first if books and books.first is not None else self.today()
            cap = warmup_allowance(self.today() - first, self.model["warmup"])
            if cap is not None:
                caps.append(cap)
        if self.standing(receiver, ip=ip, domain=domain) == "low" and books is not None:
            days = int(self.model["window_days"])
            before = range(self.today() - days, self.today())
            with self._lock:
                usual = sum(books.days[d].sent for d in before if d in books.days)
            caps.append(max(int(usual / days * float(self.model["low_share"])), 1))
        return min(caps, default=None)

    def over_allowance(self, receiver: str, *, ip: str | None = None, domain: str | None = None) -> bool:
        cap = self.allowance(receiver, ip=ip, domain=domain)
        return cap is not None and self.sent_today(receiver, ip=ip, domain=domain) >= cap

    def standing(self, receiver: str, *, ip: str | None = None, domain: str | None = None,
                 day: int | None = None) -> str | None:
        """``"bad"``, ``"low"`` or ``"high"`` for the window ending on ``day`` (today), or None
        when the receiver saw too little mail to judge."""
        books = self._books.get((receiver, _one(ip, domain)))
        end = self.today() if day is None else day
        window = Tally()
        with self._lock:
            for d in range(end - int(self.model["window_days"]) + 1, end + 1):
                if books is not None and d in books.days:
                    window.add(books.days[d])
        if window.sent < int(self.model["min_volume"]):
            return None
        spam, unknown = window.complaints / window.sent, window.unknown / (window.sent + window.unknown)
        for tier in self.model["tiers"]:
            if spam >= tier["spam_rate"] or unknown >= tier["unknown_rate"]:
                return str(tier["tier"])
        return "high"

    def history(self, receiver: str, *, ip: str | None = None, domain: str | None = None,
                days: int | None = None) -> list[DayRow]:
        """One row a day from the first day seen (or the last ``days``) to today."""
        books = self._books.get((receiver, _one(ip, domain)))
        if books is None or not books.days:
            return []
        today = self.today()
        with self._lock:
            days_seen = dict(books.days)
        start = min(days_seen) if days is None else today - days + 1
        rows = []
        for d in range(start, today + 1):
            t = days_seen.get(d, Tally())
            allowance = None
            if ip is not None and ip not in self.established and books.first is not None and d >= books.first:
                allowance = warmup_allowance(d - books.first, self.model["warmup"])
            rows.append(DayRow(self.clock.datetime(d * DAY).date(), t.sent, t.complaints, t.unknown,
                               t.deferred,
                               t.complaints / t.sent if t.sent else 0.0,
                               self.standing(receiver, ip=ip, domain=domain, day=d), allowance))
        return rows

    def view(self, receiver: str, *, ip: str | None = None, domain: str | None = None,
             days: int | None = None) -> ReputationView:
        """The Postmaster-Tools-style view of one sender (an IP or a domain) at one receiver."""
        return ReputationView(self.history(receiver, ip=ip, domain=domain, days=days),
                              f"{receiver}: {_one(ip, domain).partition(':')[2]}")

    def receivers(self) -> list[str]:
        return sorted({receiver for receiver, _ in self._books})


def _one(ip: str | None, domain: str | None) -> str:
    """The key of the one identity asked about: Postmaster Tools shows IP and domain apart."""
    if ip and domain:
        raise ValueError("ask about an IP or a domain, one at a time")
    return _keys(ip, domain)[0]


def _keys(ip: str | None, domain: str | None) -> list[str]:
    keys = ([f"ip:{ip}"] if ip else []) + ([f"domain:{domain.lower()}"] if domain else [])
    if not keys:
        raise ValueError("say whose reputation: ip=... or domain=...")
    return keys
