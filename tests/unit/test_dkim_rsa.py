"""dkimpy signing through OpenSSL gives exactly the signatures dkimpy's own RSA code gives."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import dkim
import dkim.crypto
import pytest

from smtplesson.relay import authentication as auth
from smtplesson.relay import dkim_rsa

MSG = (b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
       b"Date: Mon, 02 Mar 2026 09:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello Bob\r\n")
RSA_KEYS = [k for k in auth.signing_keys() if k.algorithm == "rsa-sha256"]


def test_installed_on_first_signing_not_at_import() -> None:
    code = ("import dkim, dkim.crypto; from smtplesson.relay import authentication as auth, dkim_rsa\n"
            "assert dkim.RSASSA_PKCS1_v1_5_sign is dkim.crypto.RSASSA_PKCS1_v1_5_sign, 'patched at import'\n"
            "key = next(k for k in auth.signing_keys() if k.algorithm == 'rsa-sha256')\n"
            f"auth.dkim_sign({MSG!r}, key)\n"
            "assert dkim.RSASSA_PKCS1_v1_5_sign is dkim_rsa.sign\n"
            "assert dkim.parse_pem_private_key is dkim_rsa.parse_pem_private_key\n")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("key", RSA_KEYS[:1], ids=lambda k: f"{k.selector}.{k.domain}")
def test_dkimpy_signers_reach_the_fast_path(key: auth.SigningKey, monkeypatch: pytest.MonkeyPatch) -> None:
    """dkimpy's own public signers (``dkim.sign``, ``dkim.arc_sign``) end in :func:`dkim_rsa.sign`:
    if a dkimpy release stops calling the name the patch replaces, this fails."""
    auth.dkim_sign(MSG, key)  # the relay's first signature installs the patch
    calls = []
    real = dkim_rsa._openssl_key

    def spy(*numbers: int) -> object:
        calls.append(numbers)
        return real(*numbers)

    monkeypatch.setattr(dkim_rsa, "_openssl_key", spy)
    signed = dkim.sign(MSG, key.selector.encode(), key.domain.encode(), key.private.encode())
    assert signed.startswith(b"DKIM-Signature:") and len(calls) == 1
    sealed = dkim.arc_sign(b"Authentication-Results: lists.example.org; spf=pass\r\n" + MSG,
                           key.selector.encode(), key.domain.encode(), key.private.encode(),
                           b"lists.example.org", timestamp=1)
    assert len(sealed) == 3 and len(calls) == 3  # ARC-Seal and ARC-Message-Signature


def test_dkim_t_tag_is_the_timestamp_given() -> None:
    key = RSA_KEYS[0]
    signed = auth.dkim_sign(MSG, key, timestamp=1772442000)
    assert b" t=1772442000;" in signed.split(b"\r\n\r\n")[0].replace(b"\r\n", b"")


@pytest.mark.parametrize("key", RSA_KEYS, ids=lambda k: f"{k.selector}.{k.domain}")
@pytest.mark.parametrize("algorithm", [hashlib.sha256, hashlib.sha1])
def test_same_signature_as_dkimpy(key: auth.SigningKey, algorithm: type) -> None:
    parsed = dkim.crypto.parse_pem_private_key(key.private.encode())
    digest = algorithm(b"the header hash")
    assert dkim_rsa.sign(digest, parsed) == bytes(dkim.crypto.RSASSA_PKCS1_v1_5_sign(digest, parsed))


@pytest.mark.parametrize("key", RSA_KEYS, ids=lambda k: f"{k.selector}.{k.domain}")
def test_same_dkim_and_arc_headers(key: auth.SigningKey, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = auth.dkim_sign(MSG, key), auth.arc_seal(b"Authentication-Results: lists.example.org; spf=pass\r\n"
                                                   + MSG, key, "lists.example.org", timestamp=1)
    monkeypatch.setattr(dkim, "RSASSA_PKCS1_v1_5_sign", dkim.crypto.RSASSA_PKCS1_v1_5_sign)
    monkeypatch.setattr(dkim, "parse_pem_private_key", dkim.crypto.parse_pem_private_key)
    slow = auth.dkim_sign(MSG, key), auth.arc_seal(b"Authentication-Results: lists.example.org; spf=pass\r\n"
                                                   + MSG, key, "lists.example.org", timestamp=1)
    assert fast == slow

