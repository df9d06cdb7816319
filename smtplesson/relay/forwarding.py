"""Intermediaries: what a forwarder and a mailing list do to a message on its way on.

Two kinds, as the course review (N8) asks, each a live behaviour of the network:

* **forwarder** (an alias, a ``.forward``): the body goes on untouched, so the author's DKIM
  signature survives.  Without SRS it keeps the author's MAIL FROM and sends from its own
  address: SPF fails at the next hop, and DMARC passes only through DKIM.  With SRS (the Sender
  Rewriting Scheme, :mod:`.srs`) the envelope becomes ``SRS0=HHHH=TT=example.com=alice@<forwarder>``:
  SPF passes for the forwarder's domain, and a bounce can still find the author (:func:`.srs.reverse`).
* **list** (as Mailman 3 does it): the envelope sender becomes the list's bounce address
  (``team-bounces@lists.example.org``): SPF passes for the list, unaligned with the author; a
  footer changes the body: the author's DKIM signature breaks; for an author whose domain
  publishes ``p=reject`` or ``p=quarantine`` the list munges ``From:`` to ``"Alice via Team"
  <team@lists.example.org>`` and puts the author in ``Reply-To:`` (Mailman 3's
  ``dmarc_mitigate_action = munge_from``,
  https://docs.mailman3.org/projects/mailman/en/latest/src/mailman/handlers/docs/dmarc-mitigations.html);
  and it ARC-seals what it saw (RFC 8617, dkimpy's ``arc_sign``).
"""
from __future__ import annotations

import email.utils
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MUNGED_POLICIES", "Intermediary", "bounce_address", "munge_from"]

#: Mailman 3 mitigates for authors whose DMARC policy is one of these
MUNGED_POLICIES = ("reject", "quarantine")


@dataclass
class Intermediary:
    """One list or forwarding address of the layout (``network.json``, ``"lists"``)."""

    address: str
    kind: str = "list"  # "list" | "forwarder"
    members: list[str] = field(default_factory=list)
    name: str = ""  # the list's display name ("Team")
    footer: str = ""
    arc: bool = True  # ARC-seal what goes on (RFC 8617)
    srs: bool = False  # forwarder: rewrite the envelope with SRS
    munge: bool = True  # list: munge From: for p=reject / p=quarantine authors

    @classmethod
    def from_spec(cls, address: str, spec: Mapping[str, Any]) -> Intermediary:
        known = {"kind", "members", "name", "footer", "arc", "srs", "munge"}
        unknown = set(spec) - known - {"_comment"}
        if unknown:
            raise ValueError(f"{address}: unknown list settings {sorted(unknown)}; known: {sorted(known)}")
        options = {k: v for k, v in spec.items() if k in known}
        if options.get("kind", "list") not in ("list", "forwarder"):
            raise ValueError(f"{address}: kind must be 'list' or 'forwarder'")
        return cls(address=address, **options)

    def __getitem__(self, key: str) -> Any:  # net.lists[address]["arc"], as before
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not hasattr(self, key):
            raise KeyError(key)
        setattr(self, key, value)

    @property
    def display_name(self) -> str:
        return self.name or self.address.partition("@")[0].capitalize()


def bounce_address(list_address: str) -> str:
    """The envelope sender of a list's posts: ``<list>-bounces@<domain>`` (Mailman 3)."""
    local, _, domain = list_address.partition("@")
    return f"{local}-bounces@{domain}"


def munge_from(message: bytes, list_address: str, list_name: str) -> bytes:
    """``From: "Alice via Team" <team@...>`` and the author in ``Reply-To:`` (Mailman 3's
    munge_from: "munging the From: header and putting original From: in Cc: or Reply-To:")."""
    head, sep, body = message.partition(b"\r\n\r\n")
    lines = _unfold(head.decode("utf-8", "replace"))
    author = next((v for k, v in lines if k.lower() == "from"), "")
    name, address = email.utils.parseaddr(author)
    display = f"{name or address.partition('@')[0]} via {list_name}"
    kept = [(k, v) for k, v in lines if k.lower() not in ("from", "reply-to")]
    new = [("From", email.utils.formataddr((display, list_address))), ("Reply-To", author.strip()), *kept]
    text = "\r\n".join(f"{k}:{v if v.startswith(' ') else ' ' + v}" for k, v in new)
    return text.encode("utf-8") + sep + body


def _unfold(head: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + "\r\n" + line)
        elif ":" in line:
            name, _, value = line.partition(":")
            fields.append((name, value))
    return fields
