"""explain(): real-world replies, bounces and log lines; never raises; CLI and HTML."""
from __future__ import annotations

import io
import json
from dataclasses import fields
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtplesson.cli import cli_explain
from smtplesson.codes.explanation import CATEGORIES, Explanation, explain

REAL = json.loads((Path(__file__).parent / "data" / "real_replies.json").read_text("utf-8"))["replies"]

# issue 11's cause categories v2, in its order
ISSUE_CATEGORIES = (
    "success", "mailbox-unknown", "mailbox-disabled", "mailbox-full", "mailbox-unavailable",
    "rate-limit", "greylisting", "sender-auth", "reputation", "reverse-dns", "content", "policy",
    "authentication", "tls", "relay-denied", "sender-rejected", "syntax", "message-size",
    "dns-routing", "network", "expired", "server-shutdown", "storage", "other",
)
BOUNCE_TYPES = {"hard", "soft", "block", "none"}


def test_categories_are_exactly_the_issue_list() -> None:
    assert CATEGORIES == ISSUE_CATEGORIES


@pytest.mark.parametrize("text", [
    "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown",  # a reply, judged
    "250 2.0.0 OK",  # a success
    "Mar  1 00:02:52 mail postfix/smtpd[13500]: connect from unknown[192.0.2.85]",  # no code
    "mailbox is full",  # no code, but words
    None,
])
def test_an_explanation_has_every_field_in_field_order(text: str | None) -> None:
    """explain builds most Explanations from cached parts, not through __init__: each still has
    every field, in the dataclass's order, equal to the one __init__ would build."""
    made = explain(text)
    assert list(vars(made)) == [field.name for field in fields(Explanation)]
    assert made == Explanation(**vars(made))


def test_real_world_collection_is_large_and_sourced() -> None:
    assert len(REAL) >= 40
    for entry in REAL:
        assert entry["source"].strip(), entry
        assert entry["category"] in ISSUE_CATEGORIES
    sources = " ".join(entry["source"] for entry in REAL).lower()
    for provider in ("google", "microsoft", "yahoo", "apple", "mimecast", "exim", "postfix"):
        assert provider in sources, provider


@pytest.mark.parametrize("entry", REAL,
                         ids=[f"{i:02d}-{e['code']}-{e['enhanced']}" for i, e in enumerate(REAL)])
def test_real_world_reply(entry: dict) -> None:
    exp = explain(entry["text"])
    assert exp.found
    assert (exp.code, exp.enhanced, exp.outcome, exp.category, exp.bounce_type) == (
        entry["code"], entry["enhanced"], entry["outcome"], entry["category"], entry["bounce_type"]
    ), entry["source"]
    if "command" in entry:
        assert exp.command == entry["command"]
    assert exp.summary and exp.advice and exp.references


def test_issue_example_too_many_recipients() -> None:
    exp = explain("452 4.5.3 Too many recipients")
    assert (exp.code, exp.enhanced, exp.outcome, exp.category) == (452, "4.5.3", "retry", "rate-limit")
    assert exp.reply is not None and exp.reply.text == "Too many recipients"
    text = str(exp)
    for label in ("code:", "outcome:", "category:", "meaning:", "advice:", "RFC:"):
        assert label in text
    assert "transient negative" in text  # the class
    assert "RFC 5321" in text and "RFC 3463" in text
    assert "transaction" in exp.advice  # X.5.3 has its own advice (data/categories.json)


def test_postfix_bounce_from_the_issue() -> None:
    exp = explain(
        "host mx.example.com[203.0.113.5] said: 550-5.1.1 The email account that you tried to "
        "reach does not exist ... (in reply to RCPT TO command)"
    )
    assert (exp.code, exp.enhanced, exp.category, exp.command) == (550, "5.1.1", "mailbox-unknown", "RCPT")
    assert exp.reply is not None and "203" not in exp.reply.text


