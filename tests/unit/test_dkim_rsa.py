"""dkimpy signing through OpenSSL gives exactly the signatures dkimpy's own RSA code gives."""
from __future__ import annotations

import hashlib

import dkim
import dkim.crypto
import pytest

from smtplesson.relay import authentication as auth
from smtplesson.relay import dkim_rsa

MSG = (b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
       b"Date: Mon, 02 Mar 2026 09:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello Bob\r\n")
RSA_KEYS = [k for k in auth.signing_keys() if k.algorithm == "rsa-sha256"]


def test_installed() -> None:
    assert dkim.RSASSA_PKCS1_v1_5_sign is dkim_rsa.sign
    assert dkim.parse_pem_private_key is dkim_rsa.parse_pem_private_key


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

