"""Cross-check read_bounce against Sisimai on bounce mails: decoded, reply code and status agreement.

Run:  .venv/bin/python tools/sisimai_compare.py [DIR ...] [--list] [--json]
Needs Debian's ``libsisimai-perl`` (``apt-get install libsisimai-perl``).  For every mail under
the directories (default tests/unit/data/bounces; ``.eml``, ``.msg``, ``.txt`` or no suffix),
Sisimai's records (tools/sisimai/run.pl) and read_bounce's recipients are paired by address.

- *bounces*: the mails where Sisimai, or the mail's own RFC 3464 report (a Final-Recipient
  field), finds a recipient; *decoded*: those where read_bounce finds at least one.
- *code* / *status*: the share of paired recipients whose reply code / status agree (*code_given*:
  of those Sisimai gives a reply code for; where it gives none, read_bounce may read one from the text).  Two
  conventions are kept on purpose: where only a basic code was given, Sisimai keeps ``X.0.0``
  and read_bounce infers the status from the words, so Sisimai's ``X.0.0`` is set beside
  ``raw_status`` (the report's field) or the class of ours; Sisimai's internal ``X.0.9xx`` codes
  have no equivalent and are left out of the status figure.
- *cause* / *type*: the share of paired recipients whose cause category (bounce type) is the one
  ``/work/shared/taxonomy-v2.md`` maps Sisimai's reason to (``REASONS``); reasons that name no
  cause (``undefined``, ``onhold``, ``mailererror``, ``delivered``) are left out of both.
- *typed none*: failed or delayed recipients whose bounce type is ``none`` or ``unknown``.

``--list`` prints every disagreement and every undecoded bounce, to read one by one: Sisimai is a
second opinion, not the truth (RFC 3464 fields and the text win).  It refuses a held-out
directory: held-out misses are never looked at (tests/corpus/README.md).  Only Sisimai's
software is used; its bounce corpus is reserved for the project's evaluation and never read.
"""
from __future__ import annotations

import argparse
import email
import email.message
import email.policy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from smtplesson.bounces import BouncedRecipient, read_bounce

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "sisimai" / "run.pl"
CORPUS = ROOT / "tests" / "unit" / "data" / "bounces"
SUFFIXES = {".eml", ".msg", ".txt", ""}
#: Sisimai's reason -> the cause categories of taxonomy v2 that say the same (its "Sisimai reasons" column)
REASONS: dict[str, tuple[str, ...]] = {
    "userunknown": ("mailbox-unknown",), "filtered": ("mailbox-unknown",), "hasmoved": ("mailbox-unknown",),
    "suspend": ("mailbox-disabled",), "mailboxfull": ("mailbox-full",),
    "toomanyconn": ("rate-limit",), "speeding": ("rate-limit",), "authfailure": ("sender-auth",),
    "blocked": ("reputation", "reverse-dns"), "badreputation": ("reputation",),
    "requireptr": ("reverse-dns",),
    "spamdetected": ("content",), "virusdetected": ("content",), "policyviolation": ("policy",),
    "securityerror": ("authentication", "tls"), "failedstarttls": ("tls",), "norelaying": ("relay-denied",),
    "rejected": ("sender-rejected",), "syntaxerror": ("syntax",), "notcompliantrfc": ("syntax",),
    "contenterror": ("syntax",), "mesgtoobig": ("message-size",), "exceedlimit": ("message-size",),
    "hostunknown": ("dns-routing",), "notaccept": ("dns-routing",), "networkerror": ("network",),
    "expired": ("expired",), "systemerror": ("server-shutdown",), "systemfull": ("storage",),
}
#: a category's bounce type (taxonomy v2); dns-routing goes by the class of the status
TYPES = {"mailbox-unknown": "hard", "mailbox-disabled": "hard", "mailbox-full": "soft", "rate-limit": "soft",
         "sender-auth": "block", "reputation": "block", "reverse-dns": "block", "content": "block",
         "policy": "block", "authentication": "block", "tls": "block", "relay-denied": "block",
         "sender-rejected": "block", "syntax": "block", "message-size": "block", "network": "soft",
         "expired": "soft", "server-shutdown": "soft", "storage": "soft"}


def sisimai(files: list[Path]) -> dict[str, list[dict[str, str]]]:
    """Sisimai's records of each file, by path."""
    out = subprocess.run(["perl", str(SCRIPT), "dump", "0", "0", *map(str, files)],
                         check=True, capture_output=True, text=True).stdout
    return {row["file"]: row["records"] for row in map(json.loads, out.splitlines())}