def test_postfix_deferred_log_line() -> None:
    exp = explain(
        "Mar  3 04:05:06 mx postfix/smtp[2211]: 4F2A31C2D: to=<a@example.org>, "
        "relay=mx.example.org[198.51.100.7]:25, delay=453, delays=0.1/0/0.2/453, dsn=4.7.1, "
        "status=deferred (host mx.example.org[198.51.100.7] said: 451 4.7.1 Please try again "
        "later (in reply to RCPT TO command))"
    )
    assert (exp.code, exp.enhanced, exp.outcome, exp.command) == (451, "4.7.1", "retry", "RCPT")
    assert exp.reply is not None and exp.reply.text == "Please try again later"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("connect to mx.example.net[192.0.2.250]:587: Connection timed out", None),
        ("Jun 17 10:22:33 2024 id 15.1.1261.35 size=450 port 443", None),
        ("2024-05-06 421 things", 421),
        ("nrcpt=1 (queue active) queue id 2500F3 uid=550", None),
    ],
)
def test_not_fooled_by_ips_ports_dates_ids(text: str, code: int | None) -> None:
    assert explain(text).code == code


def test_prefers_code_followed_by_enhanced_code() -> None:
    exp = explain("size 250 delivered later: 550 5.7.1 blocked")
    assert (exp.code, exp.enhanced) == (550, "5.7.1")


def test_enhanced_only_inputs() -> None:
    bare = explain("5.7.1")
    assert (bare.found, bare.code, bare.enhanced, bare.outcome) == (True, None, "5.7.1", "bounce")
    assert bare.reply is None
    assert any("No basic reply code" in note for note in bare.notes)
    status = explain("Status: 4.2.2")
    assert (status.enhanced, status.outcome, status.category) == ("4.2.2", "retry", "mailbox-full")
    dsn = explain("Diagnostic-Code: smtp; 552 5.2.2 Mailbox full")
    assert (dsn.code, dsn.enhanced, dsn.category) == (552, "5.2.2", "mailbox-full")


def test_dsn_field_gives_enhanced_code_when_no_basic_code() -> None:
    exp = explain("to=<a@b.example>, relay=none, delay=30, dsn=4.4.1, "
                  "status=deferred (connect to b.example[192.0.2.9]:25: Connection refused)")
    assert (exp.code, exp.enhanced, exp.outcome, exp.category) == (None, "4.4.1", "retry", "network")
    assert exp.bounce_type == "soft"


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("451 5.7.1 Please try later", "temporary failure and retry"),
        ("550 4.2.2 Mailbox full", "permanent failure"),
        ("250 5.0.0 odd", "succeeded"),
    ],
)
def test_class_mismatch_is_noted(text: str, action: str) -> None:
    exp = explain(text)
    assert exp.outcome == {4: "retry", 5: "bounce", 2: "success"}[exp.code // 100]
    note = " ".join(exp.notes)
    assert "RFC 3463 §2" in note and "basic code" in note and action in note
    assert "RFC 3463 §2" in exp.references


def test_consistent_reply_has_no_mismatch_note() -> None:
    assert not any("Inconsistent" in note for note in explain("550 5.1.1 unknown").notes)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("250 2.0.0 Ok: queued as 4F2A31C2D", "success"),
        ("354 End data with <CR><LF>.<CR><LF>", "success"),
        ("450 4.2.0 <a@b.example>: Recipient address rejected: Greylisted, "
         "see https://postgrey.schweikert.ch/", "greylisting"),
        ("530 5.7.0 Must issue a STARTTLS command first", "tls"),
        ("550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using zen.spamhaus.org",
         "reputation"),
        ("550 5.7.1 Message rejected as spam by Content Filtering", "content"),
        ("550 5.7.25 The IP address sending this message does not have a PTR record", "reverse-dns"),
        ("550 5.7.1 Email rejected per DMARC policy for example.com", "sender-auth"),
        ("550 5.2.1 Mailbox disabled, not accepting messages", "mailbox-disabled"),
        ("450 4.2.1 Mailbox temporarily locked, try again later", "mailbox-unavailable"),
        ("535 5.7.8 Authentication credentials invalid", "authentication"),
        ("552 5.3.4 Message size exceeds fixed limit", "message-size"),
        ("452 4.3.1 Insufficient system storage", "storage"),
        ("553 5.1.7 The sender address is not a valid address", "sender-rejected"),
        ("421 4.3.2 Service shutting down", "server-shutdown"),
        ("500 5.5.2 Syntax error, command unrecognized", "syntax"),
        ("556 5.1.10 Recipient address has null MX", "dns-routing"),
        ("554 Transaction failed", "other"),
    ],
)
def test_category_rules(text: str, category: str) -> None:
    assert explain(text).category == category


