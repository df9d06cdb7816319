"""RFC 9990 aggregate reports: valid against the RFC's own schema (Appendix A), one per domain."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from smtplesson.relay.dmarc import Identifier, evaluate
from smtplesson.relay.dmarc_reports import NAMESPACE, Observation, aggregate_report, aggregate_reports

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "data" / "rfc9990-dmarc-2.0.xsd")
RECORDS = {"example.com": "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com",
           "example.org": "v=DMARC1; p=quarantine; t=y; rua=mailto:d@example.org",
           "example.net": "v=DMARC1; p=none"}


def txt(name: str) -> list[str]:
    domain = name.removeprefix("_dmarc.")
    return [RECORDS[domain]] if name.startswith("_dmarc.") and domain in RECORDS else []


def seen(author: str, ip: str, mail_from: str, *, dkim: str = "pass", spf: str = "pass") -> Observation:
    domain = mail_from.rpartition("@")[2]
    ids = [Identifier("dkim", author, dkim, "s2026"), Identifier("spf", domain, spf)]
    return Observation(ip, author, domain, "example.net", evaluate(author, ids, txt), (domain, spf),
                       ((author, "s2026", dkim),))


def day() -> list[Observation]:
    return [seen("example.com", "127.0.0.10", "alice@example.com"),
            seen("example.com", "127.0.0.10", "alice@example.com"),
            seen("example.com", "127.0.0.66", "spoof@spoofer.example", dkim="fail", spf="fail"),
            seen("example.org", "127.0.0.66", "spoof@spoofer.example", dkim="fail", spf="fail"),
            seen("example.net", "127.0.0.21", "bob@example.net")]


def test_reports_are_valid_against_the_rfc_9990_schema() -> None:
    reports = aggregate_reports(day(), org_name="example.net", email="noreply-dmarc@example.net",
                                begin=1_780_000_000, end=1_780_086_399)
    assert sorted(reports) == ["example.com", "example.org"]  # example.net has no rua: no report
    for xml in reports.values():
        SCHEMA.validate(xml)


def test_rows_count_messages_and_say_what_was_done() -> None:
    reports = aggregate_reports(day(), org_name="example.net", email="d@example.net", begin=0, end=86399)
    xml = reports["example.com"]
    ns = {"d": NAMESPACE}
    root = ET.fromstring(xml)
    assert root.findtext("d:policy_published/d:discovery_method", namespaces=ns) == "treewalk"
    assert root.find("d:policy_published/d:pct", ns) is None
    rows = {r.findtext("d:row/d:source_ip", namespaces=ns): r for r in root.findall("d:record", ns)}
    good, spoof = rows["127.0.0.10"], rows["127.0.0.66"]
    assert good.findtext("d:row/d:count", namespaces=ns) == "2"
    assert good.findtext("d:row/d:policy_evaluated/d:disposition", namespaces=ns) == "pass"
    assert spoof.findtext("d:row/d:policy_evaluated/d:disposition", namespaces=ns) == "reject"
    assert spoof.findtext("d:auth_results/d:spf/d:domain", namespaces=ns) == "spoofer.example"


def test_testing_mode_is_reported_as_the_override_reason() -> None:
    xml = aggregate_reports(day(), org_name="r", email="d@r.example", begin=0, end=1)["example.org"]
    root = ET.fromstring(xml)
    ns = {"d": NAMESPACE}
    assert root.findtext("d:policy_published/d:testing", namespaces=ns) == "y"
    evaluated = root.find("d:record/d:row/d:policy_evaluated", ns)
    assert evaluated is not None
    assert (evaluated.findtext("d:disposition", namespaces=ns),
            evaluated.findtext("d:reason/d:type", namespaces=ns)) == ("none", "policy_test_mode")


def test_one_report_holds_one_policy_domain() -> None:
    with pytest.raises(ValueError, match="one report per DMARC Policy Domain"):
        aggregate_report(day(), org_name="r", email="d@r.example", report_id="x", begin=0, end=1)
