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
    sealed = b"Authentication-Results: lists.example.org; spf=pass\r\n" + MSG
    # one timestamp for both (the clock may tick between two signatures: t= would differ)
    fast = (auth.dkim_sign(MSG, key, timestamp=1),
            auth.arc_seal(sealed, key, "lists.example.org", timestamp=1))
    monkeypatch.setattr(dkim, "RSASSA_PKCS1_v1_5_sign", dkim.crypto.RSASSA_PKCS1_v1_5_sign)
    monkeypatch.setattr(dkim, "parse_pem_private_key", dkim.crypto.parse_pem_private_key)
    slow = (auth.dkim_sign(MSG, key, timestamp=1),
            auth.arc_seal(sealed, key, "lists.example.org", timestamp=1))
    assert fast == slow



# ----------------------------------------------------------------------------- verifying
def _public(key: auth.SigningKey) -> dict[str, int]:
    parsed = dkim.crypto.parse_pem_private_key(key.private.encode())
    return {"modulus": parsed["modulus"], "publicExponent": parsed["publicExponent"]}


def _variants(key: auth.SigningKey) -> dict[str, tuple[object, bytes]]:
    """(digest, signature) pairs that must get dkimpy's own verdict: good, a changed digest,
    a changed signature, and the odd forms OpenSSL would judge otherwise (left to dkimpy)."""
    parsed = dkim.crypto.parse_pem_private_key(key.private.encode())
    digest = hashlib.sha256(b"the header hash")
    good = bytes(dkim.crypto.RSASSA_PKCS1_v1_5_sign(digest, parsed))
    n = parsed["modulus"]
    size = len(good)
    flipped = bytes([good[0] ^ 1]) + good[1:]
    plus_n = (int.from_bytes(good, "big") + n).to_bytes(size + 1, "big")  # s + n: same value mod n
    short = bytes(dkim.crypto.RSASSA_PKCS1_v1_5_sign(hashlib.sha256(b"x"), parsed))
    found = {"good": (digest, good), "other digest": (hashlib.sha256(b"another"), good),
             "flipped bit": (digest, flipped), "s + n": (digest, plus_n), "too short": (digest, good[1:]),
             "zero": (digest, bytes(size)), "sha1": (hashlib.sha1(b"h"), short)}
    for i in range(4000):  # signatures (deterministic) that dkimpy's arithmetic takes in odd forms
        d = hashlib.sha256(b"%d" % i)
        value = int.from_bytes(dkim_rsa.sign(d, parsed), "big")
        if value + n < 256 ** size and "s + n, same length" not in found:
            found["s + n, same length"] = (d, (value + n).to_bytes(size, "big"))
        if value < 256 ** (size - 1) and "leading zero dropped" not in found:
            found["leading zero dropped"] = (d, value.to_bytes(size - 1, "big"))
        if len(found) == 9:
            break
    return found


@pytest.mark.parametrize("key", RSA_KEYS, ids=lambda k: f"{k.selector}.{k.domain}")
def test_same_verdict_as_dkimpy(key: auth.SigningKey) -> None:
    public = _public(key)
    theirs = dkim.crypto.RSASSA_PKCS1_v1_5_verify
    verdicts = {name: (dkim_rsa.verify(d, s, public), bool(theirs(d, s, public)))
                for name, (d, s) in _variants(key).items()}
    assert all(ours == theirs for ours, theirs in verdicts.values()), verdicts
    assert verdicts["good"] == (True, True) and verdicts["flipped bit"] == (False, False)
    assert verdicts["s + n"] == (True, True)  # dkimpy's arithmetic accepts it: so do we
    assert verdicts["s + n, same length"] == (True, True)
    assert verdicts["leading zero dropped"] == (True, True)


def test_installed_on_first_verification_and_verifiers_reach_it(monkeypatch: pytest.MonkeyPatch) -> None:
    code = ("import dkim, dkim.crypto; from smtplesson.relay import authentication as auth, dkim_rsa\n"
            "from smtplesson.relay.zone import Zone\n"
            "assert dkim.RSASSA_PKCS1_v1_5_verify is dkim.crypto.RSASSA_PKCS1_v1_5_verify\n"
            f"auth.check_dkim(Zone(), {MSG!r})\n"
            "assert dkim.RSASSA_PKCS1_v1_5_verify is dkim_rsa.verify\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    key = RSA_KEYS[0]
    dkim_rsa.install()
    calls = []
    real = dkim_rsa._openssl_public_key

    def spy(*numbers: int) -> object:
        calls.append(numbers)
        return real(*numbers)

    monkeypatch.setattr(dkim_rsa, "_openssl_public_key", spy)
    signed = auth.dkim_sign(MSG, key)
    assert dkim.verify(signed, dnsfunc=lambda name, timeout=5: f"{key.public_record}".encode())
    assert len(calls) == 1
