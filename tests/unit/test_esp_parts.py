"""The sending service's pure parts: suppression policy, events, the spam filter, ARF reports."""
from __future__ import annotations

import json

import pytest

from smtplesson.bounces import read_bounce
from smtplesson.relay.esp.complaints import FeedbackLoops, arf_report, redact
from smtplesson.relay.esp.events import EVENTS, EventLog, event
from smtplesson.relay.esp.folders import SpamFilter, folder_of
from smtplesson.relay.esp.maillog import delivery_line, format_delay
from smtplesson.relay.esp.service import settings
from smtplesson.relay.esp.suppressions import Suppressions, policy
from smtplesson.relay.esp.unsubscribe import ONE_CLICK, header_fields

pytestmark = pytest.mark.unit

ORIGINAL = (b"Return-Path: <alice@example.com>\r\nFrom: alice@example.com\r\nTo: bob@example.net\r\n"
            b"Subject: News\r\nMessage-ID: <n1@example.com>\r\nX-Esp-Id: tok1\r\n\r\nHello.\r\n")


# --- suppression policy --------------------------------------------------------------
def test_policy_is_the_data_file():
    rules = policy()
    assert rules["hard"] is True and rules["block"] is False and rules["soft_after"] == 3


def test_hard_bounce_suppresses_with_its_evidence():
    s = Suppressions()
    assert s.bounced("Bob@Example.NET", "hard", "550 5.1.1 no such user", 10.0)
    entry = s["bob@example.net"]
    assert (entry.reason, entry.time, entry.evidence) == ("bounce", 10.0, "550 5.1.1 no such user")


def test_a_block_never_suppresses():
    s = Suppressions()
    for _ in range(10):
        assert not s.bounced("bob@example.net", "block", "554 5.7.1 blocked using zen.spamhaus.org", 0.0)
    assert "bob@example.net" not in s and len(s) == 0


def test_soft_bounces_suppress_only_after_a_run_and_a_delivery_resets_it():
    s = Suppressions()
    assert not s.bounced("dave@example.net", "soft", "552 5.2.2 full", 1.0)
    assert not s.bounced("dave@example.net", "soft", "552 5.2.2 full", 2.0)
    s.delivered("dave@example.net")
    assert s.soft_count("dave@example.net") == 0
    assert not s.bounced("dave@example.net", "soft", "552 5.2.2 full", 3.0)
    assert not s.bounced("dave@example.net", "soft", "552 5.2.2 full", 4.0)
    assert s.bounced("dave@example.net", "soft", "552 5.2.2 full", 5.0)
    assert s["dave@example.net"].evidence.startswith("3 soft bounces in a row")


def test_reactivation_removes_and_keeps_the_record():
    s = Suppressions()
    s.add("erin@example.net", "manual", "imported from the old list", 1.0)
    removed = s.reactivate("erin@example.net", "confirmed by the customer", 2.0)
    assert "erin@example.net" not in s
    assert (removed.removed_at, removed.removed_because) == (2.0, "confirmed by the customer")
    assert s.history == [removed]
    with pytest.raises(KeyError):
        s.reactivate("erin@example.net", "again", 3.0)
    s.add("x@example.net")
    with pytest.raises(ValueError, match="say why"):
        s.reactivate("x@example.net", " ")


def test_bad_reasons_and_addresses_are_refused():
    s = Suppressions()
    with pytest.raises(ValueError, match="reason"):
        s.add("bob@example.net", "because")
    with pytest.raises(ValueError, match="not an address"):
        s.add("bob")


