"""Named scenarios: small servers that answer each code for the reason a real one does.

The base class and what a hook sees are in :mod:`.base`; the scenarios are grouped by
what they teach: :mod:`.recipients` (who the mail is for), :mod:`.policy` (what a
receiver allows, and how much), :mod:`.commands` (the protocol's own answers),
:mod:`.dns` (hosts that take no mail) and :mod:`.extensions` (DSN, ETRN, ATRN).
"""
from __future__ import annotations

import inspect
from typing import Any

from .base import Envelope, Scenario, ScenarioHost, Session
from .commands import Auth, Help, Status, Syntax, Vrfy
from .dns import NoMailHost, NullMX
from .extensions import Etrn, Odmr, ParamsUnknown
from .policy import (
    ContentRejected,
    Greylisting,
    MessageTooBig,
    NoService,
    RateLimit,
    RelayDenied,
    ShuttingDown,
    StorageFull,
)
from .recipients import (
    BadMailboxName,
    Forwarded,
    MailboxBusy,
    MailboxFull,
    TooManyRecipients,
    UnknownUser,
    UserNotLocal,
)

__all__ = [
    "SCENARIOS", "Auth", "BadMailboxName", "ContentRejected", "Envelope", "Etrn", "Forwarded",
    "Greylisting", "Help", "MailboxBusy", "MailboxFull", "MessageTooBig", "NoMailHost", "NoService",
    "NullMX", "Odmr", "ParamsUnknown", "RateLimit", "RelayDenied", "Scenario", "ScenarioHost",
    "Session", "ShuttingDown", "Status", "StorageFull", "Syntax", "TooManyRecipients", "UnknownUser",
    "UserNotLocal", "Vrfy", "make_scenario",
]

#: every scenario by name, in the order the lessons meet them
SCENARIOS: dict[str, type[Scenario]] = {
    cls.name: cls
    for cls in (
        Scenario, UnknownUser, UserNotLocal, MailboxFull, StorageFull, TooManyRecipients,
        Greylisting, RateLimit, MailboxBusy, BadMailboxName, RelayDenied, ContentRejected,
        MessageTooBig, ShuttingDown, Syntax, Auth, NullMX, NoMailHost, NoService,
        ParamsUnknown, Vrfy, Forwarded, Help, Status, Etrn, Odmr,
    )
}


def make_scenario(scenario: str | Scenario | type[Scenario] | None, **options: Any) -> Scenario:
    """A Scenario from a name (options passed on), a class or an instance."""
    if isinstance(scenario, Scenario):
        if options:
            raise TypeError(f"options {sorted(options)} need a scenario name, not an instance")
        return scenario
    if scenario is None:
        cls: type[Scenario] = Scenario
    elif isinstance(scenario, type) and issubclass(scenario, Scenario):
        cls = scenario
    else:
        name = str(scenario).strip().lower().replace("_", "-")
        if name not in SCENARIOS:
            raise KeyError(f"no scenario {scenario!r}; known: {', '.join(sorted(SCENARIOS))}")
        cls = SCENARIOS[name]
    try:
        return cls(**options)
    except TypeError as error:
        accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        raise TypeError(
            f"scenario {cls.name!r} takes options {accepted or 'none'}; got {sorted(options)} ({error})"
        ) from None
