"""RFC 3464 delivery status notifications: built with the stdlib email package, read back."""
from __future__ import annotations

import email
from email import policy

import pytest

from smtplesson.codes.dsn import RecipientStatus, build_dsn, is_dsn, read_dsn, status_of

DATE = "Mon, 02 Mar 2026 09:00:00 +0000"
HEADERS = ("From: alice@example.com\r\nTo: dan@example.net\r\nSubject: Lunch\r\n"
           "Message-ID: <1@example.com>\r\n")


def _dsn(*statuses: RecipientStatus):
    return build_dsn(to="alice@example.com", statuses=statuses, reporting_mta="relay.example.com",
                     arrival_date=DATE, date=DATE, message_id="<dsn.1@relay.example.com>",
                     original_headers=HEADERS)


def test_status_of_reply():
    assert status_of("550 5.1.1 <dan@example.net>: unknown") == "5.1.1"
    assert status_of("452-4.2.2 over quota\n452 4.2.2 really") == "4.2.2"
    assert status_of("421 closing") == "4.0.0"
    assert status_of("554 no enhanced code") == "5.0.0"
    assert status_of(None) == "5.0.0" and status_of("connect: refused", "4.4.1") == "4.4.1"


def test_structure_and_fields_round_trip_through_bytes():
    failed = RecipientStatus("dan@example.net", "failed", "5.1.1",
                             "550 5.1.1 <dan@example.net>: Recipient address rejected: User unknown "
                             "in local recipient table", "mx1.example.net", DATE, stage="RCPT TO")
    msg = _dsn(failed)
    wire = msg.as_bytes()
    parsed = email.message_from_bytes(wire, policy=policy.default)
    assert is_dsn(parsed)
    assert parsed.get_content_type() == "multipart/report"
    assert parsed.get_param("report-type") == "delivery-status"
    assert [p.get_content_type() for p in parsed.iter_parts()] == [
        "text/plain", "message/delivery-status", "text/rfc822-headers"]
    assert parsed["From"] == "Mail Delivery System <MAILER-DAEMON@relay.example.com>"
    assert parsed["Auto-Submitted"] == "auto-replied"
    report = read_dsn(parsed)
    assert report.per_message == {"Reporting-MTA": "dns; relay.example.com", "Arrival-Date": DATE}
    block = report.recipient("DAN@example.net")
    assert block == {
        "Final-Recipient": "rfc822; dan@example.net",
        "Action": "failed",
        "Status": "5.1.1",
        "Remote-MTA": "dns; mx1.example.net",
        "Diagnostic-Code": "smtp; 550 5.1.1 <dan@example.net>: Recipient address rejected: "
                           "User unknown in local recipient table",
        "Last-Attempt-Date": DATE,
    }
    assert "Subject: Lunch" in report.original_headers
    assert "<dan@example.net>: host mx1.example.net said: 550 5.1.1" in report.human
    assert "(in reply to RCPT TO command)" in " ".join(report.human.split())
    assert read_dsn(msg) == report  # same fields before and after the wire
    assert max(len(line) for line in wire.splitlines()) <= 78


def test_multi_line_reply_becomes_one_diagnostic_line():
    st = RecipientStatus("dave@example.net", "failed", "5.2.2",
                         "552-5.2.2 The mailbox is full\n552 5.2.2 Try again much later")
    block = read_dsn(_dsn(st)).recipients[0]
    expected = "smtp; 552-5.2.2 The mailbox is full 5.2.2 Try again much later".replace("552-", "552 ")
    assert block["Diagnostic-Code"] == expected


def test_several_recipients_and_a_delay_warning():
    a = RecipientStatus("a@example.org", "delayed", "4.4.1", will_retry_until=DATE)
    b = RecipientStatus("b@example.org", "delayed", "4.7.1", "451 4.7.1 greylisted", "mx.example.org")
    msg = _dsn(a, b)
    assert msg["Subject"] == "Delayed Mail (still being retried)"
    report = read_dsn(msg)
    assert [r["Action"] for r in report.recipients] == ["delayed", "delayed"]
    assert report.recipients[0]["Will-Retry-Until"] == DATE
    assert "Diagnostic-Code" not in report.recipients[0]
    assert "WARNING ONLY" in report.human


def test_deterministic_bytes_and_errors():
    st = RecipientStatus("dan@example.net", "failed", "5.1.1", "550 5.1.1 unknown")
    assert _dsn(st).as_bytes() == _dsn(st).as_bytes()
    with pytest.raises(ValueError):
        _dsn()
    plain = email.message_from_string("Subject: hi\n\nhello\n", policy=policy.default)
    assert read_dsn(plain) is None and not is_dsn(plain)
