"""The receiver policies of issue 21, live on the network through its public API: a forwarder
with and without SRS, a list that munges From: and ARC-seals, an MTA-STS enforce failure and
the TLS-RPT report, and the receivers' DMARC aggregate reports."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import xmlschema

from smtplesson.relay import MailNetwork, srs

SCHEMA = Path(__file__).parents[1] / "unit" / "data" / "rfc9990-dmarc-2.0.xsd"


@pytest.fixture
def net() -> Iterator[MailNetwork]:
    n = MailNetwork(authentication=True)
    yield n
    n.close()


def results(net: MailNetwork, address: str = "bob@example.net") -> str:
    """The Authentication-Results the last MX stamped on the newest copy in the mailbox."""
    return " ".join(str(net.mailbox(address)[-1]["Authentication-Results"]).split())


# ----------------------------------------------------------------------------- forwarding
def test_a_forwarder_without_srs_fails_spf_and_passes_dmarc_on_dkim(net) -> None:
    track = net.send("alice@example.com", "carol@forward.example.org", "Hello via the alias\n")
    assert track.fates()["carol@forward.example.org"] == "delivered"
    found = results(net)
    assert "spf=fail" in found and "smtp.mailfrom=alice@example.com" in found
    assert "dkim=pass" in found and "dmarc=pass" in found  # the body is untouched: DKIM survives


def test_a_forwarder_with_srs_passes_spf_for_its_own_domain(net) -> None:
    net.lists["carol@forward.example.org"]["srs"] = True
    net.send("alice@example.com", "carol@forward.example.org", "Hello via SRS\n")
    found = results(net)
    envelope = str(net.mailbox("bob@example.net")[-1]["Return-Path"]).strip("<>")
    assert envelope.startswith("SRS0=") and envelope.endswith("=example.com=alice@forward.example.org")
    assert srs.reverse(envelope, net.security.srs_secret, net.clock()) == "alice@example.com"  # type: ignore[union-attr]
    assert "spf=pass" in found and f"smtp.mailfrom={envelope}" in found and "dmarc=pass" in found


# ----------------------------------------------------------------------------- lists
def test_a_list_sends_from_its_bounce_address_and_breaks_dkim(net) -> None:
    net.send("alice@example.com", "team@lists.example.org", "Hello team!\n")
    found = results(net)
    assert "spf=pass" in found and "smtp.mailfrom=team-bounces@lists.example.org" in found
    assert "dkim=fail" in found and "dmarc=fail" in found and "arc=pass" in found  # vouched: delivered


def test_a_list_munges_from_for_a_p_reject_author(net) -> None:
    net.lists["team@lists.example.org"]["munge"] = True
    net.lists["team@lists.example.org"]["arc"] = False
    track = net.send("alice@example.com", "team@lists.example.org", "Hello team, munged!\n")
    assert track.fates()["team@lists.example.org"] == "delivered"
    copy = net.mailbox("bob@example.net")[-1]
    assert copy["From"] == "alice via Team <team@lists.example.org>"
    assert copy["Reply-To"] == "alice@example.com"
    assert "dmarc=pass" in results(net) and "header.from=lists.example.org" in results(net)


# ----------------------------------------------------------------------------- MTA-STS, TLS-RPT
def test_an_mta_sts_enforce_failure_defers_with_postfixs_words(net) -> None:
    net.set_mta_sts("example.net", mode="enforce", mx=["mx9.example.net"])
    track = net.send("alice@example.com", "bob@example.net", "Hello under MTA-STS\n")
    assert track.fates()["bob@example.net"] != "delivered"
    replies = [a.reply for a in track.attempts if a.stage == "STARTTLS"]
    assert replies[0] == ("4.7.5 Server certificate not verified (its names mx1.example.net match none of "
                          "mx9.example.net) for host mx1.example.net[127.0.0.21]")
    report = net.tls_report("example.net")
    (policy,) = report["policies"]
    assert policy["policy"]["policy-type"] == "sts" and "mode: enforce" in policy["policy"]["policy-string"]
    assert policy["summary"]["total-failure-session-count"] >= 1
    assert policy["failure-details"][0]["result-type"] == "certificate-host-mismatch"


def test_an_enforced_policy_needs_starttls() -> None:
    with MailNetwork(authentication=True, certificates={"mx1.example.net": False}) as net:
        net.set_mta_sts("example.net", mode="enforce", mx=["mx1.example.net"])
        track = net.send("alice@example.com", "bob@example.net", "no STARTTLS\n")
        replies = [a.reply for a in track.attempts if a.stage == "STARTTLS"]
        assert replies[0] == "4.7.4 TLS is required, but was not offered by host mx1.example.net[127.0.0.21]"
        assert net.tls_report("example.net")["policies"][0]["failure-details"][0]["result-type"] == \
            "starttls-not-supported"


def test_in_testing_mode_the_relay_reports_and_delivers() -> None:
    with MailNetwork(authentication=True, certificates={"mx1.example.net": "expired"}) as net:
        track = net.send("alice@example.com", "bob@example.net", "testing mode\n")
        assert track.fates()["bob@example.net"] == "delivered"
        (policy,) = net.tls_report("example.net")["policies"]
        assert policy["failure-details"][0]["result-type"] == "certificate-expired"


def test_a_good_day_under_mta_sts_counts_successful_sessions(net) -> None:
    net.set_mta_sts("example.net", mode="enforce", mx=["mx1.example.net", "mx2.example.net"])
    for _ in range(3):
        track = net.send("alice@example.com", "bob@example.net", "fine\n")
        assert track.fates()["bob@example.net"] == "delivered"
    (policy,) = net.tls_report("example.net")["policies"]
    assert policy["summary"] == {"total-successful-session-count": 3, "total-failure-session-count": 0}


# ----------------------------------------------------------------------------- DMARC reports
def test_the_receivers_days_dmarc_aggregate_report(net) -> None:
    for _ in range(2):
        net.send("alice@example.com", "bob@example.net", "a day of mail\n")
    net.send("alice@example.com", "team@lists.example.org", "and a list post\n")
    reports = net.dmarc_reports()
    (name,) = [n for n in reports if n.startswith("mx1.example.net!example.com!")]
    xml = reports[name]
    xmlschema.XMLSchema(str(SCHEMA)).validate(xml)
    assert "<discovery_method>treewalk</discovery_method>" in xml
    assert "<source_ip>127.0.0.10</source_ip>" in xml and "<source_ip>127.0.0.30</source_ip>" in xml
    assert "<type>trusted_forwarder</type>" in xml  # the list's mail failed DMARC, accepted on ARC
