"""RFC 3464 delivery status notifications: built with the stdlib email package, read back by
``read_bounce`` (the one reader), field for field."""
from __future__ import annotations

import email
from datetime import datetime, timedelta, timezone
from email import policy
from email.utils import format_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtplesson import read_bounce
from smtplesson.bounces import RecipientStatus, build_dsn, is_dsn, status_of

DATE = "Mon, 02 Mar 2026 09:00:00 +0000"
HEADERS = ("From: alice@example.com\r\nTo: dan@example.net\r\nSubject: Lunch\r\n"
           "Message-ID: <1@example.com>\r\n")


def _dsn(*statuses: RecipientStatus, reporting_mta: str = "relay.example.com", arrival: str = DATE):
    return build_dsn(to="alice@example.com", statuses=statuses, reporting_mta=reporting_mta,
                     arrival_date=arrival, date=DATE, message_id="<dsn.1@relay.example.com>",
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
    bounce = read_bounce(wire)
    assert (bounce.kind, bounce.format, bounce.reporting_mta, bounce.arrival_date) == (
        "dsn", "postfix", "relay.example.com", DATE)  # its human part is worded as Postfix words it
    assert (bounce.original.subject, bounce.original.message_id) == ("Lunch", "<1@example.com>")
    (dan,) = bounce.recipients
    assert (dan.address, dan.action, dan.status, dan.code, dan.remote_mta, dan.last_attempt) == (
        "dan@example.net", "failed", "5.1.1", 550, "mx1.example.net", DATE)
    assert dan.diagnostic == ("550 5.1.1 <dan@example.net>: Recipient address rejected: "
                              "User unknown in local recipient table")
    assert dan.command == "RCPT"  # from the human part: "(in reply to RCPT TO command)"
    assert read_bounce(msg) == bounce  # the same before and after the wire
    assert max(len(line) for line in wire.splitlines()) <= 78


def test_multi_line_reply_becomes_one_diagnostic_line():
    st_ = RecipientStatus("dave@example.net", "failed", "5.2.2",
                          "552-5.2.2 The mailbox is full\n552 5.2.2 Try again much later")
    (dave,) = read_bounce(_dsn(st_)).recipients
    assert dave.diagnostic == "552 5.2.2 The mailbox is full 5.2.2 Try again much later"


def test_several_recipients_and_a_delay_warning():
    a = RecipientStatus("a@example.org", "delayed", "4.4.1", will_retry_until=DATE)
    b = RecipientStatus("b@example.org", "delayed", "4.7.1", "451 4.7.1 greylisted", "mx.example.org")
    msg = _dsn(a, b)
    assert msg["Subject"] == "Delayed Mail (still being retried)"
    assert "WARNING ONLY" in msg.get_payload(0).get_payload()
    bounce = read_bounce(msg)
    assert [(r.address, r.action, r.status) for r in bounce.recipients] == [
        ("a@example.org", "delayed", "4.4.1"), ("b@example.org", "delayed", "4.7.1")]
    assert bounce.recipients[0].will_retry_until == DATE
    assert bounce.recipients[1].will_retry_until is None
    assert bounce.recipients[1].remote_mta == "mx.example.org"


def test_deterministic_bytes_and_errors():
    st_ = RecipientStatus("dan@example.net", "failed", "5.1.1", "550 5.1.1 unknown")
    assert _dsn(st_).as_bytes() == _dsn(st_).as_bytes()
    with pytest.raises(ValueError):
        _dsn()
    plain = email.message_from_string("Subject: hi\n\nhello\n", policy=policy.default)
    assert not is_dsn(plain) and read_bounce(plain).kind == "not-a-bounce"


# --- the round trip: whatever the relay may build, the reader gives back --------------------------
_ACTION_CLASS = {"failed": "5", "delayed": "4", "delivered": "2", "relayed": "2", "expanded": "2"}
_CODES = {"5": (550, 551, 552, 553, 554), "4": (421, 450, 451, 452), "2": (250, 251)}
_WORD = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,'()-", min_size=1, max_size=12)
_HOST = st.from_regex(r"[a-z][a-z0-9-]{0,12}(\.[a-z][a-z0-9-]{0,12}){1,3}", fullmatch=True)
_DATE = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                     timezones=st.just(timezone(timedelta(hours=1)))).map(format_datetime)


@st.composite
def _recipient(draw: st.DrawFn, address: str) -> RecipientStatus:
    action = draw(st.sampled_from(sorted(_ACTION_CLASS)))
    digit = _ACTION_CLASS[action]
    status = f"{digit}.{draw(st.integers(0, 7))}.{draw(st.integers(0, 9))}"
    code = draw(st.sampled_from(_CODES[digit]))
    words = " ".join(draw(st.lists(_WORD, min_size=1, max_size=12)))
    return RecipientStatus(address, action, status, f"{code} {status} {words}", draw(_HOST),
                           draw(_DATE), draw(st.none() | _DATE) if action == "delayed" else None)


@st.composite
def _statuses(draw: st.DrawFn) -> list[RecipientStatus]:
    addresses = draw(st.lists(st.from_regex(r"[a-z][a-z0-9._+-]{0,15}@[a-z][a-z0-9-]{0,10}\.(net|org|test)",
                                            fullmatch=True), min_size=1, max_size=8, unique=True))
    return [draw(_recipient(a)) for a in addresses]


@settings(max_examples=60, deadline=None)
@given(_statuses(), _HOST, _DATE)
def test_every_field_built_is_read_back(statuses, reporting_mta, arrival):
    bounce = read_bounce(_dsn(*statuses, reporting_mta=reporting_mta, arrival=arrival).as_bytes())
    assert (bounce.kind, bounce.reporting_mta, bounce.arrival_date) == ("dsn", reporting_mta, arrival)
    got = [(r.address, r.action, r.raw_status, r.code, r.diagnostic, r.remote_mta, r.last_attempt,
            r.will_retry_until) for r in bounce.recipients]
    assert got == [(s.recipient, s.action, s.status, int(s.diagnostic[:3]), s.diagnostic, s.remote_mta,
                    s.last_attempt, s.will_retry_until) for s in statuses]
    for r, s in zip(bounce.recipients, statuses, strict=True):  # the status shown: the field, or
        # a field of only a class (X.0.0) made precise by the reply (settle_status)
        assert r.status == s.status or (s.status.endswith(".0.0") and r.status and r.status[0] == s.status[0])


@pytest.mark.parametrize(("field", "reply", "shown", "source"), [
    # Haraka gives up on "451 4.7.1" and writes Status 5.7.1: the receiver's own code is shown
    ("5.7.1", "451 4.7.1 Greylisting in action", "4.7.1", "reply"),
    ("4.1.8", "550 5.1.8 Sender address rejected", "5.1.8", "reply"),
    # another subject or detail is another statement: the field stays
    ("5.7.1", "451 4.7.2 Try again later", "5.7.1", "field"),
    ("5.1.1", "550 5.1.1 No such user", "5.1.1", "field"),
])
def test_a_field_restating_the_reply_in_the_other_class_shows_the_reply(field, reply, shown, source):
    bounce = read_bounce(_dsn(RecipientStatus("bob@example.net", "failed", field, reply)).as_bytes())
    recipient = bounce.recipients[0]
    assert (recipient.status, recipient.raw_status, recipient.status_from) == (shown, field, source)
