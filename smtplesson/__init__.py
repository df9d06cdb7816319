"""smtplesson: learn how email is relayed over SMTP and what every reply code means.

The public names load lazily, so ``import smtplesson`` stays fast and the
reply-code data works where sockets or widgets do not (e.g. JupyterLite).
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    # reply-code registry
    "BASIC_CODES": "codes",
    "ENHANCED_CODES": "codes",
    "STRUCTURE": "codes",
    "ReplyCode": "codes",
    "EnhancedCode": "codes",
    "lookup": "codes",
    # replies and bounces
    "Reply": "reply",
    "ReplyError": "reply",
    "parse_reply": "reply",
    "Explanation": "explanation",
    "explain": "explanation",
    # the debug server
    "Line": "transcript",
    "Transcript": "transcript",
    "DebugServer": "server",
    "Rule": "server",
    "Scenario": "scenarios",
    "SCENARIOS": "scenarios",
    "demo": "demos",
    "DemoUnavailable": "demos",
    # the relay network
    "MailNetwork": "network",
    "SimClock": "network",
    # widgets
    "explorer": "widgets",
    "code_map": "widgets",
    "transcript_viewer": "widgets",
}

_MODULES = {"check"}  # submodules exposed as they are: smtplesson.check.<exercise>

__all__ = sorted(_PUBLIC.keys() | _MODULES)


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'smtplesson' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
