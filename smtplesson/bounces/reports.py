"""Mail that is not a bounce but is often taken for one.

* RFC 5965 feedback reports (ARF): ``multipart/report; report-type=feedback-report`` with
  a ``message/feedback-report`` part -- a recipient's mailbox provider says the message
  was reported (``Feedback-Type: abuse``), not that it failed.
* RFC 3834 auto-replies (vacation, out of office): ``Auto-Submitted: auto-replied`` or
  the older ``X-Autoreply``/``Precedence: auto_reply`` markers and subjects.
"""
from __future__ import annotations

import re

from .mail import Mail

__all__ = ["AUTO_REPLY_SUBJECT", "feedback_fields", "is_auto_reply"]

_FIELD = re.compile(r"^([A-Za-z][\w-]{0,40})[ \t]*:[ \t]*(.*(?:\n[ \t]+\S.*)*)", re.M)
#: subjects auto-responders write (RFC 3834 §3.1.5 suggests "Auto:"; the rest are common)
AUTO_REPLY_SUBJECT = re.compile(
    r"^(?:auto(?:matic)?[ -]?(?:reply|response|antwort)\b|auto:|out of (?:the )?office|"
    r"abwesenheitsnotiz|absence|réponse automatique|risposta automatica|respuesta automática|"
    r"vacation|on vacation|away from)", re.I)
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-vacation")


def feedback_fields(mail: Mail) -> list[tuple[str, str]] | None:
    """The fields of an RFC 5965 report, or None when ``mail`` is not one."""
    if not mail.feedback_texts and mail.report_type != "feedback-report":
        return None
    text = "\n".join(mail.feedback_texts)
    if not text and "feedback-type:" in mail.body[:65536].lower():  # broken MIME
        at = mail.body.lower().find("feedback-type:")
        text = mail.body[at:at + 4096].partition("\n\n")[0]
    return [(name, " ".join(value.split())) for name, value in _FIELD.findall(text)][:40]


def is_auto_reply(mail: Mail) -> bool:
    """True for an RFC 3834 automatic response."""
    auto = mail.header("Auto-Submitted").lower()
    if auto.startswith("auto-replied"):
        return True
    message = mail.message
    if any(message.get(name) is not None for name in _AUTO_HEADERS):
        return True
    if mail.header("Precedence").lower() == "auto_reply":
        return True
    if message.get("X-Auto-Response-Suppress") is not None and AUTO_REPLY_SUBJECT.match(mail.subject):
        return True
    return bool(AUTO_REPLY_SUBJECT.match(mail.subject)) and (auto != "" or "auto" in mail.subject.lower())
