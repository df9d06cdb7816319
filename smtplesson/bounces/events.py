"""Bounce events of sending services, read into the same :class:`Bounce` as bounce mails.

A sending service (ESP) reports what became of each message as a JSON event, posted to a
webhook or an SNS topic; support engineers at senders read these more than bounce mails.
Each event names the recipient, the remote reply and the service's own classification.
:func:`read_event` reads the documented payloads of four services (each shape from the
service's public documentation, see ``tests/unit/data/bounces/README.md``):

* Amazon SES notifications (``notificationType``) and event publishing (``eventType``: also
  ``Reject`` and ``Rendering Failure``, failures of the whole message), bare or inside an SNS
  envelope (``"Type": "Notification"``, the event in ``Message``);
* SendGrid's Event Webhook (a list of events: ``bounce`` with ``type`` bounce/blocked,
  ``deferred``, ``dropped``, ``spamreport``, ``delivered``);
* Postmark's bounce and spam-complaint webhooks (``RecordType``, ``Type`` HardBounce, ...);
* Mailgun's webhooks and Events API (``event-data``: ``failed`` with ``severity``,
  ``complained``, ``delivered``).

The reply is explained as any other (``explanation``); the service's classification is kept
beside it (``BouncedRecipient.esp``), and where the two disagree the recipient's ``note``
says both.  Engagement events (opens, clicks) are counted in the bounce's note, not read.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from .model import Bounce, BouncedRecipient, EspVerdict, OriginalMessage
from .rfc3464 import status_field, typed_value
from .status import explain_reply, settle_status

__all__ = ["SERVICES", "event_payload", "read_event"]

#: the services whose events are read, as ``Bounce.format`` names them
SERVICES = ("amazon-ses", "sendgrid", "postmark", "mailgun")
_LIMIT = 2 * 1024 * 1024  # bytes of a payload that are read
_EVENTS_LIMIT = 1000  # events of one payload that are read


def event_payload(source: Any) -> Any | None:
    """The parsed JSON of ``source`` when it is an event payload (a dict or list, JSON text or
    bytes, a ``.json`` path), else None: a mail never starts with ``{`` or ``[``."""
    if isinstance(source, (dict, list)):
        return source
    if isinstance(source, os.PathLike) or (isinstance(source, str) and source.endswith(".json")
                                           and "\n" not in source and os.path.isfile(source)):
        try:
            with open(source, "rb") as handle:
                source = handle.read(_LIMIT)
        except OSError:
            return None
    if isinstance(source, (bytes, bytearray, memoryview)):
        if bytes(source[:64]).lstrip()[:1] not in (b"{", b"["):
            return None
        source = bytes(source[:_LIMIT]).decode("utf-8", "replace")
    if not isinstance(source, str) or source[:64].lstrip()[:1] not in ("{", "["):
        return None
    try:
        return json.loads(source[:_LIMIT])
    except ValueError:
        return None


def read_event(payload: Any) -> Bounce:
    """Read an ESP event payload (a dict, a list of events, JSON text or bytes) as a Bounce
    (``kind="event"``, ``format`` the service).  Never raises."""
    try:
        data = event_payload(payload)
        if data is None:
            return Bounce("not-a-bounce", "none", note="not a JSON event payload")
        return _read(data)
    except Exception as exc:  # last-resort guard, as read_bounce
        return Bounce("not-a-bounce", "none", note=f"internal error while reading: {type(exc).__name__}")


def _read(data: Any) -> Bounce:
    events = [e for e in (data if isinstance(data, list) else [data])[:_EVENTS_LIMIT] if isinstance(e, dict)]
    events = [_unwrap(e) for e in events]
    service = next((s for s in (_service(e) for e in events) if s), None)
    if service is None:
        return Bounce("not-a-bounce", "none", note="JSON, but not an event of a service read here "
                      f"({', '.join(SERVICES)})")
    reader = _READERS[service]
    recipients: list[BouncedRecipient] = []
    skipped = 0
    first: Mapping[str, Any] | None = None
    for event in events:
        if _service(event) != service:
            skipped += 1
            continue
        read = reader(event)
        if not read:
            skipped += 1
            continue
        first = first or event
        recipients.extend(read)
    common = _COMMON[service](first) if first is not None else {}
    note = f"{skipped} event{'s' if skipped != 1 else ''} of other kinds (opens, clicks ...) not read" \
        if skipped else ""
    if not recipients:
        return Bounce("not-a-bounce", service, note=note or "no delivery event in the payload", **common)
    return Bounce("event", service, tuple(recipients[:_EVENTS_LIMIT]), note=note, **common)


def _unwrap(event: dict[str, Any]) -> dict[str, Any]:
    """An SNS envelope's message; a Mailgun webhook's ``event-data``; else the event itself."""
    if event.get("Type") == "Notification" and isinstance(event.get("Message"), str):
        inner = event_payload(event["Message"])
        if isinstance(inner, dict):
            return inner
    if isinstance(event.get("event-data"), dict):
        return dict(event["event-data"])
    return event


def _service(event: Mapping[str, Any]) -> str | None:
    if ("notificationType" in event or "eventType" in event) and isinstance(event.get("mail"), dict):
        return "amazon-ses"
    if "RecordType" in event or ("TypeCode" in event and "Email" in event):
        return "postmark"
    if "event" in event and ("delivery-status" in event or "severity" in event
                             or ("recipient" in event and "log-level" in event)):
        return "mailgun"
    if "event" in event and "email" in event:
        return "sendgrid"
    return None


def _text(value: Any, limit: int = 2000) -> str:
    return " ".join(str(value).split())[:limit] if value not in (None, "") else ""


def _recipient(address: Any, action: str, diagnostic: str, field: str | None, verdict: EspVerdict,
               remote: str | None = None, when: str | None = None) -> BouncedRecipient:
    """One recipient: the reply explained as any other, the service's verdict beside it."""
    given = status_field(field)
    exp = explain_reply(diagnostic, given)
    status, source = settle_status(given, exp)
    recipient = BouncedRecipient(_text(address, 320).strip("<>").lower(), action, status, exp.code,
                                 diagnostic, exp, remote, exp.command, last_attempt=when,
                                 raw_status=field, status_from="esp" if source == "field" else source,
                                 esp=verdict)
    ours = recipient.bounce_type
    if verdict.bounce_type in ("hard", "soft", "block") and ours in ("hard", "soft", "block") \
            and ours != verdict.bounce_type and (exp.code is not None or status):
        recipient = replace(recipient, note=(
            f"{_NAMES[verdict.service]} calls this {verdict.classification} ({verdict.bounce_type}); "
            f"the reply reads as {ours} ({recipient.category}). Both are shown: check the reply "
            "before suppressing the address."))
    return recipient


_NAMES = {"amazon-ses": "Amazon SES", "sendgrid": "SendGrid", "postmark": "Postmark", "mailgun": "Mailgun"}


# --- Amazon SES -------------------------------------------------------------------------
# docs.aws.amazon.com/ses/latest/dg/notification-contents.html (bounce types and subtypes);
# event publishing's Reject and Rendering Failure events:
# docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
_SES_TYPES = {("permanent", ""): "hard", ("transient", ""): "soft", ("undetermined", ""): "unknown",
              ("transient", "contentrejected"): "block", ("transient", "attachmentrejected"): "block",
              ("transient", "messagetoolarge"): "block"}


def _ses(event: Mapping[str, Any]) -> list[BouncedRecipient]:
    kind = str(event.get("notificationType") or event.get("eventType") or "").lower()
    if kind == "bounce" and isinstance(event.get("bounce"), dict):
        bounce = event["bounce"]
        main, sub = str(bounce.get("bounceType", "")), str(bounce.get("bounceSubType", ""))
        ours = _SES_TYPES.get((main.lower(), sub.lower())) or _SES_TYPES.get((main.lower(), ""), "unknown")
        verdict = EspVerdict("amazon-ses", f"{main}/{sub}" if sub else main, ours)
        remote = _text(bounce.get("remoteMtaIp"), 100) or None
        return [_recipient(r.get("emailAddress"), _action(r.get("action"), ours),
                           typed_value(_text(r.get("diagnosticCode"))), _status(r.get("status")), verdict,
                           remote, _text(bounce.get("timestamp"), 64) or None)
                for r in _dicts(bounce.get("bouncedRecipients"))]
    if kind == "complaint" and isinstance(event.get("complaint"), dict):
        complaint = event["complaint"]
        feedback = _text(complaint.get("complaintFeedbackType"), 64) or "not given"
        verdict = EspVerdict("amazon-ses", f"Complaint (feedback type {feedback})", "complaint")
        return [_complaint(r.get("emailAddress"), f"Feedback-Type: {feedback}", verdict)
                for r in _dicts(complaint.get("complainedRecipients"))]
    if kind == "deliverydelay" and isinstance(event.get("deliveryDelay"), dict):
        delay = event["deliveryDelay"]
        verdict = EspVerdict("amazon-ses", f"DeliveryDelay/{_text(delay.get('delayType'), 64)}", "soft")
        return [_recipient(r.get("emailAddress"), "delayed", typed_value(_text(r.get("diagnosticCode"))),
                           _status(r.get("status")), verdict)
                for r in _dicts(delay.get("delayedRecipients"))]
    if kind == "reject" and isinstance(event.get("reject"), dict):
        # the "Reject object": SES found a virus ("Bad content", its only reason) and sent nothing
        reason = _text(event["reject"].get("reason"), 200) or "Bad content"
        verdict = EspVerdict("amazon-ses", f"Reject ({reason})", "block")
        words = f"{reason}: Amazon SES found a virus in the message and did not send it"
        return [_recipient(r, "failed", words, None, verdict) for r in _destination(event)]
    if kind == "rendering failure" and isinstance(event.get("failure"), dict):
        # the "Rendering Failure object": the sender's template could not be rendered; nothing was sent
        failure = event["failure"]
        verdict = EspVerdict("amazon-ses", "Rendering Failure", "block")
        words = (f"Rendering Failure of template {_text(failure.get('templateName'), 200) or '?'}: "
                 f"{_text(failure.get('errorMessage'), 1000)}")
        return [_recipient(r, "failed", words, None, verdict) for r in _destination(event)]
    if kind == "delivery" and isinstance(event.get("delivery"), dict):
        delivery = event["delivery"]
        verdict = EspVerdict("amazon-ses", "Delivery", "none")
        return [_recipient(r, "delivered", _text(delivery.get("smtpResponse")), None, verdict,
                           _text(delivery.get("remoteMtaIp"), 100) or None)
                for r in delivery.get("recipients", [])[:_EVENTS_LIMIT] if isinstance(r, str)]
    return []


def _destination(event: Mapping[str, Any]) -> list[str]:
    """The message's recipients (``mail.destination``): an event about the whole message names no other."""
    value = _obj(event.get("mail")).get("destination")
    return [r for r in value[:_EVENTS_LIMIT] if isinstance(r, str)] if isinstance(value, list) else []


def _ses_common(event: Mapping[str, Any]) -> dict[str, Any]:
    mail = _obj(event.get("mail"))
    headers = _obj(mail.get("commonHeaders"))
    bounce = _obj(event.get("bounce"))
    return {"original": OriginalMessage(_text(mail.get("messageId"), 200) or None,
                                        _first(headers.get("from")) or _text(mail.get("source"), 320) or None,
                                        _first(headers.get("to")), _text(headers.get("subject"), 500) or None,
                                        _text(headers.get("date"), 64) or None),
            "reporting_mta": typed_value(_text(bounce.get("reportingMTA"), 200)) or None,
            "date": _text(bounce.get("timestamp") or mail.get("timestamp"), 64) or None}


# --- SendGrid ---------------------------------------------------------------------------
# twilio.com/docs/sendgrid/for-developers/tracking-events/event (delivery events)
def _sendgrid(event: Mapping[str, Any]) -> list[BouncedRecipient]:
    kind = str(event.get("event", "")).lower()
    address = event.get("email")
    when = _epoch(event.get("timestamp"))
    reply = _text(event.get("reason") or event.get("response"))
    if kind == "bounce":
        sort = str(event.get("type") or "bounce").lower()
        ours = "block" if sort == "blocked" else "hard"
        label = sort + (f", {event['bounce_classification']}" if event.get("bounce_classification") else "")
        return [_recipient(address, "failed", reply, _status(event.get("status")),
                           EspVerdict("sendgrid", label, ours), when=when)]
    if kind == "deferred":
        attempt = _text(event.get("attempt"), 8) or "?"
        return [_recipient(address, "delayed", reply, _status(event.get("status")),
                           EspVerdict("sendgrid", f"deferred (attempt {attempt})", "soft"), when=when)]
    if kind == "dropped":
        why = _text(event.get("reason"), 200)
        ours = "hard" if "bounced" in why.lower() or "invalid" in why.lower() else (
            "complaint" if "spam" in why.lower() else "unknown")
        return [_recipient(address, "failed", why, _status(event.get("status")),
                           EspVerdict("sendgrid", f"dropped: {why or 'no reason given'}", ours), when=when)]
    if kind == "spamreport":
        return [_complaint(address, "spamreport", EspVerdict("sendgrid", "spamreport", "complaint"))]
    if kind == "delivered":
        return [_recipient(address, "delivered", reply, None, EspVerdict("sendgrid", "delivered", "none"),
                           when=when)]
    return []


def _sendgrid_common(event: Mapping[str, Any]) -> dict[str, Any]:
    return {"original": OriginalMessage(_text(event.get("smtp-id"), 200) or None),
            "date": _epoch(event.get("timestamp"))}


# --- Postmark ---------------------------------------------------------------------------
# postmarkapp.com/developer/webhooks/bounce-webhook and .../api/bounce-api (bounce types; the same
# list as the official client's BounceType enum, npm postmark 4.0.2 dist/client/models/bounces/Bounce.d.ts).
# A challenge to verify the sender (ChallengeVerification), an error of Postmark's own SMTP API or
# inbound hook, a template that failed to render: the recipient's address is not at fault (block,
# never suppressed); Unknown stays unknown (the reply, if any, decides).
_POSTMARK_TYPES = {"hardbounce": "hard", "bademailaddress": "hard", "softbounce": "soft",
                   "transient": "soft", "dnserror": "soft", "blocked": "block", "spamnotification": "block",
                   "virusnotification": "block", "dmarcpolicy": "block", "spamcomplaint": "complaint",
                   "manuallydeactivated": "hard", "challengeverification": "block", "smtpapierror": "block",
                   "inbounderror": "block", "templaterenderingfailed": "block"}


def _postmark(event: Mapping[str, Any]) -> list[BouncedRecipient]:
    record = str(event.get("RecordType", "Bounce"))
    sort = _text(event.get("Type"), 64)
    if record not in ("Bounce", "SpamComplaint") or not event.get("Email"):
        return []
    ours = _POSTMARK_TYPES.get(sort.lower(), "unknown")
    verdict = EspVerdict("postmark", sort or record, ours)
    if ours == "complaint" or record == "SpamComplaint":
        return [_complaint(event.get("Email"), "SpamComplaint", replace(verdict, bounce_type="complaint"))]
    if sort.lower() == "autoresponder":
        return [_complaint(event.get("Email"), "AutoResponder", replace(verdict, bounce_type="auto-reply"),
                           action="auto-replied")]
    diagnostic = typed_value(_text(event.get("Details"))) or _text(event.get("Description"))
    return [_recipient(event.get("Email"), "failed", diagnostic, None, verdict,  # Postmark does not retry
                       when=_text(event.get("BouncedAt"), 64) or None)]


def _postmark_common(event: Mapping[str, Any]) -> dict[str, Any]:
    return {"original": OriginalMessage(_text(event.get("MessageID"), 200) or None,
                                        _text(event.get("From"), 320) or None, None,
                                        _text(event.get("Subject"), 500) or None),
            "date": _text(event.get("BouncedAt"), 64) or None}


# --- Mailgun ----------------------------------------------------------------------------
# documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads
def _mailgun(event: Mapping[str, Any]) -> list[BouncedRecipient]:
    kind = str(event.get("event", "")).lower()
    address = event.get("recipient")
    when = _epoch(event.get("timestamp"))
    status = _obj(event.get("delivery-status"))
    if kind == "failed":
        severity = _text(event.get("severity"), 32).lower()
        reason = _text(event.get("reason"), 64)
        ours = {"permanent": "hard", "temporary": "soft"}.get(severity, "unknown")
        verdict = EspVerdict("mailgun", f"{severity or 'failed'}" + (f" ({reason})" if reason else ""), ours)
        return [_recipient(address, "failed" if severity != "temporary" else "delayed",
                           _mailgun_reply(status), _status(status.get("enhanced-code")), verdict,
                           _text(status.get("mx-host"), 200) or None, when)]
    if kind == "complained":
        return [_complaint(address, "complained", EspVerdict("mailgun", "complained", "complaint"))]
    if kind == "delivered":
        return [_recipient(address, "delivered", _mailgun_reply(status), _status(status.get("enhanced-code")),
                           EspVerdict("mailgun", "delivered", "none"),
                           _text(status.get("mx-host"), 200) or None, when)]
    return []


def _mailgun_reply(status: Mapping[str, Any]) -> str:
    """Mailgun gives the reply's parts apart: code, enhanced code, message (or description)."""
    words = _text(status.get("message") or status.get("description"))
    code = _text(status.get("code"), 8)
    if not code.isdigit() or words.startswith(code):
        return words
    enhanced = _text(status.get("enhanced-code"), 16)
    return " ".join(p for p in (code, "" if enhanced in words[:20] else enhanced, words) if p)


def _mailgun_common(event: Mapping[str, Any]) -> dict[str, Any]:
    message = _obj(event.get("message"))
    headers = _obj(message.get("headers"))
    return {"original": OriginalMessage(_text(headers.get("message-id"), 200) or None,
                                        _text(headers.get("from"), 320) or None,
                                        _text(headers.get("to"), 320) or None,
                                        _text(headers.get("subject"), 500) or None),
            "date": _epoch(event.get("timestamp"))}


# --- helpers ----------------------------------------------------------------------------
def _complaint(address: Any, diagnostic: str, verdict: EspVerdict,
               action: str = "complained") -> BouncedRecipient:
    return BouncedRecipient(_text(address, 320).strip("<>").lower(), action, None, None, diagnostic,
                            explain_reply("", None), esp=verdict)


def _action(value: Any, ours: str) -> str:
    action = _text(value, 16).lower()
    return action if action in ("failed", "delayed") else ("delayed" if ours == "soft" else "failed")


def _status(value: Any) -> str | None:
    text = _text(value, 32)
    return text or None


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> Iterable[Mapping[str, Any]]:
    return [v for v in value[:_EVENTS_LIMIT] if isinstance(v, dict)] if isinstance(value, list) else []


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return _text(value, 320) or None


def _epoch(value: Any) -> str | None:
    """An event's Unix time as an ISO 8601 UTC date."""
    try:
        return datetime.fromtimestamp(float(value), UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


_READERS: dict[str, Callable[[Mapping[str, Any]], list[BouncedRecipient]]] = {
    "amazon-ses": _ses, "sendgrid": _sendgrid, "postmark": _postmark, "mailgun": _mailgun}
_COMMON: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "amazon-ses": _ses_common, "sendgrid": _sendgrid_common, "postmark": _postmark_common,
    "mailgun": _mailgun_common}
