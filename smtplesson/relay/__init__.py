"""The loopback mail network: MSA, outbound queue, MX routing, delivery and bounces.

Every hop is a real :class:`~smtplesson.server.DebugServer` on loopback and a real
``smtplib`` session; :class:`MailNetwork` is the facade learners use.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_PUBLIC = {"MailNetwork": "network", "Zone": "zone", "SenderRequirements": "requirements",
           "authenticate": "authentication", "Persona": "personas", "Reputation": "reputation",
           "warmup_curve": "reputation", "Shaping": "shaping"}
__all__ = sorted(_PUBLIC)

if TYPE_CHECKING:
    from .authentication import authenticate
    from .network import MailNetwork
    from .personas import Persona
    from .reputation import Reputation, warmup_curve
    from .requirements import SenderRequirements
    from .shaping import Shaping
    from .zone import Zone


__getattr__ = lazy_names(__name__, _PUBLIC)
