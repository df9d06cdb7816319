"""The debug server on aiosmtpd: transcripts, rules, scenarios, demos.

Names load lazily, so ``from smtplesson.server import Rule`` does not import aiosmtpd;
only :mod:`smtplesson.server.debug` (and what imports it) does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_PUBLIC = {
    "DebugServer": "debug",
    "Limits": "history",
    "stop_all": "debug",
    "StoredMessage": "debug",
    "Rule": "rules",
    "Line": "transcript",
    "Transcript": "transcript",
    "Scenario": "scenarios",
    "SCENARIOS": "scenarios",
    "demo": "demos",
    "DemoUnavailable": "demos",
}
__all__ = sorted(_PUBLIC)

if TYPE_CHECKING:
    from .debug import DebugServer, StoredMessage, stop_all
    from .demos import DemoUnavailable, demo
    from .history import Limits
    from .rules import Rule
    from .scenarios import SCENARIOS, Scenario
    from .transcript import Line, Transcript


__getattr__ = lazy_names(__name__, _PUBLIC)
