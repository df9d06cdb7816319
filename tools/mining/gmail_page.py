"""The rows of Gmail's "SMTP errors and codes" page (support.google.com/a/answer/3726730),
every dated copy in the public archive github:azumakuniyuki/feb-2024-no-auth-no-entry.

Run:  python tools/mining/gmail_page.py ARCHIVE_GIT_DIR OUT.jsonl

Each distinct (code, status, text) row becomes one corpus line, with the first archived
date that shows it; labels come from label.py and were reviewed by eye against the page.
"""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys

from label import bounce_type, category_of

URL = "https://support.google.com/a/answer/3726730"
_FOLDER = "google-3726730-smtp-errors-and-codes/html/"
REVIEWED_FIRST: list[tuple[str, str]] = [
    (r"TLS", "tls"),
    (r"^This e?mail has been (?:rate limited|blocked) because|^This message was blocked because it didn",
     "sender-auth"),
    (r"^Please log in (?:through|with) your web browser|^Too many unauthenticated commands"
     r"|^No identity changes", "authentication"),
    (r"unusual (?:amount|rate) of unsolicited|^There is an unusual rate", "reputation"),
    (r"^Encoded-word syntax|^SMTP protocol violation, no commands allowed to pipeline", "syntax"),
    (r"^This message was blocked because its content", "content"),
    (r"^(?:Mail|Email) server has temporarily rejected", "other"),
    (r"^(?:Mail|Email) sending denied", "relay-denied"),
    (r"relay denied .*suspended due to abuse", "reputation"),
    (r"^Too many unrecognized commands", "server-shutdown"),
    (r"^We weren't able to find the recipient domain", "dns-routing"),
    (r"^The sender address .* is not a valid RFC 5321", "syntax"),
    (r"^The size of", "message-size"),
]
#: reviewed labels that differ from label.py's (text prefix -> category), per Google's meaning
REVIEWED: dict[str, str] = {
    "The user you are trying to contact is receiving": "rate-limit",
    "Peak SMTP relay limit": "rate-limit",
    "Daily SMTP relay limit": "rate-limit",
    "Daily user sending limit": "rate-limit",
    "Daily user sending quota": "rate-limit",
    "Email server has temporarily rejected": "other",
    "Multiple destination domains per transaction": "syntax",
    "Domain policy size per transaction": "rate-limit",
    "Temporary System Problem": "other",
    "Try again later, closing connection": "rate-limit",
    "Connection expired": "server-shutdown",
    "Timeout - closing connection": "server-shutdown",
    "Server busy": "server-shutdown",
    "IP not in whitelist": "policy",
    "Cannot authenticate due to": "authentication",
    "Too many login attempts": "authentication",
    "TLS required for RCPT domain": "tls",
    "The email account that you tried to reach is disabled": "mailbox-disabled",
    "The email account that you tried to reach is inactive": "mailbox-disabled",
    "The recipient's inbox is out of storage space and inactive": "mailbox-disabled",
    "The recipient's inbox is out of storage space": "mailbox-full",
    "The email account that you tried to reach does not exist": "mailbox-unknown",
    "Unauthenticated email from": "sender-auth",
    "The IP you're using to send email is not authorized": "reputation",
    "The IP you're using to send mail is not authorized": "reputation",
    "This message is not RFC 5322 compliant": "syntax",
    "Messages missing a valid address in the From": "syntax",
    "Messages missing a valid address in From": "syntax",
    "This message does not have a valid": "syntax",
    "This message is not RFC 5322": "syntax",
    "Our system has detected that this message is likely unsolicited": "content",
    "Our system has detected that this message is likely suspicious": "reputation",
    "This message is suspicious due to the very low reputation": "reputation",
    "This message has been blocked because it is": "content",
    "The user or domain that you are sending to (or from) has a policy": "policy",
    "The message was not sent because the recipient": "policy",
    "Mail relay denied": "relay-denied",
    "Email relay denied": "relay-denied",
    "Invalid credentials for relay": "relay-denied",
    "Message rejected. For more information": "policy",
    "Message exceeded 50 hops": "dns-routing",
    "Too many unauthenticated": "reputation",
    "The SMTP relay service": "relay-denied",
    "Gmail has detected this sender exceeded the quota for sending messages": "policy",
    "Your email has been rate limited because the From": "sender-auth",
    "Your email has been rate limited because SPF": "sender-auth",
    "Your email has been rate limited because DKIM": "sender-auth",
    "Your email has been rate limited because it is unauthenticated": "sender-auth",
    "Your email has been rate limited because you're not using a TLS": "tls",
    "Your email has been blocked because the sender is unauthenticated": "sender-auth",
    "Your email has been rate limited because the sending domain": "sender-auth",
    "Your email was blocked because the From": "sender-auth",
    "Gmail has detected an unusual rate": "reputation",
    "Our system has detected an unusual rate": "reputation",
    "The sending IP address for this message doesn't have a PTR": "reverse-dns",
    "This message does not meet IPv6 sending guidelines": "reverse-dns",
    "Messages with multiple addresses in From": "syntax",
    "This message contains a link": "content",
    "Our system has detected that this message does not meet IPv6": "reverse-dns",
    "Unrecognized authentication type": "authentication",
    "XOAUTH is no longer supported": "authentication",
}


def _date(name: str) -> str:
    found = re.search(r"(\d{4}-\d\d-\d\d)", name)
    return found.group(1) if found else ""


def rows(git_dir: str) -> list[dict[str, object]]:
    """Every distinct row of every archived copy, oldest copy first."""
    listing = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "--name-only", "HEAD", _FOLDER],
                             capture_output=True, text=True, check=True).stdout.split()
    dated = sorted((_date(name), name) for name in listing)
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for date, name in dated:
        page = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{name}"],
                              capture_output=True, text=True, check=True).stdout
        for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
            cells = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
                     for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            cells = [c.strip(' ",') for c in cells]
            if len(cells) != 3 or not re.fullmatch(r"[245]\d\d", cells[0]):
                continue
            code, status, text = cells
            text = re.sub(r"\s+\.", ".", text)
            line = f"{code} {status} {text}"
            if line in seen:
                continue
            seen.add(line)
            category = next((c for pattern, c in REVIEWED_FIRST if re.search(pattern, text)), None) \
                or next((c for prefix, c in REVIEWED.items() if text.startswith(prefix)), None) \
                or category_of(int(code), status, text)
            out.append({"text": line, "category": category,
                        "bounce_type": bounce_type(category, int(code[0]), text.lower(), status),
                        "provider": "google", "lang": "en", "source": f"{URL} (archived {date})",
                        "source_id": URL, "kind": "page"})
    return out


if __name__ == "__main__":
    found = rows(sys.argv[1])
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        for row in found:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(len(found))
