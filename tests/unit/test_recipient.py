"""A permanent failure is hard only when something names the recipient's address (codes/recipient.py)."""
from __future__ import annotations

import pytest

from smtplesson import explain


@pytest.mark.parametrize("text", [
    "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
    "550 Requested action not taken: mailbox unavailable, no such user",
    "553 5.1.3 Bad recipient address syntax",
    "550 Postfach existiert nicht",
    "556 5.1.10 Recipient address has null MX",
    "556 Domain does not accept mail",  # RFC 7504 §3: the recipient's domain
])
def test_a_reply_that_names_the_recipient_is_hard_and_suppressed(text: str) -> None:
    found = explain(text)
    assert (found.bounce_type, found.action) == ("hard", "suppress")


@pytest.mark.parametrize(("text", "category", "bounce_type"), [
    ("521 5.5.1 Protocol error", "syntax", "block"),  # Postfix: 521 + a generic X.5.1, not a null MX
    ("554 5.7.1 Message rejected: Blocked SPAM, high spam score", "content", "block"),
    ("554 Cannot send 8-bit data to 7-bit destination", "syntax", "block"),  # sendmail
    ("550 Sorry, your daily sending quota has been reached", "rate-limit", "soft"),
    ("503 5.3.3 AUTH not available", "authentication", "block"),
    # "is disabled" names no mailbox; X.7 is the security or policy subject (RFC 3463 §3.8)
    ("501 5.7.1 DSN support is disabled", "policy", "block"),
    ("521 5.7.0 Error: I can break rules, too. Goodbye.", "policy", "block"),
    # the words overrule a generic status: AUTH, not syntax; a sending quota, not a mailbox
    ("503 5.5.1 Error: already authenticated", "authentication", "block"),
    ("554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException", "rate-limit", "soft"),
    ("554 5.2.0 STOREDRV.Submission.Exception:OutboundSpamException", "policy", "block"),
    ("550-5.7.1 [192.0.2.1] Messages missing a valid messageId header are not 550 5.7.1 accepted.",
     "syntax", "block"),
    # the sender's own account is suspended or disabled (categories.json "sender_named")
    ("550 5.7.0 Message rejected: Your account has been suspended for sending", "policy", "block"),
    ("550 5.2.0 Sending account suspended", "policy", "block"),
    ("550 Requested action not taken: Sender account disabled", "policy", "block"),
    ("554 5.4.6 Unusual sending activity detected. Please try after sometime", "policy", "block"),
])
def test_a_sender_side_refusal_is_never_hard(text: str, category: str, bounce_type: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == (category, bounce_type)
    assert found.action != "suppress"


@pytest.mark.parametrize("text", [
    "554 5.3.5 Local configuration error",
    "521 Error: I can break rules, too",  # 521 from Postfix to a client it drops
])
def test_an_unrecognised_permanent_failure_is_reviewed_not_suppressed(text: str) -> None:
    found = explain(text)
    assert found.action == "review"
    assert found.confidence in ("class-only", "lexicon")
    if found.bounce_type == "hard":  # hard by the taxonomy, but on the class alone: reviewed
        assert found.confidence == "class-only"
        assert "review before suppressing" in found.summary


@pytest.mark.parametrize(("text", "category"), [
    # refused before any recipient was named (RFC 5321 §3.3): the words are about the sender
    ("host mx.example.net[192.0.2.7] said: 550 5.1.1 Unknown user (in reply to MAIL FROM command)",
     "sender-rejected"),
    ("host mx.example.net[192.0.2.7] said: 550 No such domain (in reply to MAIL FROM command)",
     "sender-rejected"),
])
def test_an_address_refused_before_any_recipient_is_the_senders(text: str, category: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == (category, "block")
    assert found.action != "suppress"


@pytest.mark.parametrize(("text", "command"), [
    ("host mx.example.net[192.0.2.7] said: 550 Transaction failed (in reply to MAIL FROM command)", "MAIL"),
    ("host mx.example.net[192.0.2.7] refused to talk to me: 554 mx.example.net", "CONNECT"),
])
def test_a_refusal_before_any_recipient_that_names_nothing_is_reviewed(text: str, command: str) -> None:
    found = explain(text)
    assert found.command == command
    assert found.action == "review"


def test_postfixs_in_reply_to_suffix_is_not_read_as_the_cause() -> None:
    """"(in reply to MAIL FROM command)" names the command, not a refused sender."""
    found = explain("host mx.example.net[192.0.2.7] said: 452 4.3.1 Insufficient system storage "
                    "(in reply to MAIL FROM command)")
    assert (found.category, found.bounce_type, found.command) == ("storage", "soft", "MAIL")


def test_try_again_later_yields_to_the_words_that_say_why() -> None:
    """Without a code, "try again later" (a closing keyword) says when, not why."""
    found = explain("Too many requests. Try again later.")
    assert (found.category, found.bounce_type) == ("rate-limit", "soft")


@pytest.mark.parametrize(("text", "category"), [
    ("You must have a valid A or MX record for the sending domain.", "sender-rejected"),
    ("550 No MX record found for the sending domain", "sender-rejected"),
    ("550 5.7.1 The From: domain example.invalid does not exist", "sender-rejected"),
])
def test_the_senders_own_domain_refused_is_never_the_recipients(text: str, category: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == (category, "block")


def test_a_recipient_named_in_reply_to_mail_from_keeps_its_words() -> None:
    """Pipelining can attribute a RCPT refusal to MAIL FROM: words naming the recipient hold."""
    found = explain("host mx.example.net[192.0.2.7] said: 550 5.1.1 <bob@example.net>: Recipient "
                    "address rejected: User unknown (in reply to MAIL FROM command)")
    assert (found.category, found.bounce_type, found.command) == ("mailbox-unknown", "hard", "MAIL")


@pytest.mark.parametrize("text", [
    # Postfix's sender restrictions and Exim's sender callout: the unknown user is the sender
    "553 5.1.8 <a@example.org>: Sender address rejected: User unknown in local recipient table",
    "550 5.1.0 <a@example.org>: Sender address rejected: undeliverable address: host "
    "mx.example.org[192.0.2.9] said: 550 5.1.1 <a@example.org>: Recipient address rejected: "
    "User unknown in virtual mailbox table (in reply to RCPT TO command)",
    "550-Verification failed for <a@example.org> 550-Called: 192.0.2.9 550-Sent: RCPT "
    "TO:<a@example.org> 550-Response: 550 5.1.1 User unknown 550 Sender verify failed",
    "550 Unrouteable sender address",  # Exim: the sender's domain cannot be routed
    "550 5.1.1 Unknown sender",
])
def test_the_senders_own_address_refused_is_never_the_recipients(text: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == ("sender-rejected", "block")


@pytest.mark.parametrize("text", [
    "554 5.7.1 <host.example>: Helo command rejected: Domain does not exist",
    "550 HELO rejected: host not found",
])
def test_the_sending_hosts_helo_name_refused_is_never_the_recipients(text: str) -> None:
    found = explain(text)
    assert found.bounce_type == "block"


def test_an_unknown_recipient_status_yields_to_words_that_name_a_sender_side_cause() -> None:
    found = explain("550 5.1.1 Recipient address rejected: rejected by spam filter")
    assert (found.category, found.bounce_type) == ("content", "block")
    found = explain("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown")
    assert (found.category, found.bounce_type) == ("mailbox-unknown", "hard")


def test_the_senders_domain_refused_under_an_unknown_recipient_status_is_not_hard() -> None:
    found = explain("550 5.1.1 Recipient does not accept mail from your domain")
    assert found.bounce_type == "block"
    found = explain("550 5.1.1 Sorry, your mail to bob could not be delivered: user unknown")
    assert (found.category, found.bounce_type) == ("mailbox-unknown", "hard")


def test_the_sending_hosts_helo_refused_keeps_a_providers_own_syntax_rule() -> None:
    """"Bad HELO" is the sender's host: never hard, and Microsoft's own rule still reads it."""
    found = explain("550 Invalid domain in HELO")
    assert found.bounce_type == "block"
    found = explain("550 5.7.506 Access Denied, Bad HELO")
    assert (found.category, found.bounce_type) == ("syntax", "block")


@pytest.mark.parametrize(("text", "bounce_type"), [
    ("550 5.2.1 Your account has been suspended for sending spam", "block"),
    ("550 5.2.1 Sender account disabled", "block"),
    # the recipient named: its words hold
    ("550 5.2.1 <bob@example.com>: Recipient address rejected: your account is disabled", "hard"),
    ("550 5.2.1 Mailbox disabled, not accepting messages", "hard"),
])
def test_an_account_disabled_from_sending_is_the_senders_whatever_the_mailbox_status(
        text: str, bounce_type: str) -> None:
    assert explain(text).bounce_type == bounce_type


@pytest.mark.parametrize("text", [
    "550 5.1.1 Your sender address has been blocked",
    "550 5.1.1 Sending address not accepted",
    "550 Sender's IP is not in the allowed list",
])
def test_words_naming_the_senders_address_or_ip_are_never_the_recipients(text: str) -> None:
    assert explain(text).bounce_type == "block"


@pytest.mark.parametrize("text", [
    "550 Mail server has been suspended",
    "550 5.3.190 Journaling on-premises messages not supported when Journaling Archive is disabled",
])
def test_something_else_disabled_is_no_disabled_mailbox_and_never_suppressed(text: str) -> None:
    found = explain(text)
    assert found.category != "mailbox-disabled" and found.action != "suppress"


@pytest.mark.parametrize(("text", "category"), [
    # the return path, the envelope sender, the bounce address: RFC 5321 MAIL's address
    ("550 Return path domain invalid", "sender-rejected"),
    ("550 5.1.0 Envelope sender domain unresolvable", "sender-rejected"),
    ("550 Bounce address invalid", "sender-rejected"),
    # the sender's own account, or its outbound mail, named with a possessive or an adjective
    ("550 5.2.1 The sender's account has been disabled", "policy"),
    ("550 Outbound spam detected, account locked", "content"),
])
def test_the_senders_return_path_account_or_outbound_mail_is_never_the_recipients(
        text: str, category: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == (category, "block")


@pytest.mark.parametrize(("text", "category", "bounce_type"), [
    # a quota of the sender's account or sending (categories.json "sending_quota")
    ("550 Quota exceeded for sender", "rate-limit", "soft"),
    ("550 5.7.1 Outgoing mail quota exceeded", "rate-limit", "soft"),
    # tests/corpus/tuning/threads-r6.jsonl (PlaceCal, MailerSend)
    ("Net::SMTPServerBusy 450 Your account reached its email quota limit. Contact support to increase "
     "it. #MS42204", "rate-limit", "soft"),
    # the recipient's mailbox quota stays a full mailbox
    ("552 5.2.2 Mailbox quota exceeded", "mailbox-full", "soft"),
    ("552 5.2.2 The recipient account is over quota", "mailbox-full", "soft"),
])
def test_whose_quota_the_words_name_decides_a_sending_limit_from_a_full_mailbox(
        text: str, category: str, bounce_type: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == (category, bounce_type)


@pytest.mark.parametrize(("text", "category", "bounce_type"), [
    # an undefined X.0.0 detail leaves the x0z (syntax) category of the basic code (RFC 5321 §4.2.1)
    ("501 5.0.0 Missing recipient", "syntax", "block"),  # sendmail, tests/corpus/tuning/mined-sendmail.jsonl
    ("503 5.0.0 Need MAIL before RCPT", "syntax", "block"),
    # ... while an X.0.0 beside a non-syntax basic code stays on the class
    ("550 5.0.0 Transaction failed", "other", "hard"),
])
def test_an_undefined_enhanced_detail_leaves_a_syntax_basic_code_its_meaning(
        text: str, category: str, bounce_type: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == (category, bounce_type)


@pytest.mark.parametrize(("text", "category"), [
    # a strong cue about the message or the relay leads the words under an unknown-recipient status
    ("554 5.1.1 Delivery error: message header is not valid", "syntax"),
    ("550 5.1.1 Access denied: user is not allowed to relay", "relay-denied"),
    # and a TLS requirement under a full-mailbox status (Zimbra: tests/corpus/tuning/mined-zimbra.jsonl)
    ("451 4.2.2 Server accepts messages only on TLS connection", "tls"),
])
def test_a_recipient_status_yields_to_words_about_the_message_the_relay_or_tls(
        text: str, category: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == (category, "block")


@pytest.mark.parametrize(("text", "category"), [
    # the sender itself is the party refused (categories.json "sender_subject"), whatever the status
    ("550 5.1.1 Unauthorized sender", "policy"),
    # AOL's help: "550 ... is not accepting mail from this sender" is the recipient's own block list,
    # which shared/taxonomy-v2.md calls policy (tests/corpus/tuning/pages-r7.jsonl, help.aol.co.uk)
    ("550 5.1.1 Not accepting mail from this sender", "policy"),
    ("550 5.1.1 Recipient is not accepting mail from this domain", "sender-rejected"),
    ("550 5.1.1 Rejected due to suspicious activity from your account", "content"),  # a "suspicious" cue
    # a filter or a firewall refused the message, not the address
    ("550 5.1.1 Rejected by filter", "content"),
    ("550 5.1.1 Mail blocked by recipient's firewall", "policy"),
])
def test_the_sender_refused_under_a_recipient_status_is_never_hard(text: str, category: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == (category, "block")


def test_a_strong_recipient_cue_keeps_the_recipient_status_beside_sender_words() -> None:
    found = explain("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown; "
                    "mail from this sender is otherwise accepted")
    assert (found.category, found.bounce_type) == ("mailbox-unknown", "hard")
