"""Formats and conventions read on real bounces of the corpus' tuning split (issue 19 item 6):
mails written on this machine by Debian's MTAs (tools/mining/mta_bounces.py) and qmail's QSBMF words."""
from __future__ import annotations

from pathlib import Path

from smtplesson import read_bounce

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
    """Sendmail's transcript "bob@example.net... Deferred: Connection refused by [127.0.0.1]"."""
    r = _only("debian-mtas/connection-refused.sendmail-1.eml")
    assert r.diagnostic.startswith("Deferred: Connection refused by [127.0.0.1]")
    assert (r.action, r.category, r.bounce_type) == ("failed", "network", "soft")


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
    """"<<< 451 4.7.1 Rate limit ..." then "bob@...... Deferred: 451 4.7.1 Rate limit ...": one reply."""
    r = _only("debian-mtas/rate-limit-data.sendmail-1.eml")
    assert r.diagnostic == "451 4.7.1 Rate limit exceeded, try again later" and r.category == "rate-limit"


def test_qmail_variants_that_reword_the_introduction_are_qmail():
    """HBC, MessageLabs and Outblaze reword qmail-send's "Hi. This is the qmail-send program";
    its break paragraph "--- Below this line is a copy of the message." stays."""
    for name in ("flufl.bounce/qmail_03.txt", "flufl.bounce/qmail_04.txt", "flufl.bounce/qmail_06.txt"):
        bounce = read_bounce(TUNING / name)
        assert (bounce.kind, bounce.format) == ("vendor", "qmail") and len(bounce.recipients) == 1, name


def test_netscape_gives_one_reason_before_its_list_for_every_recipient():
    """"This Message was undeliverable due to the following reason: ... not reachable within the
    allowed queue period" then two "did not receive your message" lists: both expired (5.4.7)."""
    bounce = read_bounce(TUNING / "flufl.bounce/netscape_01.txt")
    assert bounce.format == "netscape"
    assert [(r.address, r.status, r.status_from, r.category, r.bounce_type) for r in bounce.recipients] == [
        (a, "5.4.7", "inferred", "expired", "soft") for a in ("aaaaa@corel.com", "bbbbb@corel.com")]


def test_an_old_postfix_notice_under_a_distributions_mail_name_is_postfix():
    """"This is the Postfix on SuSE Linux 6.4 (i386) program at host ...", "This is the BNS Postfix
    program ...": Postfix 1.x's notice, recognised by its own sentence."""
    for name in ("flufl.bounce/postfix_03.txt", "flufl.bounce/postfix_05.txt"):
        assert read_bounce(TUNING / name).format == "postfix", name


def test_a_code_written_after_the_reply_words_starts_the_reply():
    """"<userx@example.com>: Requested action not taken: mailbox unavailable. [SMTP Error Code 550]"."""
    r = _only("flufl.bounce/bounce_02.txt")
    assert r.diagnostic == "550 Requested action not taken: mailbox unavailable."
    assert (r.code, r.status, r.status_from, r.category) == (550, "5.1.1", "inferred", "mailbox-unknown")


def test_an_exim_delay_warning_without_a_reason_has_no_diagnostic_not_its_boilerplate():
    r = _only("debian-mtas/connection-refused.exim-1.eml")
    assert (r.action, r.status, r.diagnostic, r.bounce_type) == ("delayed", "4.0.0", "", "soft")
