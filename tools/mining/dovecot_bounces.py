"""Real Dovecot rejections for the bounce corpus (issue 19 item 6).

Run as root on Debian with dovecot-core and dovecot-sieve installed (``mta_bounces.sh`` installs,
runs and purges them: ``MTAS=dovecot:dovecot-core,dovecot-sieve``)::

    python tools/mining/dovecot_bounces.py STAGE

Dovecot's delivery agent (``dovecot-lda``, Debian's 2.3.19 with Pigeonhole 0.5.19) delivers one
message per case to a local user's Maildir, with a Sieve script or a quota that makes it refuse
the message; the rejection it then sends back to the sender (its ``sendmail_path``: a script that
keeps what it is given, nothing is sent) is saved unedited as ``STAGE/dovecot/<case>.dovecot.eml``
with ``PROVENANCE.json``.  Dovecot writes a Sieve ``reject`` (RFC 5429) as an RFC 3798 disposition
notification and a full mailbox (``quota_full_tempfail = no``) as an RFC 3464 report; a Sieve
``vacation`` reply (RFC 5230) is kept as a mail that is not a bounce.  Nothing leaves the machine.
"""
from __future__ import annotations

import argparse
import json
import pwd
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

USER = "corpusbob"
RECIPIENT = "bob@mx.example.org"
SENDER = "alice@example.org"
#: case -> (Sieve script, extra settings); the reasons of the reject scripts are a user's words
CASES: dict[str, tuple[str, str]] = {
    "sieve-reject": ('require "reject";\nreject "This address no longer accepts mail.";\n', ""),
    "sieve-reject-multiline": ('require "reject";\nreject text:\nI have left the company.\n'
                               "Please write to office@example.com instead.\n.\n;\n", ""),
    # a reason in the user's own language, sent as UTF-8
    "sieve-reject-utf8": ('require "reject";\nreject "Dieses Postfach wird nicht mehr gelesen.";\n', ""),
    # a mailbox over its quota, refused rather than deferred (quota plugin, storage limit 1 byte)
    "quota-full": ("keep;\n", "quota_full_tempfail = no\nplugin {\n  quota = maildir:User quota\n"
                              "  quota_rule = *:storage=1B\n}\n"),
    "sieve-vacation": ('require "vacation";\nvacation :days 1 :subject "Out of office" '
                       '"I am away until Monday.";\n', ""),
}
CONF = """base_dir = {home}/run
log_path = {home}/log
mail_location = maildir:{home}/Maildir
postmaster_address = postmaster@mx.example.org
hostname = mx.example.org
sendmail_path = {home}/capture.sh
mail_plugins = quota
protocol lda {{
  mail_plugins = $mail_plugins sieve
}}
plugin {{
  sieve = file:{home}/sieve;active={home}/active.sieve
}}
{extra}"""
CAPTURE = "#!/bin/sh\ncat > {home}/sent.eml\n"


def message(case: str) -> bytes:
    return (f"From: Alice <{SENDER}>\nTo: Bob <{RECIPIENT}>\nSubject: Corpus case {case}\n"
            f"Date: {format_datetime(datetime.now(UTC))}\nMessage-ID: <{case}.dovecot@example.org>\n"
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nHello Bob.\n").encode()


def run_case(case: str, home: Path) -> bytes | None:
    """Deliver the case's message as the local user; the mail Dovecot sent back, if any."""
    script, extra = CASES[case]
    shutil.rmtree(home / "Maildir", ignore_errors=True)
    (home / "Maildir").mkdir()
    (home / "sent.eml").unlink(missing_ok=True)
    (home / "active.sieve").write_text(script)
    (home / "dovecot.conf").write_text(CONF.format(home=home, extra=extra))
    subprocess.run(["chown", "-R", USER, str(home)], check=True)
    subprocess.run(["runuser", "-u", USER, "--", "env", f"HOME={home}", f"USER={USER}",
                    "/usr/lib/dovecot/dovecot-lda", "-c", str(home / "dovecot.conf"),
                    "-f", SENDER, "-a", RECIPIENT], input=message(case), check=False, timeout=60)
    sent = home / "sent.eml"
    return sent.read_bytes() if sent.exists() else None


def version() -> str:
    return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "dovecot-core"],
                          capture_output=True, text=True, check=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", type=Path)
    args = parser.parse_args()
    out = args.stage / "dovecot"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["useradd", "-M", "-d", "/nonexistent", USER], check=True)
    home = Path(tempfile.mkdtemp(prefix="dovecot-corpus-"))
    home.chmod(0o755)
    try:
        (home / "capture.sh").write_text(CAPTURE.format(home=home))
        (home / "capture.sh").chmod(0o755)
        rows = []
        for case in CASES:
            sent = run_case(case, home)
            if sent is None:
                print(f"{case}: nothing sent")
                continue
            name = f"{case}.dovecot.eml"
            (out / name).write_bytes(sent)
            rows.append({"file": name, "case": case, "mta": "dovecot-core, dovecot-sieve",
                         "version": version(), "date": datetime.now(UTC).date().isoformat()})
            print(f"{case}: {name}")
        (out / "PROVENANCE.json").write_text(json.dumps(rows, indent=1) + "\n")
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if any(p.pw_name == USER for p in pwd.getpwall()):
            subprocess.run(["userdel", USER], check=False)


if __name__ == "__main__":
    main()
