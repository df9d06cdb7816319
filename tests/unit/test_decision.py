"""Decisions a sender can act on (codes/decision.py): actions, waits and block lists, on
lines of the corpus' tuning split and the collected lines (tests/unit/data/)."""
from __future__ import annotations

import pytest

from smtplesson.codes.decision import ACTIONS, CONFIDENCES, blocklist, decide, retry_after


@pytest.mark.parametrize(("text", "seconds"), [
    ("4.2.0 <ppl@nayarit.be>: Recipient address rejected: Greylisted for 300 seconds", 300),
    ("Error Sending Email - 422 try again in 15 seconds.", 15),
    ("451 4.7.1 <[email protected]>: Recipient address rejected: Greylisted, try again in 300 seconds", 300),
    ("550 5.7.1 <userid@domain.com>... Error.your access was denied. Since you sent too many e-mails,"
     "you are not allowed to send more e-mails within 24 hours.", 24 * 3600),
    ("smtp; 550 4.4.7 Message expired: unable to deliver in 840 minutes", None),  # not a wait
    ("550 5.1.1 User unknown", None),
])
def test_retry_after_reads_the_wait_in_seconds(text, seconds):
    assert retry_after(text) == seconds


@pytest.mark.parametrize(("text", "name"), [
    ("550 5.7.1 Service unavailable; client [xxx.xxx.xxx.xxx] blocked using zen.spamhaus.org", "Spamhaus"),
    ("550 Service unavailable; Client Host [1.2.3.4] blocked using Trend Micro RBL+.", "Trend Micro RBL+"),
    ("554 Service unavailable; Client host [...] blocked using rbl.orbitrbl.com - IP Black Listed",
     "ORBIT RBL"),
    ("554 5.7.1 Service unavailable; Client host [] blocked using bl.example.net", "bl.example.net"),
    ("550 5.1.1 User unknown", None),
])
def test_blocklist_names_the_list(text, name):
    assert blocklist(text) == name


def test_a_hard_bounce_is_suppressed_only_when_its_cause_was_found():
    text = "550 5.1.1 User unknown"
    for confidence in ("provider-rule", "status", "lexicon"):
        assert decide("mailbox-unknown", "hard", 5, confidence, text).action == "suppress"
    assert decide("other", "hard", 5, "class-only", "550 Computer says no").action == "review"


@pytest.mark.parametrize(("category", "bounce_type", "digit", "action"), [
    ("mailbox-full", "soft", 4, "retry"),
    ("greylisting", "soft", 4, "retry"),
    ("rate-limit", "soft", 4, "slow-down"),
    ("sender-auth", "block", 5, "fix-authentication"),
    ("authentication", "block", 5, "fix-authentication"),
    ("content", "block", 5, "fix-content"),
    ("message-size", "block", 5, "fix-content"),
    ("policy", "block", 5, "ask-recipient-admin"),
    ("reputation", "block", 4, "slow-down"),
    ("reputation", "block", 5, "request-delisting"),
    ("success", "none", 2, None),
])
def test_each_cause_has_an_action(category, bounce_type, digit, action):
    assert decide(category, bounce_type, digit, "status", "").action == action


def test_a_named_block_list_asks_for_delisting_even_on_a_deferral():
    text = "451 4.7.1 Client host [192.0.2.1] blocked using zen.spamhaus.org"
    assert decide("reputation", "block", 4, "status", text).action == "request-delisting"


def test_vocabularies():
    assert CONFIDENCES == ("provider-rule", "status", "lexicon", "class-only")
    assert len(ACTIONS) == 8 and "review" in ACTIONS