def test_no_reply_found() -> None:
    exp = explain("Hello, my email bounced, what do I do?")
    assert not exp.found
    assert exp.code is None and exp.enhanced is None and exp.outcome is None
    assert "No SMTP reply code was found" in exp.summary
    assert "No SMTP reply found" in str(exp)


@pytest.mark.parametrize("value", [None, b"550 5.1.1 x", b"\xff\xfe", 12345, "", "\x00" * 5])
def test_odd_inputs_never_raise(value: object) -> None:
    exp = explain(value)  # type: ignore[arg-type]
    assert isinstance(exp, Explanation)


def test_multi_line_wire_reply_is_parsed() -> None:
    exp = explain("250-mx.example.net\r\n250-PIPELINING\r\n250 8BITMIME")
    assert exp.reply is not None and exp.reply.lines == ("mx.example.net", "PIPELINING", "8BITMIME")
    assert exp.category == "success"


def test_to_dict_is_json_ready() -> None:
    data = explain("550 5.1.1 <a@b.example>: user unknown (in reply to RCPT TO command)").to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["reply"] == {"code": 550, "enhanced": "5.1.1", "lines": ["<a@b.example>: user unknown"]}
    assert data["command"] == "RCPT"


def test_html_card_is_self_contained_and_labelled() -> None:
    html = explain("550 5.1.1 <a@b.example> user unknown")._repr_html_()
    assert html.startswith("<div") and "<script" not in html and "http" not in html
    assert "550" in html and "permanent negative" in html and "mailbox-unknown" in html
    assert "&lt;a@b.example&gt;" in html  # escaped
    assert "no reply code found" in explain("nothing here")._repr_html_()


def test_cli_readable_and_json() -> None:
    out = io.StringIO()
    assert cli_explain(["452 4.5.3 Too many recipients"], False, stdout=out) == 0
    assert "category:  rate-limit" in out.getvalue()
    out = io.StringIO()
    log = io.StringIO("550 5.1.1 no such user\n\nnot a reply\n421 4.7.0 try later\n")
    assert cli_explain(["-"], True, stdin=log, stdout=out) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["code"] for row in rows] == [550, None, 421]
    assert [row["found"] for row in rows] == [True, False, True]


def test_cli_without_input() -> None:
    assert cli_explain([], False, stdout=io.StringIO()) == 2


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_explain_never_raises(text: str) -> None:
    exp = explain(text)
    assert isinstance(exp, Explanation)
    assert exp.category in ISSUE_CATEGORIES
    assert not any("internal error" in note for note in exp.notes)  # the guard never fired
    if exp.found:
        assert exp.outcome in {"success", "continue", "retry", "bounce"}
        str(exp)
        exp._repr_html_()


