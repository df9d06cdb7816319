"""explain() on real receiver replies of the corpus' tuning split (tests/corpus/tuning/,
threads-r2.jsonl, pages-r2.jsonl and older files): never on the held-out split."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import corpus

from smtplesson import explain

TUNING = {line.text: line for line in corpus.load("tuning")}

# Each names its cause by a general means: a failure status the registry calls success
# (X.6.4), an en cue, a rule of the receiver's own page, qmail's give-up note.
LINES = [
    "554 5.6.4 Virus E-Mail Blocked",  # Hornetsecurity's codes
    "Error: 550 Mail Content denied.",  # QQ Mail
    "smtp failed: (550, b'The mail may contain inappropriate words or content.')",  # QQ Mail
    "551 5.7.1 Not authorised to send from this header address",  # Fastmail's page
    "550 Anti-Spoofing policy - Inbound not allowed",  # Mimecast's page
    "554-Transaction failed 554-Reject due to policy restrictions. 554 For explanation visit "
    "https://postmaster.web.de/en/case?c=hi",
    "451 Sorry, I wasn't able to establish an SMTP connection. I'm not going to try again; "
    "this message has been in the queue too long.",
]


@pytest.mark.parametrize("text", LINES)
def test_real_receiver_reply_gets_its_cause_and_bounce_type(text: str) -> None:
    line = TUNING[text]  # fails if the line left the tuning split
    got = explain(text)
    assert (got.category, got.bounce_type) == (line.category, line.bounce_type)


def test_send_as_refusals_are_the_sender_address_not_the_login() -> None:
    got = explain("554 5.2.252 SendAsDenied; a@outlook.com not allowed to send as b@example.com; "
                  "STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied")
    assert (got.category, got.bounce_type) == ("sender-rejected", "block")


def test_new_receivers_are_named_on_their_own_markers() -> None:
    assert explain("host mx.fastmail.com said: 535 5.7.8 Error: authentication failed").provider \
        == "Fastmail"
    assert explain("host mx1.naver.com said: 550 5.1.1 No such user").provider == "Naver Mail"
    assert explain("550 5.1.1 No such user").provider is None
