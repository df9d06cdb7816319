"""Who answers each command: the rules first, then the scenario's hook, then aiosmtpd.

:class:`Dispatcher` holds the deciders of each point in the order they are asked;
:class:`Handler` is the aiosmtpd handler that asks it at the points aiosmtpd has a
``handle_*`` hook for (the other points are asked by :mod:`.protocol`).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from aiosmtpd.smtp import MISSING, Envelope, Session

from .protocol import REPLIES, Host, LessonSMTP, reply_class
from .rules import Rule, normalise_reply

__all__ = ["Decider", "Dispatcher", "Handler", "Server", "rule_decider"]

#: ``decide(session, envelope, *args)``: a reply, or None to let the next one answer
Decider = Callable[..., "str | None"]
#: the default 250 replies to MAIL and RCPT (known to be 2xx without asking)
_MAIL_OK: str = REPLIES["MAIL"]
_RCPT_OK: str = REPLIES["RCPT"]


def rule_decider(rule: Rule) -> Decider:
    """``rule`` as a decider: its sender and recipients taken from the command or envelope."""
    point = rule.point

    def decide(session: Any, envelope: Any, *args: Any) -> str | None:
        sender = envelope.mail_from if envelope is not None else None
        recipients: Sequence[str] = envelope.rcpt_tos if envelope is not None else ()
        if point == "MAIL":
            sender = args[0]
        elif point == "RCPT":
            recipients = (args[0],)
        return rule.decide(point, sender=sender, recipients=recipients,
                           connection=getattr(session, "number", 0))

    return decide


class Dispatcher:
    """The deciders of each point, in order: the rules (first added, first asked), then
    the scenario's hook.  A rule never counts an attempt unless it matches, so asking
    every rule in turn is exact; a classroom server has a handful of rules.
    """

    def __init__(self, hooks: Mapping[str, Decider]) -> None:
        self._hooks = {point: (hook,) for point, hook in hooks.items()}
        self._rules: list[Rule] = []
        self._by_point: dict[str, tuple[Decider, ...]] = {}
        self._plans: dict[str, tuple[Decider, ...]] = dict(self._hooks)
        self._lock = threading.Lock()

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._rules)

    def add_rule(self, rule: Rule) -> None:
        """Ask ``rule`` after the rules already added; safe while the server runs."""
        with self._lock:
            self._rules.append(rule)
            point = rule.point
            self._by_point[point] = (*self._by_point.get(point, ()), rule_decider(rule))
            plans = dict(self._plans)
            plans[point] = self._by_point[point] + self._hooks.get(point, ())
            self._plans = plans  # one assignment: the server thread sees old or new, whole

    def decide(self, point: str, session: Any, envelope: Any, *args: Any) -> str | None:
        """The first reply given at ``point`` (normalised), or None for the default."""
        for decide in self._plans.get(point, ()):
            reply = decide(session, envelope, *args)
            if reply is not None:
                return normalise_reply(reply)
        return None

    def reset(self) -> None:
        """Forget the attempts every rule counted."""
        for rule in self.rules:
            rule.reset()


class Server(Host, Protocol):
    """What :class:`Handler` needs beyond the protocol's :class:`~.protocol.Host`."""

    max_recipients: int

    async def examine(self, session: Session, envelope: Envelope) -> None:
        """The scenario's slow look at the message, off the event loop."""

    def end_of_data(self, session: Session, envelope: Envelope) -> str:
        """Decide on, and keep or refuse, the message just received; the reply."""


class Handler:
    """aiosmtpd handler: rules first, then the scenario, then the default behaviour."""

    def __init__(self, server: Server) -> None:
        self.server = server

    async def handle_HELO(self, smtp: LessonSMTP, session: Session, envelope: Envelope,
                          hostname: str) -> Any:
        reply = self.server.decide("HELO", session, envelope, hostname)
        if reply is None:
            return MISSING
        if reply_class(reply) == 2:
            session.host_name = hostname
        return smtp.mark_verbatim(reply)

    async def handle_MAIL(self, smtp: LessonSMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        reply = self.server.decide("MAIL", session, envelope, address, options)
        if reply is None:
            reply = _MAIL_OK
        if reply is _MAIL_OK or reply_class(reply) == 2:
            envelope.mail_from = address
            envelope.mail_options.extend(options)
        return smtp.mark_verbatim(reply)

    async def handle_RCPT(self, smtp: LessonSMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        server = self.server
        reply = server.decide("RCPT", session, envelope, address)
        if reply is None:
            if len(envelope.rcpt_tos) >= server.max_recipients:  # RFC 5321 §4.5.3.1.10
                reply = REPLIES["TOO-MANY-RECIPIENTS"].format(limit=server.max_recipients)
            else:
                reply = _RCPT_OK
        if reply is _RCPT_OK or reply_class(reply) == 2:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(options)
        return smtp.mark_verbatim(reply)

    async def handle_DATA(self, smtp: LessonSMTP, session: Session, envelope: Envelope) -> str:
        await self.server.examine(session, envelope)
        return smtp.mark_verbatim(self.server.end_of_data(session, envelope))

    async def handle_RSET(self, smtp: LessonSMTP, session: Session, envelope: Envelope) -> Any:
        return self._simple(smtp, "RSET", session, envelope)

    async def handle_NOOP(self, smtp: LessonSMTP, session: Session, envelope: Envelope,
                          arg: str) -> Any:
        return self._simple(smtp, "NOOP", session, envelope, arg or "")

    async def handle_QUIT(self, smtp: LessonSMTP, session: Session, envelope: Envelope) -> Any:
        return self._simple(smtp, "QUIT", session, envelope)

    async def handle_VRFY(self, smtp: LessonSMTP, session: Session, envelope: Envelope,
                          address: str) -> Any:
        return self._simple(smtp, "VRFY", session, envelope, address)

    async def handle_AUTH(self, smtp: LessonSMTP, session: Session, envelope: Envelope,
                          args: list[str]) -> Any:
        return self._simple(smtp, "AUTH", session, envelope, args[0].upper())

    def _simple(self, smtp: LessonSMTP, point: str, *args: Any) -> Any:
        reply = self.server.decide(point, *args)
        return MISSING if reply is None else smtp.mark_verbatim(reply)

    async def handle_exception(self, error: Exception) -> str:
        self.server.loop_error(error)
        return REPLIES["INTERNAL-ERROR"]

