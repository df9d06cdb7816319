"""The stub DNS zone and every verdict the authentication libraries give through it (no sockets)."""
from __future__ import annotations

import re
import socket

import dns.exception
import pytest

from smtplesson.relay import authentication as auth
from smtplesson.relay.zone import Zone

RELAY = "127.0.0.10"
SPOOFER = "127.0.0.66"
MSG = (b"From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
       b"Date: Mon, 02 Mar 2026 09:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello Bob\r\n")
KEYS = {(k.domain, k.selector): k for k in auth.signing_keys()}
RSA = KEYS["example.com", "s2026"]
ED25519 = KEYS["example.com", "ed2026"]
ARC_KEY = KEYS["example.org", "arc2026"]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any real DNS query or connection fails the test loudly."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network use: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "sendto", refuse)


@pytest.fixture
def zone() -> Zone:
    z = Zone()
    z.set_mx("example.net", [(10, "mx1.example.net")])
    z.set_address("relay.example.com", RELAY)
    z.set_spf("example.com", f"v=spf1 ip4:{RELAY} -all")
    z.set_dmarc("example.com", "v=DMARC1; p=reject")
    for key in KEYS.values():
        key.publish(z)
    return z


def spf(zone: Zone, ip: str = RELAY, sender: str = "alice@example.com") -> str:
    return auth.check_spf(zone, ip, sender, "relay.example.com").result


# ----------------------------------------------------------------------------- the zone
def test_zone_parses_and_prints_records_with_dnspython(zone: Zone) -> None:
    zone.set("example.org", "MX", "10 mx.example.org.")
    text = str(zone)
    assert 'example.com.                   IN TXT   "v=spf1 ip4:127.0.0.10 -all"' in text
    assert "10.0.0.127.in-addr.arpa.       IN PTR   relay.example.com." in text
    assert zone.lookup("EXAMPLE.org.").hosts == ["mx.example.org"]
    with pytest.raises(dns.exception.SyntaxError):  # dnspython refuses what is not an MX record
        zone.set("example.org", "MX", "ten mx.example.org.")


def test_long_txt_records_are_split_into_255_byte_strings(zone: Zone) -> None:
    rdata = zone.query(RSA.record_name, "TXT")[0]
    assert len(rdata.strings) == 2 and max(map(len, rdata.strings)) == 255
    assert zone.txt_record(RSA.record_name) == RSA.public_record


def test_one_line_change_replaces_the_spf_record_only(zone: Zone) -> None:
    zone.set_txt("example.com", "google-site-verification=abc", f"v=spf1 ip4:{RELAY} -all")
    zone.set_spf("example.com", "v=spf1 ip4:127.0.0.99 -all")
    assert zone.txt("example.com") == ["google-site-verification=abc", "v=spf1 ip4:127.0.0.99 -all"]
    net_style = Zone()
    net_style.set_txt("example.com", "v=spf1 ip4:127.0.0.10 -all")
    assert net_style.txt("example.com") == ["v=spf1 ip4:127.0.0.10 -all"]


# ----------------------------------------------------------------------------- SPF (RFC 7208)
def test_spf_pass_for_the_listed_relay(zone: Zone) -> None:
    assert spf(zone) == "pass"


def test_spf_fail_for_a_spoofer_under_minus_all(zone: Zone) -> None:
    result = auth.check_spf(zone, SPOOFER, "alice@example.com", "spoofer.example")
    assert result.result == "fail" and "not authorized" in result.result_comment


@pytest.mark.parametrize(("qualifier", "verdict"), [("~", "softfail"), ("?", "neutral")])
def test_spf_softfail_and_neutral(zone: Zone, qualifier: str, verdict: str) -> None:
    zone.set_spf("example.com", f"v=spf1 ip4:{RELAY} {qualifier}all")
    assert spf(zone, SPOOFER) == verdict


def test_spf_none_without_a_record(zone: Zone) -> None:
    zone.set_spf("example.com", None)
    assert spf(zone) == "none"


