"""read_bounce: every fixture reads as expected, from every kind of source and line ending."""
from __future__ import annotations

import email
import io
import json
import re
from pathlib import Path

import pytest

from smtplesson import Bounce, read_bounce
from smtplesson.bounces import FORMATS, read_dsn

DATA = Path(__file__).parent / "data" / "bounces"
EXPECTED: dict[str, dict] = json.loads((DATA / "expected.json").read_text())
FILES = sorted(EXPECTED)
REAL = [f for f in FILES if not f.startswith("documented/")]


def _summary(bounce: Bounce) -> dict:
    return {"kind": bounce.kind, "format": bounce.format,
            "recipients": [[r.address, r.action, r.status, r.code, r.command] for r in bounce.recipients]}


def test_every_fixture_is_listed():
    on_disk = sorted(str(p.relative_to(DATA)) for p in DATA.glob("*/*.eml"))
    assert on_disk == FILES


@pytest.mark.parametrize("name", FILES)
def test_fixture_reads_as_expected(name):
    assert _summary(read_bounce(DATA / name)) == EXPECTED[name]


@pytest.mark.parametrize("name", FILES)
def test_every_bounce_fixture_has_recipients_and_explains_their_codes(name):
    bounce = read_bounce(DATA / name)
    if name.endswith("ordinary-mail.eml"):
        assert bounce.kind == "not-a-bounce" and not bounce.recipients
        return
    assert bounce.recipients
    for r in bounce.recipients:
        assert "@" in r.address and r.action
        if r.code is not None or r.status:
            assert r.explanation.found and r.bounce_type in ("hard", "soft", "block")


def test_real_mta_fixtures_name_their_mta():
    for name in REAL:
        assert EXPECTED[name]["format"] == name.split("/")[0], name


def test_every_format_has_a_fixture():
    formats = {entry["format"] for entry in EXPECTED.values()}
    assert {f.name for f in FORMATS} <= formats
    assert {"rfc3464", "arf", "rfc3834"} <= formats  # rfc3464: NetEase 163, Rambler, Fastmail


def test_a_plain_rfc3464_report_reads_as_rfc3464():
    raw = (DATA / "postfix" / "unknown-user.eml").read_bytes()
    plain = raw.replace(b"This is the mail system at host", b"This is the system at")
    bounce = read_bounce(plain)
    assert (bounce.kind, bounce.format) == ("dsn", "rfc3464")
    assert bounce.recipients[0].status == "5.1.1"


_UNFOLDED = (
    "From: MAILER-DAEMON@relay.example\nTo: alice@example.org\nSubject: Returned mail\nMIME-Version: 1.0\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
    "--b\nContent-Type: text/plain\n\nThe message could not be delivered.\n\n"
    "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.example\n\n"
    "Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.7.1\n"
    "Diagnostic-Code: SMTP; 550-5.7.1 Our system has detected that this message is likely\n"
    "550-5.7.1 unsolicited mail. To reduce the amount of spam sent,\n"
    "550 5.7.1 this message has been blocked.\nRemote-MTA: dns; 127.0.0.1\n\n--b--\n")


def test_a_multi_line_reply_copied_unfolded_into_diagnostic_code_is_read_whole():
    """nullmailer 2.2 copies a multi-line reply into Diagnostic-Code without folding its lines
    (tests/corpus/bounces/tuning/more-mtas/spam-multiline.nullmailer-1.eml); the next field still ends it."""
    recipient = read_bounce(_UNFOLDED.encode()).recipients[0]
    assert recipient.diagnostic.endswith("550 5.7.1 this message has been blocked.")
    assert "unsolicited mail" in recipient.diagnostic
    assert recipient.remote_mta == "127.0.0.1"


TEXT_ONLY = ["documented/qmail-dmarc.eml", "documented/lotus-notes-not-listed.eml"]


