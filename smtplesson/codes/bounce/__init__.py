"""Read whole bounce mails: RFC 3464 reports and the vendor formats people actually receive.

>>> bounce = read_bounce(open("bounce.eml", "rb"))
>>> bounce.kind, bounce.format, [r.address for r in bounce.recipients]

One module per family of formats: :mod:`.rfc3464` (delivery-status fields),
:mod:`.mta` (Postfix, Sendmail, Exim, qmail ...), :mod:`.providers` (Gmail, Microsoft
365, Yahoo ...), :mod:`.gateways` (Proofpoint, Mimecast ...), :mod:`.reports`
(feedback reports and auto-replies); :mod:`.readers` tries them in order.
Pure standard library.
"""
from __future__ import annotations

from .model import Bounce, BouncedRecipient, OriginalMessage
from .readers import FORMATS, read_bounce

__all__ = ["FORMATS", "Bounce", "BouncedRecipient", "OriginalMessage", "read_bounce"]
