"""The Sender Rewriting Scheme, SRS0 addresses of its Guarded scheme (Shevek, "Sender Rewriting
Scheme", 2004, the paper behind libsrs2 and Postfix's postsrsd).

A forwarder that sends mail on from its own address rewrites the envelope sender into its own
domain, so SPF at the next hop checks the forwarder, not the author::

    alice@example.com  ->  SRS0=HHHH=TT=example.com=alice@forward.example.org

``HHHH``: the first four characters of the base64 HMAC-SHA1, under the forwarder's secret, of
the lower-cased ``TT``, host and local part (a bounce to a forged SRS address is refused);
``TT``: the day number modulo 1024 in two base-32 characters (an old address expires).  A
bounce to the SRS0 address is turned back into the author's (:func:`reverse`).

Written here rather than taken from PyPI: ``srslib`` (last release May 2024, "beta") and
``pysrs`` (2018) are the packages there, neither on conda-forge, which the course's environment
uses; the tests check these addresses against srslib's.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["SRSError", "forward", "reverse"]

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # the paper's base 32 for timestamps
HASH_LENGTH = 4
VALID_DAYS = 21  # how long a bounce to an SRS address is accepted (libsrs2's default)


class SRSError(ValueError):
    """An address that is not a valid SRS0 address of this forwarder (forged or expired)."""


def _hash(secret: str, text: str) -> str:
    digest = hmac.new(secret.encode(), text.lower().encode(), hashlib.sha1).digest()
    return base64.b64encode(digest)[:HASH_LENGTH].decode()


def _timestamp(when: float) -> str:
    day = int(when // 86400)
    return _ALPHABET[(day >> 5) & 31] + _ALPHABET[day & 31]


def forward(sender: str, domain: str, secret: str, when: float) -> str:
    """The SRS0 address a forwarder at ``domain`` writes for ``sender`` at time ``when``
    (``""``, a bounce's null sender, stays as it is)."""
    if not sender:
        return sender
    local, at, host = sender.rpartition("@")
    if not at or not local or not host:
        raise SRSError(f"not an address: {sender!r}")
    stamp = _timestamp(when)
    return f"SRS0={_hash(secret, stamp + host + local)}={stamp}={host}={local}@{domain}"


def reverse(address: str, secret: str, when: float) -> str:
    """The author's address inside an SRS0 ``address``; SRSError when the hash does not match
    (forged) or the timestamp is more than :data:`VALID_DAYS` old."""
    local = address.rpartition("@")[0]
    parts = local.split("=", 4)
    if len(parts) != 5 or parts[0].upper() != "SRS0":
        raise SRSError(f"not an SRS0 address: {address!r}")
    _, given, stamp, host, original = parts
    if given.lower() != _hash(secret, stamp + host + original).lower():
        raise SRSError(f"the hash of {address!r} does not match: forged, or another forwarder's")
    if stamp.upper() not in {_timestamp(when - day * 86400) for day in range(VALID_DAYS)}:
        raise SRSError(f"{address!r} has expired")
    return f"{original}@{host}"
