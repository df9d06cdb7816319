"""read_event / read_bounce on sending services' JSON events: Amazon SES, SendGrid, Postmark, Mailgun.

The fixtures under data/bounces/events/ are the services' documented example payloads (see the
README there); the payloads built in the tests below are marked as built here.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from smtplesson import read_bounce
from smtplesson.bounces import SERVICES, read_event

EVENTS = Path(__file__).parent / "data" / "bounces" / "events"

#: file -> (format, [(address, action, status, code, the service's classification, its bounce type)])
EXPECTED = {
    "amazon-ses-bounce-dsn.json": ("amazon-ses", [
        ("jane@example.com", "failed", "5.1.1", 550, "Permanent/General", "hard")]),
    "amazon-ses-bounce-sns.json": ("amazon-ses", [
        ("jane@example.com", "failed", None, None, "Permanent/General", "hard"),
        ("richard@example.com", "failed", None, None, "Permanent/General", "hard")]),
    # event publishing's failures of the whole message: nothing was sent, the address is not at fault
    "amazon-ses-reject.json": ("amazon-ses", [
        ("recipient@example.com", "failed", None, None, "Reject (Bad content)", "block")]),
    "amazon-ses-rendering-failure.json": ("amazon-ses", [
        ("recipient@example.com", "failed", None, None, "Rendering Failure", "block")]),
    "amazon-ses-complaint.json": ("amazon-ses", [
        ("richard@example.com", "complained", None, None, "Complaint (feedback type abuse)", "complaint")]),
    "sendgrid-events.json": ("sendgrid", [
        ("example@test.com", "delayed", "4.3.2", 400, "deferred (attempt 5)", "soft"),
        ("example@test.com", "delivered", "2.0.0", 250, "delivered", "none"),
        # "500 unknown recipient": the words name the recipient, not the 500 syntax reply
        ("example@test.com", "failed", "5.1.1", 500, "bounce, Invalid Address", "hard"),
        ("example@test.com", "failed", "5.7.1", 550, "blocked, Reputation", "block"),
        ("example@test.com", "failed", "5.0.0", None, "dropped: Bounced Address", "hard"),
        ("example@test.com", "complained", None, None, "spamreport", "complaint")]),
    "postmark-bounce.json": ("postmark", [
        ("john@example.com", "failed", None, None, "HardBounce", "hard")]),
    # a challenge-response filter asks the sender to verify itself: not the recipient's fault
    "postmark-challenge-verification.json": ("postmark", [
        ("john@example.com", "failed", None, None, "ChallengeVerification", "block")]),
    "postmark-soft-bounce.json": ("postmark", [
        ("john@example.com", "failed", "5.2.2", 552, "SoftBounce", "soft")]),
    "postmark-spam-complaint.json": ("postmark", [
        ("john@example.com", "complained", None, None, "SpamComplaint", "complaint")]),
    "mailgun-failed-permanent.json": ("mailgun", [
        ("alice@example.com", "failed", None, None, "permanent (suppress-bounce)", "hard")]),
    "mailgun-failed-temporary.json": ("mailgun", [
        ("alice@example.com", "delayed", "4.2.2", 452, "temporary (generic)", "soft")]),
}


def _summary(bounce):
    return (bounce.format, [(r.address, r.action, r.status, r.code, r.esp.classification, r.esp.bounce_type)
                            for r in bounce.recipients])


def test_every_event_fixture_is_listed_and_every_service_has_one():
    assert sorted(p.name for p in EVENTS.glob("*.json")) == sorted(EXPECTED)
    assert {fmt for fmt, _ in EXPECTED.values()} == set(SERVICES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event_fixture_reads_as_expected(name):
    bounce = read_bounce(EVENTS / name)
    assert bounce.kind == "event"
    assert _summary(bounce) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_kind_of_source_reads_the_same(name):
    path = EVENTS / name
    text = path.read_text()
    expected = _summary(read_event(path))
    for source in (text, text.encode(), json.loads(text), "\n  " + text, str(path)):
        assert _summary(read_bounce(source)) == expected, type(source)


def test_the_original_message_and_reporting_mta_are_kept():
    ses = read_bounce(EVENTS / "amazon-ses-bounce-dsn.json")
    assert ses.reporting_mta == "email.example.com"
    assert ses.original.subject == "Hello" and ses.original.message_id.startswith("00000138111222aa")
    assert ses.recipients[0].remote_mta == "127.0.2.0"
    assert ses.recipients[0].raw_status == "5.1.1" and ses.recipients[0].status_from == "esp"
    mailgun = read_bounce(EVENTS / "mailgun-failed-temporary.json")
    assert mailgun.original.subject == "Test temporary_fail webhook"
    assert mailgun.recipients[0].remote_mta == "gmail-smtp-in.l.google.com"
    assert mailgun.date == "2018-03-19T15:11:02+00:00"


def test_engagement_events_are_counted_not_read():
    bounce = read_bounce(EVENTS / "sendgrid-events.json")
    assert "2 events of other kinds" in bounce.note
    assert bounce.is_bounce


def test_where_the_service_and_the_reply_disagree_the_note_says_both():
    # SendGrid's documented "500 unknown recipient": 500 is a syntax reply, but its words name the
    # recipient (codes/data/lexicon.json "overrule"), so the reader agrees with SendGrid's bounce
    sendgrid = read_bounce(EVENTS / "sendgrid-events.json").recipients[2]
    assert sendgrid.bounce_type == "hard" == sendgrid.esp.bounce_type and sendgrid.note == ""
    # built here: SES says Transient for a reply that is a permanent unknown user
    event = json.loads((EVENTS / "amazon-ses-bounce-dsn.json").read_text())
    event["bounce"]["bounceType"] = "Transient"
    recipient = read_event(event).recipients[0]
    assert recipient.esp.bounce_type == "soft" and recipient.bounce_type == "hard"
    assert "Amazon SES calls this Transient/General (soft)" in recipient.note
    # agreeing verdicts add no note
    assert read_bounce(EVENTS / "amazon-ses-bounce-dsn.json").recipients[0].note == ""


def test_json_that_is_not_an_event_and_broken_json_are_not_bounces():
    for source in ('{"hello": "world"}', "[1, 2, 3]", b"{", "{not json at all", {}, []):
        bounce = read_bounce(source)
        assert bounce.kind == "not-a-bounce" and not bounce.recipients, source


def test_hostile_payloads_are_read_within_a_second():
    one = {"email": "a@example.com", "event": "bounce", "type": "bounce", "reason": "550 5.1.1 unknown",
           "status": "5.1.1", "timestamp": 1}
    many = json.dumps([one] * 100_000)
    deep = "[" * 100_000 + "]" * 100_000
    huge_reason = json.dumps([dict(one, reason="550 " + "x" * 3_000_000)])
    for payload in (many, deep, huge_reason):
        start = time.process_time()
        bounce = read_bounce(payload)
        assert time.process_time() - start < 1.0
        assert len(bounce.recipients) <= 1000


def test_to_dict_carries_the_service_verdict():
    row = read_bounce(EVENTS / "postmark-soft-bounce.json").to_dict()["recipients"][0]
    assert row["esp"] == {"service": "postmark", "classification": "SoftBounce", "bounce_type": "soft"}
    json.dumps(row)


@pytest.mark.parametrize("name", ["amazon-ses-reject.json", "amazon-ses-rendering-failure.json",
                                  "postmark-challenge-verification.json"])
def test_a_failure_without_a_reply_takes_the_services_verdict_never_hard(name):
    """No reply to explain: the service's own verdict types the recipient (a virus, a template, a
    challenge are not the address's fault), never the 'failed' default of hard."""
    (recipient,) = read_bounce(EVENTS / name).recipients
    assert recipient.code is None and recipient.bounce_type == "block" == recipient.esp.bounce_type
