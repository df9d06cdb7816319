"""Complaints: "report spam" at a mailbox provider, and what the sender hears of it.

Where the provider runs a complaint feedback loop it mails the sender an RFC 5965 report
(``multipart/report; report-type=feedback-report``: a human part, a ``message/feedback-report``
part, the reported message) -- Yahoo's Complaint Feedback Loop to the address registered for
the message's DKIM ``d=`` domain, Microsoft's JMRP to the address registered for the sending
IP (``esp.json``, ``"feedback_loops"``, with their pages).  A report may redact the recipient
(RFC 6590): the sender then finds it by its own header in the returned message.

Gmail sends no per-message report: its feedback loop is an aggregate, the spam rate per
``Feedback-ID`` header value (``a:b:c:SenderId``, https://support.google.com/a/answer/6254652)
shown in Postmaster Tools.  :class:`FeedbackLoops` keeps both counts for every receiver: mail
delivered and mail reported, per author domain and per Feedback-ID.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from email import message_from_bytes
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from typing import Any

__all__ = ["FeedbackLoops", "arf_report", "redact"]


def redact(address: str) -> str:
    """The recipient with its local part replaced (RFC 6590 §4: keep the domain)."""
    return "redacted@" + address.rpartition("@")[2] if "@" in address else "redacted"


def arf_report(original: bytes, *, reporter: str, to: str, reporting_mta: str, recipient: str,
               mail_from: str, source_ip: str, arrival_date: str, date: str, message_id: str,
               user_agent: str, redacted: bool = False, reported_domain: str = "",
               authentication_results: str = "") -> Message:
    """An RFC 5965 abuse report about ``original`` (the copy as the recipient had it)."""
    shown = redact(recipient) if redacted else recipient
    copy = original
    if redacted:  # RFC 6590 §4: the address goes from the returned message as well
        copy = original.replace(recipient.encode(), shown.encode())
    msg = MIMEMultipart("report", boundary=f"arf.{message_id.strip('<>')}", report_type="feedback-report")
    msg["From"] = reporter
    msg["To"] = to
    msg["Subject"] = "Complaint about a message you sent"
    msg["Date"] = date
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834 §5: not a reply to answer
    human = (f"This is an email abuse report for a message received from IP {source_ip} on "
             f"{arrival_date}.\nA recipient at {reporting_mta} marked it as spam.\n")
    msg.attach(MIMEText(human, "plain", "us-ascii"))
    part = MIMEBase("message", "feedback-report")
    del part["MIME-Version"]
    fields = Message()
    fields["Feedback-Type"] = "abuse"
    fields["User-Agent"] = user_agent
    fields["Version"] = "1"
    fields["Original-Mail-From"] = f"<{mail_from}>"
    fields["Original-Rcpt-To"] = f"<{shown}>"
    fields["Arrival-Date"] = arrival_date
    fields["Reporting-MTA"] = f"dns; {reporting_mta}"
    fields["Source-IP"] = source_ip
    if reported_domain:
        fields["Reported-Domain"] = reported_domain
    if authentication_results:
        fields["Authentication-Results"] = authentication_results
    part.set_payload([fields])
    msg.attach(part)
    returned = MIMEMessage(message_from_bytes(copy, policy=compat32))
    del returned["MIME-Version"]
    msg.attach(returned)
    for child in msg.get_payload():
        if isinstance(child, Message):
            del child["MIME-Version"]
    return msg


class FeedbackLoops:
    """What each receiver knows about a sender's mail: delivered and reported, per author
    domain and per ``Feedback-ID`` (the aggregate Gmail shows instead of reports)."""

    def __init__(self, loops: Mapping[str, Mapping[str, Any]], providers: Mapping[str, str]) -> None:
        self.loops = {k: dict(v) for k, v in loops.items()}
        self.providers = {k.lower(): v for k, v in providers.items()}
        self._delivered: dict[tuple[str, str], int] = {}  # (receiver domain, key) -> copies
        self._reported: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def provider(self, domain: str) -> str:
        """The mailbox provider behind a receiving domain ("" when none is named)."""
        return self.providers.get(domain.lower(), "")

    def loop(self, domain: str) -> dict[str, Any]:
        """The feedback loop of the provider behind ``domain`` (``style`` none when it has none)."""
        return self.loops.get(self.provider(domain), {"style": "none"})

    def delivered(self, receiver: str, author: str, feedback_id: str = "") -> None:
        with self._lock:
            for key in (f"domain:{author.lower()}", f"fbid:{feedback_id}" if feedback_id else ""):
                if key:
                    k = (receiver.lower(), key)
                    self._delivered[k] = self._delivered.get(k, 0) + 1

    def reported(self, receiver: str, author: str, feedback_id: str = "") -> None:
        with self._lock:
            for key in (f"domain:{author.lower()}", f"fbid:{feedback_id}" if feedback_id else ""):
                if key:
                    k = (receiver.lower(), key)
                    self._reported[k] = self._reported.get(k, 0) + 1

    def rate(self, receiver: str, author: str) -> float:
        """Share of ``author``'s copies at ``receiver`` that were reported as spam."""
        if not self._reported:  # no complaint anywhere yet: the common case, no lock
            return 0.0
        k = (receiver.lower(), f"domain:{author.lower()}")
        with self._lock:
            sent = self._delivered.get(k, 0)
            return self._reported.get(k, 0) / sent if sent else 0.0

    def spam_rates(self, receiver: str) -> dict[str, dict[str, float]]:
        """Postmaster-Tools style: per Feedback-ID at ``receiver``, copies, reports and rate."""
        out: dict[str, dict[str, float]] = {}
        with self._lock:
            for (domain, key), sent in sorted(self._delivered.items()):
                if domain == receiver.lower() and key.startswith("fbid:"):
                    reported = self._reported.get((domain, key), 0)
                    out[key[5:]] = {"delivered": sent, "reported": reported, "rate": reported / sent}
        return out
