"""TLS on the debug server: STARTTLS (RFC 3207), implicit TLS (RFC 8314), the local CA."""
from __future__ import annotations

import smtplib
import ssl
import tempfile
from pathlib import Path

import pytest

from smtplesson import DebugServer

CLIENT = "client.example"


def test_starttls_handshake_is_its_own_transcript_step(server) -> None:
    s = server(tls=True)
    with smtplib.SMTP(s.host, s.port, local_hostname=CLIENT) as c:
        c.ehlo()
        assert c.has_extn("starttls")
        assert c.starttls(context=s.client_context())[0] == 220
        c.ehlo()
        assert not c.has_extn("starttls")  # RFC 3207 §4.2: not offered again
        c.sendmail("alice@example.com", ["bob@example.net"], "Subject: hi\r\n\r\nhi\r\n")
    [tls] = [line for line in s.transcript.lines if line.kind == "tls"]
    assert tls.direction == "T" and tls.text.startswith("TLS handshake: TLSv1.")
    assert "(256-bit)" in tls.text or "(128-bit)" in tls.text
    assert "== TLS handshake: TLSv1" in s.transcript.text()
    assert "🔒 TLS handshake" in s.transcript.html()
    assert s.messages[0].raw.endswith(b"hi\r\n")


def test_submission_server_wants_starttls_before_anything_and_auth_only_after(server) -> None:
    s = server("auth", users={"alice@example.com": "wonderland"}, tls=True, require_starttls=True)
    with smtplib.SMTP(s.host, s.port, local_hostname=CLIENT) as c:
        c.ehlo()
        assert not c.has_extn("auth")
        assert c.docmd("AUTH", "PLAIN") == (530, b"5.7.0 Must issue a STARTTLS command first")
        assert c.docmd("MAIL", "FROM:<alice@example.com>")[0] == 530
        c.starttls(context=s.client_context())
        c.ehlo()
        assert c.has_extn("auth")
        assert c.login("alice@example.com", "wonderland")[0] == 235


def test_a_server_without_auth_does_not_advertise_it_over_tls(server) -> None:
    s = server(tls=True)
    with smtplib.SMTP(s.host, s.port, local_hostname=CLIENT) as c:
        c.starttls(context=s.client_context())
        c.ehlo()
        assert not c.has_extn("auth")


def test_implicit_tls_speaks_tls_from_the_first_byte(server) -> None:
    s = server(tls="implicit")
    with smtplib.SMTP_SSL(s.host, s.port, local_hostname=CLIENT, context=s.client_context()) as c:
        assert c.ehlo()[0] == 250 and not c.has_extn("starttls")
    lines = s.transcript.lines
    assert lines[0].kind == "tls" and lines[1].text.startswith("220 ")


@pytest.mark.parametrize(("certificate", "why"), [("wrong-name", "Hostname mismatch"),
                                                  ("expired", "certificate has expired")])
def test_a_client_that_verifies_refuses_a_wrong_name_or_an_expired_certificate(
        server, certificate: str, why: str) -> None:
    s = server(tls=True, certificate=certificate)
    with smtplib.SMTP(s.host, s.port, local_hostname=CLIENT) as c:
        c.ehlo()
        assert c.docmd("STARTTLS")[0] == 220
        with pytest.raises(ssl.SSLCertVerificationError) as error:  # checked against the MX name
            s.client_context().wrap_socket(c.sock, server_hostname="mx.example.net")
        assert why in str(error.value)


def test_the_ca_certificate_lives_in_a_temporary_folder(server) -> None:
    s = server(tls=True)
    path = Path(s.ca_path)
    assert path.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert path.is_relative_to(tempfile.gettempdir())
    assert DebugServer().ca_path is None


def test_bad_tls_options_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="tls must be"):
        DebugServer(tls="sometimes")
    with pytest.raises(ValueError, match="certificate must be"):
        DebugServer(tls=True, certificate="stolen")
