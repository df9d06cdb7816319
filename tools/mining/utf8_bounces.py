"""Real bounces of internationalised mail (SMTPUTF8, RFC 6531) for the bounce corpus.

Run as root on Debian with ONE MTA installed (``mta_bounces.sh`` installs, runs and purges it:
``MTAS=utf8:postfix``, ``MTAS=utf8-exim:exim4-daemon-light``, ``MTAS=utf8-courier:courier-mta``)::

    python tools/mining/utf8_bounces.py STAGE             # Postfix
    python tools/mining/utf8_bounces.py STAGE --mta exim  # any MTA of mta_bounces.MTAS

The local user ``alice`` sends one message per case with the MTA's ``sendmail`` to a recipient
whose local part is not ASCII (Postfix asks for SMTPUTF8 by itself: ``smtputf8_autodetect_classes``);
the MTA relays it on loopback to a ``DebugServer`` that refuses it with the case's reply, and the
bounce it writes back (Postfix: an RFC 6533 report, ``message/global-delivery-status`` with ``utf-8``
address types) is saved unedited as ``STAGE/utf8/<case>.<tag>-<n>.eml`` (tag ``utf8``, or
``utf8-<mta>`` for another MTA) with ``PROVENANCE.json``.  Nothing leaves the machine.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import make_bounces as mb
from mta_bounces import MTAS, case_server, described, domain_of, save

from smtplesson import DebugServer

#: case -> (the command it answers, the reply, recipients)
CASES: dict[str, tuple[str, str | list[str], list[str]]] = {
    "utf8-user-unknown": ("RCPT", "550 5.1.1 Recipient address rejected: User unknown", ["søren"]),
    "utf8-mailbox-full": ("RCPT", "552 5.2.2 Mailbox full", ["josé"]),
    "utf8-content-rejected": ("END-OF-DATA", "554 5.7.1 Message rejected as spam", ["zoë"]),
}


def message(case: str, tag: str, recipients: list[str]) -> bytes:
    return (f"From: Alice <{mb.SENDER}>\nTo: {', '.join(recipients)}\nSubject: Corpus case {case}\n"
            f"Date: {mb.format_datetime(datetime.now(UTC))}\nMessage-ID: <{case}.{tag}@{mb.HOST}>\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\nGrüße aus dem Test.\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", type=Path)
    parser.add_argument("--mta", default="postfix", choices=sorted(MTAS))
    parser.add_argument("--wait", type=float, default=60.0)
    args = parser.parse_args()
    tag = "utf8" if args.mta == "postfix" else f"utf8-{args.mta}"
    subprocess.run(["useradd", "-m", "alice"], capture_output=True)
    Path("/var/mail/alice").unlink(missing_ok=True)
    servers: list[DebugServer] = []
    routes: dict[str, int] = {}
    for case, (point, reply, _) in CASES.items():
        servers.append(case_server(case, point, reply))
        routes[domain_of(case)] = servers[-1].port
    began = time.monotonic()
    start, stop = (mb.postfix, mb.postfix_stop) if args.mta == "postfix" else MTAS[args.mta]
    try:
        info = start(routes)  # Postfix: queue lifetime 0, a refusal comes back at once
        for case, (_, _, users) in CASES.items():
            recipients = [f"{user}@{case}.test" for user in users]
            subprocess.run([info["sendmail"], "-f", mb.SENDER, "--", *recipients],
                           input=message(case, tag, recipients), check=False)
        got: list[bytes] = []
        while time.monotonic() - began < args.wait:
            time.sleep(3)
            if info.get("tick"):
                info["tick"]()
            got = mb.mails(info)
            if all(any(f"<{c}.{tag}@".encode() in m for m in got) for c in CASES):
                break
        time.sleep(2)
        got = mb.mails(info)
    finally:
        stop()
        for server in servers:
            server.stop()
    save(args.stage / "utf8", tag, got, described(CASES), info["package"], info["version"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
