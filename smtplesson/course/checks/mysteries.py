"""Lesson 09's mystery servers: debug servers whose scenario the learner must find out.

Each mystery is the server to start (its scenario and options; None for mystery 5, a provider's
bounce the lesson reads from a file) and the diagnosis that solves it.
"""
from __future__ import annotations

from typing import Any

#: number -> {"server": DebugServer options or None, "answer": {"code", "retry", "cause"}}
MYSTERIES: dict[int, dict[str, Any]] = {
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


def mystery_server(number: int) -> Any:
    """Lesson 09: a started DebugServer whose scenario is not shown (stop it when done)."""
    from ...server.debug import DebugServer  # the checks load without aiosmtpd until needed

    spec = MYSTERIES.get(number)
    if spec is None or spec["server"] is None:
        raise ValueError(f"no mystery server {number!r}: the servers are "
                         f"{[n for n, s in MYSTERIES.items() if s['server']]}")
    options = dict(spec["server"])
    scenario = options.pop("scenario")
    return DebugServer(scenario, hostname="mx.example.net", **options).start()
