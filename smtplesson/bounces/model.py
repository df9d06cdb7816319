"""What a bounce mail says: the :class:`Bounce` and one :class:`BouncedRecipient` per address.

Model only: the HTML card lives in ``smtplesson.views.bounce``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

from ..codes.explanation import Explanation

__all__ = ["ACTIONS", "KINDS", "STATUS_SOURCES", "Bounce", "BouncedRecipient", "EspVerdict", "Later",
           "OriginalMessage"]

T = TypeVar("T")

#: RFC 3464 §2.3.3 actions
ACTIONS = ("failed", "delayed", "delivered", "relayed", "expanded")
#: what a mail is, as read_bounce sees it
KINDS = ("dsn", "vendor", "feedback-report", "auto-reply", "not-a-bounce", "event")
#: where a recipient's ``status`` comes from: the report's Status field as written; the enhanced
#: code of the remote reply (a report's ``X.0.0`` made precise); inferred from the reply (its
#: words, else its code) when only a basic code was given; the class of the basic code alone (``5.0.0``);
#: a sending service's event payload
STATUS_SOURCES = ("field", "reply", "inferred", "class", "esp")


class Later:
    """A field's value computed when the field is first read, then kept: what a reader finds only
    by searching a bounce's words again (the SMTP command, the remote host a report's fields do
    not name, the returned message's headers), for the callers that ask for it.  Give it to the
    constructor in place of the value; reading the field (``to_dict``, ``==``, ``replace``) gives
    the value."""

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[], Any]) -> None:
        self.compute = compute


class _OnFirstRead(Generic[T]):
    """A dataclass field's descriptor (dataclasses' "descriptor-typed fields") that takes a
    :class:`Later` as the value: computed when first read, kept in the instance's ``__dict__``
    under the field's name."""

    def __init__(self, default: T) -> None:
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> T:
        if instance is None:  # the class: the field's default
            return self.default
        value = instance.__dict__[self.name]
        if type(value) is Later:
            value = instance.__dict__[self.name] = value.compute()
        return value

    def __set__(self, instance: object, value: T | Later) -> None:
        instance.__dict__[self.name] = value


def _state(instance: Any) -> dict[str, Any]:
    """Every field's value, computed (for pickle and copy: a :class:`Later` is not kept)."""
    return {f.name: getattr(instance, f.name) for f in fields(instance)}


@dataclass(frozen=True)
class EspVerdict:
    """What a sending service (Amazon SES, SendGrid, Postmark, Mailgun) calls a bounce, kept
    beside the project's own reading of the reply."""

    service: str  # "amazon-ses", "sendgrid", "postmark", "mailgun"
    classification: str  # the service's words: "Permanent/NoEmail", "blocked", "SoftBounce"
    bounce_type: str  # what that means in the project's terms: hard, soft, block, complaint

    def to_dict(self) -> dict[str, str]:
        return {"service": self.service, "classification": self.classification,
                "bounce_type": self.bounce_type}


@dataclass(frozen=True)
class OriginalMessage:
    """What the bounce tells of the message it returns."""

    message_id: str | None = None
    sender: str | None = None  # its From:
    to: str | None = None
    subject: str | None = None
    date: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"message_id": self.message_id, "from": self.sender, "to": self.to,
                "subject": self.subject, "date": self.date}


