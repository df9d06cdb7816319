"""Events as an ESP's webhook posts them: one dict per thing that happened to one recipient.

The shape follows Twilio SendGrid's Event Webhook (field names and values), the one most
support tickets quote; Postmark and Mailgun post the same facts under other names:

* SendGrid, Event Webhook Reference:
  https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
* Postmark, webhooks (Delivery, Bounce, SpamComplaint, SubscriptionChange):
  https://postmarkapp.com/developer/webhooks/webhooks-overview
* Mailgun, events (accepted, delivered, failed temporary/permanent, complained, unsubscribed):
  https://documentation.mailgun.com/docs/mailgun/user-manual/events/

Every event has:

``event``
    ``processed`` (the service took the message for this recipient), ``delivered`` (the
    receiving MX answered 250: *accepted*, not "in the inbox"), ``deferred`` (a 4xx or no
    answer: the queue retries), ``bounce`` (a final failure about the recipient: hard, soft,
    or the queue's give-up), ``blocked`` (a final failure about the *sender*: SendGrid posts it
    as ``"event": "bounce", "type": "blocked"``; here the event is named by its type so one
    field tells them apart), ``dropped`` (the service did not send: the address is
    suppressed; no SMTP attempt was made), ``spamreport`` (a feedback-loop report arrived),
    ``unsubscribe`` (an RFC 8058 one-click or mailto unsubscribe arrived).
``email``
    the recipient, as given.
``timestamp``
    simulated POSIX seconds (an integer, as SendGrid sends).
``smtp-id``
    the message's Message-ID header; ``message_id``: the network's tracker id (``"M3"``),
    the way ``sg_message_id`` names SendGrid's copy.

and, where they apply:

``response``
    the receiving server's reply (``delivered``, ``deferred``).
``attempt``
    the number of this delivery attempt for the recipient (``deferred``; SendGrid sends it
    as a string, here an integer).
``reason``
    the reply or report behind a ``bounce``, ``blocked``, ``dropped``, ``spamreport`` or
    ``unsubscribe`` (for ``dropped``: SendGrid's words, ``"Bounced Address"`` and the like).
``status``
    the enhanced status code (RFC 3463) of a ``bounce`` or ``blocked``: ``"5.1.1"``.
``type``
    ``bounce``, ``blocked`` or ``expired`` (the queue gave up: SendGrid's deferred mail is
    dropped after 72 hours, the network's queue after its lifetime).
``bounce_type``, ``category``
    what :func:`smtplesson.explain` made of the reply (taxonomy v2: hard, soft, block).
``mx``
    the host that answered.
``suppressed``
    True on the event that put the address on the suppression list.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["EVENTS", "FINAL", "EventLog", "event"]

EVENTS = ("processed", "delivered", "deferred", "bounce", "blocked", "dropped", "spamreport",
          "unsubscribe")
#: the events that end a recipient's delivery: exactly one per processed or dropped recipient
FINAL = ("delivered", "bounce", "blocked", "dropped")


def event(kind: str, email: str, timestamp: float, *, smtp_id: str = "", message_id: str = "",
          **fields: Any) -> dict[str, Any]:
    """One event dict (``fields`` with a None value are left out)."""
    if kind not in EVENTS:
        raise ValueError(f"event must be one of {', '.join(EVENTS)} (got {kind!r})")
    out: dict[str, Any] = {"event": kind, "email": email, "timestamp": int(timestamp),
                           "smtp-id": smtp_id, "message_id": message_id}
    out.update((k, v) for k, v in fields.items() if v is not None)
    return out


class EventLog:
    """The events in the order they happened; thread-safe appends.

    The service's own events are kept as their parts (:meth:`record`, one or two a recipient,
    on the servers' threads) and written out as dicts once, when the log is first read after
    them: what nobody reads is not formatted, and what is read is the same dict every time."""

    def __init__(self) -> None:
        self._items: list[dict[str, Any] | tuple[Any, ...]] = []
        self._lock = threading.Lock()

    def add(self, item: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._items.append(item)
        return item

    def record(self, kind: str, email: str, timestamp: float, smtp_id: str, message_id: str,
               fields: dict[str, Any]) -> None:
        """Keep one event, to be written by :func:`event` when the log is read."""
        if kind not in EVENTS:  # refused now, as event() would
            raise ValueError(f"event must be one of {', '.join(EVENTS)} (got {kind!r})")
        with self._lock:
            self._items.append((kind, email, timestamp, smtp_id, message_id, fields))

    def _written(self) -> list[dict[str, Any]]:
        with self._lock:
            items = self._items
            for i, item in enumerate(items):
                if isinstance(item, tuple):
                    kind, email, timestamp, smtp_id, message_id, fields = item
                    items[i] = event(kind, email, timestamp, smtp_id=smtp_id, message_id=message_id, **fields)
            return list(items)  # type: ignore[arg-type]  # every item is a dict now

    def __call__(self, kind: str | None = None, email: str | None = None) -> list[dict[str, Any]]:
        """The events, optionally of one ``kind`` and for one ``email`` (case-insensitive)."""
        items = self._written()
        if kind is not None:
            items = [e for e in items if e["event"] == kind]
        if email is not None:
            wanted = email.strip().strip("<>").lower()
            items = [e for e in items if e["email"].lower() == wanted]
        return items

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self())

    def __len__(self) -> int:
        return len(self._items)

    def jsonl(self) -> str:
        """One JSON object per line, as a webhook consumer stores them."""
        return "".join(json.dumps(e, sort_keys=True) + "\n" for e in self())