_PIECES = st.sampled_from([
    "550", "5.1.1", "421-", "4.7.0", " ", "-", "said:", "(in reply to RCPT TO command)", "[",
    "]", ":25", "192.0.2.1", "dsn=", "Status:", "#", "'", "\n", "\r\n", "smtp;", "250 ", "X.1.1",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_explain_never_raises_on_reply_like_text(text: str) -> None:
    exp = explain(text)
    assert not any("internal error" in note for note in exp.notes)
    if exp.code is not None:
        assert 200 <= exp.code <= 559


def test_package_level_explain_is_the_function_even_after_submodule_import() -> None:
    import smtplesson
    import smtplesson.codes.explanation

    assert smtplesson.explain("550 5.1.1 x").category == "mailbox-unknown"


@pytest.mark.parametrize(
    ("text", "category", "bounce"),
    [
        # protocol sequence and command syntax: the sender's client, never the recipient
        ("503 5.5.1 Error: need RCPT command", "syntax", "block"),
        ("503 Bad sequence: MAIL first", "syntax", "block"),
        ("501 5.5.4 Syntax: RCPT TO:<address>", "syntax", "block"),
        ("554 5.5.1 Error: no valid recipients", "syntax", "block"),
        # only a malformed recipient address is hard (X.1.3, shared/taxonomy-v2.md)
        ("553 5.1.3 Error: malformed address", "syntax", "hard"),
        ("501 5.5.4 Invalid TO: Missing domain", "syntax", "hard"),
        # the AUTH or STARTTLS exchange the reply names
        ("501 5.5.4 Syntax: AUTH mechanism", "authentication", "block"),
        ("503 5.5.1 Error: send AUTH command first", "authentication", "block"),
        ("501 5.5.4 Syntax: STARTTLS", "tls", "block"),
        ("500 5.5.1 Command unrecognized: AUTH", "syntax", "block"),
        ("454 4.3.3 TLS not available right now", "tls", "block"),
        # internal errors are other; a 421 on one, or on the client's idle time, is a closing
        ("451 4.3.0 Temporary internal error", "other", "soft"),
        ("451 4.7.1 Internal error during content check", "other", "soft"),
        ("421 4.3.0 Mail system error", "server-shutdown", "soft"),
        ("421 4.4.2 mx.example.net Error: timeout exceeded", "server-shutdown", "soft"),
        ("502 5.5.1 Too many unrecognized commands, goodbye.", "server-shutdown", "soft"),
        # an enhanced code of the security subject says more than a 50x basic code
        ("504 5.7.0 Sorry, DSN not supported here", "policy", "block"),
        # RFC 4468 §5: X.6.6 is BURL content not available, not a content verdict
        ("454 4.6.6 Cannot fetch the message from the IMAP server", "other", "soft"),
    ],
)
def test_protocol_replies_follow_the_taxonomy(text: str, category: str, bounce: str) -> None:
    exp = explain(text)
    assert (exp.category, exp.bounce_type) == (category, bounce), exp.confidence


def test_phpmailers_words_before_the_codes_are_the_reply() -> None:
    """PHPMailer::setError writes "Detail: WORDS SMTP code: 550 Additional SMTP info: 5.7.1"."""
    found = explain("SMTP Error: data not accepted. SMTP server error: DATA END command failed "
                    "Detail: Message rejected due to local policy SMTP code: 550 "
                    "Additional SMTP info: 5.7.1")
    assert (found.code, found.enhanced) == (550, "5.7.1")
    assert (found.category, found.bounce_type) == ("policy", "block")
    assert found.text.startswith("SMTP Error: data not accepted.")


@pytest.mark.parametrize("text, code, category", [
    ('Expected response code "250" but got code "550", with message "550 MIME message is missing '
     '\'From\' header".', 550, "syntax"),
    ('Expected response code 250/251/252 but got code "550", with message "550 relay not permitted"',
     550, "relay-denied"),
])
def test_the_code_a_client_expected_is_not_the_reply(text: str, code: int, category: str) -> None:
    # Symfony Mailer and Swift Mailer name the code they wanted before the one they got
    explained = explain(text)
    assert (explained.code, explained.category, explained.bounce_type) == (code, category, "block")


def test_words_without_a_code_that_say_temporary_are_soft() -> None:
    # "words alone never make a line hard": a failure the text calls temporary is retried
    assert explain("<recipient>: temporary failure").bounce_type == "soft"
    assert explain("Unknown or Illegal User").bounce_type == "hard"


@pytest.mark.parametrize(("text", "category"), [
    ("451 timeout (#4.4.2)", "server-shutdown"),  # the server ends an idle session
    ("554 5.5.0 Error: transaction timeout", "server-shutdown"),
    ("451 Remote server not answering (transaction timed out)", "network"),  # the writer's own, onward
])
def test_a_servers_own_timeout_reply_closes_the_session(text: str, category: str) -> None:
    assert explain(text).category == category


def test_exims_cipher_field_names_no_cause() -> None:
    # Exim logs a session's cipher as "X=TLS1.3:...": not a TLS refusal
    found = explain("H=mx.example.com [192.0.2.1] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no "
                    "F=<a@example.com> temporarily rejected RCPT <b@example.org>")
    assert found.category != "tls"


def test_not_listed_in_a_directory_is_no_block_list_listing() -> None:
    """"Listed in" names a block list; "not listed in" a directory the recipient is missing from
    (HCL Domino's "User bob not listed in Domino Directory")."""
    assert explain("550 5.1.1 User bob (bob@example.net) not listed in Domino Directory").category \
        == "mailbox-unknown"
    assert explain("User bob not listed in public Name & Address Book").category != "reputation"
    assert explain("554 Client IP 192.0.2.1 listed in zen.spamhaus.org").category == "reputation"


def test_words_that_only_say_a_message_was_not_delivered_name_no_cause() -> None:
    """"Undeliverable", "not delivered", "cannot be delivered" state the failure every bounce
    reports, not why (RFC 3464 §2.3.3 leaves the why to the status and the diagnostic)."""
    for text in ("undeliverable to bob@example.net", "Your message was not delivered",
                 "This message cannot be delivered"):
        assert explain(text).category == "other", text
    assert explain("Message not delivered: rejected by policy").category == "policy"


def test_the_codes_digits_inside_a_queue_id_do_not_start_the_reply() -> None:
    """Postfix's queue id "B8171910554" holds "554": the reply starts at the code standing alone,
    so the log's own "relay=" field is not read as a relay refusal."""
    line = ("Mar 12 02:50:15 mail postfix/smtp[44205]: B8171910554: to=<user75920@example1.org>, "
            "relay=mx.example.org[124.49.5.7]:25, delay=564.4, delays=0.1/0/0.3/256, dsn=5.0.0, "
            "status=bounced (host mx.example.org[124.49.5.7] said: 554 Transaction failed (in reply "
            "to end of DATA command))")
    found = explain(line)
    assert found.code == 554 and found.category != "relay-denied"
    assert found.action == "review"  # only the class explains it: never suppressed on a guess


def test_a_refused_mailbox_name_is_its_syntax_not_an_unknown_mailbox() -> None:
    """RFC 5321 §4.2.2's 553 "mailbox name not allowed (e.g., mailbox syntax incorrect)" and an
    invalid domain name are malformed names: syntax, hard only where the recipient's is named."""
    for text in ("553 Requested action not taken: mailbox name not allowed", "553 mailbox name not allowed"):
        assert (explain(text).category, explain(text).bounce_type) == ("syntax", "hard"), text
    found = explain("501 Invalid domain name")
    assert (found.category, found.bounce_type) == ("syntax", "block")


def test_a_generic_status_leaves_the_command_refusal_to_the_basic_code() -> None:
    """X.0.0 names no subject (RFC 3463 §3.1); 501 and 503 still say the argument or the
    sequence was refused (RFC 5321 §4.2.3)."""
    assert explain("501 5.0.0 Missing recipient").category == "syntax"
    assert explain("503 5.0.0 I demand that you introduce yourself first").category == "syntax"
    assert explain("550 5.0.0 Something went wrong").category == "other"


def test_what_the_refusal_is_about_names_its_cause() -> None:
    """551's "user not local" asks the sender to relay elsewhere; a failing AUTH process is the
    authentication exchange; a virus scanner's own error is the receiver's, not a virus found."""
    assert explain("551 User not local; please try <bob@example.net>").category == "relay-denied"
    assert explain("553 sorry, we don't relay for [192.0.2.1]").category == "relay-denied"
    assert explain("454 authentication process failure (#4.3.0)").category == "authentication"
    assert explain("517 Policy requires local senders to authenticate.").category == "authentication"
    assert (explain("451 Virus scanner error").category, explain("451 Virus scanner error").bounce_type) \
        == ("other", "soft")
    assert explain("554 Virus found: Eicar-Test-Signature").category == "content"
    assert explain("550 Rejected for too many bad recipients").category == "server-shutdown"
    assert explain("500 Bad input, PIPELINING is not allowed").category == "syntax"


def test_a_flattened_reply_whose_first_line_lost_its_code_keeps_its_first_words() -> None:
    """A reply pasted from its second line on: the words before the first continuation code
    ("... at a rate that 450-4.2.1 prevents ...", RFC 5321 §4.2.1) belong to the reply."""
    found = explain("Message temporarily deferred The user you are trying to contact is receiving "
                    "mail at a rate that 450-4.2.1 prevents additional messages from being "
                    "delivered. Please resend your 450-4.2.1 message at a later time.")
    assert (found.code, found.category, found.bounce_type) == (450, "rate-limit", "soft")
    logged = explain("host mx.example.org[192.0.2.1] said: 550-5.1.1 The email account that you "
                     "tried to reach does not exist. 550 5.1.1 Please try again.")
    assert logged.category == "mailbox-unknown"  # a log's own words before "said:" are not the reply's


def test_the_queues_own_expiry_wins_over_the_last_reply_quoted_in_it() -> None:
    """X.4.7 (RFC 3463 §3.5) is the reporting queue giving up: expired, whatever provider's reply
    it quotes as the last try (shared/taxonomy-v2.md)."""
    found = explain("554 4.4.7 Message expired: unable to deliver in 840 minutes.<451 4.7.650 The "
                    "mail server [192.0.2.1] has been temporarily rate limited due to IP "
                    "reputation. For e-mail delivery information, see https://aka.ms/postmaster (S843) "
                    "[DS3PEPF000099D7.namprd04.prod.outlook.com]>")
    assert (found.category, found.bounce_type) == ("expired", "soft")
    assert found.provider is None  # Microsoft's 4.7.650 rule reads the quoted reply, not this


def test_whose_block_list_it_is_decides_policy_or_reputation() -> None:
    """The recipient's own list of blocked senders is policy; an IP on a block list is the
    sender's reputation (shared/taxonomy-v2.md)."""
    assert explain("550 5.1.1 <bob@example.net> sender is blacklisted").category == "policy"
    assert explain("Sorry, you are blacklisted on this server").category == "policy"
    assert explain("554 5.7.1 Your IP 192.0.2.1 is blacklisted").category == "reputation"


def test_a_domain_owners_policy_and_an_ip_not_allowed_for_a_domain_are_sender_authentication() -> None:
    """DMARC is the domain owner's published policy; an IP "not allowed to send mail from" a
    domain fails its SPF record.  A person not allowed to send from an address is not."""
    assert explain("550 5.7.0 Unfortunately, messages from 192.0.2.1 on behalf of example.com could "
                   "not be delivered due to domain owner policy restrictions.").category == "sender-auth"
    assert explain("550 192.0.2.1 is not allowed to send mail from example.com").category == "sender-auth"
    assert explain("403 You are not authorized to send from that email address").category != "sender-auth"


def test_a_full_mailbox_under_an_unknown_user_status_is_never_hard() -> None:
    """"552 5.1.1 5.2.2 ... mailbox is full": the words say the mailbox exists; a valid recipient
    is never suppressed on the first status code alone."""
    found = explain("552 5.1.1 5.2.2 sorry, final recipient mailbox is full (chkuser)")
    assert (found.category, found.bounce_type) == ("mailbox-full", "soft")


def test_a_dictionary_attack_is_the_senders_reputation() -> None:
    """Probing for addresses is what the sending host did, not what the message says."""
    assert explain("550 DICTIONARY ATTACK").category == "reputation"

@pytest.mark.parametrize("text", [
    "Erreur temporaire serveur",  # tuning: lang-r7 (assistance.email)
    "Dočasný lokální problém – zkuste to prosím později",  # tuning: lang-pages-r3
    "Temporärer Fehler, bitte später erneut versuchen",
])
def test_a_codeless_failure_that_calls_itself_temporary_is_other_and_soft(text):
    explained = explain(text)
    assert (explained.category, explained.bounce_type) == ("other", "soft")
    assert explained.action != "suppress"


def test_the_lost_first_words_start_after_the_last_opener_however_far_back_it_stands() -> None:
    """locate looks for the opener close to the code first, then in the whole head."""
    from smtplesson.codes.locate import locate

    words = "the user you are trying to contact is receiving mail at a rate that"
    for head in (f"said: {words}", f"said: {words} {words}", f"(a) {words} {words}", words):
        before = f"host x {head}"
        found = locate(f"{before} 450-4.2.1 prevents delivery")
        start = max(before.rfind(mark) for mark in ":;('\">") + 1
        assert found.body == f"{before[start:].strip()} prevents delivery"