def test_spf_permerror_after_too_many_lookups(zone: Zone) -> None:
    # RFC 7208 §4.6.4: more than 10 mechanisms that query DNS is a permanent error
    includes = " ".join(f"include:spf{i}.example.com" for i in range(11))
    for i in range(11):
        zone.set_spf(f"spf{i}.example.com", "v=spf1 ip4:192.0.2.1 -all")
    zone.set_spf("example.com", f"v=spf1 {includes} -all")
    result = auth.check_spf(zone, SPOOFER, "alice@example.com", "x")
    assert result.result == "permerror" and "Too many DNS lookups" in result.result_comment


def test_spf_mechanisms_a_mx_and_ptr_resolve_in_the_zone(zone: Zone) -> None:
    zone.set_spf("example.com", "v=spf1 a:relay.example.com mx:example.net -all")
    zone.set_address("mx1.example.net", "127.0.0.21")
    assert spf(zone) == "pass" and spf(zone, "127.0.0.21") == "pass" and spf(zone, SPOOFER) == "fail"


def test_a_bounce_is_checked_against_the_helo_name(zone: Zone) -> None:
    zone.set_spf("relay.example.com", f"v=spf1 ip4:{RELAY} -all")
    result = auth.check_spf(zone, RELAY, "", "relay.example.com")
    assert result.result == "pass" and result.smtp_helo == "relay.example.com"


# ----------------------------------------------------------------------------- DKIM (RFC 6376, 8463)
@pytest.mark.parametrize("key", [RSA, ED25519], ids=["rsa-sha256", "ed25519-sha256"])
def test_dkim_pass_with_rsa_and_ed25519(zone: Zone, key: auth.SigningKey) -> None:
    [result] = auth.check_dkim(zone, auth.dkim_sign(MSG, key))
    assert (result.result, result.header_d, result.header_s, result.header_a) == (
        "pass", "example.com", key.selector, key.algorithm)


def test_dkim_fail_when_the_body_changed(zone: Zone) -> None:
    signed = auth.dkim_sign(MSG, RSA).replace(b"Hello Bob", b"Hello Eve")
    [result] = auth.check_dkim(zone, signed)
    assert result.result == "fail" and result.result_comment == "body hash mismatch"


def test_dkim_fail_when_a_signed_header_changed(zone: Zone) -> None:
    signed = auth.dkim_sign(MSG, RSA).replace(b"Subject: Hello", b"Subject: Invoice")
    assert auth.check_dkim(zone, signed)[0].result == "fail"


def test_dkim_none_when_unsigned_and_permerror_without_a_key(zone: Zone) -> None:
    assert auth.check_dkim(zone, MSG)[0].result == "none"
    zone.set_dkim_key("example.com", "s2026", None)
    assert auth.check_dkim(zone, auth.dkim_sign(MSG, RSA))[0].result == "permerror"


def test_each_signature_gets_its_own_result(zone: Zone) -> None:
    both = auth.dkim_sign(auth.dkim_sign(MSG, RSA), ED25519)
    assert [r.result for r in auth.check_dkim(zone, both)] == ["pass", "pass"]


# ----------------------------------------------------------------------------- DMARC (RFC 9989)
def dmarc(zone: Zone, message: bytes, ip: str = RELAY, sender: str = "alice@example.com",
          helo: str = "h") -> tuple[str, str]:
    found = auth.authenticate(zone, message, ip=ip, mail_from=sender, helo=helo, authserv_id="mx").dmarc
    return found.result, found.policy


@pytest.mark.parametrize("policy", ["none", "quarantine", "reject"])
def test_dmarc_fail_under_each_policy(zone: Zone, policy: str) -> None:
    zone.set_dmarc("example.com", f"v=DMARC1; p={policy}")
    assert dmarc(zone, MSG, ip=SPOOFER) == ("fail", policy)


def test_dmarc_pass_by_aligned_dkim_alone(zone: Zone) -> None:
    assert dmarc(zone, auth.dkim_sign(MSG, RSA), ip=SPOOFER) == ("pass", "reject")


def test_dmarc_pass_by_aligned_spf_alone(zone: Zone) -> None:
    assert dmarc(zone, MSG) == ("pass", "reject")


