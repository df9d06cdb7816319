"""Bounces written by mail providers: Gmail, Google Groups, Microsoft 365, Outlook.com,
Yahoo, AOL, iCloud, Amazon SES, SendGrid, Zoho.

Providers run well-known MTAs underneath, so a signature is what is theirs: the sender,
the reporting host or their own words (each from the provider's public help pages and
public bounces; see the fixtures' README).  The signatures live in the provider's entry of
``codes/data/providers.json`` (``"bounce"``), beside its markers and reply rules.
"""
from __future__ import annotations

from ..codes.providers import BOUNCE_ORDER, PROVIDERS, BounceFormat
from .mail import Mail
from .text import TextFormat

__all__ = ["FORMATS"]


def _text_format(fmt: BounceFormat) -> TextFormat:
    requires = fmt.requires

    def check(mail: Mail) -> bool:
        return requires is not None and requires in mail.lower_text

    return TextFormat(fmt.name, fmt.signatures, fmt.starts, fmt.stops, kind="provider",
                      check=check if requires is not None else None, bare_names=fmt.bare_names)


_BY_NAME = {fmt.name: fmt for provider in PROVIDERS.values() for fmt in provider.bounce}
FORMATS: tuple[TextFormat, ...] = tuple(_text_format(_BY_NAME[name]) for name in BOUNCE_ORDER)
