"""dkimpy's RSA signatures made by OpenSSL (through ``cryptography``), byte for byte the same.

dkimpy 1.1 canonicalises, hashes and builds the DKIM-Signature and ARC headers itself, then
computes the RSA private-key operation with Python's own ``pow`` (``dkim.crypto.rsa_decrypt``):
about 13 ms for a 2048-bit key on the course machine, where OpenSSL takes 0.5 ms.  dkimpy has
no backend switch, so :func:`install` (called by the relay when it first signs, never at
import) points the one name its signer calls,
``dkim.RSASSA_PKCS1_v1_5_sign``, at :func:`sign`: the same RSASSA-PKCS1-v1_5 (RFC 8017 §8.2,
deterministic, so the signature bytes are identical), with the key dkimpy parsed turned into an
OpenSSL key once per key rather than once per message; dkimpy's PEM parser
(``dkim.parse_pem_private_key``) is memoised the same way.  dkimpy's verification is unchanged
(a public-key ``pow`` with e = 65537 is cheap).  Nothing else in dkimpy is touched.

dkimpy is pinned to a minor range (pyproject.toml) because this uses its internal names;
``tests/unit/test_dkim_rsa.py`` fails if ``dkim.sign`` stops reaching :func:`sign`.
"""
from __future__ import annotations

import functools
from typing import Any

import dkim
import dkim.crypto
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

__all__ = ["install", "parse_pem_private_key", "sign"]

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"sha1": hashes.SHA1, "sha256": hashes.SHA256}
_FIELDS = ("prime1", "prime2", "privateExponent", "exponent1", "exponent2", "coefficient",
           "publicExponent", "modulus")


@functools.lru_cache(maxsize=64)
def _openssl_key(p: int, q: int, d: int, dmp1: int, dmq1: int, iqmp: int, e: int, n: int
                 ) -> rsa.RSAPrivateKey:
    return rsa.RSAPrivateNumbers(p, q, d, dmp1, dmq1, iqmp, rsa.RSAPublicNumbers(e, n)).private_key()


def sign(hash: Any, private_key: dict[str, int]) -> bytes:
    """``dkim.crypto.RSASSA_PKCS1_v1_5_sign`` with OpenSSL: ``hash`` is dkimpy's hash object,
    ``private_key`` the dict ``dkim.crypto.parse_private_key`` returns."""
    key = _openssl_key(*(private_key[f] for f in _FIELDS))
    algorithm = _HASHES[hash.name.lower()]()
    return key.sign(hash.digest(), padding.PKCS1v15(), utils.Prehashed(algorithm))


@functools.lru_cache(maxsize=64)
def parse_pem_private_key(data: bytes) -> dict[str, int]:
    """``dkim.crypto.parse_pem_private_key``, once per key (dkimpy only reads the result)."""
    parsed: dict[str, int] = dkim.crypto.parse_pem_private_key(data)
    return parsed


_installed = False


def install() -> None:
    """Make dkimpy's signers (DKIM and ARC) use :func:`sign` and the memoised key parser, once
    per process (a later call changes nothing, so a test may put dkimpy's own code back)."""
    global _installed
    if _installed:
        return
    dkim.RSASSA_PKCS1_v1_5_sign = sign
    dkim.parse_pem_private_key = parse_pem_private_key
    _installed = True