def test_dmarc_relaxed_alignment_accepts_a_subdomain_and_strict_does_not(zone: Zone) -> None:
    zone.set_spf("bounces.example.com", f"v=spf1 ip4:{RELAY} -all")
    assert dmarc(zone, MSG, sender="b@bounces.example.com") == ("pass", "reject")
    zone.set_dmarc("example.com", "v=DMARC1; p=reject; aspf=s")
    assert dmarc(zone, MSG, sender="b@bounces.example.com") == ("fail", "reject")


def test_dmarc_strict_dkim_alignment(zone: Zone) -> None:
    sub = MSG.replace(b"alice@example.com", b"alice@news.example.com")
    signed = auth.dkim_sign(sub, RSA)  # d=example.com for From news.example.com
    zone.set_dmarc("example.com", "v=DMARC1; p=quarantine; sp=reject")
    assert dmarc(zone, signed, ip=SPOOFER) == ("pass", "reject")
    zone.set_dmarc("example.com", "v=DMARC1; p=quarantine; sp=reject; adkim=s")
    assert dmarc(zone, signed, ip=SPOOFER) == ("fail", "reject")  # sp= for the subdomain


def test_dmarc_none_without_a_record_or_a_valid_p(zone: Zone) -> None:
    """RFC 9989 §4.10.1: a record without a valid p acts as p=none when it has a rua, else
    DMARC does not apply (RFC 7489 made it a permerror)."""
    zone.set_dmarc("example.com", None)
    assert dmarc(zone, MSG)[0] == "none"
    zone.set_dmarc("example.com", "v=DMARC1; p=bogus")
    assert dmarc(zone, MSG)[0] == "none"
    zone.set_dmarc("example.com", "v=DMARC1; p=bogus; rua=mailto:d@example.com")
    assert dmarc(zone, MSG, ip=SPOOFER) == ("fail", "none")


def test_dmarc_testing_mode_applies_one_level_below(zone: Zone) -> None:
    """RFC 9989 §4.7 t=y; policy.dmarc is the policy to apply (§9.1)."""
    zone.set_dmarc("example.com", "v=DMARC1; p=reject; t=y")
    found = auth.authenticate(zone, MSG, ip=SPOOFER, mail_from="alice@example.com", helo="h",
                              authserv_id="mx").dmarc
    assert (found.result, found.policy) == ("fail", "quarantine")
    assert "t=y: reject applied as quarantine" in str(found)


def test_dmarc_finds_the_organizations_policy_by_walking_the_tree(zone: Zone) -> None:
    """No Public Suffix List: news.example.com has no record, the walk finds example.com's
    (its sp for an existing subdomain, np for one that does not exist)."""
    zone.set_dmarc("example.com", "v=DMARC1; p=none; sp=quarantine; np=reject")
    news = MSG.replace(b"alice@example.com", b"alice@news.example.com")
    zone.set_address("news.example.com", "127.0.0.99")
    assert dmarc(zone, news, ip=SPOOFER) == ("fail", "quarantine")
    assert dmarc(zone, MSG.replace(b"alice@example.com", b"alice@ghost.example.com"), ip=SPOOFER) == \
        ("fail", "reject")


def test_dmarc_ignores_pct(zone: Zone) -> None:
    zone.set_dmarc("example.com", "v=DMARC1; p=reject; pct=0")
    assert dmarc(zone, MSG, ip=SPOOFER) == ("fail", "reject")


def test_a_bounce_has_no_spf_identifier_for_dmarc(zone: Zone) -> None:
    """RFC 9989 §4.4.2: "DMARC relies solely on SPF validation of the MAIL FROM identity"."""
    zone.set_spf("relay.example.com", f"v=spf1 ip4:{RELAY} -all")
    dsn = MSG.replace(b"alice@example.com", b"MAILER-DAEMON@relay.example.com")
    assert dmarc(zone, dsn, sender="", helo="relay.example.com") == ("fail", "reject")


# ----------------------------------------------------------------------------- ARC (RFC 8617)
def forwarded(zone: Zone, seal: bool = True) -> bytes:
    """What a mailing list sends on: its results, a footer that breaks DKIM, and its ARC set."""
    signed = auth.dkim_sign(MSG, RSA)
    seen = auth.authenticate(zone, signed, ip=RELAY, mail_from="alice@example.com",
                             helo="relay.example.com", authserv_id="lists.example.org")
    changed = seen.header_bytes() + signed + b"-- \r\nThe list footer\r\n"
    return auth.arc_seal(changed, ARC_KEY, "lists.example.org") if seal else changed


