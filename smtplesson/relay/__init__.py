"""The loopback mail network: MSA, outbound queue, MX routing, delivery and bounces.

Every hop is a real :class:`~smtplesson.server.DebugServer` on loopback and a real
``smtplib`` session; :class:`MailNetwork` is the facade learners use.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_PUBLIC = {"MailNetwork": "network", "Zone": "zone", "SenderRequirements": "requirements",
           "authenticate": "authentication"}
__all__ = sorted(_PUBLIC)

if TYPE_CHECKING:
    from .authentication import authenticate
    from .network import MailNetwork
    from .requirements import SenderRequirements
    from .zone import Zone


__getattr__ = lazy_names(__name__, _PUBLIC)