@pytest.mark.parametrize("name", [*REAL, *TEXT_ONLY])
@pytest.mark.parametrize("ending", [b"\r\n", b"\r"])
def test_line_endings_do_not_matter(name, ending):
    raw = (DATA / name).read_bytes()
    assert _summary(read_bounce(raw.replace(b"\n", ending))) == EXPECTED[name]


def test_every_kind_of_source():
    path = DATA / "exim" / "unknown-user.eml"
    raw = path.read_bytes()
    expected = EXPECTED["exim/unknown-user.eml"]
    for source in (raw, raw.decode(), str(path), path, io.BytesIO(raw), email.message_from_bytes(raw)):
        assert _summary(read_bounce(source)) == expected, type(source)


def test_an_exim_frozen_message_notice_lists_delayed_recipients():
    # moan.c moan_tell_someone: the addresses still queued, "have yet to be delivered" (as Exim's test
    # suite shows it: tests/corpus/bounces/tuning/exim-testsuite/5200.postmaster.1.eml)
    notice = (b"Auto-Submitted: auto-replied\nFrom: Mail Delivery System <Mailer-Daemon@mx.example.org>\n"
              b"To: postmaster@mx.example.org\nSubject: Message frozen\n\n"
              b"Message 1tAbCd-000123-Ef has been frozen.\nThe sender is <alice@example.org>.\n\n"
              b"The following address(es) have yet to be delivered:\n  bob@example.net: forced freeze\n")
    bounce = read_bounce(notice)
    assert [(r.address, r.action, r.bounce_type) for r in bounce.recipients] == [
        ("bob@example.net", "delayed", "soft")]


def test_a_dovecot_rejection_reads_its_reason_and_no_address_in_it():
    # a Sieve reject: the reason is the script's words, after Dovecot's own line; RFC 5429 §2.5: 5.7.1
    bounce = read_bounce(DATA / "dovecot" / "sieve-reject-multiline.eml")
    assert [r.address for r in bounce.recipients] == ["bob@mx.example.org"]
    rejected = bounce.recipients[0]
    assert rejected.diagnostic == "I have left the company. Please write to office@example.com instead."
    assert (rejected.status, rejected.status_from, rejected.bounce_type) == ("5.7.1", "inferred", "block")


def test_a_sendmail_multi_line_reply_is_read_whole_from_its_transcript():
    # Sendmail reports the first line of "550-5.7.1 ...", "550-5.7.1 ...", "550 5.7.1 ..." alone, in its
    # report and in its plain-text "(reason: ...)"; its transcript ("<<< 550-5.7.1 ...") has all of it
    corpus = Path(__file__).parents[1] / "corpus" / "bounces" / "tuning"
    for name in ("debian-mtas/spam-multiline.sendmail-1.eml",
                 "sendmail-plain/spam-multiline.sendmail-plain-1.eml"):
        rejected = read_bounce(corpus / name).recipients[0]
        assert rejected.diagnostic.startswith("550-5.7.1 Our system has detected"), name
        assert rejected.diagnostic.endswith("550 5.7.1 this message has been blocked."), name
        assert rejected.category == "content", name


def test_original_message_and_report_fields():
    bounce = read_bounce(DATA / "postfix" / "unknown-user-two.eml")
    assert bounce.reporting_mta == "mta.example.org"
    assert bounce.arrival_date and bounce.arrival_date.startswith("Tue, 1 Dec 2026")
    assert bounce.original.message_id == "<unknown-user-two.postfix@mta.example.org>"
    assert bounce.original.subject == "Test for unknown-user-two"
    assert bounce.original.sender == "Alice <alice@mta.example.org>"
    first = bounce.recipients[0]
    assert first.remote_mta == "127.0.0.1" and first.command == "RCPT"
    assert first.diagnostic.startswith("550 5.1.1 <ghost@unknown-user-two.test>: Recipient address rejected")


