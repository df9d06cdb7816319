"""The simulated clock refuses times it cannot represent, and stays usable after refusing."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smtplesson.clock import LATEST, SimClock

BAD = [float("nan"), float("inf"), float("-inf"), 1e18]


@pytest.mark.parametrize("seconds", BAD)
def test_advance_refuses_and_keeps_the_time(seconds: float) -> None:
    clock = SimClock()
    before = clock()
    with pytest.raises(ValueError, match=r"finite|year 9999|forward"):
        clock.advance(seconds)
    assert clock() == before
    assert clock.advance(60) == before + 60
    assert clock.rfc5322() == "Mon, 02 Mar 2026 09:01:00 +0000"


@pytest.mark.parametrize("when", [float("nan"), float("inf"), LATEST + 1])
def test_set_refuses_and_keeps_the_time(when: float) -> None:
    clock = SimClock()
    with pytest.raises(ValueError):
        clock.set(when)
    assert clock.elapsed == 0
    assert clock.set(clock() + 10) == clock()


def test_negative_advance_is_refused() -> None:
    with pytest.raises(ValueError, match="forward"):
        SimClock().advance(-1)


def test_a_start_too_late_to_print_is_refused() -> None:
    with pytest.raises(ValueError, match="year 9999"):
        SimClock(datetime(9999, 12, 1, tzinfo=UTC))
    assert SimClock("9990-01-01").rfc5322().endswith("9990 00:00:00 +0000")