def test_arc_pass_through_the_forwarder_although_spf_and_dkim_fail(zone: Zone) -> None:
    found = auth.authenticate(zone, forwarded(zone), ip="127.0.0.30", mail_from="alice@example.com",
                              helo="lists.example.org", authserv_id="mx1.example.net")
    assert found.verdicts() == {"iprev": "permerror", "spf": "fail", "dkim": "fail", "arc": "pass",
                                "dmarc": "fail"}
    assert found.arc.header_as_d == "example.org"
    assert "first hop: iprev=pass spf=pass dkim=pass" in found.arc.result_comment


def test_arc_none_without_a_seal_and_fail_when_changed_after_sealing(zone: Zone) -> None:
    assert auth.check_arc(zone, forwarded(zone, seal=False)).result == "none"
    tampered = forwarded(zone).replace(b"The list footer", b"Click here")
    assert auth.check_arc(zone, tampered).result == "fail"


@pytest.mark.parametrize("which", ["unsigned", "dkim", "lf-only", "arc-seal in body", "sealed",
                                   "seal stripped of its set", "space before colon", "lower-case seal"])
def test_arc_without_parsing_when_no_arc_field_gives_dkimpys_answer(
        zone: Zone, which: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shortcut (no line starts an ARC field: "none" unparsed) answers as dkimpy does."""
    sealed = forwarded(zone)
    message = {"unsigned": MSG, "dkim": auth.dkim_sign(MSG, RSA), "lf-only": MSG.replace(b"\r\n", b"\n"),
               "arc-seal in body": MSG + b"ARC-Seal: i=1; not a header\r\n", "sealed": sealed,
               "seal stripped of its set": sealed.replace(b"ARC-Seal:", b"X-Old-Seal:", 1),
               "space before colon": MSG.replace(b"Subject:", b"ARC-Authentication-Results :"),
               "lower-case seal": sealed.replace(b"ARC-Seal:", b"arc-seal:", 1)}[which]

    def answer() -> tuple[str, str]:
        try:
            found = auth.check_arc(zone, message)
        except Exception as error:  # dkimpy refuses a malformed header section: so must we
            return type(error).__name__, str(error)
        return found.result, found.result_comment

    quick = answer()
    monkeypatch.setattr(auth, "_ARC_FIELD", re.compile(b""))  # always the parsing path
    assert quick == answer()


# ----------------------------------------------------------------------------- iprev, DNSBL, header
def test_iprev_pass_missing_and_mismatched(zone: Zone) -> None:
    assert auth.check_iprev(zone, RELAY).result == "pass"
    assert auth.check_iprev(zone, SPOOFER).result == "permerror"  # no PTR at all
    zone.set_ptr(SPOOFER, "relay.example.com")  # PTR claims a name whose A is another address
    found = auth.check_iprev(zone, SPOOFER)
    assert found.result == "fail" and "does not resolve to 127.0.0.66" in found.result_comment


def test_dnsbl_listing_answers_127_0_0_2_and_a_reason(zone: Zone) -> None:
    assert zone.listed(SPOOFER) is None
    zone.list_ip(SPOOFER, "listed for spam traps")
    assert zone.addresses("66.0.0.127.dnsbl.example") == ["127.0.0.2"]
    assert zone.listed(SPOOFER) == "listed for spam traps"
    zone.delist(SPOOFER)
    assert zone.listed(SPOOFER) is None


def test_authentication_results_header_follows_rfc_8601(zone: Zone) -> None:
    found = auth.authenticate(zone, auth.dkim_sign(MSG, RSA), ip=RELAY, mail_from="alice@example.com",
                              helo="relay.example.com", authserv_id="mx1.example.net")
    header = found.header
    assert header.startswith("Authentication-Results: mx1.example.net; iprev=pass")
    assert "spf=pass" in header and "dkim=pass" in header and "dmarc=pass" in header
    folded = found.header_bytes().decode()
    assert folded.count(";\r\n\t") == len(found.results) and folded.endswith("\r\n")