def test_broken_boundary_still_reads_the_fields():
    raw = (DATA / "postfix" / "unknown-user.eml").read_bytes()
    broken = re.sub(rb'boundary="[^"]+"', b"", raw)
    bounce = read_bounce(broken)
    assert bounce.kind == "dsn" and "broken" in bounce.note
    assert [(r.address, r.status) for r in bounce.recipients] == [("nobody@unknown-user.test", "5.1.1")]


def test_one_block_layout_without_blank_lines():
    text = ("From: MAILER-DAEMON@mx.example.org\nSubject: Returned mail\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n"
            "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n"
            "Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.1.1\n"
            "Final-Recipient: rfc822; b@example.net\nAction: delayed\nStatus: 4.2.2\n--b--\n")
    bounce = read_bounce(text)
    assert [(r.address, r.action, r.status) for r in bounce.recipients] == [
        ("a@example.net", "failed", "5.1.1"), ("b@example.net", "delayed", "4.2.2")]
    assert bounce.reporting_mta == "mx.example.org"


def test_ordinary_mail_is_never_a_bounce():
    talk = "Hi, when I send to bob@example.net I get 550 5.1.1 user unknown. Can you check?\n"
    for text in ("From: a@example.com\nSubject: hi\n\nThe 550 chairs arrive on 5.1.1, ask bob@example.net.\n",
                 "Subject: Re: Undeliverable thoughts\nFrom: c@example.org\n\nJust chatting.\n", "", "hello",
                 f"From: c@example.org\nSubject: Re: Undelivered mail\n\n{talk}",
                 f"From: c@example.org\nSubject: Undelivered mail\n\n{talk}"):
        bounce = read_bounce(text)
        assert bounce.kind == "not-a-bounce" and not bounce.recipients, text
        assert bounce.note


def test_feedback_report_and_auto_reply_are_what_they_are():
    arf = read_bounce(DATA / "documented" / "arf-abuse.eml")
    assert (arf.kind, arf.format) == ("feedback-report", "arf")
    assert ("Feedback-Type", "abuse") in arf.details
    assert arf.recipients[0].bounce_type == "complaint"
    auto = read_bounce(DATA / "documented" / "autoreply-vacation.eml")
    assert (auto.kind, auto.recipients[0].action) == ("auto-reply", "auto-replied")


def test_str_and_html_show_every_recipient():
    bounce = read_bounce(DATA / "exim" / "unknown-user-two.eml")
    text, html = str(bounce), bounce._repr_html_()
    for r in bounce.recipients:
        assert r.address in text and r.address in html
    assert html.count('smtpl-bounce-recipient') == 2
    assert "<script" not in html


def test_to_dict_is_json_ready():
    data = read_bounce(DATA / "documented" / "gmail-address-not-found.eml").to_dict()
    assert json.loads(json.dumps(data))["recipients"][0]["status"] == "5.1.1"


def test_a_parsed_dsn_with_a_missing_boundary_is_read():
    raw = (DATA / "postfix" / "unknown-user.eml").read_bytes()
    report = read_bounce(email.message_from_bytes(re.sub(rb'boundary="[^"]+"', b"", raw)))
    assert report.kind == "dsn" and "MIME structure is broken" in report.note
    assert [(r.address, r.status) for r in report.recipients] == [("nobody@unknown-user.test", "5.1.1")]
    assert report.reporting_mta == "mta.example.org"


def test_read_dsn_is_a_deprecated_adapter_over_read_bounce():
    msg = email.message_from_bytes((DATA / "postfix" / "mailbox-full.eml").read_bytes())
    with pytest.deprecated_call():
        report = read_dsn(msg)
    assert report == read_bounce(msg)
    assert [(r.address, r.action) for r in report.recipients] == [("bob@mailbox-full.test", "failed")]
    with pytest.deprecated_call():
        assert read_dsn(email.message_from_string("Subject: hi\n\nhello\n")) is None


