"""Real nullmailer bounces for the bounce corpus (issue 19 item 6).

Run as root on Debian with nullmailer installed (``mta_bounces.sh`` installs, runs and purges it)::

    python tools/mining/nullmailer_bounces.py STAGE

nullmailer relays everything to its remotes; here its one remote is a ``DebugServer`` on
127.0.0.1 that answers each case of ``mta_bounces.CASES`` for that case's domain only (a
:class:`~smtplesson.server.rules.Rule` with ``to="@<case>.test"``: the cases answered at RCPT,
DATA and after the message; a refusal at the greeting or at MAIL would refuse the bounce too).
With a queue lifetime of seconds, ``nullmailer-send`` moves a refused or expired message to its
failed queue and sends the bounce ``nullmailer-dsn`` writes back to the sender through that same
remote, which accepts it; each is saved unedited as ``STAGE/nullmailer/<case>.nullmailer-<n>.eml``
with ``PROVENANCE.json``.  Nothing leaves the machine.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mta_bounces as mtab

from smtplesson import DebugServer
from smtplesson.server.rules import Rule

HOST = mtab.HOST
SENDER = mtab.SENDER
ETC = Path("/etc/nullmailer")
#: the points a rule can answer for one recipient's domain alone
POINTS = ("RCPT", "DATA", "END-OF-DATA")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", type=Path)
    parser.add_argument("--wait", type=float, default=90.0)
    args = parser.parse_args()
    cases = {case: spec for case, spec in mtab.CASES.items() if spec[0] in POINTS}
    rules = [Rule(point, reply, to=f"@{mtab.domain_of(case)}") for case, (point, reply, _) in cases.items()]
    server = DebugServer(rules=rules, hostname="mx.relay.test", peers="anyone",
                         domains=(HOST, *(mtab.domain_of(case) for case in cases)))
    server.start()
    # Debian's nullmailer names itself by /etc/mailname ("me" is disregarded): put back afterwards
    mailname = Path("/etc/mailname")
    kept = mailname.read_bytes() if mailname.exists() else None
    mailname.write_text(HOST + "\n")
    settings = {"remotes": f"127.0.0.1 smtp --port={server.port}", "defaultdomain": HOST,
                "queuelifetime": str(mtab.LIFETIME), "pausetime": "2", "maxpause": "4"}
    for name, value in settings.items():
        (ETC / name).write_text(value + "\n")
    daemon = subprocess.Popen(["runuser", "-u", "mail", "--", "/usr/sbin/nullmailer-send"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for case, (_, _, users) in cases.items():
            recipients = [f"{user}@{mtab.domain_of(case)}" for user in users]
            subprocess.run(["/usr/sbin/sendmail", "-f", SENDER, "--", *recipients],
                           input=mtab.message(case, "nullmailer", recipients), check=False)
        mtab.until(lambda: all(any(f"<{c}.nullmailer@".encode() in m.raw for m in server.messages
                                   if SENDER in m.rcpt_tos) for c in cases), args.wait)
    finally:
        daemon.terminate()
        daemon.wait()
        server.stop()
        if kept is None:
            mailname.unlink(missing_ok=True)
        else:
            mailname.write_bytes(kept)
        for queued in Path("/var/spool/nullmailer/failed").glob("*"):
            queued.unlink()
        for name in settings:  # the files written here (the package's own are put back by its purge)
            if name not in ("remotes", "defaultdomain"):
                (ETC / name).unlink(missing_ok=True)
    version = mtab.mb.version("nullmailer")
    # the test messages the server accepted are not bounces
    returned = [stored.raw for stored in server.messages if SENDER in stored.rcpt_tos]
    mtab.save(args.stage / "nullmailer", "nullmailer", returned, mtab.described(cases), "nullmailer", version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
