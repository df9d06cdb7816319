"""The sending service (ESP) of a mail network: the layer between a customer's send and SMTP.

:class:`Esp` takes plain collaborators -- the clock, which hosts are the service's own, how
to post a report to a mailbox and read one -- and the network calls it at four points:

* :meth:`Esp.headers` and :meth:`Esp.admit` at submission: the service's headers
  (``Feedback-ID``; for one-recipient mail ``List-Unsubscribe``, ``List-Unsubscribe-Post``
  and its own ``X-Esp-Id``), a ``processed`` event per recipient, and ``dropped`` with no SMTP
  attempt for a suppressed one;
* :meth:`Esp.observe` for every attempt the record gets: the service's outbound hand-overs
  become ``delivered``, ``deferred``, ``bounce`` and ``blocked`` events, and bounces feed the
  suppression list (:mod:`.suppressions`: a block never suppresses);
* :meth:`Esp.file` as each receiving MX's step: the spam filter files the copy
  (:mod:`.folders`) and the receiver counts it for its feedback loop;
* :meth:`Esp.unsubscribe` and :meth:`Esp.report_spam` for a mailbox's buttons: the RFC 8058
  POST to the service's HTTPS endpoint, or the receiver's RFC 5965 report, which the service
  reads back with :func:`smtplesson.read_bounce` (Gmail sends none: only its aggregate rate).
"""
from __future__ import annotations

import hashlib
import re
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.message import Message
from email.policy import compat32
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ..._data import load
from ...addresses import normalise_address
from ...bounces import read_bounce, status_of
from ...codes.explanation import explain
from .complaints import FeedbackLoops, arf_report
from .events import EventLog
from .folders import FOLDERS, SpamFilter, folder_of
from .maillog import NEXT_MX, MailLog
from .suppressions import Suppressions
from .unsubscribe import Endpoint, click, header_fields

if TYPE_CHECKING:  # pragma: no cover
    from ..delivery import Arrival
    from ..tracking import Attempt, TrackedMessage

__all__ = ["DROPPED", "ESP_ID", "Esp", "settings"]

DROPPED = "dropped"  # a recipient's status when the service never sent to it
ESP_ID = "X-Esp-Id"  # the service's own id of one message to one recipient (opaque)
EXPIRED_STATUS = "4.4.7"  # RFC 3463 §3.5: delivery time expired
_FROM_DOMAIN = re.compile(rb"\nFrom:[^\r\n]*@([A-Za-z0-9.-]+)", re.IGNORECASE)
_FEEDBACK_ID = re.compile(rb"\nFeedback-ID:[ \t]*([^\r\n]*)", re.IGNORECASE)


def settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``esp.json`` with ``overrides`` merged one level deep (``{"providers": {...}}``)."""
    data = load("relay", "esp.json")
    for key, value in (overrides or {}).items():
        if key not in data:
            raise ValueError(f"no ESP setting {key!r}; settings: {', '.join(sorted(data))}")
        data[key] = {**data[key], **value} if isinstance(value, Mapping) else value
    return dict(data)


class Esp:
    """The service: suppression list, events, spam folders at the receivers, unsubscribes and
    complaints.  ``own``: the service's host names (MSA, outbound MTA)."""

    def __init__(self, clock: Callable[[], float], own: Sequence[str], *,
                 address_of: Callable[[str], str] = lambda name: "127.0.0.1",
                 spec: Mapping[str, Any] | None = None,
                 post: Callable[[str, str, str, bytes], None] | None = None,
                 mailbox: Callable[[str], list[Any]] | None = None) -> None:
        self.spec = settings(spec)
        self.clock = clock
        self.own = {h.lower() for h in own}
        self.post = post  # (client host, envelope sender, recipient, bytes): deliver a report
        self.read_mailbox = mailbox  # address -> its messages (the service's own inboxes)
        self.suppressions = Suppressions(self.spec["suppress"])
        self.events = EventLog()
        self.log = MailLog(clock, address_of)  # each host's hook: self.log.accepted
        self.feedback = FeedbackLoops(self.spec["feedback_loops"], self.spec["providers"])
        self.spam = SpamFilter(self.spec["spam"], complaint_rate=self.feedback.rate)
        self.sender = dict(self.spec["sender"])
        self.tokens: dict[str, tuple[str, str]] = {}  # X-Esp-Id -> (recipient, tracker id)
        self._tracks: dict[str, TrackedMessage] = {}
        self._attempts: dict[tuple[str, str], int] = {}
        self._reports_read = 0
        self._unsubscribes_read = 0
        self._lock = threading.RLock()
        self._endpoint: Endpoint | None = None

    # ------------------------------------------------------------------ submission
    @property
    def endpoint(self) -> Endpoint:
        """The one-click unsubscribe endpoint (HTTPS on loopback), started on first use."""
        with self._lock:
            if self._endpoint is None:  # its thread holds the service weakly: nothing leaks
                on_post = weakref.WeakMethod(self._unsubscribe_post)
                self._endpoint = Endpoint(lambda token, body: bool((f := on_post()) and f(token, body)))
                weakref.finalize(self, self._endpoint.close)
            return self._endpoint

    def token(self, recipient: str, track_id: str) -> str:
        return _token(normalise_address(recipient), track_id)

    def headers(self, sender: str, recipients: Sequence[str], number: int) -> dict[str, str]:
        """The service's header fields for a new message (before it is built and signed)."""
        customer = sender.partition("@")[0] or "customer"
        fields = {"Feedback-ID": self.sender["feedback_id"].format(customer=customer)}
        if len(recipients) == 1:  # one link names one recipient (RFC 8058 §3.1)
            address, track_id = normalise_address(recipients[0]), f"M{number}"
            token = _token(address, track_id)
            self.tokens[token] = (address, track_id)
            endpoint = self._endpoint or self.endpoint  # the lock only until it is started
            fields |= header_fields(endpoint.url(token), self.sender["unsubscribe"], token)
            fields[ESP_ID] = token
        return fields

    def admit(self, track: TrackedMessage) -> list[str]:
        """The recipients the service will send to; the suppressed ones are dropped here."""
        now = self.clock()
        kept: list[str] = []
        with self._lock:
            self._tracks[track.id] = track
            for r in track.recipients:
                entry = self.suppressions.get(r)
                if entry is None:
                    kept.append(r)
                    self._emit("processed", r, track, now)
                    continue
                track.status[r] = DROPPED
                reason = self.spec["dropped_reasons"].get(entry.reason, "Suppressed Address")
                self._emit("dropped", r, track, now, reason=reason)
        return kept

    def _emit(self, kind: str, email: str, track: TrackedMessage | None, when: float, **fields: Any) -> None:
        """One event, written out when the log is read (:meth:`EventLog.record`)."""
        self.events.record(kind, email, when, track.message_id if track else "", track.id if track else "",
                           fields)

    # ------------------------------------------------------------------ the record
    def observe(self, track: TrackedMessage, a: Attempt) -> None:
        """One attempt was recorded: the service's outbound hand-overs become events."""
        if a.client not in self.own or a.server in self.own or track.id not in self._tracks:
            return  # host names are lower case (layout.Host)
        if a.outcome == "deferred" and a.note == NEXT_MX:
            return
        with self._lock:
            for r in a.recipients:
                n = self._attempts[(track.id, r)] = self._attempts.get((track.id, r), 0) + 1
                self._outcome(track, a, r, n)

    def _outcome(self, track: TrackedMessage, a: Attempt, r: str, n: int) -> None:
        mx = a.server if a.server not in ("-", "DNS") else None
        if a.stage == "QUEUE":  # the queue gave up: a soft bounce, of type expired
            suppressed = self.suppressions.bounced(r, "soft", a.reply, a.time)
            self._emit("bounce", r, track, a.time, type="expired", reason=a.reply, status=EXPIRED_STATUS,
                       bounce_type="soft", category="expired", mx=mx, attempt=n, suppressed=suppressed)
        elif a.outcome == "accepted":
            self.suppressions.delivered(r)
            self._emit("delivered", r, track, a.time, response=a.reply, mx=mx, attempt=n)
        elif a.outcome == "deferred":
            self._emit("deferred", r, track, a.time, response=a.reply, mx=mx, attempt=n)
        elif a.outcome == "bounced":
            exp = explain(a.reply)
            kind = "blocked" if exp.bounce_type == "block" else "bounce"
            default = "5.4.1" if a.stage == "CONNECT" and a.code is None else "5.0.0"
            suppressed = self.suppressions.bounced(r, exp.bounce_type, a.reply, a.time)
            self._emit(kind, r, track, a.time, type=kind, reason=a.reply,
                       status=status_of(a.reply if a.code is not None else None, default),
                       bounce_type=exp.bounce_type, category=exp.category, mx=mx, attempt=n,
                       suppressed=suppressed)

    # ------------------------------------------------------------------ the receiving side
    def file(self, arrival: Arrival, data: bytes) -> bytes:
        """A receiving MX's step: file the copy, count it for the receiver's feedback loop."""
        domain = arrival.host.domain
        seen = self.spam.read(data, domain)
        fbid = seen.feedback_id if seen.signed else ""  # Gmail counts DKIM-signed mail only
        for _ in arrival.recipients:
            self.feedback.delivered(domain, seen.author, fbid)
        return self.spam.judge(seen).headers() + data

    # ------------------------------------------------------------------ a mailbox's buttons
    def unsubscribe(self, message: Message) -> int:
        """The mailbox clicks "unsubscribe": the RFC 8058 POST; the HTTP status."""
        value = str(message.get("List-Unsubscribe", "") or "")
        urls = [u.strip(" <>") for u in value.split(",") if u.strip(" <>").startswith("https://")]
        if not urls or "One-Click" not in str(message.get("List-Unsubscribe-Post", "")):
            raise ValueError("this message offers no one-click unsubscribe (RFC 8058: List-Unsubscribe "
                             "with an https URI and List-Unsubscribe-Post)")
        return click(urls[0])

    def unsubscribe_by_mail(self, address: str, message: Message, client: str) -> int:
        """The mailbox uses the mailto link instead (RFC 2369 §3.2): a mail from ``address`` to
        the service's unsubscribe address with the link's subject, sent over SMTP from the
        recipient's provider ``client``; the service reads it at once.  250 when sent."""
        value = str(message.get("List-Unsubscribe", "") or "")
        links = [u.strip(" <>") for u in value.split(",") if u.strip(" <>").startswith("mailto:")]
        if not links:
            raise ValueError("this message has no mailto link in List-Unsubscribe (RFC 2369)")
        to, _, query = links[0][len("mailto:"):].partition("?")
        subject = dict(parse_qsl(query)).get("subject", "unsubscribe")
        mail = (f"From: {address}\r\nTo: {to}\r\nSubject: {subject}\r\n"
                f"Date: {format_datetime(datetime.fromtimestamp(self.clock(), tz=UTC))}\r\n\r\n"
                "unsubscribe\r\n").encode("ascii", "replace")
        if self.post is not None:
            self.post(client, address, to, mail)
        self.read_unsubscribes()
        return 250

    def read_unsubscribes(self) -> int:
        """Act on new mail to the service's unsubscribe address (subject ``unsubscribe TOKEN``);
        returns how many it turned into ``unsubscribe`` events."""
        if self.read_mailbox is None:
            return 0
        found = 0
        with self._lock:
            inbox = self.read_mailbox(self.sender["unsubscribe"])
            fresh, self._unsubscribes_read = inbox[self._unsubscribes_read:], len(inbox)
            for m in fresh:
                words = str(m.get("Subject", "") or "").split()
                asked = len(words) == 2 and words[0] == "unsubscribe"
                known = self.tokens.get(words[1]) if asked else None
                if known is None:
                    continue
                address, track_id = known
                now = self.clock()
                suppressed = self.suppressions.unsubscribed(address, f"mailto from {m.get('From', '?')}", now)
                self._emit("unsubscribe", address, self._tracks.get(track_id), now, reason="mailto",
                           suppressed=suppressed)
                found += 1
        return found

    def _unsubscribe_post(self, token: str, body: str) -> bool:
        """The endpoint received a one-click POST (on its own thread)."""
        found = self.tokens.get(token)
        if found is None:
            return False
        address, track_id = found
        now = self.clock()
        with self._lock:
            suppressed = self.suppressions.unsubscribed(address, f"RFC 8058 POST {body} (token {token})", now)
            self._emit("unsubscribe", address, self._tracks.get(track_id), now, reason="one-click",
                       suppressed=suppressed)
        return True

    def report_spam(self, address: str, message: Message, reporting_mta: str,
                    source_ip: str) -> Message | None:
        """The mailbox clicks "report spam" at its provider; the report sent, or None when the
        provider runs no per-message feedback loop for this mail (Gmail: aggregate only)."""
        domain = address.rpartition("@")[2].lower()
        raw = message.as_bytes()
        author, fbid = _author_and_feedback_id(raw)
        self.feedback.reported(domain, author, fbid)
        loop = self.feedback.loop(domain)
        style = loop.get("style", "none")
        signed = [d.lower() for d in _dkim_domains(message)]
        if style == "none" or (style == "dkim" and not set(signed) & set(self.sender["registered_dkim"])):
            return None
        now = self.clock()
        date = format_datetime(datetime.fromtimestamp(now, tz=UTC))
        n = len(self.events) + 1
        report = arf_report(
            raw, reporter=f"feedback@{domain}", to=self.sender["fbl"], reporting_mta=reporting_mta,
            recipient=normalise_address(address), mail_from=str(message.get("Return-Path", "")).strip("<> "),
            source_ip=source_ip, arrival_date=str(message.get("Date", date)), date=date,
            message_id=f"<arf.{n}.{int(now)}@{domain}>", user_agent=str(loop.get("user_agent", "")),
            redacted=bool(loop.get("redact")), reported_domain=signed[0] if signed else author,
            authentication_results=str(message.get("Authentication-Results", "") or ""))
        if self.post is not None:
            wire = report.as_bytes(policy=compat32.clone(linesep="\r\n"))
            self.post(reporting_mta, f"feedback@{domain}", self.sender["fbl"], wire)
        self.read_reports()
        return report

    def read_reports(self) -> int:
        """Read new mail in the feedback-loop inbox with the bounce reader; returns how many
        complaints it turned into ``spamreport`` events."""
        if self.read_mailbox is None:
            return 0
        found = 0
        with self._lock:
            inbox = self.read_mailbox(self.sender["fbl"])
            fresh, self._reports_read = inbox[self._reports_read:], len(inbox)
            for m in fresh:
                bounce = read_bounce(m)
                if bounce.kind != "feedback-report":
                    continue
                address, track = self._complainant(m, [r.address for r in bounce.recipients])
                if address is None:
                    continue
                details = dict(bounce.details)
                why = (f"Feedback-Type: {details.get('Feedback-Type', 'abuse')} from "
                       f"{bounce.reporting_mta or bounce.sender} ({details.get('User-Agent', '')})")
                now = self.clock()
                suppressed = self.suppressions.complained(address, why, now)
                self._emit("spamreport", address, track, now, reason=why, suppressed=suppressed)
                found += 1
        return found

    def _complainant(self, report: Message, named: list[str]) -> tuple[str | None, TrackedMessage | None]:
        """Who complained: the service's own id in the returned message, else the named
        recipient unless it was redacted."""
        for part in report.walk():
            if part.get_content_type() == "message/rfc822":
                inner = part.get_payload()
                inner = inner[0] if isinstance(inner, list) and inner else inner
                token = str(inner.get(ESP_ID, "") or "").strip() if isinstance(inner, Message) else ""
                if token in self.tokens:
                    address, track_id = self.tokens[token]
                    return address, self._tracks.get(track_id)
        for r in named:
            if not r.startswith("redacted@"):
                return normalise_address(r), None
        return None, None

    def close(self) -> None:
        with self._lock:
            endpoint, self._endpoint = self._endpoint, None
        if endpoint is not None:
            endpoint.close()

    # ------------------------------------------------------------------ a mailbox's view
    @staticmethod
    def folders(messages: Sequence[Message]) -> dict[str, list[Any]]:
        """Delivered copies by folder: ``{"Inbox": [...], "Junk": [...], "Quarantine": [...]}``."""
        out: dict[str, list[Any]] = {f: [] for f in FOLDERS}
        for m in messages:
            out[folder_of(m)].append(m)
        return out

    @staticmethod
    def newest(messages: Sequence[Any], header: str, address: str) -> Any:
        """The newest of ``messages`` that carries ``header`` (what a mailbox clicks on)."""
        for m in reversed(messages):
            if m.get(header) is not None:
                return m
        raise LookupError(f"no message in {address}'s mailbox carries {header}")


def _token(address: str, track_id: str) -> str:
    """The opaque id of one message to one (normalised) recipient."""
    return hashlib.sha256(f"{track_id}|{address}".encode()).hexdigest()[:20]


def _author_and_feedback_id(data: bytes) -> tuple[str, str]:
    """The From: domain and the Feedback-ID of a message (its header section only)."""
    end = data.find(b"\n\n")
    end2 = data.find(b"\r\n\r\n")
    head = b"\n" + data[: max(end, end2) if min(end, end2) < 0 else min(end, end2)]
    author = _FROM_DOMAIN.search(head)
    fbid = _FEEDBACK_ID.search(head)
    return (author.group(1).decode("ascii", "replace").lower() if author else "",
            fbid.group(1).decode("ascii", "replace").strip() if fbid else "")


def _dkim_domains(message: Message) -> list[str]:
    out = []
    for value in message.get_all("DKIM-Signature", []) or []:
        for tag in str(value).replace("\r\n", "").split(";"):
            name, _, v = tag.strip().partition("=")
            if name == "d":
                out.append(v.strip())
    return out