DAEMON = "From: MAILER-DAEMON@mx.example.com\nTo: a@example.org\nSubject: failure notice\n\n"


@pytest.mark.parametrize(("body", "expected"), [
    # a labelled recipient, no reply code (Haraka's wording)
    ("Intended Recipients: <hanna@example.net>\nFailure Reason: Error: Some recipients failed\n",
     [("hanna@example.net", "failed", None, None)]),
    # an indented list of addresses, no words at all (IIS SMTP)
    ("Delivery to the following recipients failed.\n\n       user@company.example\n\n",
     [("user@company.example", "failed", None, None)]),
    # the reply quoted by Exchange, its quotes are not part of it
    ("Delivery is delayed to these recipients or groups:\n\nbob@fabrikam.example\n\n"
     "Remote Server at mx.fabrikam.example (203.0.113.1) returned '400 4.4.7 Message delayed'\n",
     [("bob@fabrikam.example", "delayed", 400, "4.4.7")]),
    # an enhanced code opening the reply, after the command (GMX)
    ('"bob@example.net":\nSMTP error from remote server after RCPT command:\nhost: mx.example.net\n'
     "5.1.1 <bob@example.net>: Recipient address rejected: User unknown\n",
     [("bob@example.net", "failed", None, "5.1.1")]),
    # an address mentioned in a sentence is nobody's recipient
    ("Your message could not be delivered. For help write to helpdesk@example.com or call us.\n", []),
])
def test_generic_text_bounces(body, expected):
    bounce = read_bounce(DAEMON + body)
    assert [(r.address, r.action, r.code, r.status) for r in bounce.recipients] == expected
    assert bounce.kind == "vendor"
    if not expected:
        assert "no recipient could be read" in bounce.note


def test_a_forwarded_bounce_is_read():
    bounce = read_bounce("From: Carol <carol@example.org>\nSubject: Fwd: Undelivered Mail Returned to Sender"
                         "\n\n---------- Forwarded message ---------\n\n<dan@example.net>: host "
                         "mx.example.net[203.0.113.9] said: 552 5.2.2 Mailbox full "
                         "(in reply to RCPT TO command)\n")
    found = [(r.address, r.status, r.command) for r in bounce.recipients]
    assert found == [("dan@example.net", "5.2.2", "RCPT")]


def test_fields_read_later_are_the_fields_read_at_once():
    """The SMTP command, a remote host the fields do not name and the original message are found
    when first read (model.Later): the same values, equal, copied and pickled as the values."""
    import copy
    import dataclasses
    import pickle

    bounce = read_bounce(DATA / "postfix" / "unknown-user.eml")
    first = bounce.recipients[0]
    assert type(vars(first)["command"]).__name__ == "Later"  # not searched for yet
    assert type(vars(bounce)["original"]).__name__ == "Later"
    again = read_bounce(DATA / "postfix" / "unknown-user.eml")
    assert again.to_dict() == bounce.to_dict()  # computes them
    assert first.command == "RCPT" and vars(first)["command"] == "RCPT"
    assert bounce.original.subject and bounce.original.message_id
    fresh = read_bounce(DATA / "postfix" / "unknown-user.eml")
    assert fresh == bounce and hash(fresh.recipients[0]) == hash(first)
    for made in (pickle.loads(pickle.dumps(fresh)), copy.deepcopy(fresh), dataclasses.replace(fresh)):
        assert made == bounce and made.recipients[0].command == "RCPT"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.command = "DATA"  # type: ignore[misc]


def test_dma_names_the_host_that_did_not_like_the_command():
    """dma's net.c: "HOST [ADDR] did not like our RCPT TO:" names the remote host, then the command."""
    recipient = read_bounce((DATA / "dragonfly" / "spf-fail.eml").read_bytes()).recipients[0]
    assert (recipient.remote_mta, recipient.command) == ("127.0.0.1", "MAIL")
