"""Formats and conventions read on real bounces of the corpus' tuning split (issue 19 item 6):
mails written on this machine by Debian's MTAs (tools/mining/mta_bounces.py) and qmail's QSBMF words;
and on small mails written here from an MTA's own template text."""
from __future__ import annotations

from pathlib import Path

from smtplesson import explain, read_bounce

TUNING = Path(__file__).resolve().parents[1] / "corpus" / "bounces" / "tuning"


def _only(name: str):
    (recipient,) = read_bounce(TUNING / name).recipients
    return recipient


def test_an_opensmtpd_expired_envelope_failed_though_its_report_says_delayed():
    """queue.c deletes an expired envelope (a B_ERROR bounce); 6.8 writes "Action: delayed" beside it."""
    r = _only("debian-mtas/greylisted.opensmtpd-1.eml")
    assert (r.action, r.status, r.category, r.bounce_type) == ("failed", "4.4.7", "expired", "soft")
    assert "gave up" in r.note and r.diagnostic == "Envelope expired"


def test_the_expiry_of_a_basic_code_infers_the_expired_status_and_keeps_the_last_reply():
    r = _only("debian-mtas/local-error-basic.exim-3.eml")
    assert (r.action, r.code, r.raw_status, r.status, r.status_from) == ("failed", 451, "5.0.0", "5.4.7",
                                                                         "inferred")
    assert r.diagnostic.startswith("451 Requested action aborted") and r.bounce_type == "soft"


def test_a_basic_code_only_gets_a_status_inferred_from_its_words_and_marked():
    r = _only("debian-mtas/no-such-user-basic.postfix-1.eml")
    assert (r.code, r.raw_status, r.status, r.status_from, r.status_inferred) == (550, "5.0.0", "5.1.1",
                                                                                 "inferred", True)
    assert r.bounce_type == "hard"


def test_sendmail_deferred_words_on_the_address_line_are_the_diagnostic():
    """Sendmail's transcript "bob@example.net... Deferred: Connection refused by [127.0.0.1]"; the
    message failed when its queue lifetime ran out: expired, whatever the last try met
    (shared/taxonomy-v2.md)."""
    r = _only("debian-mtas/connection-refused.sendmail-1.eml")
    assert r.diagnostic.startswith("Deferred: Connection refused by [127.0.0.1]")
    assert (r.action, r.category, r.bounce_type) == ("failed", "expired", "soft")


def test_qmail_words_without_their_code_give_an_inferred_status():
    """QSBMF's own example: "Sorry, I couldn't find any host by that name." (qmail-remote: #5.1.2)."""
    r = _only("mailbouncedetector/bounce_qmail_no_host_found.eml")
    assert (r.code, r.status, r.status_from, r.category) == (None, "5.1.2", "inferred", "dns-routing")


def test_no_failed_or_delayed_recipient_of_the_generated_bounces_is_typed_none():
    for path in sorted((TUNING / "debian-mtas").glob("*.eml")):
        for r in read_bounce(path).recipients:
            assert r.action in ("failed", "delayed") and r.bounce_type in ("hard", "soft", "block"), path.name


def test_a_localised_text_only_exchange_ndr_is_read_by_its_section_titles():
    """Japanese and Russian titles of the localised Exchange NDR page; the quoted headers are not
    recipients.  (Built here on the layout of documented/exchange-de-text-only.eml.)"""
    for diagnostic, server, headers in (("管理者向けの診断情報", "生成サーバー", "元のメッセージ ヘッダー"),
                                        ("Диагностические сведения для администраторов", "Формирующий сервер",
                                         "Исходные заголовки сообщения")):
        mail = ("From: postmaster@contoso.example\nTo: alice@contoso.example\nSubject: NDR\n"
                "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
                f"{diagnostic}:\n\n{server}: EX01.contoso.example\n\n"
                f"bob.smith@contoso.example\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n\n"
                f"{headers}:\n\nFrom: Alice <alice@contoso.example>\nTo: Carol <carol@contoso.example>\n")
        bounce = read_bounce(mail.encode())
        assert bounce.format == "exchange" and bounce.reporting_mta == "EX01.contoso.example"
        assert [(r.address, r.code, r.status) for r in bounce.recipients] == [
            ("bob.smith@contoso.example", 550, "5.1.1")]


def test_a_sendmail_transcript_reply_ends_before_the_recipient_line_that_repeats_it():
    """"<<< 451 4.7.1 Rate limit ..." then "bob@...... Deferred: 451 4.7.1 Rate limit ...": one reply
    (the message failed when its queue lifetime ran out: expired)."""
    r = _only("debian-mtas/rate-limit-data.sendmail-1.eml")
    assert r.diagnostic == "451 4.7.1 Rate limit exceeded, try again later" and r.category == "expired"
    assert explain(r.diagnostic).category == "rate-limit"


def _text_bounce(subject: str, body: str) -> bytes:
    """A plain-text bounce from a mailer daemon, written here (no corpus mail is copied)."""
    return (f"From: MAILER-DAEMON@mx.example.com\nTo: alice@example.com\nSubject: {subject}\n"
            "Date: Mon, 7 Dec 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/plain\n\n"
            f"{body}").encode()


_RETURNED = ("Return-Path: <alice@example.com>\nFrom: alice@example.com\nTo: bob@example.net\n"
             "Subject: Hi\n\nHi.\n")
