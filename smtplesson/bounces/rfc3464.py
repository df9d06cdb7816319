"""RFC 3464 delivery-status fields, wherever they sit in a mail: the one reader of these fields.

The fields are read from the text of every ``message/delivery-status`` part (also nested
in ``multipart/mixed`` or inside a returned message); when a mail has none -- a broken or
missing MIME boundary, a one-block layout without blank lines between the per-message
and the per-recipient fields, the fields written into the human-readable part (Amazon
WorkMail's "Technical report:") -- the same scan runs over the decoded text, else the
whole body.  Blocks are cut by
field names (a new ``Original-Recipient``/``Final-Recipient``), not by blank lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..codes.syntax import enhanced_of
from .mail import Mail
from .phrases import Folded, Phrases

__all__ = ["StatusReport", "address_of", "read_status", "status_field", "typed_value"]

_PER_MESSAGE = ("reporting-mta", "dsn-gateway", "received-from-mta", "arrival-date",
                "original-envelope-id", "x-postfix-sender", "x-original-message-id")
_PER_RECIPIENT = ("original-recipient", "final-recipient", "x-actual-recipient", "action",
                  "status", "remote-mta", "diagnostic-code", "last-attempt-date",
                  "will-retry-until", "final-log-id", "x-supplementary-info")
_ADDRESSES = frozenset({"original-recipient", "final-recipient", "x-actual-recipient"})
_NAMES = "|".join(re.escape(n) for n in _PER_MESSAGE + _PER_RECIPIENT)
# a value goes on over folded lines, and over the unfolded lines of a multi-line reply that
# nullmailer 2.2 copies into Diagnostic-Code as the server sent them ("550-5.7.1 ...\n550 5.7.1 ...")
_FIELD = Folded(rf"^[ \t]*({_NAMES})[ \t]*:[ \t]*(.*(?:\n(?:[ \t]+\S|[2-5][0-9][0-9][ -]).*)*)", re.M)
_MARK = Phrases("final-recipient", "original-recipient")
# what either name of _MARK holds wherever it matches, as re.IGNORECASE reads its letters ("i" also
# as "ı" and "İ"; the other letters by their ASCII cases only): looked for first in a text that is
# not lower-cased yet, from its one literal ("-"), many times faster than lower-casing a long
# returned message that is not ASCII (a 35 KiB one: 10 us instead of 84)
_MARK_PART = re.compile("-[rR][eE][cC][iIıİ][pP][iIıİ][eE][nN][tT]")
_DISPOSITION = Folded(r"^disposition[ \t]*:", re.M)  # RFC 8098 §3.2.6


@dataclass
class StatusReport:
    """The per-message fields and one dict per recipient block (lower-case names)."""

    per_message: dict[str, str] = field(default_factory=dict)
    recipients: list[dict[str, str]] = field(default_factory=list)
    from_parts: bool = True  # False: scanned from the body of a mail with broken MIME


def read_status(mail: Mail) -> StatusReport | None:
    """The delivery-status fields of ``mail``, or None when it has none."""
    report = StatusReport()
    for text in mail.status_texts:
        _scan(text, report)
    # fields written into the text part (WorkMail), decoded; else the raw body -- but not the same
    # fields of an RFC 8098 read receipt (a "Disposition:" beside them): the message was delivered
    if not report.recipients and mail.report_type != "disposition-notification":
        body = mail.body[:256 * 1024]
        searched: list[tuple[str, str | None]] = [(mail.text, mail.lower_text)]
        if body != mail.text:  # a one-part mail's body is often its text: searched once
            searched.append((body, None))
        for text, low in searched:
            if (low is not None or _MARK_PART.search(text) is not None) and _MARK.search(text, low):
                if _has_disposition(body):  # (looked for once there are fields to read)
                    break
                report.from_parts = False
                _scan(text, report)
                if report.recipients:
                    break
    return report if report.recipients else None


def _has_disposition(body: str) -> bool:
    pattern, searched = _DISPOSITION.target(body)
    return pattern.search(searched) is not None


def _scan(text: str, report: StatusReport) -> None:
    block: dict[str, str] | None = None
    pattern, searched = _FIELD.target(text)
    for match in pattern.finditer(searched):
        name = match.group(1).lower()
        value = " ".join(text[match.start(2):match.end(2)].split())
        if name in _PER_MESSAGE:
            report.per_message.setdefault(name, value)
            continue
        # RFC 3464 puts Original-Recipient first; Postfix writes it after Final-Recipient
        starts = block is not None and (
            (name == "original-recipient" and ("original-recipient" in block or (
                "final-recipient" in block and len(block.keys() - _ADDRESSES) > 0)))
            or (name == "final-recipient" and "final-recipient" in block)
            # Exim writes Action before Final-Recipient: a repeated field is a new recipient
            or (name not in _ADDRESSES and name in block and _address_field(block) != ""))
        if block is None or starts:
            block = {}
            report.recipients.append(block)
        block.setdefault(name, value)
    report.recipients[:] = [b for b in report.recipients if _address_field(b)]


def _address_field(block: dict[str, str]) -> str:
    return block.get("final-recipient") or block.get("original-recipient") or \
        block.get("x-actual-recipient") or ""


def typed_value(value: str) -> str:
    """The value of a typed field: ``rfc822; a@b`` -> ``a@b``, ``dns; mx.example`` -> ``mx.example``."""
    head, sep, rest = value.partition(";")
    if sep and len(head) < 24 and " " not in head.strip():
        value = rest
    return value.strip().strip("<>").strip()


def address_of(block: dict[str, str]) -> str:
    """The recipient's address: Final-Recipient's, else (an empty ``system;<>``, as CommuniGate
    Pro writes for a recipient it could not name, or a local name without a domain, ``LOCAL;<f.b>``
    beside ``Original-Recipient: rfc822;<f.b@a.b.c>``) Original-Recipient's (RFC 3464 §2.3.1-2)."""
    address = typed_value(_address_field(block))
    original = typed_value(block.get("original-recipient", ""))
    if original and (not address or ("@" not in address and "@" in original)):
        return original
    return address


def status_field(value: str | None) -> str | None:
    """The enhanced status in a Status field (``5.1.1 (unknown user)`` -> ``5.1.1``)."""
    if not value:
        return None
    return enhanced_of(value)
