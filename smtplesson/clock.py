"""Simulated time for the relay: hours pass in milliseconds, and every run tells the same story.

A :class:`SimClock` is a callable returning seconds (like ``time.monotonic``), so it can be
handed to a ``DebugServer`` as its ``clock``: greylisting delays and rate-limit windows then run
on simulated time too.  It starts at a fixed date, so dates in ``Received:`` headers and bounces
are the same on every run.
"""
from __future__ import annotations

import math
import threading
from datetime import UTC, datetime
from email.utils import format_datetime

__all__ = ["LATEST", "START", "SimClock", "format_elapsed"]

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
#: the latest simulated time a clock reaches: headers must still be able to print a date (year 9999)
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()
_ROOM = 366 * 86400  # a start leaves a year before LATEST: room for any queue's lifetime


def _checked(when: float, what: str) -> float:
    """``when`` as a float, or a clear ValueError: NaN, infinity and times past year 9999 would
    leave the clock (and every header dated by it) unusable."""
    when = float(when)
    if math.isnan(when) or math.isinf(when):
        raise ValueError(f"{what} must be a finite number of seconds (got {when})")
    if when > LATEST:
        raise ValueError(f"{what} lies past the latest date a mail header can carry (year 9999)")
    return when


class SimClock:
    """Deterministic simulated clock; ``clock()`` returns POSIX seconds of simulated time."""

    def __init__(self, start: datetime | str | None = None) -> None:
        if isinstance(start, str):
            start = datetime.fromisoformat(start)
        start = start or START
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self.start = start
        self._t0 = _checked(start.timestamp() + _ROOM, "the start") - _ROOM
        self._now = self._t0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    def __repr__(self) -> str:
        return f"SimClock({self.rfc5322()}, {format_elapsed(self.elapsed)} after start)"

    @property
    def now(self) -> float:
        """Simulated POSIX seconds."""
        return self._now

    @property
    def elapsed(self) -> float:
        """Seconds of simulated time since the start."""
        return self._now - self._t0

    def advance(self, seconds: float) -> float:
        """Move time forward (never backward); returns the new time.  NaN, infinity and a
        move past year 9999 raise ValueError and leave the clock where it was."""
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("a clock only moves forward: seconds must be >= 0")
        with self._lock:
            self._now = _checked(self._now + seconds, "the new time")
            return self._now

    def set(self, when: float) -> float:
        """Jump to a simulated POSIX time that is not in the past (NaN, infinity and times past
        year 9999 raise ValueError and leave the clock where it was)."""
        when = _checked(when, "the time")
        with self._lock:
            self._now = max(self._now, when)
            return self._now

    def datetime(self, when: float | None = None) -> datetime:
        """A simulated time (default: now) as an aware UTC datetime."""
        return datetime.fromtimestamp(self._now if when is None else when, tz=UTC)

    def rfc5322(self, when: float | None = None) -> str:
        """A date as it appears in mail headers: ``Mon, 02 Mar 2026 09:00:00 +0000``."""
        return format_datetime(self.datetime(when))

    def offset(self, when: float) -> float:
        """Seconds from the start to ``when``."""
        return when - self._t0

    def label(self, when: float | None = None) -> str:
        """Short relative label for pictures: ``+0s``, ``+10 min``, ``+2 h 5 min``."""
        return format_elapsed(self.offset(self._now if when is None else when))


def format_elapsed(seconds: float) -> str:
    """``+0s``, ``+45s``, ``+10 min``, ``+1 h 20 min``, ``+5 d 2 h``."""
    s = round(seconds)
    sign = "-" if s < 0 else "+"
    s = abs(s)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days} d" + (f" {hours} h" if hours else "")
    if hours:
        return f"{sign}{hours} h" + (f" {minutes} min" if minutes else "")
    if minutes:
        return f"{sign}{minutes} min" + (f" {secs}s" if secs else "")
    return f"{sign}{secs}s"

