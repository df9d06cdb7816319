"""dkimpy's RSA signatures made and checked by OpenSSL (through ``cryptography``), with the
same bytes and the same verdicts.

dkimpy 1.1 canonicalises, hashes and builds the DKIM-Signature and ARC headers itself, then
computes the RSA private-key operation with Python's own ``pow`` (``dkim.crypto.rsa_decrypt``):
about 13 ms for a 2048-bit key on the course machine, where OpenSSL takes 0.5 ms.  dkimpy has
no backend switch, so :func:`install` (called by the relay when it first signs or verifies,
never at import) points the one name its signer calls,
``dkim.RSASSA_PKCS1_v1_5_sign``, at :func:`sign`: the same RSASSA-PKCS1-v1_5 (RFC 8017 §8.2,
deterministic, so the signature bytes are identical), with the key dkimpy parsed turned into an
OpenSSL key once per key rather than once per message; dkimpy's PEM parser
(``dkim.parse_pem_private_key``) is memoised the same way.  The verifier's name,
``dkim.RSASSA_PKCS1_v1_5_verify``, goes to :func:`verify`: RFC 8017 §8.2.2 by OpenSSL, which
like dkimpy re-encodes the digest and compares it whole (dkimpy's own check spent 0.3 ms a
signature, most of it turning 2048-bit numbers into bytes one byte at a time).  A signature
that is not exactly the modulus long, or not below it, is left to dkimpy's own arithmetic,
which accepts such odd forms where OpenSSL refuses them, and so are keys under 1,024 bits and
SHA-1 signatures (``rsa-sha1``, RFC 8301 §3.1): every verdict stays dkimpy's.
Nothing else in dkimpy is touched.

dkimpy is pinned to a minor range (pyproject.toml) because this uses its internal names;
``tests/unit/test_dkim_rsa.py`` fails if ``dkim.sign`` stops reaching :func:`sign`.
"""
from __future__ import annotations

import functools
from typing import Any

import dkim
import dkim.crypto
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

__all__ = ["install", "parse_pem_private_key", "sign", "verify"]

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"sha1": hashes.SHA1, "sha256": hashes.SHA256}
#: smaller keys go to dkimpy, which refuses a modulus too short for the digest its own way
#: (DigestTooLargeError: a permerror); dkimpy's ``minkey`` refuses them anyway (RFC 8301 §3.2)
_OPENSSL_MIN_BITS = 1024
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
def _openssl_public_key(e: int, n: int) -> rsa.RSAPublicKey:
    return rsa.RSAPublicNumbers(e, n).public_key()


def verify(hash: Any, signature: bytes, public_key: dict[str, int]) -> bool:
    """``dkim.crypto.RSASSA_PKCS1_v1_5_verify`` with OpenSSL: True when ``signature`` is a valid
    RSASSA-PKCS1-v1_5 signature of ``hash``'s digest by ``public_key`` (dkimpy's parsed key)."""
    n, e = public_key["modulus"], public_key["publicExponent"]
    if (hash.name.lower() != "sha256" or n.bit_length() < _OPENSSL_MIN_BITS
            or len(signature) != (n.bit_length() + 7) // 8 or int.from_bytes(signature, "big") >= n):
        return _dkimpy_verify(hash, signature, public_key)
    try:
        _openssl_public_key(e, n).verify(bytes(signature), hash.digest(), padding.PKCS1v15(),
                                         utils.Prehashed(hashes.SHA256()))
    except InvalidSignature:
        return False
    except ValueError:  # anything OpenSSL will not judge, dkimpy judges (and raises as it does)
        return _dkimpy_verify(hash, signature, public_key)
    return True


def _dkimpy_verify(hash: Any, signature: bytes, public_key: dict[str, int]) -> bool:
    return bool(dkim.crypto.RSASSA_PKCS1_v1_5_verify(hash, signature, public_key))


@functools.lru_cache(maxsize=64)
def parse_pem_private_key(data: bytes) -> dict[str, int]:
    """``dkim.crypto.parse_pem_private_key``, once per key (dkimpy only reads the result)."""
    parsed: dict[str, int] = dkim.crypto.parse_pem_private_key(data)
    return parsed


_installed = False


def install() -> None:
    """Make dkimpy's signers (DKIM and ARC) use :func:`sign` and the memoised key parser, and
    its verifiers :func:`verify`, once per process (a later call changes nothing, so a test may
    put dkimpy's own code back)."""
    global _installed
    if _installed:
        return
    dkim.RSASSA_PKCS1_v1_5_sign = sign
    dkim.RSASSA_PKCS1_v1_5_verify = verify
    dkim.parse_pem_private_key = parse_pem_private_key
    _installed = True