@dataclass(frozen=True)
class BouncedRecipient:
    """One recipient of the returned message and what became of it."""

    address: str
    action: str  # ACTIONS, or "complained" (feedback report) / "auto-replied"
    status: str | None  # the enhanced status code, "5.1.1"
    code: int | None  # the remote reply code, 550
    diagnostic: str  # the remote server's reply, or the bounce's own words, one line
    explanation: Explanation
    remote_mta: _OnFirstRead[str | None] = _OnFirstRead(None)  # a str or None; a Later computes it
    command: _OnFirstRead[str | None] = _OnFirstRead(None)  # "RCPT TO"; a Later computes it
    original_address: str | None = None  # RFC 3464 Original-Recipient
    last_attempt: str | None = None
    will_retry_until: str | None = None  # RFC 3464 §2.3.9, in a delay warning
    raw_status: str | None = None  # the Status field as the report wrote it ("5.0.0"), None without one
    status_from: str | None = None  # STATUS_SOURCES: where ``status`` comes from
    esp: EspVerdict | None = None  # a sending service's own classification (an event payload)
    note: str = ""  # what the reader adds: the last reply of an expiry, a disagreement
    #: found by the reader's generic path (no format it knows, no report): without a reason it can
    #: name, such a recipient is never typed hard (kept, to review: never suppressed on a guess)
    guessed: bool = False

    __getstate__ = _state

    @property
    def status_inferred(self) -> bool:
        """True when ``status`` was inferred from the reply (only a basic code was given)."""
        return self.status_from == "inferred"

    @property
    def category(self) -> str:
        return self.explanation.category

    @property
    def bounce_type(self) -> str:
        """What the explanation says (``hard``, ``soft``, ``block``); ``complaint``,
        ``auto-reply`` or ``none`` by the action; else what a sending service's event says;
        else by the class of the status or code."""
        if self.action in ("complained", "auto-replied", "delivered", "relayed", "expanded"):
            return _bounce_type(self.action, self.status, self.code)
        value = getattr(self.explanation, "bounce_type", None)
        if self.esp is not None and self.esp.bounce_type in ("hard", "soft", "block") and (
                not value or value == "none"):
            return self.esp.bounce_type  # the reply says nothing: the service's own verdict
        kind = str(value) if value and value != "none" else _bounce_type(self.action, self.status, self.code)
        if kind == "hard" and self.category == "other" and (self.guessed or (
                self.code is None and self.status_from in (None, "inferred"))):
            # a guess, or words with no code and no status given that name no reason: keep the
            # address (review before suppressing)
            return "soft"
        return kind

    @property
    def provider(self) -> str | None:
        value = getattr(self.explanation, "provider", None)
        return str(value) if value else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address, "action": self.action, "status": self.status,
            "code": self.code, "diagnostic": self.diagnostic, "remote_mta": self.remote_mta,
            "command": self.command, "original_address": self.original_address,
            "last_attempt": self.last_attempt, "will_retry_until": self.will_retry_until,
            "raw_status": self.raw_status, "status_from": self.status_from,
            "category": self.category,
            "bounce_type": self.bounce_type, "provider": self.provider,
            "esp": self.esp.to_dict() if self.esp else None, "note": self.note, "guessed": self.guessed,
            "summary": self.explanation.summary, "advice": self.explanation.advice,
        }


def _bounce_type(action: str, status: str | None, code: int | None) -> str:
    if action in ("complained", "auto-replied"):
        return {"complained": "complaint", "auto-replied": "auto-reply"}[action]
    if action in ("delivered", "relayed", "expanded"):
        return "none"
    digit = status[0] if status else (str(code)[0] if code else "")
    if action == "delayed" or digit == "4":
        return "soft"
    if digit == "5" or action == "failed":  # a failure without a class is permanent (RFC 3464 §2.3.3)
        return "hard"
    return "unknown"


@dataclass(frozen=True)
class Bounce:
    """A mail read by :func:`smtplesson.read_bounce`."""

    kind: str  # KINDS
    format: str  # the reader that decoded it: "rfc3464", "postfix", "exchange", ... or "none"
    recipients: tuple[BouncedRecipient, ...] = ()
    reporting_mta: str | None = None
    arrival_date: str | None = None
    original: _OnFirstRead[OriginalMessage] = _OnFirstRead(OriginalMessage())  # a Later computes it
    subject: str | None = None  # of the bounce itself
    sender: str | None = None  # who wrote the bounce (its From:)
    date: str | None = None
    note: str = ""  # why it is not a bounce, or what could not be read
    details: tuple[tuple[str, str], ...] = ()  # feedback-report fields and the like

    __getstate__ = _state

    @property
    def is_bounce(self) -> bool:
        return self.kind in ("dsn", "vendor") or (self.kind == "event" and any(
            r.action in ("failed", "delayed") for r in self.recipients))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "format": self.format, "reporting_mta": self.reporting_mta,
            "arrival_date": self.arrival_date, "subject": self.subject, "from": self.sender,
            "date": self.date, "original": self.original.to_dict(), "note": self.note,
            "details": dict(self.details), "recipients": [r.to_dict() for r in self.recipients],
        }

    def __str__(self) -> str:
        from ..views.text import bounce_text

        return bounce_text(self)

    def _repr_html_(self) -> str:
        from ..views.bounce import bounce_html

        return bounce_html(self)

