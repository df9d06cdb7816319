r"""Read whole bounce mails: RFC 3464 reports and the vendor formats people actually receive.

>>> bounce = read_bounce(
...     b"From: MAILER-DAEMON@mx.example.net\nTo: alice@example.com\nMIME-Version: 1.0\n"
...     b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
...     b"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
...     b"Final-Recipient: rfc822; dan@example.net\nAction: failed\nStatus: 5.1.1\n--b--\n")
>>> bounce.kind, bounce.format, [r.address for r in bounce.recipients]
('dsn', 'rfc3464', ['dan@example.net'])

``read_bounce`` also takes a ``str``, an ``email.message.Message``, a path or a binary file.
:func:`build_dsn` writes the DSNs the mail network sends (:mod:`.build`); ``read_bounce``
reads them back.

One model (:mod:`.model`: :class:`Bounce`, one :class:`BouncedRecipient` per address),
one reader (:mod:`.readers`), one RFC 3464 field reader (:mod:`.rfc3464`), and one module
per family of other formats:
:mod:`.mta` (Postfix, Sendmail, Exim, qmail ...), :mod:`.providers` (Gmail, Microsoft
365, Yahoo ...), :mod:`.gateways` (Proofpoint, Mimecast ...), :mod:`.reports`
(feedback reports and auto-replies); :mod:`.readers` tries them in order.  Sending services'
JSON bounce events (Amazon SES, SendGrid, Postmark, Mailgun) are read by :mod:`.events`
into the same model (``kind="event"``); ``read_bounce`` hands them over itself.
Pure standard library.
"""
from __future__ import annotations

from .build import RecipientStatus, build_dsn, is_dsn, status_of
from .events import SERVICES, read_event
from .model import Bounce, BouncedRecipient, EspVerdict, OriginalMessage
from .readers import FORMATS, read_bounce, read_dsn

__all__ = ["FORMATS", "SERVICES", "Bounce", "BouncedRecipient", "EspVerdict", "OriginalMessage",
           "RecipientStatus", "build_dsn", "is_dsn", "read_bounce", "read_dsn", "read_event", "status_of"]
