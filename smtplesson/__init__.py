"""smtplesson: learn how email is relayed over SMTP and what every reply code means.

The public names load lazily, so ``import smtplesson`` stays fast and the
reply-code data works where sockets or widgets do not (e.g. JupyterLite).

Layers, each importing only those before it: ``_data``/``clock`` → ``codes``
(pure stdlib) → ``bounces`` (pure stdlib) → ``server`` (aiosmtpd) → ``relay`` → ``views`` → ``widgets`` →
``course`` → ``cli``.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_PUBLIC = {
    # reply-code registry
    "BASIC_CODES": "codes.registry",
    "ENHANCED_CODES": "codes.registry",
    "STRUCTURE": "codes.registry",
    "ReplyCode": "codes.registry",
    "EnhancedCode": "codes.registry",
    "enhanced": "codes.registry",
    "lookup": "codes.search",
    # replies and bounces
    "Reply": "codes.reply",
    "ReplyError": "codes.reply",
    "parse_reply": "codes.reply",
    "Explanation": "codes.explanation",
    "explain": "codes.explanation",
    "read_bounce": "bounces",
    "Bounce": "bounces",
    "BouncedRecipient": "bounces",
    "read_event": "bounces",
    "read_dsn": "bounces",  # deprecated: read_bounce
    # the debug server
    "Line": "server.transcript",
    "Transcript": "server.transcript",
    "DebugServer": "server.debug",
    "Limits": "server.history",
    "stop_all": "server.debug",
    "Rule": "server.rules",
    "Scenario": "server.scenarios",
    "SCENARIOS": "server.scenarios",
    "demo": "server.demos",
    "DemoUnavailable": "server.demos",
    # the relay network
    "MailNetwork": "relay.network",
    "Zone": "relay.zone",
    "SenderRequirements": "relay.requirements",
    "authenticate": "relay.authentication",
    "SimClock": "clock",
    "format_elapsed": "clock",
    # widgets
    "explorer": "widgets",
    "code_map": "widgets",
    "transcript_viewer": "widgets",
}

# Submodules exposed under a short name: smtplesson.check.<exercise>
_MODULES = {"check": "course.checks"}

__all__ = sorted(_PUBLIC.keys() | _MODULES.keys())

if TYPE_CHECKING:  # what editors and mypy see; at run time the names load on first use
    from .bounces import Bounce, BouncedRecipient, read_bounce, read_dsn, read_event
    from .clock import SimClock, format_elapsed
    from .codes.explanation import Explanation, explain
    from .codes.registry import (
        BASIC_CODES,
        ENHANCED_CODES,
        STRUCTURE,
        EnhancedCode,
        ReplyCode,
        enhanced,
    )
    from .codes.reply import Reply, ReplyError, parse_reply
    from .codes.search import lookup
    from .course import checks as check
    from .relay.authentication import authenticate
    from .relay.network import MailNetwork
    from .relay.requirements import SenderRequirements
    from .relay.zone import Zone
    from .server.debug import DebugServer, stop_all
    from .server.demos import DemoUnavailable, demo
    from .server.history import Limits
    from .server.rules import Rule
    from .server.scenarios import SCENARIOS, Scenario
    from .server.transcript import Line, Transcript
    from .widgets import code_map, explorer, transcript_viewer


def _version() -> str:
    """The installed version (asked lazily: importlib.metadata loads email and socket)."""
    import importlib.metadata

    try:
        return importlib.metadata.version("smtplesson")
    except importlib.metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _MODULES:
        value = importlib.import_module(f"{__name__}.{_MODULES[name]}")
    elif name in _PUBLIC:
        value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    else:
        raise AttributeError(f"module 'smtplesson' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