def report_recipients(data: bytes) -> int:
    """How many Final-Recipient fields the mail's own message/delivery-status parts hold (and
    message/global-delivery-status ones, RFC 6533)."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    count = 0
    for part in message.walk():
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
            payload = part.get_payload()
            text = ("".join(b.as_string() for b in payload if isinstance(b, email.message.Message))
                    if isinstance(payload, list) else str(payload or ""))
            count += text.lower().count("final-recipient:")
    return count


def status_agrees(mine: BouncedRecipient, theirs: str) -> bool | None:
    """Whether our status says what Sisimai's does; None where Sisimai's has no equivalent."""
    if re.fullmatch(r"[245]\.0\.9\d\d", theirs):
        return None
    ours = mine.status or ""
    if ours == theirs or (mine.raw_status or "") == theirs:
        return True
    return theirs.endswith(".0.0") and mine.status_from == "inferred" and ours[:1] == theirs[:1]


def compare(files: list[Path]) -> tuple[dict[str, Any], list[str]]:
    theirs = sisimai(files)
    counts = dict.fromkeys(("mails", "bounces", "decoded", "paired", "ours_only", "theirs_only",
                            "code_same", "code_given", "code_given_same", "status_compared", "status_same",
                            "cause_compared", "cause_same", "type_same", "typed_none"), 0)
    notes: list[str] = []
    for path in files:
        data = path.read_bytes()
        bounce = read_bounce(data)
        ours = {r.address.lower(): r for r in bounce.recipients}
        records = {r["recipient"].lower(): r for r in theirs.get(str(path), [])
                   if r["reason"] not in ("feedback", "vacation", "delivered")}
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        counts["mails"] += 1
        if records or report_recipients(data):
            counts["bounces"] += 1
            if ours and bounce.is_bounce:
                counts["decoded"] += 1
            else:
                notes.append(f"{name}: not decoded ({bounce.kind}, {bounce.format}, {bounce.note}); "
                             f"sisimai {sorted(records)}")
        if any(r.action in ("failed", "delayed") and r.bounce_type in ("none", "unknown")
               for r in bounce.recipients):
            counts["typed_none"] += 1
            notes.append(f"{name}: a failed recipient typed none")
        if bounce.is_bounce:
            counts["ours_only"] += len(ours.keys() - records.keys())
            counts["theirs_only"] += len(records.keys() - ours.keys())
            for address in sorted(records.keys() - ours.keys()) if ours else ():
                notes.append(f"{name}  {address}: sisimai only ({records[address]['reason']})")
        for address in sorted(ours.keys() & records.keys()):
            mine, other = ours[address], records[address]
            counts["paired"] += 1
            code = str(mine.code or "")
            same_code = code == str(other["replycode"] or "")
            same_status = status_agrees(mine, other["status"])
            counts["code_same"] += same_code
            counts["code_given"] += bool(other["replycode"])
            counts["code_given_same"] += bool(other["replycode"]) and same_code
            counts["status_compared"] += same_status is not None
            counts["status_same"] += bool(same_status)
            causes = REASONS.get(other["reason"], ())
            if causes:
                status = other["status"] or mine.status or ""
                want_type = TYPES.get(causes[0]) or ("soft" if status.startswith("4") else "hard")
                counts["cause_compared"] += 1
                counts["cause_same"] += mine.category in causes
                counts["type_same"] += mine.bounce_type == want_type
                if mine.category not in causes:
                    notes.append(f"{name}  {address}: cause ours {mine.category} ({mine.bounce_type}) | "
                                 f"sisimai {other['reason']}: {(mine.diagnostic or '')[:100]}")
            if not same_code or same_status is False:
                notes.append(f"{name}  {address}: ours {code or '-'} {mine.status or '-'} "
                             f"(raw {mine.raw_status or '-'}, {mine.status_from}) | sisimai "
                             f"{other['replycode'] or '-'} {other['status'] or '-'} ({other['reason']})")
    return counts, notes


def rates(counts: dict[str, Any]) -> dict[str, float]:
    def share(part: str, whole: str) -> float:
        return round(counts[part] / counts[whole], 4) if counts[whole] else 0.0

    return {"decoded_rate": share("decoded", "bounces"), "code_rate": share("code_same", "paired"),
            "code_given_rate": share("code_given_same", "code_given"),
            "status_rate": share("status_same", "status_compared"),
            "cause_rate": share("cause_same", "cause_compared"),
            "type_rate": share("type_same", "cause_compared")}


def mails(dirs: list[Path], listing: bool) -> list[Path]:
    """The mail files under ``dirs``; a listing of misses refuses a held-out folder (never looked at)."""
    if listing and any("heldout" in d.resolve().parts for d in dirs):
        raise SystemExit("--list refuses held-out mails: their misses are never looked at")
    return sorted(p for d in dirs for p in d.rglob("*")
                  if p.is_file() and p.suffix in SUFFIXES and p.name not in ("README", "LICENSE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[CORPUS])
    parser.add_argument("--list", action="store_true", help="print every disagreement")
    parser.add_argument("--json", action="store_true", help="print the counts and rates as JSON")
    args = parser.parse_args()
    files = mails(args.dirs, listing=args.list)
    if subprocess.run(["perl", "-MSisimai", "-e", "1"], capture_output=True).returncode:
        raise SystemExit("Sisimai is not installed: apt-get install libsisimai-perl")
    counts, notes = compare(files)
    if args.json:
        print(json.dumps({**counts, **rates(counts)}, indent=1))
    else:
        share = rates(counts)
        print(f"{counts['mails']} mails, {counts['bounces']} bounces, {counts['decoded']} decoded "
              f"({share['decoded_rate']:.1%}); {counts['paired']} recipients read by both, "
              f"{counts['ours_only']} by read_bounce only, {counts['theirs_only']} by Sisimai only")
        print(f"reply code agrees on {share['code_rate']:.1%} ({share['code_given_rate']:.1%} where Sisimai "
              f"gives one), status on {share['status_rate']:.1%}, cause on {share['cause_rate']:.1%} and "
              f"bounce type on {share['type_rate']:.1%} (of {counts['cause_compared']} with a reason); "
              f"{counts['typed_none']} mails with a failed recipient typed none")
    if args.list:
        print("\n".join(notes))


if __name__ == "__main__":
    main()
