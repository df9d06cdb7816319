"""tools/mining/mine.py: the reply dialects it reads, and the split of packages added later;
clients_l10n.py: the translated send errors of mail clients."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "mining"))
sys.path.insert(0, str(ROOT / "tools"))

import clients_l10n  # noqa: E402
import label  # noqa: E402
import mine  # noqa: E402
import proxies  # noqa: E402
from corpus_split import split_of  # noqa: E402


def _replies(name: str, source: str, constants: dict[str, str] | None = None) -> set[tuple]:
    return {hit[1:] for hit in mine.mine_file(Path(name), source, {}, {}, constants)}


def test_a_code_then_its_text_quoted_returned_or_led_by_the_enhanced_code():
    assert (550, "5.1.1", "Destination address is unknown") in _replies(
        "conn.go", 'return 550, "5.1.1 Destination address is unknown"')
    assert (550, "5.1.1", "No such user") in _replies("server.py", "Reply('550', '5.1.1 No such user')")
    assert (500, None, "Line too long") in _replies("smtp.py", 'self.sendCode(500, b"Line too long")')


def test_codes_named_by_the_packages_constants(tmp_path: Path):
    (tmp_path / "codes.go").write_text('C550MailboxUnavail = 550\nSeAddr1UnknownDestMailbox1 = "1.1"\n')
    constants = mine._constants("mox", tmp_path)
    source = 'xsmtpUserErrorf(smtp.C550MailboxUnavail, smtp.SeAddr1UnknownDestMailbox1, "no such user")'
    assert (550, "5.1.1", "no such user") in _replies("server.go", source, constants)
    james = {"MAILBOX_PERM_UNAVAILABLE": "550", "PERMANENT": "5", "ADDRESS_MAILBOX": "1.1"}
    source = ('new SMTPResponse(SMTPRetCode.MAILBOX_PERM_UNAVAILABLE, DSNStatus.getStatus('
              'DSNStatus.PERMANENT, DSNStatus.ADDRESS_MAILBOX) + " Unknown user")')
    assert (550, "5.1.1", "Unknown user") in _replies("Hook.java", source, james)


def test_a_policy_daemons_answer_is_written_as_postfix_replies_it():
    source = "'reject_blacklisted': 'REJECT Blacklisted',\naction=DEFER_IF_PERMIT Try again later\n"
    assert {hit[1:] for hit in mine.mine_policy(source)} == {
        (554, "5.7.1", "Blacklisted"), (450, "4.7.1", "Try again later")}


def test_a_lone_error_head_is_not_a_reply():
    assert not mine._useful("Error:")
    assert mine._useful("Blacklisted")


def test_qmails_trailing_enhanced_code_labels_the_reply():
    assert label.label(553, None, "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)") == (
        "relay-denied", "block")
    assert label.label(502, None, "unimplemented (#5.5.1)") == ("syntax", "block")


def test_packages_added_later_are_split_by_the_frozen_rule():
    first = {"exim4", "opensmtpd", "courier", "haraka", "smtp-server"}
    later = list(mine.PACKAGES)[list(mine.PACKAGES).index("clamsmtp"):]
    assert later and not first & set(later)
    for package in later:
        assert (package in mine.HELDOUT) == (split_of(f"mined:{package}") == "heldout")
        out = ROOT / "tests" / "corpus" / ("heldout" if package in mine.HELDOUT else "tuning")
        other = ROOT / "tests" / "corpus" / ("tuning" if package in mine.HELDOUT else "heldout")
        assert not (other / f"mined-{package}.jsonl").exists()
        assert out.is_dir()


def test_spamdykes_rejection_table_gives_each_text_its_severitys_code():
    source = ('#define REJECT_SEVERITY_PERMANENT "554 "\n'
              '#define ERROR_RDNS_MISSING "Refused. You have no reverse DNS entry."\n'
              '#define REJECTION_DATA_RDNS_MISSING { REJECTION_RDNS_MISSING, REJECT_SEVERITY_PERMANENT, '
              'ERROR_RDNS_MISSING, STRLEN(ERROR_RDNS_MISSING), "DENIED_RDNS_MISSING", 1 }\n')
    assert (554, None, "Refused. You have no reverse DNS entry.") in _replies("spamdyke.h", source)


def test_a_go_error_with_a_code_and_a_message():
    assert (451, None, "Bad sender address") in _replies(
        "main.go", 'return smtpd.Error{Code: 451, Message: "Bad sender address"}')


def test_mimedefang_verdicts_take_its_default_codes_unless_the_call_gives_them():
    source = ("action_bounce(\"Spam score too high\");\naction_tempfail('try later', 451, '4.3.2');\n"
              "return ('REJECT', \"Sorry; spammer.example is blacklisted\");\n"
              "action_bounce(\"550 5.7.1 \" . $reason);\n")
    assert {hit[1:] for hit in mine.mine_mimedefang(source)} == {
        (554, "5.7.1", "Spam score too high"), (451, "4.3.2", "try later"),
        (554, "5.7.1", "Sorry; spammer.example is blacklisted")}


def test_an_exim_acl_message_is_answered_as_its_verb_says(tmp_path: Path):
    acl = tmp_path / "30_check_rcpt"
    source = ("  deny\n    message = relay not permitted\n\n  defer\n    spf = temperror\n"
              "    message = Temporary DNS error. \\\n              Try again later.\n"
              "  warn\n    message = X-Warning: added header\n")
    assert {hit[1:] for hit in mine.mine_exim_acl(acl, source)} == {
        (550, None, "relay not permitted"), (450, None, "Temporary DNS error. Try again later.")}


def test_later_packages_keep_only_replies_no_other_file_has(tmp_path: Path):
    (tmp_path / "tuning").mkdir()
    (tmp_path / "heldout").mkdir()
    (tmp_path / "heldout" / "mined-exim4.jsonl").write_text('{"text": "550 Relay not permitted"}\n')
    (tmp_path / "tuning" / "mined-spamdyke.jsonl").write_text('{"text": "554 Refused."}\n')
    known = mine._known(tmp_path, "spamdyke")
    assert mine._key("550 relay  NOT permitted") in known and mine._key("554 Refused.") not in known
    assert "spamdyke" in mine.FRESH_ONLY and "postfix" not in mine.FRESH_ONLY


def test_client_catalogues_give_each_cause_naming_message_one_source_per_catalogue(tmp_path: Path):
    folder = tmp_path / "src" / "mutt-2.2.12" / "po"
    folder.mkdir(parents=True)
    (folder / "de.po").write_bytes(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=ISO-8859-1\\n"\n\n'
        'msgid "Connection to %s timed out"\nmsgstr "Zeitüberschreitung der Verbindung zu %s"\n\n'
        '#, fuzzy\nmsgid "SASL authentication failed"\nmsgstr "SASL-Anmeldung fehlgeschlagen"\n\n'
        'msgid "Not a message the table names"\nmsgstr "Keine"\n'.encode("iso-8859-1"))
    rows = [row for row in clients_l10n.mine(tmp_path) if row["source_id"] == "debian:mutt:po/de.po"]
    assert [(row["text"], row["category"], row["bounce_type"], row["lang"]) for row in rows] == [
        ("Zeitüberschreitung der Verbindung zu %s", "network", "soft", "de")]  # fuzzy left out


def test_a_postfix_tables_reject_is_written_as_postfix_replies_it(tmp_path: Path):
    import configs
    rows = ("/^(localhost)$/ REJECT ACCESS DENIED. Not identified (${1})\n"
            "# /^x$/ REJECT a comment\n/^spam/ DEFER Try later\n")
    assert {hit[1:] for hit in configs.mine_postfix_table(tmp_path / "helo_access.pcre", rows)} == {
        (554, "5.7.1", "<%s>: Helo command rejected: ACCESS DENIED. Not identified (${1})"),
        (450, "4.7.1", "<%s>: Helo command rejected: Try later")}
    header = configs.mine_postfix_table(tmp_path / "header_checks", "/^X-Spam/ REJECT Spam\n")
    assert {hit[1:] for hit in header} == {(550, "5.7.1", "Spam")}
    assert not list(configs.mine_postfix_table(tmp_path / "main.cf", "x REJECT text here\n"))


def test_an_rspamd_rules_message_takes_its_actions_reply(tmp_path: Path):
    import configs
    source = ('RULE {\n  action = "reject";\n  expression = "X";\n'
              '  message = "Rejected (dangerous macro)";\n}\n'
              'SOFT {\n  message = "Please retry later";\n  action = "soft reject";\n}\n'
              'NOTE {\n  action = "add header";\n  message = "Not a reply";\n}\n')
    assert {hit[1:] for hit in configs.mine_rspamd_conf(tmp_path / "force_actions.conf", source)} == {
        (554, "5.7.1", "Rejected (dangerous macro)"), (451, "4.7.1", "Please retry later")}
    greylist = configs.mine_rspamd_conf(tmp_path / "greylist.conf", 'message = "Greylisted";')
    assert {hit[1:] for hit in greylist} == {(451, "4.7.1", "Greylisted")}


def test_a_node_error_with_a_response_code_and_an_opensmtpd_filter_verdict():
    source = ("let err = new Error('User \"' + query.username + '\" is currently disabled');\n"
              "err.responseCode = 550;\n")
    assert (550, None, 'User "%s" is currently disabled') in _replies("index.js", source)
    assert (550, None, "unknown sender domain") in _replies(
        "filter.go", 'produceOutput("filter-result", id, token, "reject|550 unknown sender domain")')


def test_a_template_the_corpus_already_holds_filled_in_is_not_fresh():
    known = {mine._key("554 5.7.1 <a@b.example>: Recipient address rejected: User unknown in local table")}
    assert mine._filled_elsewhere("554 5.7.1 <%s>: Recipient address rejected: User unknown", known)
    assert not mine._filled_elsewhere("554 5.7.1 <%s>: Recipient address rejected: Mailbox is full", known)
    assert not mine._useful("sorry, your IP (") and not mine._useful("qmail-spp failure:")


def test_an_exim_message_on_its_verbs_line(tmp_path: Path):
    source = "acl_check_rcpt:\n  deny    message       = Restricted characters in address\n"
    assert {hit[1:] for hit in mine.mine_exim_acl(tmp_path / "exim4.conf.template", source)} == {
        (550, None, "Restricted characters in address")}


def test_a_milters_setreply_zmailers_type_and_milter_regexs_rules():
    source = """
    $ctx->setreply('554', '5.7.1', 'Message Blacklisted');
    reply.set_error_reply("550", Some("5.7.20"), ["No DKIM signature found"])?;
    type(SS, -550, m571, "Hello %s; you are on our list", SS->rhostaddr);
    type(SS, 501, NULL, "AUTH command cancelled");
    reject "HTML mail not accepted"
    tempfail "Try later"
    """
    assert [hit[1:] for hit in proxies.mine_dialects(source)] == [
        (554, "5.7.1", "Message Blacklisted"), (550, "5.7.20", "No DKIM signature found"),
        (550, "5.7.1", "Hello %s; you are on our list"), (501, None, "AUTH command cancelled"),
        (554, "5.7.1", "HTML mail not accepted"), (451, "4.7.1", "Try later")]


def test_an_override_may_name_the_bounce_type_too():
    assert label.label(501, "5.1.3", "Extra junk following 'STARTTLS' command!") == ("syntax", "block")
    assert label.label(501, "5.1.3", "What is an empty recipient?") == ("syntax", "hard")
