"""The loopback mail network: MSA, outbound queue, MX routing, delivery and bounces.

Every hop is a real :class:`~smtplesson.server.DebugServer` on loopback and a real
``smtplib`` session; :class:`MailNetwork` is the facade learners use.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_PUBLIC = {"MailNetwork": "network", "Zone": "zone", "SenderRequirements": "requirements",
           "authenticate": "authentication"}
__all__ = sorted(_PUBLIC)

if TYPE_CHECKING:
    from .authentication import authenticate
    from .network import MailNetwork
    from .requirements import SenderRequirements
    from .zone import Zone


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
