"""TLS on loopback: a local certificate authority made at start-up, and what a handshake agreed.

The CA (trustme) exists only in this process; the one file it writes, the CA certificate a
client trusts (``ca_path``: ``swaks --tls-ca-path``, ``openssl s_client -CAfile``), goes into a
temporary folder that is removed when the process ends.  Certificates are issued per host name
(``mx.example.net``) and for 127.0.0.1, so a client that checks names can verify them.

>>> ca = local_ca()
>>> server_side = ca.server_context("mx.example.net")
>>> client_side = ca.client_context()       # trusts the CA, checks the host name
"""
from __future__ import annotations

import atexit
import datetime
import shutil
import ssl
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import trustme

__all__ = ["CERTIFICATES", "WRONG_NAME", "LocalCA", "describe", "local_ca"]

ORGANIZATION = "smtplesson local CA"
#: what a server's certificate can be: right, for another name, or out of date
CERTIFICATES = ("valid", "wrong-name", "expired")
#: the name on a "wrong-name" certificate (RFC 6761 §6.4: .invalid never resolves)
WRONG_NAME = "someone-else.invalid"


class LocalCA:
    """A certificate authority for the lesson's servers, and the contexts both sides use."""

    def __init__(self) -> None:
        import trustme  # cryptography costs a kernel ~9 MB: load it only for a server with TLS

        self._ca = trustme.CA(organization_name=ORGANIZATION)
        self._folder = Path(tempfile.mkdtemp(prefix="smtplesson-ca-"))
        self.ca_path = str(self._folder / "ca.pem")
        self._ca.cert_pem.write_to_path(self.ca_path)
        self._issued: dict[tuple[str, str, bool], trustme.LeafCert] = {}
        self._lock = threading.Lock()
        atexit.register(shutil.rmtree, self._folder, True)

    def certificate(self, hostname: str, address: str = "127.0.0.1", *,
                    expired: bool = False) -> trustme.LeafCert:
        """A certificate for ``hostname`` and ``address`` (``expired``: it ran out yesterday)."""
        key = (hostname.lower(), address, expired)
        with self._lock:
            cert = self._issued.get(key)
            if cert is None:
                now = datetime.datetime.now(datetime.UTC)
                until = now - datetime.timedelta(days=1) if expired else None
                since = now - datetime.timedelta(days=30) if expired else None
                cert = self._ca.issue_cert(hostname, address, organization_name=ORGANIZATION,
                                           not_before=since, not_after=until)
                self._issued[key] = cert
        return cert

    def server_context(self, hostname: str, address: str = "127.0.0.1", *,
                       expired: bool = False) -> ssl.SSLContext:
        """What a server presents: its certificate for ``hostname``, TLS 1.2 at least."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.certificate(hostname, address, expired=expired).configure_cert(context)
        return context

    def client_context(self, *, verify: bool = True) -> ssl.SSLContext:
        """What a client uses: trusts this CA and checks names (``verify=False``: encrypt
        without checking, as SMTP's opportunistic TLS does, RFC 7435)."""
        context = ssl.create_default_context(cafile=self.ca_path)
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


_CA: LocalCA | None = None
_CA_LOCK = threading.Lock()


def local_ca() -> LocalCA:
    """The process's CA, made on first use."""
    global _CA
    with _CA_LOCK:
        if _CA is None:
            _CA = LocalCA()
        return _CA


def describe(ssl_object: Any) -> str:
    """One line about a finished handshake: ``TLSv1.3 TLS_AES_256_GCM_SHA384 (256-bit)``."""
    if ssl_object is None:
        return "no TLS"
    name, _protocol, bits = ssl_object.cipher()
    return f"{ssl_object.version()} {name} ({bits}-bit)"
