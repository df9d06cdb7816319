"""SRS addresses (checked against srslib, an independent implementation of the same paper) and
what a list and a forwarder send on (relay/forwarding.py through Security.resend)."""
from __future__ import annotations

import email

import pytest
import srslib
from hypothesis import given
from hypothesis import strategies as st

from smtplesson.relay import authentication as auth
from smtplesson.relay import srs
from smtplesson.relay.forwarding import bounce_address, munge_from

SECRET = "smtplesson-teaching-secret"
WHEN = 1_772_442_000.0  # 2 March 2026


def reference(when: float) -> srslib.SRS:
    lib = srslib.SRS(SECRET)
    lib._time_fn = lambda: when  # srslib's own clock hook
    return lib


@given(local=st.from_regex(r"[a-z][a-z0-9.+_-]{0,20}", fullmatch=True),
       host=st.from_regex(r"[a-z][a-z0-9-]{0,10}\.(com|org|example)", fullmatch=True),
       when=st.floats(min_value=0, max_value=4e9))
def test_srs0_addresses_match_srslib(local: str, host: str, when: float) -> None:
    address = f"{local}@{host}"
    ours = srs.forward(address, "forward.example.org", SECRET, when)
    assert ours == reference(when).forward(address, "forward.example.org")
    assert srs.reverse(ours, SECRET, when) == address


def test_the_forwarders_address_and_its_reverse() -> None:
    rewritten = srs.forward("alice@example.com", "forward.example.org", SECRET, WHEN)
    assert rewritten.startswith("SRS0=") and rewritten.endswith("=example.com=alice@forward.example.org")
    assert srs.reverse(rewritten, SECRET, WHEN + 86400 * 5) == "alice@example.com"
    with pytest.raises(srs.SRSError, match="expired"):
        srs.reverse(rewritten, SECRET, WHEN + 86400 * 30)
    forged = rewritten.replace("SRS0=", "SRS0=x", 1)
    with pytest.raises(srs.SRSError, match="does not match"):
        srs.reverse(forged, SECRET, WHEN)
    assert srs.forward("", "forward.example.org", SECRET, WHEN) == ""  # a bounce stays a bounce


def test_a_list_sends_from_its_bounce_address() -> None:
    assert bounce_address("team@lists.example.org") == "team-bounces@lists.example.org"


def test_from_munging_as_mailman_does() -> None:
    message = (b"From: Alice <alice@example.com>\r\nTo: team@lists.example.org\r\nSubject: hi\r\n"
               b"Reply-To: someone@example.com\r\n\r\nbody\r\n")
    munged = email.message_from_bytes(munge_from(message, "team@lists.example.org", "Team"))
    assert munged["From"] == "Alice via Team <team@lists.example.org>"
    assert munged["Reply-To"] == "Alice <alice@example.com>"
    assert munged["Subject"] == "hi" and munged.get_payload() == "body\r\n"
    assert auth.author_domain(munge_from(message, "team@lists.example.org", "Team")) == "lists.example.org"
