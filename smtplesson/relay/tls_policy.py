"""How the outbound relay uses TLS with an MX: Postfix's ``smtp_tls_security_level`` levels.

* ``none``: never STARTTLS.
* ``may`` (opportunistic, RFC 7435): STARTTLS when offered, without checking the certificate.
* ``encrypt``: TLS is required; an MX that does not offer STARTTLS is deferred with Postfix's
  ``4.7.4 TLS is required, but was not offered by host mx1.example.net[127.0.0.21]``.
* ``verify``: TLS with a certificate that a trusted CA issued for the MX's name and that is
  in date; otherwise Postfix's ``4.7.5 Server certificate not verified``, with OpenSSL's reason.
* ``secure``: as ``verify``, but the certificate must carry a name that matches one of the
  ``match`` patterns (Postfix's ``secure match=...``, what postfix-mta-sts-resolver hands Postfix
  for an MTA-STS policy in enforce mode, :mod:`.mta_sts`); the same ``4.7.5`` otherwise.

The texts follow Postfix's SMTP client (``src/smtp/smtp_proto.c``; levels in
https://www.postfix.org/postconf.5.html#smtp_tls_security_level).  These deferrals are made by
the relay itself, not answered by the MX (Postfix: "delivery temporarily suspended").
"""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from typing import Any

from .mta_sts import matches

__all__ = ["LEVELS", "start_tls"]

LEVELS = ("none", "may", "encrypt", "verify", "secure")


class _NameCheckingContext(ssl.SSLContext):
    """Checks the certificate against the MX's name, not the address smtplib connected to."""

    expected_name = ""

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["server_hostname"] = self.expected_name
        return super().wrap_socket(sock, *args, **kwargs)


def _context(level: str, ca_path: str, name: str) -> ssl.SSLContext:
    context = _NameCheckingContext(ssl.PROTOCOL_TLS_CLIENT)
    context.expected_name = name
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if level in ("verify", "secure"):
        context.load_verify_locations(cafile=ca_path)
        context.check_hostname = level == "verify"  # secure: names are checked against the patterns
    else:  # RFC 7435: opportunistic TLS encrypts without authenticating the server
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def start_tls(smtp: smtplib.SMTP, level: str, *, name: str, address: str, ca_path: str,
              match: Sequence[str] = ()) -> str | None:
    """STARTTLS as ``level`` asks, after EHLO; None to go on, or the reason to defer
    (``match``: the name patterns of level ``secure``).

    On success the client has sent EHLO again (RFC 3207 §4.2: the server forgets what it
    knew).  After a failed handshake the connection is unusable: close it.
    """
    if level not in LEVELS:
        raise ValueError(f"TLS level must be one of {', '.join(LEVELS)} (got {level!r})")
    if level == "none":
        return None
    if not smtp.has_extn("starttls"):
        if level == "may":
            return None
        return f"4.7.4 TLS is required, but was not offered by host {name}[{address}]"
    try:
        smtp.starttls(context=_context(level, ca_path, name))
    except ssl.SSLCertVerificationError as error:
        return f"4.7.5 Server certificate not verified ({error.verify_message}) for host {name}[{address}]"
    except (ssl.SSLError, OSError) as error:
        return f"4.7.5 Cannot start TLS: handshake failure with host {name}[{address}] ({error})"
    except smtplib.SMTPResponseException as error:  # the MX refused STARTTLS itself
        if level == "may":
            return None
        reply = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) \
            else str(error.smtp_error)
        return f"4.7.4 TLS is required, but host {name}[{address}] refused to start TLS: {reply}"
    if level == "secure":
        names = _certificate_names(smtp)
        if not any(matches(pattern, n) for pattern in match for n in names):
            return (f"4.7.5 Server certificate not verified (its names {', '.join(names) or 'none'} match "
                    f"none of {', '.join(match) or 'no pattern'}) for host {name}[{address}]")
    smtp.ehlo()
    return None


def _certificate_names(smtp: smtplib.SMTP) -> list[str]:
    """The DNS names of the server's certificate (subjectAltName)."""
    peer: dict[str, Any] = (smtp.sock.getpeercert() or {}) if isinstance(smtp.sock, ssl.SSLSocket) else {}
    return [str(entry[1]) for entry in peer.get("subjectAltName", ()) if entry[0] == "DNS"]