# --- events ---------------------------------------------------------------------------
def test_event_shape_and_log():
    log = EventLog()
    log.add(event("deferred", "carol@example.net", 1772442000.7, smtp_id="<m@x>", message_id="M1",
                  response="451 4.7.1 Greylisted", attempt=1, status=None))
    log.add(event("delivered", "carol@example.net", 1772442600, response="250 ok"))
    first = log()[0]
    assert first == {"event": "deferred", "email": "carol@example.net", "timestamp": 1772442000,
                     "smtp-id": "<m@x>", "message_id": "M1", "response": "451 4.7.1 Greylisted",
                     "attempt": 1}
    assert [e["event"] for e in log("delivered", "Carol@Example.net")] == ["delivered"]
    assert [json.loads(line)["event"] for line in log.jsonl().splitlines()] == ["deferred", "delivered"]
    with pytest.raises(ValueError):
        event("opened", "x@example.net", 0)
    assert "blocked" in EVENTS and "spamreport" in EVENTS


# --- log line formats -----------------------------------------------------------------
@pytest.mark.parametrize(("seconds", "text"), [(0, "0"), (0.004, "0"), (0.04, "0.04"), (0.123, "0.12"),
                                               (1.25, "1.2"), (9.6, "9.6"), (10, "10"), (600.4, "600")])
def test_delay_format_is_postfix_format_tv(seconds, text):
    assert format_delay(seconds) == text


def test_delivery_line():
    line = delivery_line("R00001", "bob@example.net", "mx1.example.net[127.0.0.21]:25", 600, "4.7.1",
                         "deferred", "host mx1.example.net[127.0.0.21] said: 451 4.7.1 later "
                         "(in reply to RCPT TO command)")
    assert line.startswith("R00001: to=<bob@example.net>, relay=mx1.example.net[127.0.0.21]:25, "
                           "delay=600, delays=0/600/0/0, dsn=4.7.1, status=deferred (host ")


# --- the spam filter ------------------------------------------------------------------
def _mail(subject: str, body: str, extra: str = "") -> bytes:
    return (f"{extra}From: alice@example.com\r\nTo: bob@example.net\r\nSubject: {subject}\r\n\r\n"
            f"{body}\r\n").encode()


def test_content_rules_file_to_junk_with_reasons():
    f = SpamFilter()
    filing, data = f.file(_mail("WINNER", "You are a lottery winner! Claim your prize."), "example.net")
    assert filing.folder == "Junk" and filing.score == 5.5
    assert [r[0] for r in filing.rules] == ["SUBJ_MONEY", "BODY_LOTTERY"]
    assert data.startswith(b"X-Spam-Status: Yes, score=5.5 required=5.0 tests=SUBJ_MONEY,BODY_LOTTERY\r\n")
    from email import message_from_bytes

    assert folder_of(message_from_bytes(data)) == "Junk"
    assert f.judge(_mail("Lunch", "Friday?"), "example.net").folder == "Inbox"


def test_high_scores_are_quarantined_and_dmarc_quarantine_goes_to_junk():
    f = SpamFilter(complaint_rate=lambda receiver, author: 0.01)
    phish = f.judge(_mail("winner", "verify your password to claim your prize"), "example.net")
    assert phish.folder == "Quarantine" and "HIGH_COMPLAINTS" in [r[0] for r in phish.rules]
    quiet = SpamFilter()
    flagged = _mail("Hello", "hi", "X-Spam-Flag: YES (DMARC policy of example.com is quarantine)\r\n")
    filing = quiet.judge(flagged, "example.net")
    assert filing.folder == "Junk" and filing.score == 0.0 and filing.rules[0][0] == "DMARC_QUAR"


def test_authentication_results_are_read():
    ar = ("Authentication-Results: mx1.example.net;\r\n\tspf=fail smtp.mailfrom=example.com;\r\n"
          "\tdkim=none\r\n")
    filing = SpamFilter().judge(_mail("Hello", "hi", ar), "example.net")
    assert [r[0] for r in filing.rules] == ["SPF_FAIL", "DKIM_NONE"] and filing.folder == "Inbox"


