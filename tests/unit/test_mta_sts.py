"""MTA-STS (RFC 8461) records, policies and MX patterns; TLS-RPT (RFC 8460) records and reports."""
from __future__ import annotations

import pytest

from smtplesson.relay.mta_sts import PolicyLookup, matches, parse_policy, parse_record
from smtplesson.relay.tls_reports import Session, TLSReportLog, result_type
from smtplesson.relay.tls_reports import parse_record as parse_tlsrpt
from smtplesson.relay.transport import TransportPolicies

#: RFC 8461 §3.2's example policy
EXAMPLE = ("version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\n"
           "mx: backupmx.example.com\nmax_age: 604800\n")


def test_the_rfc_example_policy() -> None:
    policy = parse_policy(EXAMPLE)
    assert (policy.mode, policy.max_age) == ("enforce", 604800)
    assert policy.mx == ("mail.example.com", "*.example.net", "backupmx.example.com")
    assert policy.allows("mx1.example.net") and policy.allows("MAIL.example.com.")
    assert not policy.allows("mx1.example.org")


@pytest.mark.parametrize(("pattern", "host", "expected"), [
    ("*.example.net", "mx1.example.net", True),
    ("*.example.net", "example.net", False),  # the wildcard stands for one label, not none
    ("*.example.net", "a.mx1.example.net", False),  # nor two
    ("mx1.example.net", "mx1.example.net", True),
    ("mx1.example.net", "mx2.example.net", False),
])
def test_mx_patterns(pattern: str, host: str, expected: bool) -> None:
    assert matches(pattern, host) is expected


@pytest.mark.parametrize(("text", "error"), [
    ("mode: enforce\nversion: STSv1\nmx: a.example\nmax_age: 1\n", "first line"),
    ("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n", "mode must be"),
    ("version: STSv1\nmode: enforce\nmax_age: 86400\n", "lists its MX"),
    ("version: STSv1\nmode: testing\nmx: a.example\nmax_age: 99999999\n", "max_age"),
    ("<html>not found</html>", "key: value"),
])
def test_bad_policies_say_why(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_policy(text)


def test_mode_none_needs_no_mx() -> None:
    assert parse_policy("version: STSv1\nmode: none\nmax_age: 86400\n").mx == ()


def test_txt_records() -> None:
    assert parse_record("v=STSv1; id=20260601T000000;") == "20260601T000000"
    assert parse_record("v=STSv1; id=2026-06-01") is None  # id is letters and digits only (§3.1)
    assert parse_record("v=spf1 -all") is None
    assert parse_tlsrpt("v=TLSRPTv1; rua=mailto:tlsrpt@example.net") == ["mailto:tlsrpt@example.net"]
    assert parse_tlsrpt("v=DMARC1; rua=mailto:x@example.net") == []


@pytest.mark.parametrize(("reply", "kind"), [
    ("4.7.4 TLS is required, but was not offered by host mx1.example.net[127.0.0.21]",
     "starttls-not-supported"),
    ("4.7.5 Server certificate not verified (certificate has expired) for host mx1.example.net[127.0.0.21]",
     "certificate-expired"),
    ("4.7.5 Server certificate not verified (its names mx1.example.net match none of mx9.example.net) "
     "for host mx1.example.net[127.0.0.21]", "certificate-host-mismatch"),
])
def test_result_types_of_the_relays_deferrals(reply: str, kind: str) -> None:
    assert result_type(reply) == kind


def test_a_days_report_has_the_rfc_8460_shape() -> None:
    policy = parse_policy("version: STSv1\nmode: enforce\nmx: mx1.example.net\nmax_age: 86400\n")
    log = TLSReportLog("relay.example.com", "mailto:postmaster@example.com")
    for when in (10.0, 20.0, 30.0):
        log.record(Session(when, "example.net", policy, "mx1.example.net", "127.0.0.10", "127.0.0.21"))
    log.record(Session(40.0, "example.net", policy, "mx2.example.net", "127.0.0.10", "127.0.0.22",
                       "certificate-host-mismatch", "4.7.5 Server certificate not verified"))
    log.record(Session(90_000.0, "example.net", policy, "mx1.example.net", "127.0.0.10", "127.0.0.21"))
    report = log.report("example.net", 0, 86_400)
    assert set(report) == {"organization-name", "date-range", "contact-info", "report-id", "policies"}
    assert report["date-range"] == {"start-datetime": "1970-01-01T00:00:00Z",
                                    "end-datetime": "1970-01-02T00:00:00Z"}
    (entry,) = report["policies"]
    assert entry["policy"] == {"policy-type": "sts", "policy-domain": "example.net",
                               "policy-string": ["version: STSv1", "mode: enforce", "mx: mx1.example.net",
                                                 "max_age: 86400"],
                               "mx-host": ["mx1.example.net"]}
    assert entry["summary"] == {"total-successful-session-count": 3, "total-failure-session-count": 1}
    (detail,) = entry["failure-details"]
    assert (detail["result-type"], detail["receiving-mx-hostname"], detail["failed-session-count"]) == \
        ("certificate-host-mismatch", "mx2.example.net", 1)


# ----------------------------------------------------------------------------- the relay's plan
class FakeCache:
    def __init__(self, found: PolicyLookup) -> None:
        self.found = found

    def lookup(self, domain: str) -> PolicyLookup:
        return self.found


@pytest.mark.parametrize(("mode", "level", "check_only"), [
    ("enforce", "secure", False), ("testing", "secure", True), ("none", "may", False)])
def test_the_relays_plan_follows_the_mode(mode: str, level: str, check_only: bool) -> None:
    text = f"version: STSv1\nmode: {mode}\nmx: mx1.example.net\nmax_age: 86400\n"
    log = TLSReportLog("relay.example.com", "mailto:postmaster@example.com")
    cache = FakeCache(PolicyLookup("example.net", parse_policy(text)))
    policies = TransportPolicies(cache, log, lambda: 5.0)  # type: ignore[arg-type]
    plan = policies.plan("example.net", "may")
    assert (plan.level, plan.check_only) == (level, check_only)
    assert plan.match == (() if mode == "none" else ("mx1.example.net",))
    policies.record(plan, "mx1.example.net", "127.0.0.10", "127.0.0.21",
                    "4.7.4 TLS is required, but was not offered by host mx1.example.net[127.0.0.21]")
    assert log.sessions[-1].failure == "starttls-not-supported"


def test_without_a_policy_the_relay_keeps_its_level_and_reports_a_fetch_error() -> None:
    log = TLSReportLog("relay.example.com", "mailto:postmaster@example.com")
    found = PolicyLookup("example.net", None, "1", "HTTP 404", "sts-policy-fetch-error")
    policies = TransportPolicies(FakeCache(found), log, lambda: 5.0)  # type: ignore[arg-type]
    plan = policies.plan("example.net", "may")
    assert (plan.level, plan.match) == ("may", ())
    policies.record(plan, "mx1.example.net", "127.0.0.10", "127.0.0.21", None)
    report = log.report("example.net", 0, 10)
    assert report["policies"][0]["policy"]["policy-type"] == "no-policy-found"
    assert report["policies"][0]["failure-details"][0]["result-type"] == "sts-policy-fetch-error"
