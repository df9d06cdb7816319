"""Sender-side refusals in wordings the rules did not know (issue 19, threads-r7): the words that
name what is refused -- a message header, the sending account, a list's posting rights, a
signature, a count limit -- decide the cause, and a valid recipient is never made hard."""
from __future__ import annotations

import pytest

from smtplesson import explain


@pytest.mark.parametrize("text", [
    "554 Duplicate Subject header, message refused",
    "550 Messages without a To header are not accepted",
    "550 5.7.1 There are multiple Reply-To headers in this message",
    "550 Message rejected: invalid Cc header",
])
def test_a_refusal_that_names_a_message_header_field_is_syntax(text: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == ("syntax", "block")


@pytest.mark.parametrize("text", [
    "550 Sending from this account is blocked",
    "550 Outbound relay for this account is disabled",
    "550 Your mailbox is restricted from sending",
    "554 Send privileges for this account have been revoked",
])
def test_an_account_refused_from_sending_is_the_senders_never_hard(text: str) -> None:
    found = explain(text)
    assert found.bounce_type == "block"
    assert found.action != "suppress"


@pytest.mark.parametrize("text", [
    "550 Only members can post to this list",
    "550 You are not allowed to post to this group",
    "550 Your organization does not allow sending to external recipients",
    "550 Senders outside your organization cannot reach this address",
])
def test_a_list_or_organisation_restriction_is_policy(text: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == ("policy", "block")


@pytest.mark.parametrize("text", [
    "550 Signature did not verify",
    "550 5.7.1 DKIM body hash did not verify",
])
def test_a_signature_that_fails_to_verify_is_sender_auth(text: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == ("sender-auth", "block")


@pytest.mark.parametrize(("text", "category"), [
    ("You have reached your message limit", "rate-limit"),
    ("5.7.0 The limit on the number of allowed outgoing messages was exceeded.", "rate-limit"),
    ("553 5.7.1 Sender address is not owned by authenticated user", "sender-rejected"),
])
def test_a_limit_or_an_owner_named_without_a_rule(text: str, category: str) -> None:
    assert explain(text).category == category


@pytest.mark.parametrize("text", [
    "550 Rejected due to malicious network",
    "554 Your IP range is blocked",
    "550 We don't accept mail from this netblock",
    "421 Your access to submit messages to this e-mail system has been rejected",
    "550 Your mail server is sending large quantities of spam",
])
def test_a_refusal_whose_subject_is_the_sending_host_or_network_is_reputation(text: str) -> None:
    found = explain(text)
    assert (found.category, found.bounce_type) == ("reputation", "block")


def test_a_count_of_allowed_messages_is_a_rate_limit_not_an_unknown_failure() -> None:
    found = explain("550 User has exceeded the number of allowed emails")
    assert (found.category, found.bounce_type) == ("rate-limit", "soft")


@pytest.mark.parametrize("text", [
    "MessageRejected: Email address is not verified. The following identities failed the check: a@x.org",
    "Postmark::InvalidMessageError (Sender signature not defined for From address.)",
    "550 The from address does not match a verified Sender Identity",
    "550 to send email from a blank sender, enable blank senders",
    '{"status":"rejected","reject_reason":"invalid-sender"}',
])
def test_a_sender_the_sending_service_has_not_verified_is_sender_rejected(text: str) -> None:
    found = explain(text)
    assert found.category == "sender-rejected"
    assert found.bounce_type != "hard"


@pytest.mark.parametrize(("text", "category"), [
    ("554 Sandbox subdomains are for test purposes only. Please add the address to authorized recipients.",
     "policy"),
    ("550 Temporarily blocked due to repeated bad requests", "rate-limit"),
])
def test_an_esp_account_restriction_is_the_senders(text: str, category: str) -> None:
    found = explain(text)
    assert found.category == category
    assert found.bounce_type != "hard"