# --- one-click unsubscribe and complaints ---------------------------------------------
def test_list_unsubscribe_fields():
    fields = header_fields("https://127.0.0.1:4443/unsubscribe/t1", "unsubscribe@example.com", "t1")
    assert fields == {"List-Unsubscribe": "<https://127.0.0.1:4443/unsubscribe/t1>, "
                                          "<mailto:unsubscribe@example.com?subject=unsubscribe%20t1>",
                      "List-Unsubscribe-Post": ONE_CLICK}


@pytest.mark.parametrize("redacted", [False, True])
def test_arf_report_is_read_back_as_a_feedback_report(redacted):
    report = arf_report(ORIGINAL, reporter="feedback@example.net", to="fbl@example.com",
                        reporting_mta="mx1.example.net", recipient="bob@example.net",
                        mail_from="alice@example.com", source_ip="127.0.0.10",
                        arrival_date="Mon, 02 Mar 2026 09:00:00 +0000",
                        date="Mon, 02 Mar 2026 10:00:00 +0000", message_id="<arf.1@example.net>",
                        user_agent="Microsoft JMRP", redacted=redacted, reported_domain="example.com")
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "feedback-report"
    bounce = read_bounce(report.as_bytes())
    assert (bounce.kind, bounce.format) == ("feedback-report", "arf")
    details = dict(bounce.details)
    assert details["Feedback-Type"] == "abuse" and details["Version"] == "1"
    assert details["Source-IP"] == "127.0.0.10" and details["Reported-Domain"] == "example.com"
    shown = [r.address for r in bounce.recipients]
    assert shown == (["redacted@example.net"] if redacted else ["bob@example.net"])
    assert (b"bob@example.net" in report.as_bytes()) is not redacted
    assert bounce.original.message_id == "<n1@example.com>"
    assert report.as_bytes() == arf_report(  # deterministic: no random MIME boundary
        ORIGINAL, reporter="feedback@example.net", to="fbl@example.com", reporting_mta="mx1.example.net",
        recipient="bob@example.net", mail_from="alice@example.com", source_ip="127.0.0.10",
        arrival_date="Mon, 02 Mar 2026 09:00:00 +0000", date="Mon, 02 Mar 2026 10:00:00 +0000",
        message_id="<arf.1@example.net>", user_agent="Microsoft JMRP", redacted=redacted,
        reported_domain="example.com").as_bytes()


def test_redact_keeps_the_domain():
    assert redact("bob@example.net") == "redacted@example.net"


def test_feedback_loops_and_aggregate_rates():
    loops = FeedbackLoops(settings()["feedback_loops"], {"example.net": "gmail", "example.org": "yahoo"})
    assert loops.loop("example.net")["style"] == "none" and loops.loop("example.org")["style"] == "dkim"
    assert loops.loop("elsewhere.test") == {"style": "none"}
    for _ in range(4):
        loops.delivered("example.net", "example.com", "news:alice:bulk:esp")
    loops.reported("example.net", "example.com", "news:alice:bulk:esp")
    assert loops.rate("example.net", "example.com") == 0.25
    assert loops.spam_rates("example.net") == {"news:alice:bulk:esp": {"delivered": 4, "reported": 1,
                                                                        "rate": 0.25}}


def test_settings_overrides_are_checked():
    assert settings({"providers": {"example.net": "yahoo"}})["providers"]["example.net"] == "yahoo"
    with pytest.raises(ValueError, match="no ESP setting"):
        settings({"nonsense": {}})


def test_recorded_events_are_written_once_when_read():
    log = EventLog()
    log.record("processed", "bob@example.net", 1772442000.5, "<m@x>", "M1", {"mx": None})
    log.add(event("delivered", "bob@example.net", 1772442001, response="250 ok"))
    with pytest.raises(ValueError):
        log.record("opened", "bob@example.net", 0, "", "", {})
    assert len(log) == 2
    first = log()[0]
    assert first == event("processed", "bob@example.net", 1772442000.5, smtp_id="<m@x>", message_id="M1")
    assert log()[0] is first  # the same dict each time: written once
