"""The bounce reader's generic path: bounces from writers it has no format for (synthetic mails,
written for these tests in the shapes such bounces take)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from smtplesson.bounces import read_bounce, readers
from smtplesson.bounces.generic import reason_status, states_failure, worded_status
from smtplesson.bounces.text import Found, scan, section

ROOT = Path(__file__).resolve().parents[2]


def _mail(sender: str, subject: str, body: str, *headers: str) -> bytes:
    head = "\n".join((f"From: {sender}", "To: alice@example.com", f"Subject: {subject}", *headers))
    return f"{head}\nContent-Type: text/plain; charset=utf-8\n\n{body}".encode()


def _one(mail: bytes) -> tuple[str, str, int | None, str | None, str]:
    bounce = read_bounce(mail)
    assert bounce.is_bounce and bounce.format == "text" and len(bounce.recipients) == 1, bounce
    r = bounce.recipients[0]
    return r.address, r.action, r.code, r.status, r.bounce_type


@pytest.mark.parametrize(("body", "expected"), [
    # an address alone on its line, the reply in a later paragraph
    ("Delivery to the following recipients failed permanently:\n\n    bob@example.net\n\n"
     "Technical details:\nThe remote server replied: 550 5.1.1 Mailbox does not exist\n",
     ("bob@example.net", "failed", 550, "5.1.1", "hard")),
    # the failure stated before the address, on its line, the reply on the next
    ("Your message was not delivered to bob@example.net because the remote host said:\n"
     "554 5.7.1 Message rejected as spam\n", ("bob@example.net", "failed", 554, "5.7.1", "block")),
    # a label, and words without a code
    ("The message you sent could not be delivered to the following address:\n"
     "  Recipient: bob@example.net\n  Reason: Mailbox quota exceeded\n",
     ("bob@example.net", "failed", None, "5.2.2", "soft")),
    # inside a sentence: the words after it say it failed, and what the status is
    ("The message addressed to 'bob@example.net',\nfailed because it was in the queue too long.\n",
     ("bob@example.net", "failed", None, "5.4.7", "soft")),
    ("Failed to deliver to '<bob@example.net>'\nMessages without To: fields are not accepted here\n",
     ("bob@example.net", "failed", None, "5.7.1", "block")),
    ("Delivery failed 12 attempts: bob@example.net\n", ("bob@example.net", "failed", None, "5.4.7", "soft")),
])
def test_free_text_bounces_of_an_unknown_writer(body, expected):
    mail = _mail("Mail Delivery Service <MAILER-DAEMON@relay.example.org>", "Delivery failure notification",
                 body)
    assert _one(mail) == expected


def test_localised_bounces_of_an_unknown_writer():
    german = _mail("Mail-Server <postmaster@mx.example.de>", "Unzustellbar: Angebot",
                   "Ihre Nachricht konnte an folgende Empfänger nicht zugestellt werden:\n\nbob@example.de\n"
                   "Grund: 550 5.1.1 Benutzer unbekannt\n")
    assert _one(german) == ("bob@example.de", "failed", 550, "5.1.1", "hard")
    russian = _mail("MAILER-DAEMON@mx.example.ru", "Не доставлено",
                    "Сообщение не может быть доставлено получателю ivan@example.ru: "
                    "почтовый ящик переполнен.\n")
    assert _one(russian)[:2] == ("ivan@example.ru", "failed")
    assert _one(russian)[4] == "soft"  # a full mailbox: never suppressed


def test_only_the_returned_message_names_the_recipient():
    mail = (b"From: MAILER-DAEMON@mail.example.jp\nTo: alice@example.com\n"
            b"Subject: =?UTF-8?B?6YWN5L+h5LiN6IO9?=\n"
            b'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
            b"Content-Type: text/plain; charset=utf-8\n\n"
            + "宛先のアドレスにメールを配信できませんでした。\n".encode() +
            b"\n--b1\nContent-Type: message/rfc822\n\nFrom: alice@example.com\nTo: taro@example.jp\n"
            b"Subject: hello\n\nhi\n--b1--\n")
    address, action, code, status, bounce_type = _one(mail)
    assert (address, action, code, status) == ("taro@example.jp", "failed", None, None)
    assert bounce_type == "soft"  # no reason named: a guess never suppresses the address


def test_a_guess_without_a_reason_is_never_hard_but_a_named_reason_is():
    unclear = _mail("MAILER-DAEMON@relay.example.org", "Undelivered Mail",
                    "Your message could not be delivered to:\n\n  dan@example.net\n\n"
                    "because: ask your admin\n")
    r = read_bounce(unclear).recipients[0]
    assert r.guessed and r.bounce_type == "soft" and r.action == "failed"
    unknown = _mail("MAILER-DAEMON@relay.example.org", "Undelivered Mail",
                    "Your message could not be delivered to:\n\n  dan@example.net\n\n"
                    "550 5.1.1 No such user\n")
    r = read_bounce(unknown).recipients[0]
    assert r.guessed and r.bounce_type == "hard" and r.category == "mailbox-unknown"
    odd = _mail("MAILER-DAEMON@relay.example.org", "Undelivered Mail",
                "Your message could not be delivered to:\n\n  dan@example.net\n\n"
                    "550 Something odd happened\n")
    assert read_bounce(odd).recipients[0].bounce_type == "soft"


@pytest.mark.parametrize("mail", [
    # a person writing about a bounce: not a mailer daemon
    _mail("carol@example.org", "Undelivered mail",
          "Hi, when I send to bob@example.net I get 550 5.1.1 user unknown. Can you check?\n"),
    # a mailer daemon's address, but a personal subject: the words alone do not make it a bounce
    _mail("<MAILER-DAEMON@example.org>", "I like turtles",
          "Long letter.\nYour message to fred@example.com was rejected due to the mailbox quota\n"),
    # an automatic reply that mentions an address
    _mail("bob@example.net", "Out of office", "I am away. Mail to bob@example.net was not delivered to me, "
          "write to carol@example.net.\n", "Auto-Submitted: auto-replied"),
])
def test_mails_that_only_talk_about_failures_are_not_bounces(mail):
    bounce = read_bounce(mail)
    assert not bounce.is_bounce or not any(r.action == "failed" for r in bounce.recipients)


def test_the_sender_and_quoted_headers_are_not_recipients():
    mail = _mail("postmaster@gw.example.com", "Undeliverable: hello",
                 "Your message\n\n  To:      list@example.org\n  Subject: hello\n  Sent:    Mon\n\n"
                 "could not be delivered because they are not accepting mail from alice@example.com:\n"
                 "bob@example.net\n  550 5.1.1 unknown\n", "Delivered-To: alice-bounces@example.com")
    assert [r.address for r in read_bounce(mail).recipients] == ["bob@example.net"]


def test_states_failure_reads_the_words_on_both_sides():
    assert states_failure(Found("b@x.net", "", False, "Delivery failed 3 attempts: "))
    assert states_failure(Found("b@x.net", "n'a pas pu être remis", False))
    assert not states_failure(Found("b@x.net", "could not be delivered", False, "mail from "))
    assert not states_failure(Found("b@x.net", "see you on Monday", False, "Write to "))
    assert worded_status("Sorry, I couldn't find any host by that name") == "5.1.2"
    assert worded_status("see your administrator") is None
    assert worded_status("Delivery failed 20 attempts") == "5.4.7"  # retried until the queue gave up
    assert worded_status("failed after 5 delivery attempts") == "5.4.7"
    assert worded_status("Sent 2 messages, attempt failed") is None


def test_a_header_line_in_the_text_is_never_a_recipient():
    text = ("Some words\n  From: alice@example.com\n  To: list@example.org\n  Subject: x\n"
            "bob@example.net 550 no\n")
    assert [f.address for f in scan(text, set())] == ["bob@example.net"]
    text = "Your message\n\n  To:      list@example.org\n\n  Subject: x\n\nbob@example.net 550 no\n"
    assert [f.address for f in scan(text, set())] == ["bob@example.net"]
    # a returned message's delivery headers name where it went, not who refused it
    text = "Delivered-To: list@example.org\nReceived: from x (unknown [192.0.2.1])\nbob@example.net 550 no\n"
    assert [f.address for f in scan(text, set())] == ["bob@example.net"]


def test_words_without_a_code_or_a_reason_never_make_a_known_formats_recipient_hard():
    qmail = ("Hi. This is the qmail-send program at mx.example.net.\nI'm afraid I wasn't able to deliver "
             "your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it "
             "didn't work out.\n\n<bob@example.net>:\n{}\n\n")
    daemon = "MAILER-DAEMON@mx.example.net"
    odd = read_bounce(_mail(daemon, "failure notice", qmail.format("temporary failure")))
    assert odd.format == "qmail" and not odd.recipients[0].guessed
    assert (odd.recipients[0].code, odd.recipients[0].bounce_type) == (None, "soft")  # review, not suppress
    unknown = read_bounce(_mail("MAILER-DAEMON@mx.example.net", "failure notice",
                                qmail.format("550 5.1.1 No such user")))
    assert unknown.recipients[0].bounce_type == "hard"


def test_a_labelled_reason_is_the_diagnostic_of_a_recipient_named_only_by_the_returned_message():
    mail = (b"From: gateway@mx.example.net\nTo: alice@example.com\nSubject: Mail could not be delivered\n"
            b'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\n'
            b"****** Message from the Example Mail Gateway of this organisation ******\n\n"
            b"The following mail could not be delivered.\n"
            b"Reason:  Exceeded Maximum Delivery Attempts.  Verify that the recipient address is correct.\n"
            b"\n--b1\nContent-Type: message/rfc822\n\nFrom: alice@example.com\nTo: bob@example.net\n"
            b"Subject: hello\n\nhi\n--b1--\n")
    bounce = read_bounce(mail)
    assert bounce.format == "text" and [r.address for r in bounce.recipients] == ["bob@example.net"]
    r = bounce.recipients[0]
    assert r.diagnostic.startswith("Exceeded Maximum") and (r.status, r.bounce_type) == ("5.4.7", "soft")


def test_a_footer_below_a_rule_is_not_a_recipients_words_unless_a_reply_is_there():
    footer = ("Delivery to the following recipients failed.\n\n       bob@example.net\n\n\n"
              "________________________________________\n**** This email has been scanned for all viruses "
              "and potentially offensive content ****\n")
    assert scan(footer, set())[0].diagnostic == ""
    titled = ("bob@example.net\nmailbox is full: retry timeout exceeded\n\n"
              "__________ Scanner 1.1856 __________\nThis message was scanned by an antivirus system\n")
    assert scan(titled, set())[0].diagnostic == "mailbox is full: retry timeout exceeded"
    admins = ("Your message to bob@example.net couldn't be delivered.\n\n________________________________\n"
              "More Info for Email Admins\nStatus code: 550 5.1.10\n")
    assert scan(admins, set())[0].diagnostic.startswith("550 5.1.10")


def test_a_daemons_list_keeps_a_recipient_without_words_of_its_own():
    mail = _mail("Mail Delivery System <Mailer-Daemon@relay.example.org>", "Warning: message delayed",
                 "The addresses to which the message has not yet been delivered are:\n\n"
                 "  bob@example.net\n    host mx.example.net [192.0.2.1]: 452 4.2.2 Over quota\n"
                 "  carol@example.net\n\nNo action is required on your part.\n")
    assert [r.address for r in read_bounce(mail).recipients] == ["bob@example.net", "carol@example.net"]
    talk = _mail("carol@example.org", "Undelivered mail",  # not a daemon: only the reply's address
                 "Hi, I got this:\n  bob@example.net\n    452 4.2.2 Over quota\n  dan@example.net\n")
    assert [r.address for r in read_bounce(talk).recipients] in ([], ["bob@example.net"])


def test_a_stop_marker_named_in_quotes_does_not_end_the_words():
    text = ('The line beginning with "Diagnostic-Code:" describes the reason.\n\n'
            "<bob@example.net>: host mx said: 552\n    5.2.2 user MAILBOX FULL\n\n"
            "Diagnostic-Code: smtp; 552\n")
    words = section(text)
    assert "MAILBOX FULL" in words and "smtp; 552" not in words


def test_one_reason_given_before_the_list_is_each_listed_recipients():
    mail = _mail("MAILER-DAEMON@mail.example.org", "Undeliverable mail",
                 "We could not deliver your message, for the following reason:\n\n"
                 "Your message was not delivered because the destination computer was\nnot reachable within "
                 "the allowed queue period.  The time depends on local configuration parameters.\n\n"
                 "The following recipients did not receive your message:\n\n     <bob@example.net>\n\n"
                 "Please reply to Postmaster@mail.example.org if you feel this message to be in error.\n")
    bounce = read_bounce(mail)
    assert bounce.format == "text" and [r.address for r in bounce.recipients] == ["bob@example.net"]
    r = bounce.recipients[0]
    assert r.diagnostic.endswith("allowed queue period") and (r.status, r.bounce_type) == ("5.4.7", "soft")


def test_a_multiline_replys_code_is_not_part_of_the_address_it_opens():
    text = ("<bob@example.net>: host mx.example.net[192.0.2.1] said:\n"
            "    550-bob@example.net is not an active address at this host\n"
            "    550 username (in reply to RCPT TO command)\n")
    assert [f.address for f in scan(text, set())] == ["bob@example.net"]
    text = "Mail to 550-sales@example.net failed\n"  # not at a line's start: an address
    assert [f.address for f in scan(text, set())] == ["550-sales@example.net"]


def test_the_reason_of_a_refusal_names_its_cause_but_never_a_hard_one():
    # the verb says refused (policy); the reason says the mailbox is full: its status (RFC 3463 X.2.2)
    assert reason_status("Message rejected. Not enough storage space in user's mailbox", "policy") == "5.2.2"
    assert reason_status("was rejected due to the user exceeding its mailbox quota", "policy") == "5.2.2"
    # a reason that would make the address hard is not taken from code-less words
    assert reason_status("rejected: no such user here", "policy") is None
    assert reason_status("Message rejected by policy", "policy") is None
    assert reason_status("mailbox quota exceeded", "mailbox-full") is None  # not a refusal's verb
    mail = _mail("MAILER-DAEMON@relay.example.org", "Undelivered Mail",
                 "Your message could not be delivered:\n\n  dan@example.net: rejected because the "
                 "mailbox quota was exceeded\n")
    assert _one(mail)[1:] == ("failed", None, "5.2.2", "soft")


def test_the_ablation_tool_measures_a_format_left_out(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "tools"))  # the tool imports its sibling sisimai_compare
    spec = importlib.util.spec_from_file_location("bounce_ablation", ROOT / "tools" / "bounce_ablation.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    sys.modules["bounce_ablation"] = tool
    spec.loader.exec_module(tool)
    qmail = (b"From: MAILER-DAEMON@mx.example.net\nTo: alice@example.com\nSubject: failure notice\n\n"
             b"Hi. This is the qmail-send program at mx.example.net.\n"
             b"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
             b"This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
             b"<bob@example.net>:\n192.0.2.1 does not like recipient.\n"
             b"Remote host said: 550 5.1.1 <bob@example.net>: Recipient address rejected\n"
             b"Giving up on 192.0.2.1.\n")
    (tmp_path / "q.eml").write_bytes(qmail)
    table, misses = tool.ablate([tmp_path / "q.eml"])
    assert table["qmail"] == {"mails": 1, "decoded": 1, "recipients": 1, "right": 1, "harder": 0, "none": 0}
    assert table["every format"]["right"] == 1 and not misses
    with tool.without("qmail"):
        assert all(fmt.name != "qmail" for fmt in readers.FORMATS)
    assert any(fmt.name == "qmail" for fmt in readers.FORMATS)


def _returned(*headers: str) -> bytes:
    return (b"From: MAILER-DAEMON@mx.example.org\nTo: alice@example.com\nSubject: Undeliverable mail\n"
            b'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\n'
            b"The message below could not be delivered: 550 5.1.1 no such user.\n\n"
            b"--b1\nContent-Type: message/rfc822\n\n"
            + "\n".join(("From: alice@example.com", *headers)).encode() + b"\nSubject: hello\n\nhi\n--b1--\n")


def test_the_returned_message_names_the_recipient_only_when_it_names_one():
    one = read_bounce(_returned("To: bob@example.net"))
    assert [r.address for r in one.recipients] == ["bob@example.net"]
    two = read_bounce(_returned("To: bob@example.net", "Cc: carol@example.net"))
    assert not two.recipients and "no recipient could be read" in (two.note or "")  # which one? a guess
    delivered_for = _returned("To: list@example.org, bob@example.net", "X-Original-To: bob@example.net")
    assert [r.address for r in read_bounce(delivered_for).recipients] == ["bob@example.net"]


def test_first_lines_that_introduce_a_non_delivery_report_make_a_bounce():
    mail = _mail("Gateway <gw@example.org>", "Notice",
                 "Your message could not be delivered to the following recipient:\n\n"
                 "bob@example.net: 550 5.1.1 No such user\n")
    assert _one(mail) == ("bob@example.net", "failed", 550, "5.1.1", "hard")
    talk = _mail("carol@example.org", "Notice", "Hi, my message could not be delivered. Could you ask "
                 "bob@example.net why his server says 550 5.1.1?\n")
    assert read_bounce(talk).kind == "not-a-bounce"
