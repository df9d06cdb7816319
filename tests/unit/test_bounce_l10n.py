"""Real bounces Postfix wrote from public localised bounce templates (tools/mining/l10n_bounces.py,
tests/corpus/bounces/tuning/l10n/): Russian in UTF-8 and KOI8-R, Dutch; 8-bit, and converted to
quoted-printable for a receiver without 8BITMIME; the remote replies in English, Chinese, Russian
and German."""
from __future__ import annotations

from pathlib import Path

from smtplesson import read_bounce

L10N = Path(__file__).resolve().parents[1] / "corpus" / "bounces" / "tuning" / "l10n"


def _read(name: str):
    bounce = read_bounce(L10N / name)
    (recipient,) = bounce.recipients
    return bounce, recipient


def test_a_koi8r_template_converted_to_quoted_printable_is_decoded():
    bounce, r = _read("l10n-user-unknown.ru-yandex-koi8r-7bit-1.eml")
    assert bounce.subject == "Недоставленное сообщение" and bounce.sender == "mailer-daemon@yandex.ru"
    assert (r.address, r.action, r.code, r.status) == ("nobody@l10n-user-unknown.test", "failed", 550,
                                                       "5.1.1")
    assert (r.category, r.bounce_type) == ("mailbox-unknown", "hard")


def test_a_chinese_reply_in_an_8bit_report_beside_a_koi8r_notice_is_read_whole():
    """Postfix writes the UTF-8 reply into the KOI8-R notice and into the 8-bit delivery-status part
    (a message/* part is never quoted-printable): the reply comes out as the receiver wrote it."""
    _, r = _read("l10n-zh-content.ru-yandex-koi8r-7bit-fx-1.eml")
    assert r.diagnostic == ("554 DT:SPM 发送的邮件内容包含了未被许可的信息，或被系统识别为垃圾邮件。"
                            "请检查是否有用户发送病毒或者垃圾邮件")
    assert (r.code, r.raw_status, r.status, r.status_from) == (554, "5.0.0", "5.7.1", "inferred")
    assert (r.category, r.bounce_type) == ("content", "block")


def test_an_expiry_notice_and_the_warning_before_it_keep_the_last_reply():
    """Postfix's delay warning (Action: delayed) and its expiry notice (Action: failed, the queue
    lifetime ran out) both report the last reply, 451 4.3.0 in Chinese: read whole, the status its
    own, the bounce type soft in both."""
    _, warned = _read("l10n-zh-deferred.nl-nixos-mailserver-fx-1.eml")
    _, failed = _read("l10n-zh-deferred.nl-nixos-mailserver-fx-2.eml")
    assert [(r.action, r.code, r.status, r.bounce_type) for r in (warned, failed)] == [
        ("delayed", 451, "4.3.0", "soft"), ("failed", 451, "4.3.0", "soft")]
    assert failed.diagnostic == "451 4.3.0 电子邮件服务器暂时拒绝了此邮件。"


def test_a_permanent_refusal_is_not_taken_for_an_expiry():
    _, r = _read("l10n-policy.ru-yandex-koi8r-1.eml")
    assert (r.action, r.code, r.status) == ("failed", 554, "5.7.1")
    assert (r.category, r.bounce_type) == ("policy", "block")


def test_the_expiry_of_a_message_on_a_temporary_reply_is_expired():
    """The sending queue's own give-up is ``expired`` (soft), whatever the last reply was
    (shared/taxonomy-v2.md); the delay warning before it keeps the reply's cause."""
    _, warned = _read("l10n-zh-deferred.nl-nixos-mailserver-fx-1.eml")
    _, failed = _read("l10n-zh-deferred.nl-nixos-mailserver-fx-2.eml")
    assert (warned.category, failed.category, failed.bounce_type) == ("other", "expired", "soft")
    assert "gave up" in failed.explanation.summary
