"""Delivery Status Notifications (bounces) per RFC 3464, built with the stdlib ``email``.

A DSN is ``multipart/report; report-type=delivery-status`` (RFC 6522) with three parts:

1. ``text/plain`` — words for a human;
2. ``message/delivery-status`` — per-message fields (``Reporting-MTA``, ``Arrival-Date``), then
   one block per recipient (``Final-Recipient``, ``Action``, ``Status``, ``Remote-MTA``,
   ``Diagnostic-Code: smtp; <the remote reply>``, ``Last-Attempt-Date``, ...);
3. ``text/rfc822-headers`` — the original message's headers.

It is sent from the null reverse-path ``<>`` (RFC 5321 §4.5.5), so it is never bounced again.
What is built here is read back by :func:`smtplesson.read_bounce` (the one reader).
"""
from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import collapse_rfc2231_value

from ..codes.syntax import REPLY_LINE, code_of, enhanced_of

__all__ = ["RecipientStatus", "build_dsn", "is_dsn", "status_of"]


def status_of(reply: str | None, default: str = "5.0.0") -> str:
    """The enhanced status of a reply (``"550 5.1.1 ..."`` -> ``"5.1.1"``), else ``X.0.0``."""
    text = (reply or "").strip()
    code = code_of(text)
    if code is None:
        return default
    found = enhanced_of(text)
    if found is not None:
        return found
    return f"{code // 100}.0.0" if code >= 400 else default


@dataclass(frozen=True)
class RecipientStatus:
    """One recipient's block in the ``message/delivery-status`` part."""

    recipient: str
    action: str  # "failed" | "delayed" | "delivered" | "relayed" | "expanded"
    status: str  # "5.1.1"
    diagnostic: str | None = None  # the remote reply, one line: "550 5.1.1 <x>: unknown"
    remote_mta: str | None = None  # "mx1.example.net"
    last_attempt: str | None = None  # RFC 5322 date
    will_retry_until: str | None = None  # for Action: delayed
    stage: str | None = None  # "RCPT TO" — for the human-readable part only
    diagnostic_type: str = "smtp"  # RFC 3464 §2.3.6: "smtp" for a remote SMTP reply

    def fields(self) -> list[tuple[str, str]]:
        out = [("Final-Recipient", f"rfc822; {self.recipient}"), ("Action", self.action),
               ("Status", self.status)]
        if self.remote_mta:
            out.append(("Remote-MTA", f"dns; {self.remote_mta}"))
        if self.diagnostic:
            out.append(("Diagnostic-Code", f"{self.diagnostic_type}; {_one_line(self.diagnostic)}"))
        if self.last_attempt:
            out.append(("Last-Attempt-Date", self.last_attempt))
        if self.will_retry_until:
            out.append(("Will-Retry-Until", self.will_retry_until))
        return out


def _one_line(text: str) -> str:
    """Multi-line replies become one line (``550-a`` / ``550 b`` -> ``550 a b``)."""
    parts = [ln.strip() for ln in text.replace("\r", "").split("\n") if ln.strip()]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    first = REPLY_LINE.match(parts[0])
    if first is None:
        return " ".join(parts)
    code = first.group(1)
    rest = []
    for part in parts[1:]:
        line = REPLY_LINE.match(part)
        rest.append(part[line.end():] if line and line.group(1) == code else part)
    return " ".join([f"{code} {parts[0][first.end():]}".rstrip(), *rest])


def _human_text(reporting_mta: str, statuses: Sequence[RecipientStatus], delayed: bool) -> str:
    head = [f"This is the mail system at host {reporting_mta}.", ""]
    if delayed:
        head += ["####################################################################",
                 "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #",
                 "####################################################################", "",
                 "Your message could not be delivered yet. The mail system will keep",
                 "trying; it tells you again only if it finally gives up.", ""]
    else:
        head += ["I'm sorry to have to inform you that your message could not",
                 "be delivered to one or more recipients. It's attached below.", ""]
    for s in statuses:
        where = f"host {s.remote_mta} said: " if s.remote_mta else ""
        stage = f" (in reply to {s.stage} command)" if s.stage else ""
        line = f"<{s.recipient}>: {where}{_one_line(s.diagnostic or s.status)}{stage}"
        head += [*textwrap.wrap(line, 72, subsequent_indent="    ", break_long_words=False), ""]
    return "\n".join(head) + "\n"


def build_dsn(
    *,
    to: str,
    statuses: Sequence[RecipientStatus],
    reporting_mta: str,
    arrival_date: str,
    date: str,
    message_id: str,
    original_headers: str,
    boundary: str | None = None,
) -> Message:
    """A complete RFC 3464 DSN addressed to ``to`` (the original envelope sender).

    Built from ``email.mime`` parts (the ``compat32`` API: about ten times faster than
    ``EmailMessage`` here, and the bytes are the same kind of MIME).
    """
    if not statuses:
        raise ValueError("a DSN reports on at least one recipient")
    delayed = all(s.action == "delayed" for s in statuses)
    msg = MIMEMultipart("report", boundary=boundary or f"dsn.{message_id.strip('<>')}",
                        report_type="delivery-status")
    msg["From"] = f"Mail Delivery System <MAILER-DAEMON@{reporting_mta}>"
    msg["To"] = to
    msg["Subject"] = ("Delayed Mail (still being retried)" if delayed
                      else "Undelivered Mail Returned to Sender")
    msg["Date"] = date
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-responder answers a bounce
    msg.attach(_text_part(_human_text(reporting_mta, statuses, delayed), "plain"))
    msg.attach(_status_part(reporting_mta, arrival_date, statuses))
    head = original_headers.replace("\r\n", "\n").rstrip("\n") + "\n"
    msg.attach(_text_part(head, "rfc822-headers"))
    for name in ("MIME-Version", "Content-Type"):  # after the address headers, as MTAs write it
        value = msg[name]
        del msg[name]
        msg[name] = value
    for part in _parts(msg):
        del part["MIME-Version"]
    return msg


def _text_part(text: str, subtype: str) -> MIMEText:
    return MIMEText(text, subtype, "us-ascii" if text.isascii() else "utf-8")


def _status_part(reporting_mta: str, arrival_date: str,
                 statuses: Sequence[RecipientStatus]) -> MIMEBase:
    part = MIMEBase("message", "delivery-status")
    del part["MIME-Version"]
    part["Content-Description"] = "Delivery report"
    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {reporting_mta}"
    per_message["Arrival-Date"] = arrival_date
    blocks: list[Message | str] = [per_message]
    for s in statuses:
        block = Message()
        for name, value in s.fields():
            block[name] = value
        blocks.append(block)
    part.set_payload(blocks)
    return part


def is_dsn(msg: Message) -> bool:
    """True when ``msg`` is a delivery-status report (RFC 6522 ``multipart/report``)."""
    return (msg.get_content_type() == "multipart/report"
            and collapse_rfc2231_value(msg.get_param("report-type", "")).lower() == "delivery-status")


def _parts(msg: Message) -> list[Message]:
    """The parts of a multipart message."""
    payload = msg.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []
