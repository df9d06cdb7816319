"""A bounced recipient's status: the report's Status kept as written, the settled one and where it
comes from; the last remote reply of an expiry notice; never a failed recipient typed none."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from smtplesson import read_bounce
from smtplesson._data import load
from smtplesson.bounces.model import STATUS_SOURCES
from smtplesson.bounces.text import diagnostic_of, embedded_reply
from smtplesson.codes.causes import DATA as CATEGORIES
from smtplesson.views.text import bounce_summary

DATA = Path(__file__).parent / "data" / "bounces"
FILES = sorted(json.loads((DATA / "expected.json").read_text()))


def _dsn(status: str, diagnostic: str, text: str = "", action: str = "failed") -> bytes:
    return (f"From: MAILER-DAEMON@mx.example.net\nTo: alice@example.com\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
            f"--b\nContent-Type: text/plain\n\n{text}\n"
            f"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
            f"Final-Recipient: rfc822; dan@example.net\nAction: {action}\nStatus: {status}\n"
            f"Diagnostic-Code: {diagnostic}\n--b--\n").encode()


def test_exim_writes_5_0_0_and_the_reply_gives_the_status():
    r = read_bounce(DATA / "exim" / "unknown-user.eml").recipients[0]
    assert (r.raw_status, r.status, r.status_from) == ("5.0.0", "5.1.1", "reply")
    assert "(report: Status 5.0.0)" in bounce_summary("x", read_bounce(DATA / "exim" / "unknown-user.eml"))


def test_a_precise_status_field_is_kept_as_it_is():
    r = read_bounce(DATA / "postfix" / "unknown-user.eml").recipients[0]
    assert (r.raw_status, r.status, r.status_from) == ("5.1.1", "5.1.1", "field")


def test_only_a_basic_code_gives_a_status_inferred_from_the_words():
    r = read_bounce(DATA / "documented" / "sendmail-plain-text.eml").recipients[0]
    assert (r.code, r.status, r.status_from, r.status_inferred) == (550, "5.1.1", "inferred", True)
    r = read_bounce(_dsn("5.0.0", "smtp; 552 Mailbox full")).recipients[0]
    assert (r.raw_status, r.status, r.status_from) == ("5.0.0", "5.2.2", "inferred")
    r = read_bounce(_dsn("5.0.0", "smtp; 550 Requested action not taken")).recipients[0]
    assert (r.status, r.status_from) == ("5.0.0", "field")  # no cause in the words: nothing inferred


def test_every_inferred_status_maps_back_to_its_cause():
    """Each detail is registered for that cause, or is X.7.1, RFC 3463's code for every refusal."""
    for category, entry in load("bounces", "statuses.json")["by_category"].items():
        assert CATEGORIES["enhanced"]["X." + entry["detail"]] in (category, "policy"), category
        assert entry["detail"] == "7.1" or CATEGORIES["enhanced"]["X." + entry["detail"]] == category
        assert entry["source"].startswith("RFC "), category


@pytest.mark.parametrize(("text", "reply"), [
    ("retry timeout exceeded (<421 4.4.2 Connection timed out>)", "421 4.4.2 Connection timed out"),
    ("delivery temporarily suspended: host mx.example.net[192.0.2.1] said: 451 4.7.1 <b@example.net>: "
     "Greylisted (in reply to RCPT TO command)", "451 4.7.1 <b@example.net>: Greylisted"),
    ("bob@example.net... Deferred: 450 4.2.1 Mailbox busy", "450 4.2.1 Mailbox busy"),
    ("The error that the other server returned was: 421 4.7.0 [TSS04] Messages temporarily deferred",
     "421 4.7.0 [TSS04] Messages temporarily deferred"),  # Gmail's delay and expiry notices
    ("Connection timed out after 300 seconds", None),
    ("said: 550 4.1.1 mismatched classes", None),
])
def test_embedded_reply(text, reply):
    assert embedded_reply(text) == reply


def test_the_last_remote_reply_of_an_expiry_notice_is_read():
    """The last reply is read (code, status); the cause of a message the queue gave up on is
    ``expired``, whatever that reply was (shared/taxonomy-v2.md)."""
    mail = _dsn("4.4.7", "X-Postfix; delivery temporarily suspended: host mx.example.net[192.0.2.1] "
                "said: 451 4.7.1 Greylisted, try again later")
    r = read_bounce(mail).recipients[0]
    assert (r.code, r.status, r.raw_status, r.category) == (451, "4.7.1", "4.4.7", "expired")
    mail = _dsn("5.4.7", "X-Exim; retry timeout exceeded",
                "dan@example.net\n    retry timeout exceeded (<421 4.4.2 Connection timed out>)\n")
    r = read_bounce(mail).recipients[0]
    assert (r.code, r.status, r.raw_status) == (421, "4.4.2", "5.4.7")
    assert "421 4.4.2 Connection timed out" in r.note


def test_real_sendmail_expiry_gives_the_deferred_reply():
    r = read_bounce(DATA / "sendmail" / "greylisting.eml").recipients[0]
    assert (r.action, r.raw_status, r.code) == ("failed", "4.4.7", 451)
    r = read_bounce(DATA / "sendmail" / "rate-limit.eml").recipients[0]
    assert (r.code, r.command) == (421, "MAIL")
    warning = read_bounce(DATA / "sendmail" / "delay-warning.eml").recipients[0]
    assert (warning.action, warning.bounce_type) == ("delayed", "soft")


@pytest.mark.parametrize("name", FILES)
def test_no_failed_recipient_is_typed_none_and_every_status_says_where_it_comes_from(name):
    for r in read_bounce(DATA / name).recipients:
        if r.action == "failed":
            assert r.bounce_type in ("hard", "soft", "block"), (name, r.address)
        assert r.status_from in (*STATUS_SOURCES, None)
        assert (r.status is None) == (r.status_from is None), (name, r.address)


@pytest.mark.parametrize("diagnostic", ["smtp; 250 2.0.0 Ok: queued", "smtp; ", "X-Unix; exit 75", ""])
def test_a_failed_action_without_a_failure_reply_is_still_a_failure(diagnostic):
    r = read_bounce(_dsn("5.0.0", diagnostic)).recipients[0]
    assert r.action == "failed" and r.bounce_type == "hard"


def test_words_without_any_code_give_a_status_inferred_from_them():
    """A text bounce that quotes no code: the status its words name, marked inferred, permanent in a
    failure, temporary in a delay warning; the raw Status stays None (the mail has none)."""
    for name in ("dti-user-unknown.eml", "yahoojp-no-account.eml", "imail-unknown-user.eml"):
        r = read_bounce(DATA / "documented" / name).recipients[0]
        assert (r.action, r.code, r.status, r.raw_status, r.status_from) == (
            "failed", None, "5.1.1", None, "inferred"), name
        assert r.status_inferred and r.bounce_type == "hard"
    warning = read_bounce(DATA / "documented" / "sendmail-deferred-warning.eml").recipients[0]
    assert (warning.action, warning.status[0], warning.status_from, warning.bounce_type) == (
        "delayed", "4", "inferred", "soft")


def test_domino_not_listed_is_an_unknown_recipient_not_a_blocklist():
    r = read_bounce(DATA / "documented" / "lotus-notes-not-listed.eml").recipients[0]
    assert (r.status, r.status_from, r.code, r.category, r.bounce_type) == (
        "5.1.1", "inferred", None, "mailbox-unknown", "hard")
    assert r.diagnostic == "User bob (bob@example.net) not listed in Domino Directory"
    older = (DATA / "documented" / "lotus-notes-not-listed.eml").read_bytes().replace(
        b"Domino Directory", b"public Name & Address Book")
    assert read_bounce(older).recipients[0].category == "mailbox-unknown"


def test_a_domino_report_not_listed_is_an_unknown_recipient_beside_its_status_field():
    r = read_bounce(DATA / "documented" / "domino-dsn-not-listed.eml").recipients[0]
    assert (r.raw_status, r.status, r.status_from, r.code, r.category, r.bounce_type) == (
        "5.0.0", "5.1.1", "inferred", None, "mailbox-unknown", "hard")
    ambiguous = (DATA / "documented" / "domino-dsn-not-listed.eml").read_bytes().replace(
        b"User bob (bob@exampl\n e.net) not listed in Domino Directory",
        b"Recipient user name info (bob@example.net) not unique.  Several matches found in Domino Directory.")
    r = read_bounce(ambiguous).recipients[0]
    assert (r.status, r.status_from, r.bounce_type) == ("5.1.4", "inferred", "hard")
    r = read_bounce(DATA / "documented" / "domino-dsn-transfer-error.eml").recipients[0]  # the reply says it
    assert (r.raw_status, r.status, r.status_from, r.code) == ("5.0.0", "5.1.1", "reply", 550)


def test_words_that_name_no_cause_infer_nothing():
    mail = (b"From: MAILER-DAEMON@mx.example.net\nTo: alice@example.com\nSubject: Undelivered Mail\n\n"
            b"Your message could not be delivered to:\n\n  dan@example.net\n\n"
            b"because: see your administrator\n")
    r = read_bounce(mail).recipients[0]
    # no format names the writer and nothing names a reason: a guess, so the address is kept (soft)
    assert (r.action, r.code, r.status, r.status_from, r.bounce_type) == ("failed", None, None, None, "soft")
    assert r.guessed and r.to_dict()["guessed"]


def test_a_localised_ndr_without_a_machine_readable_part_in_its_charset():
    bounce = read_bounce(DATA / "documented" / "exchange-de-text-only.eml")
    (r,) = bounce.recipients
    assert (bounce.kind, bounce.format, r.code, r.status, r.raw_status, r.status_from) == (
        "vendor", "exchange", 550, "5.1.1", None, "reply")
    assert r.diagnostic == "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"  # Exchange's "#...##" dropped


def test_the_returned_headers_quoted_in_the_text_give_the_original_and_the_recipient():
    mail = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\nTo: alice@example.com\n"
            b"Subject: Mail delivery failed\n\nYour message could not be delivered.\n"
            b"SMTP error from remote mail server after RCPT TO: 550 5.1.1 User unknown\n\n"
            b"------ This is a copy of the message, including all the headers. ------\n\n"
            b"Return-path: <alice@example.com>\nFrom: Alice <alice@example.com>\nTo: dan@example.net\n"
            b"Subject: Quarterly report\nMessage-ID: <q1@example.com>\n\nThe figures.\n")
    bounce = read_bounce(mail)
    assert (bounce.original.subject, bounce.original.message_id) == ("Quarterly report", "<q1@example.com>")
    (r,) = bounce.recipients
    assert (r.address, r.code, r.status, r.command) == ("dan@example.net", 550, "5.1.1", "RCPT")
    japanese = read_bounce(DATA / "documented" / "gmail-yahoojp-dd.eml")  # ISO-2022-JP encoded words
    assert japanese.original.subject == "i0shackの大森です。"


def test_a_temporary_reply_in_a_failure_notice_is_a_failure_not_a_delay():
    """qmail-send gives up on a message too long in the queue: the recipient failed, its status is
    the last temporary reply's as written (as Sendmail's Action: failed with Status: 4.4.7)."""
    bounce = read_bounce(DATA / "documented" / "qmail-ldap-queue-too-long.eml")
    assert [(r.address, r.action, r.status) for r in bounce.recipients] == [
        ("dan@example.net", "failed", "4.4.1"), ("erin@example.com", "failed", "4.4.2"),
        ("frank@nowhere.example", "failed", "5.1.2")]
    assert read_bounce(DATA / "documented" / "qmail-greeting-deferred.eml").recipients[0].action == "failed"
    # Sendmail: "The following addresses had permanent fatal errors", the reply a 451
    r = read_bounce(DATA / "documented" / "sendmail-no-mime-expired.eml").recipients[0]
    assert (r.action, r.code, r.status, r.raw_status) == ("failed", 451, "4.7.1", None)


@pytest.mark.parametrize(("context", "diagnostic"), [
    ("Remote Server returned '< #5.0.0 smtp;550 5.1.1 <bob@example.net>... User unknown>'",
     "550 5.1.1 <bob@example.net>... User unknown"),
    ("Remote Server returned '< #5.0.0 smtp;Your response was sent to a notification-only address.>'",
     "5.0.0 Your response was sent to a notification-only address."),
    ("Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'",
     "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"),
    # a multi-line reply starts at its first line, not at its last ("550 5.1.1 https://...")
    ("said: 550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 https://x.example",
     "550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 https://x.example"),
    ("Diagnostic code: smtp;550-5.1.1 The email account does not exist",
     "550-5.1.1 The email account does not exist"),
])
def test_the_diagnostic_is_the_whole_reply(context, diagnostic):
    assert diagnostic_of(context) == diagnostic
    r = read_bounce(DATA / "documented" / "appriver-notification-only.eml").recipients[0]
    assert r.diagnostic.startswith("5.0.0 Your response was sent to a notification-only address")
