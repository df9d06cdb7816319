"""Real amavisd-new bounces for the bounce corpus (issue 19 item 6).

Run as root on Debian with amavisd-new installed (``mta_bounces.sh`` installs, runs and purges it)::

    python tools/mining/amavis_bounces.py STAGE

amavisd-new (Debian's 2.13) runs in the foreground on 127.0.0.1:10024 with upstream's own
destinies for banned contents and bad headers (``D_BOUNCE``: amavisd.conf-default; Debian's
defaults discard banned mail instead) and spam (with SpamAssassin, local rules only): each case
is handed to it over SMTP as an MTA's content filter would, and the delivery status
notification it writes back to the sender goes to a ``DebugServer`` on 127.0.0.1 (its
``$notify_method``); each is saved unedited as
``STAGE/amavis/<case>.amavis-<n>.eml`` with ``PROVENANCE.json``.  Nothing leaves the machine.
"""
from __future__ import annotations

import argparse
import smtplib
import subprocess
import sys
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mta_bounces import save, until, wait_for

from smtplesson import DebugServer

HOST = "mta.example.org"
SENDER = f"alice@{HOST}"
CONF = Path("/etc/amavis/conf.d/60-smtplesson")
EXE = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA=="


def _attachment(name: str, mime: str) -> str:
    return (f'--b1\nContent-Type: {mime}; name="{name}"\nContent-Disposition: attachment; '
            f'filename="{name}"\nContent-Transfer-Encoding: base64\n\n{EXE}\n')


#: case -> (recipients, extra header lines, body after the text part (None: a plain text body));
#: banned names and types are in Debian's $banned_filename_re (conf.d/20-debian_defaults)
CASES: dict[str, tuple[list[str], str, str | None]] = {
    "banned-exe": (["bob"], "", _attachment("report.exe", "application/octet-stream")),
    "banned-double-extension": (["bob"], "", _attachment("invoice.pdf.scr", "application/octet-stream")),
    "banned-mime-type": (["bob", "carol"], "", _attachment("setup.bin", "application/x-msdownload")),
    # RFC 5322 2.2: header fields are US-ASCII; amavisd's bad-header check refuses raw 8-bit bytes
    "bad-header-8bit": (["bob"], "X-Note: caf\xe9\n", None),
    # SpamAssassin's GTUBE test string (spamassassin.apache.org/gtube/): a spam score of 1000
    "spam-gtube": (["bob"], "", "--b1\nContent-Type: text/plain\n\n"
                   "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n"),
}


def message(case: str, users: list[str]) -> bytes:
    recipients = [f"{user}@{case}.test" for user in users]
    head = (f"From: Alice <{SENDER}>\nTo: {', '.join(recipients)}\nSubject: Corpus case {case}\n"
            f"Date: {format_datetime(datetime.now(UTC))}\nMessage-ID: <{case}.amavis@{HOST}>\n"
            f"MIME-Version: 1.0\n{CASES[case][1]}")
    extra = CASES[case][2]
    if extra is None:
        text = (head + "Content-Type: text/plain; charset=us-ascii\n\n"
                "Hello, this is a test of the bounce corpus.\n")
    else:
        text = (head + 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\n'
                "Hello, this is a test of the bounce corpus.\n" + extra + "--b1--\n")
    return text.encode("latin-1").replace(b"\n", b"\r\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", type=Path)
    args = parser.parse_args()
    server = DebugServer(hostname=f"mx.{HOST}", domains=(HOST,), peers="anyone")
    server.start()
    CONF.write_text(f"use strict;\n$myhostname = '{HOST}';\n$mydomain = '{HOST}';\n"
                    "$final_banned_destiny = D_BOUNCE;\n$final_bad_header_destiny = D_BOUNCE;\n"
                    # spam checks on (Debian leaves them off), local rules only (no DNS), and a DSN
                    # whatever the score (amavisd's $sa_dsn_cutoff_level would suppress GTUBE's)
                    "@bypass_spam_checks_maps = (\\%bypass_spam_checks, \\@bypass_spam_checks_acl, "
                    "\\$bypass_spam_checks_re);\n$final_spam_destiny = D_BOUNCE;\n"
                    "$sa_local_tests_only = 1;\n$sa_dsn_cutoff_level = 9999;\n"
                    f"$notify_method = 'smtp:[127.0.0.1]:{server.port}';\n"
                    f"$forward_method = 'smtp:[127.0.0.1]:{server.port}';\n"
                    "@local_domains_acl = ( '.test' );\n1;\n")
    daemon = subprocess.Popen(["/usr/sbin/amavisd", "foreground"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_for(10024)
        for case, (users, _, _) in CASES.items():
            with smtplib.SMTP("127.0.0.1", 10024, local_hostname=HOST) as client:
                client.sendmail(SENDER, [f"{user}@{case}.test" for user in users], message(case, users))
        until(lambda: sum(SENDER in m.rcpt_tos for m in server.messages) >= len(CASES), 30, 1)
    finally:
        daemon.terminate()
        daemon.wait()
        server.stop()
        CONF.unlink(missing_ok=True)
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "amavisd-new"],
                             capture_output=True, text=True).stdout
    # amavisd's notices to the postmaster are not bounces
    bounces = [stored.raw for stored in server.messages if SENDER in stored.rcpt_tos]
    save(args.stage / "amavis", "amavis", bounces, {case: {} for case in CASES}, "amavisd-new", version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