# qmail-send.c's failure paragraph, the recipient paragraphs QSBMF defines, and its break paragraph
_QMAIL_FAILED = ("I'm afraid I wasn't able to deliver your message to the following addresses.\n"
                 "This is a permanent error; I've given up. Sorry it didn't work out.\n\n")
_QMAIL_BREAK = "--- Below this line is a copy of the message.\n\n" + _RETURNED


def test_qmail_variants_that_reword_the_introduction_are_qmail():
    """Gateways reword qmail-send's "Hi. This is the qmail-send program at ..." (or all its first
    paragraphs); its recipient paragraphs and break paragraph "--- Below this line is a copy of the
    message." stay.  (Written here from qmail-send.c's and QSBMF's (cr.yp.to/proto/qsbmf.txt) words.)"""
    for intro, paragraph, status in (
            ("Hello. This is the mail delivery agent at mx.example.com.\n" + _QMAIL_FAILED,
             "<bob@example.net>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n", "5.1.1"),
            ("This is the automatic mail system of Example Mail at mx.example.com.\n" + _QMAIL_FAILED,
             "<bob@example.net>:\n192.0.2.25 does not like recipient.\nRemote host said: 550 5.1.1 "
             "<bob@example.net>: Recipient unknown\nGiving up on 192.0.2.25.\n\n", "5.1.1"),
            ("Greetings from the Example Mail gateway at mx.example.com.\n"
             "Your message could not be delivered to the following address.\n\n",
             "<bob@example.net>:\nSorry, I couldn't find any host named example.net. (#5.1.2)\n\n", "5.1.2")):
        bounce = read_bounce(_text_bounce("failure notice", intro + paragraph + _QMAIL_BREAK))
        assert (bounce.kind, bounce.format) == ("vendor", "qmail"), intro
        assert [(r.address, r.status) for r in bounce.recipients] == [("bob@example.net", status)], intro


def test_netscape_gives_one_reason_before_its_list_for_every_recipient():
    """"This Message was undeliverable due to the following reason: ... not reachable within the
    allowed queue period" then two "did not receive your message" lists: both expired (5.4.7).
    (Written here from Netscape Messaging Server's sentences, as mta.py quotes them.)"""
    body = ("This Message was undeliverable due to the following reason:\n\n"
            "Your message was not delivered because the destination computer was\n"
            "not reachable within the allowed queue period.\n\n"
            "The following recipients did not receive your message:\n\n    <bob@example.net>\n\n"
            "The following recipients did not receive your message:\n\n    <carol@example.org>\n\n"
            "Please reply to Postmaster@mx.example.com\nif you feel this message to be in error.\n")
    bounce = read_bounce(_text_bounce("Delivery Notification: Delivery has failed", body))
    assert bounce.format == "netscape"
    assert [(r.address, r.status, r.status_from, r.category, r.bounce_type) for r in bounce.recipients] == [
        (a, "5.4.7", "inferred", "expired", "soft") for a in ("bob@example.net", "carol@example.org")]


def test_an_old_postfix_notice_under_a_distributions_mail_name_is_postfix():
    """Postfix 1.x wrote "This is the $mail_name program at host $myhostname." and its own sentence
    "I'm sorry to have to inform you that the message returned below could not be delivered ...";
    a distribution's $mail_name hides the first, the second recognises it.  (Written here from
    Postfix 1.x's bounce template.)"""
    for name in ("Postfix on ExampleLinux 7.1 (i386)", "ACME Postfix"):
        body = (f"This is the {name} program at host mx.example.com.\n\n"
                "I'm sorry to have to inform you that the message returned\n"
                "below could not be delivered to one or more destinations.\n\n"
                "For further assistance, please contact <postmaster@mx.example.com>\n\n"
                "If you do so, please include this problem report. You can\n"
                "delete your own text from the message returned below.\n\n"
                f"\t\t\tThe {name} program\n\n<bob@example.net>: unknown user\n")
        bounce = read_bounce(_text_bounce("Undelivered Mail Returned to Sender", body))
        assert bounce.format == "postfix", name
        assert [r.address for r in bounce.recipients] == ["bob@example.net"], name


def test_a_code_written_after_the_reply_words_starts_the_reply():
    """"<bob@example.net>: Requested action not taken: mailbox unavailable. [SMTP Error Code 550]"
    (RFC 5321 §4.2.2's words for 550, the code after them; written here)."""
    body = ("Your message could not be delivered to the following recipient:\n\n<bob@example.net>: "
            "Requested action not taken: mailbox unavailable. [SMTP Error Code 550]\n\n"
            "--- Original message ---\n" + _RETURNED)
    (r,) = read_bounce(_text_bounce("Undeliverable mail", body)).recipients
    assert r.diagnostic == "550 Requested action not taken: mailbox unavailable."
    assert (r.code, r.status, r.status_from, r.category) == (550, "5.1.1", "inferred", "mailbox-unknown")


def test_an_exim_delay_warning_without_a_reason_has_no_diagnostic_not_its_boilerplate():
    r = _only("debian-mtas/connection-refused.exim-1.eml")
    assert (r.action, r.status, r.diagnostic, r.bounce_type) == ("delayed", "4.0.0", "", "soft")
