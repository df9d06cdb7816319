"""The labelling conventions of shared/taxonomy-v2.md on sender-side causes, one probe set each.

Every probe is written here in the style receivers write their replies; none is a corpus line.
A probe set that fails shows where explain's decision logic disagrees with a convention
(issue 19, item 4: a layer that generalises).
"""
from __future__ import annotations

import pytest

from smtplesson import explain

CONVENTIONS: dict[str, list[tuple[str, str, str]]] = {
    # throttles driven by reputation or complaints are reputation; pure volume is rate-limit
    "reputation-throttles": [
        ("421 4.7.0 Deferred: we are seeing an unusual rate of complaints about mail from your IP",
         "reputation", "block"),
        ("451 4.7.1 Temporarily rate limited due to poor IP reputation, try again later",
         "reputation", "block"),
        ("421 Too many complaints from your users about mail from this IP; deferred", "reputation", "block"),
        ("452 4.5.3 Too many recipients in this message", "rate-limit", "soft"),
        ("421 4.7.0 Too many messages sent in the last hour, slow down", "rate-limit", "soft"),
        ("450 4.7.1 Too many connections from your host, try later", "rate-limit", "soft"),
    ],
    # a malformed recipient address is syntax/hard; command, protocol, message format syntax/block
    "syntax": [
        ("553 5.1.3 Bad recipient address syntax", "syntax", "hard"),
        ("501 5.1.3 Invalid address format in RCPT TO", "syntax", "hard"),
        ("500 5.5.2 Line too long", "syntax", "block"),
        ("554 5.6.0 Message headers are malformed: duplicate Subject header", "syntax", "block"),
        ("503 5.5.1 Error: need MAIL command first", "syntax", "block"),
        # a 501 (syntax error in arguments) with X.1.7 (bad sender's address syntax): the sender
        # address is malformed, not refused for who it is
        ("501 5.1.7 Address exceeds the length limit", "syntax", "block"),
        ("501 5.1.7 Bad address in MAIL FROM", "syntax", "block"),
        ("550 5.7.1 Message rejected: missing required Date header (RFC 5322)", "syntax", "block"),
        # the recipient's path named as what is malformed (threads-r8): hard; an ORCPT parameter
        # is the command's, not the recipient address
        ("501 RCPT TO syntax not recognised", "syntax", "hard"),
        ("553 Invalid RCPT TO argument", "syntax", "hard"),
        ("501 Cannot parse the recipient address", "syntax", "hard"),
        ("501 5.5.4 Invalid ORCPT parameter", "syntax", "block"),
        # Exim's and Postfix's refusal of a client that talks before its turn
        ("554 SMTP synchronization error: command sent before the greeting", "syntax", "block"),
    ],
    # block lists kept by the recipient or its admin, "policy reasons": policy
    "policy": [
        ("550 5.7.1 Message rejected for policy reasons", "policy", "block"),
        ("550 5.7.1 The recipient has blocked your address", "policy", "block"),
        ("554 5.7.1 Sender is on the recipient's blocked senders list", "policy", "block"),
        ("550 Mail from your domain is not accepted by the administrator of this server", "policy", "block"),
        ("550 5.7.1 Your address is blocked by the recipient", "policy", "block"),
        ("550 Access denied: sender blocked by administrator", "policy", "block"),
        ("550 5.7.1 Mail refused by local policy", "policy", "block"),
    ],
    # DNSBL, IP or domain reputation lists, spam said of the sending machine: reputation
    "reputation-lists": [
        ("554 5.7.1 Service unavailable; client host [192.0.2.7] blocked using zen.spamhaus.org",
         "reputation", "block"),
        ("550 5.7.1 Your IP address is listed in a DNS block list", "reputation", "block"),
        ("550 Rejected: sending domain appears on a domain reputation list", "reputation", "block"),
        ("550 5.7.1 Mail from a known spammer is not accepted", "reputation", "block"),
        ("554 Spammer access rejected from 192.0.2.9", "reputation", "block"),
        ("550 5.7.1 Your mail server has been sending spam and is now blocked", "reputation", "block"),
        ("554 5.7.1 Connection refused: the sending IP is on our spam source list", "reputation", "block"),
        ("550 5.7.1 Your mail server sends spam: access denied", "reputation", "block"),
        ("554 Email from your server has been sent in patterns characteristic of spam",
         "reputation", "block"),
        ("550 Your host is blocked by our anti-spam system", "reputation", "block"),
        ("554 5.7.1 Client host 192.0.2.7 rejected: too much spam from this IP", "reputation", "block"),
        ("550 This IP address has been flagged for spam", "reputation", "block"),
        ("421 4.7.0 IP temporarily blocked for sending spam", "reputation", "block"),
        ("550 5.7.1 Blocked by anti-spam statistics for your IP", "reputation", "block"),
        ("550 Spam source blocked: 192.0.2.4", "reputation", "block"),
        # "blocked" said of the sender's IP; a block that names the recipient's list stays policy
        ("550 5.7.1 Your IP 192.0.2.1 is blocked", "reputation", "block"),
        ("554 Your IP address has been banned", "reputation", "block"),
        ("550 5.7.1 The recipient has blocked your IP", "policy", "block"),
        ("550 5.7.1 Blocked by the administrator: your IP", "policy", "block"),
    ],
    # spam, virus, URL, attachment and phishing verdicts on the message: content
    "content": [
        ("550 5.7.1 Message rejected as spam by the content filter", "content", "block"),
        ("554 5.7.1 Virus found in message: Eicar-Test-Signature", "content", "block"),
        ("552 5.7.0 This message contains a URL found on a phishing list", "content", "block"),
        ("554 5.7.1 Attachment type .exe is not allowed", "content", "block"),
        ("550 5.7.1 Message looks like phishing and was refused", "content", "block"),
        ("550 5.7.1 Your message was detected as spam", "content", "block"),
        ("554 5.7.1 Message blocked by our anti-spam system", "content", "block"),
        ("550 high spam score, message rejected", "content", "block"),
        ("550 5.7.1 Blocked: spam content in message body", "content", "block"),
        ("554 Mail from 192.0.2.5 rejected: message is spam", "content", "block"),
    ],
    # relaying refused is relay-denied, also where authenticating is the way out
    "relay": [
        ("554 5.7.1 Relay access denied", "relay-denied", "block"),
        ("550 5.7.1 Relaying from this address is denied", "relay-denied", "block"),
        ("553 Mail for that domain cannot be relayed by this host without authentication",
         "relay-denied", "block"),
        ("550 5.7.1 Relaying not allowed: authenticate first", "relay-denied", "block"),
        ("550 5.7.1 Invalid credentials for relay from this host", "relay-denied", "block"),
        ("554 5.7.1 Relaying denied. Proper authentication required.", "relay-denied", "block"),
        ("530 5.7.1 Authentication required to relay", "relay-denied", "block"),
        ("550 5.7.1 Unable to relay: please authenticate", "relay-denied", "block"),
        # a relay named as a host is not a relaying refused
        ("535 Authentication failed: relay host rejected credentials", "authentication", "block"),
        ("451 4.4.4 Unable to find a relay host for this domain", "dns-routing", "soft"),
    ],
    # SMTP AUTH, its exchange included
    "authentication": [
        ("535 5.7.8 Authentication credentials invalid", "authentication", "block"),
        ("530 5.7.0 Authentication required", "authentication", "block"),
        ("503 5.5.1 Already authenticated for this session", "authentication", "block"),
        ("501 5.5.2 Invalid base64 data in AUTH response", "authentication", "block"),
        ("504 5.5.4 Unrecognized authentication mechanism", "authentication", "block"),
        ("530 5.7.0 Must authenticate before sending mail", "authentication", "block"),
        # the sending account (the user who logged in) may not send here
        ("550 Sorry, user has no permission", "authentication", "block"),
    ],
    "sender-rejected": [
        ("553 5.1.8 Sender address domain does not exist", "sender-rejected", "block"),
        ("550 5.7.1 Sender address rejected: not owned by user", "sender-rejected", "block"),
        # the sender named as not matching the login, even in a reply to RCPT (threads-r8)
        ("550 5.7.1 Message refused: sender doesn't match", "sender-rejected", "block"),
        ("554 5.7.1 Recipient address rejected: envelope sender does not match", "sender-rejected", "block"),
        # a reply quoted in a Python repr: its escaped line breaks separate its words; the hedged
        # "may be blacklisted" of Exim's callout text does not outweigh "Sender verify failed"
        ("(550, b'Verification failed for <a@example.org>\\nThe domain may be blacklisted or "
         "lack DNS entries\\nSender verify failed')", "sender-rejected", "block"),
    ],
    # a count of messages per day or hour names the sender's quota, even after a catch-all
    # "rejected" (threads-r8)
    "quota": [
        ("554 5.7.1 <DATA>: Data command rejected: only 25 messages per hour allowed", "rate-limit", "soft"),
    ],
}


@pytest.mark.parametrize(("text", "category", "bounce_type"),
                         [probe for probes in CONVENTIONS.values() for probe in probes])
def test_convention(text: str, category: str, bounce_type: str) -> None:
    explained = explain(text)
    assert (explained.category, explained.bounce_type) == (category, bounce_type)


def test_no_sender_side_probe_is_hard() -> None:
    """A sender-side refusal never suppresses a recipient (taxonomy v2: block)."""
    for text, _, bounce_type in (p for probes in CONVENTIONS.values() for p in probes):
        if bounce_type != "hard":
            assert explain(text).bounce_type != "hard", text


def test_an_account_name_with_a_backslash_is_not_a_line_break() -> None:
    """Only an escaped break before a non-letter reads as a blank: a Windows account name
    ("CORP\\nancy") is shown as written."""
    text = "550 5.7.1 CORP\\nancy is not allowed to send as this user"
    assert "CORP\\nancy" in explain(text).reply.text
    quoted = explain("(550, b'5.7.1 Access denied\\nSender verify failed')")
    assert "denied sender verify" in quoted.reply.text.lower()
