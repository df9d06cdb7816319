"""Real bounces for the bounce corpus, written now by Debian's MTAs (issue 19 item 1).

Run as root on Debian with ONE MTA installed (``mta_bounces.sh`` installs, runs and purges
each in turn, as ``tools/fixtures/make_bounces.sh`` does for the unit fixtures)::

    python tools/mining/mta_bounces.py postfix STAGE   # or exim, opensmtpd, sendmail, sendmail-plain,
                                                       # sendmail-plain-warn, courier, dma

Unlike the unit fixtures (one debug-server *scenario* per case, a 4xx returned at once), each
case here is one chosen reply (a :class:`smtplesson.server.rules.Rule` at the command that
draws it, worded as receivers word them, some with a basic code only), and the MTAs keep
deferred mail for seconds of queue lifetime, retry it, warn, and then write the expiry notice
with the last reply they got; one case routes to a closed port (connection refused until
expiry).  The local user ``alice`` sends one message per case with the MTA's ``sendmail``;
every mail the MTA writes back is saved unedited as ``STAGE/<mta>/<case>.<n>.eml`` and
listed with the package, version and date in ``STAGE/<mta>/PROVENANCE.json``.
``tools/mining/bounce_corpus.py`` then splits them into the corpus by case (the same reply
through five MTAs is one source: never in both splits).  Nothing leaves the machine: every
route is 127.0.0.1, the host name is in /etc/hosts, no DNS is asked.
"""
from __future__ import annotations

import argparse
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import make_bounces as mb  # the MTAs' set-up, shared with the unit fixtures
import postfix_conf

from smtplesson import DebugServer
from smtplesson.server.rules import Rule

#: case -> (the command it answers, the reply, recipients); the replies are worded as real
#: receivers word them (their texts are common public wording, none copied from a bounce)
CASES: dict[str, tuple[str, str | list[str], list[str]]] = {
    "account-missing": ("RCPT", ["550-5.1.1 The email account that you tried to reach does not exist.",
                                 "550 5.1.1 Please check the address for typos."], ["nobody"]),
    "no-such-user-basic": ("RCPT", "550 No such user here", ["ghost"]),
    "mailbox-unavailable-basic": ("RCPT", "550 Requested action not taken: mailbox unavailable", ["gone"]),
    "over-quota-hard": ("RCPT", "552 5.2.2 Mailbox size limit exceeded", ["bob"]),
    "over-quota-soft": ("RCPT", "452 4.2.2 Mailbox full, try again later", ["bob"]),
    "ip-blocklisted": ("RCPT", "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using "
                               "zen.spamhaus.org", ["bob"]),
    "relay-denied": ("RCPT", "550 5.7.1 Relaying denied", ["bob"]),
    "access-denied": ("RCPT", "550 5.4.1 Recipient address rejected: Access denied", ["bob"]),
    "greylisted": ("RCPT", "451 4.7.1 Greylisting in action, please come back later", ["bob"]),
    "sender-domain-unknown": ("MAIL", "450 4.1.8 <alice@mta.example.org>: Sender address rejected: "
                                      "Domain not found", ["bob"]),
    "too-many-connections": ("CONNECT", "421 4.7.0 Too many connections from your IP, try again later",
                             ["bob"]),
    "service-unavailable-basic": ("CONNECT", "421 Service not available, closing transmission channel",
                                  ["bob"]),
    "dmarc-rejected": ("END-OF-DATA", "550 5.7.26 Unauthenticated email is not accepted due to the "
                                      "sender domain's DMARC policy", ["bob"]),
    "content-rejected": ("END-OF-DATA", "554 5.6.0 Message rejected: invalid header", ["bob"]),
    "local-error-basic": ("END-OF-DATA", "451 Requested action aborted: local error in processing",
                          ["bob"]),
    "connection-refused": ("", "", ["bob"]),
    # second round: more commands, multi-line and two-recipient replies, a 5xx greeting
    "two-recipients": ("RCPT", "550 5.1.1 Recipient address rejected: User unknown", ["nobody", "ghost"]),
    "not-accepting-mail": ("CONNECT", "554 5.3.2 Service unavailable: this server does not accept mail",
                           ["bob"]),
    "spf-fail": ("MAIL", "550 5.7.23 The message was rejected because of Sender Policy Framework violation",
                 ["bob"]),
    "too-many-recipients": ("RCPT", "452 4.5.3 Too many recipients", ["bob"]),
    "size-at-data": ("END-OF-DATA", "552 5.3.4 Message size exceeds fixed maximum message size", ["bob"]),
    "spam-multiline": ("END-OF-DATA", ["550-5.7.1 Our system has detected that this message is likely",
                                       "550-5.7.1 unsolicited mail. To reduce the amount of spam sent,",
                                       "550 5.7.1 this message has been blocked."], ["bob"]),
    "mailbox-disabled": ("RCPT", "550 5.2.1 The email account that you tried to reach is disabled", ["bob"]),
    "rate-limit-data": ("DATA", "451 4.7.1 Rate limit exceeded, try again later", ["bob"]),
    "dns-lookup": ("RCPT", "450 4.1.2 <bob@dns-lookup.test>: Recipient address rejected: Domain not found",
                   ["bob"]),
    "storage-basic": ("RCPT", "452 Requested action not taken: insufficient system storage", ["bob"]),
}
HOST = mb.HOST
SENDER = mb.SENDER
#: seconds a deferred message is kept before its expiry notice; a warning after WARN seconds
LIFETIME, WARN = 15, 5


def domain_of(case: str) -> str:
    return f"{case}.test"


def case_server(case: str, point: str, reply: str | list[str]) -> DebugServer:
    """The started receiver of one case: it answers ``point`` with ``reply`` for the case's
    domain, and lets in any local peer (the MTAs' SMTP clients run as their own users,
    "postfix", "Debian-exim" ...)."""
    server = DebugServer(rules=[Rule(point, reply)], hostname=f"mx.{domain_of(case)}",
                         domains=(domain_of(case),), peers="anyone")
    server.start()
    return server


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed): connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the MTAs, with a queue lifetime of LIFETIME seconds instead of none ---------------------
def postfix(routes: dict[str, int]) -> dict:
    postfix_conf.configure(HOST, routes, tail=(
        f"maximal_queue_lifetime = {LIFETIME}s\nbounce_queue_lifetime = {LIFETIME}s\n"
        "queue_run_delay = 2s\nminimal_backoff_time = 2s\nmaximal_backoff_time = 4s\n"
        f"delay_warning_time = {WARN}s\n"))
    subprocess.run(["postfix", "stop"], capture_output=True)
    subprocess.run(["postfix", "start"], check=True, capture_output=True)
    return {"package": "postfix", "version": mb.version("postfix"), "sendmail": "/usr/sbin/sendmail",
            "mbox": "/var/mail/alice"}


def exim(routes: dict[str, int]) -> dict:
    # retry every 3 s for LIFETIME s, then the expiry ("retry timeout exceeded"); warn after WARN s
    mb.EXIM_CONF = mb.EXIM_CONF.replace("begin retry\n", f"begin retry\n* * F,{LIFETIME}s,3s\n").replace(
        "never_users =\n", f"never_users =\ndelay_warning = {WARN}s\n")
    info = mb.exim(routes)
    return {**info, "tick": lambda: subprocess.run(["exim", "-q"], capture_output=True)}


def opensmtpd(routes: dict[str, int]) -> dict:
    info = mb.opensmtpd(routes)
    conf = Path("/etc/smtpd.conf")
    mb.opensmtpd_stop()
    conf.write_text(f"queue ttl {LIFETIME}s\n" + conf.read_text())
    subprocess.run(["smtpd", "-n"], check=True, capture_output=True)
    mb._SMTPD.append(subprocess.Popen(["smtpd", "-d"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for _ in range(50):
        if subprocess.run(["smtpctl", "show", "status"], capture_output=True).returncode == 0:
            break
        time.sleep(0.2)
    return info


def sendmail(routes: dict[str, int]) -> dict:
    info = mb.sendmail(routes)  # queue lifetime 2 s: the expiry comes with the next queue run
    return {**info, "later": None, "tick": lambda: subprocess.run(["/usr/sbin/sendmail", "-q"],
                                                                   capture_output=True)}


def sendmail_plain(routes: dict[str, int]) -> dict:
    """Sendmail as above with ``SendMimeErrors`` off (sendmail(8) option; m4 confMIME_FORMAT_ERRORS):
    its error messages in plain text, without the MIME delivery-status report, as Sendmail 5 and
    sites that turned the option off write them."""
    info = sendmail(routes)
    cf = Path("/etc/mail/sendmail.cf")
    text = cf.read_text()
    plain = re.sub(r"^O SendMimeErrors=\w+$", "O SendMimeErrors=False", text, flags=re.M)
    cf.write_text(plain if plain != text else text + "O SendMimeErrors=False\n")
    return info


def courier(routes: dict[str, int]) -> dict:
    return {**mb.courier(routes), "later": None}  # queuetime 20 s, warntime 5 s


#: the MTA tags whose messages are sent "Priority: urgent": Sendmail warns of an urgent message it
#: could not send after 1 s and returns it only after 5 days (make_bounces.SENDMAIL_MC), so its
#: delay warnings come alone (run with the 4xx cases only)
URGENT = ("sendmail-plain-warn",)


DMA_CONF = Path("/etc/dma/dma.conf")


def dma(routes: dict[str, int]) -> dict:
    """The DragonFly Mail Agent: one smarthost for all mail, so each case is sent with its own
    server's port in dma.conf (read when dma starts; it delivers in a child of that process).
    dma keeps a 4xx-deferred message for days (MAX_TIMEOUT, dma.h): only refusals bounce here;
    mail for its MAILNAME (the sender's domain) is delivered to /var/mail."""
    def route(port: int) -> None:
        DMA_CONF.write_text(f"SMARTHOST 127.0.0.1\nPORT {port}\nMAILNAME {HOST}\n")
    return {"package": "dma", "version": mb.version("dma"), "sendmail": "/usr/sbin/sendmail",
            "mbox": "/var/mail/alice", "route": route}


def dma_stop() -> None:
    """End the delivery children still retrying deferred mail (ours: dma runs only here) and
    empty dma's spool."""
    found = [pid for name in ("dma", "sendmail")  # dma runs as the "sendmail" it is linked as
             for pid in subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split()]
    for pid in found:
        subprocess.run(["kill", pid], capture_output=True)
    for queued in Path("/var/spool/dma").glob("*"):
        queued.unlink(missing_ok=True)


MTAS = {"postfix": (postfix, mb.postfix_stop), "exim": (exim, mb.exim_stop),
        "opensmtpd": (opensmtpd, mb.opensmtpd_stop), "sendmail": (sendmail, mb.sendmail_stop),
        "sendmail-plain": (sendmail_plain, mb.sendmail_stop),
        "sendmail-plain-warn": (sendmail_plain, mb.sendmail_stop),
        "courier": (courier, mb.courier_stop), "dma": (dma, dma_stop)}


def message(case: str, mta: str, recipients: list[str]) -> bytes:
    priority = "Priority: urgent\n" if mta in URGENT else ""
    head = (f"From: Alice <{SENDER}>\nTo: {', '.join(recipients)}\nSubject: Corpus case {case}\n{priority}"
            f"Date: {mb.format_datetime(datetime.now(UTC))}\nMessage-ID: <{case}.{mta}@{HOST}>\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n")
    return (head + "Hello, this is a test of the bounce corpus.\n").encode()


def wait_for(port: int, seconds: int = 60) -> None:
    """Until something listens on 127.0.0.1:``port`` (a daemon just started), ``seconds`` at most."""
    for _ in range(seconds):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(1)


def until(done: Callable[[], bool], seconds: float, step: float = 3) -> None:
    """Ask ``done`` every ``step`` seconds for at most ``seconds``, then give late mail 2 s more."""
    began = time.monotonic()
    while time.monotonic() - began < seconds and not done():
        time.sleep(step)
    time.sleep(2)


def described(cases: dict[str, tuple[str, str | list[str], list[str]]]) -> dict[str, dict[str, str]]:
    """What PROVENANCE.json says of each case: the command answered and the reply."""
    return {case: {"point": point or "connect (refused)", "reply": reply if isinstance(reply, str)
                   else "\n".join(reply)} for case, (point, reply, _) in cases.items()}


def save(out: Path, tag: str, mails: list[bytes], cases: dict[str, dict[str, str]], package: str,
         version: str, listing: str = "PROVENANCE.json") -> None:
    """Each mail that returns a case's message (``<case>.<tag>@`` in its Message-ID) saved unedited as
    ``OUT/<case>.<tag>-<n>.eml``, and all of them listed in ``OUT/<listing>``."""
    out.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, str]] = []
    for raw in mails:
        case = next((c for c in cases if f"<{c}.{tag}@".encode() in raw), None)
        if case is None:
            print(f"unmatched mail ({len(raw)} bytes) skipped", file=sys.stderr)
            continue
        n = sum(r["case"] == case for r in records) + 1
        name = f"{case}.{tag}-{n}.eml"
        (out / name).write_bytes(raw)
        records.append({"file": name, "case": case, **cases[case], "mta": package, "version": version,
                        "date": datetime.now(UTC).strftime("%Y-%m-%d")})
    (out / listing).write_text(json.dumps(records, indent=1) + "\n")
    missing = sorted(set(cases) - {r["case"] for r in records})
    print(f"{package} {version}: {len(records)} mails in {out}"
          + (f"; none for {', '.join(missing)}" if missing else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mta", choices=sorted(MTAS))
    parser.add_argument("stage", type=Path)
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait at most")
    parser.add_argument("--cases", default="", help="only these cases (comma-separated): Sendmail takes "
                        "at most 25 mailers, one per case")
    args = parser.parse_args()
    cases = {c: CASES[c] for c in args.cases.split(",") if c} if args.cases else CASES
    subprocess.run(["useradd", "-m", "alice"], capture_output=True)
    Path("/var/mail/alice").unlink(missing_ok=True)
    mb.shutil.rmtree("/home/alice/Maildir", ignore_errors=True)
    servers: dict[str, DebugServer] = {}
    routes: dict[str, int] = {}
    for case, (point, reply, _) in cases.items():
        if not point:
            routes[domain_of(case)] = closed_port()
            continue
        server = servers[case] = case_server(case, point, reply)
        routes[domain_of(case)] = server.port
    start, stop = MTAS[args.mta]
    began = time.monotonic()
    try:
        info = start(routes)
        for case, (_, _, users) in cases.items():
            recipients = [f"{user}@{domain_of(case)}" for user in users]
            if info.get("route"):  # one smarthost for all mail (dma): this case's server
                info["route"](routes[domain_of(case)])
            subprocess.run([info["sendmail"], *info.get("args", []), "-f", SENDER, "--", *recipients],
                           input=message(case, args.mta, recipients), check=False)
            if info.get("route"):
                time.sleep(0.5)  # dma has read its configuration before the next case rewrites it
        settle = LIFETIME + 25
        while time.monotonic() - began < args.wait:
            time.sleep(3)
            if info.get("tick"):
                info["tick"]()
            got = mb.mails(info)
            answered = {c for c in cases if any(f"<{c}.{args.mta}@".encode() in m for m in got)}
            if time.monotonic() - began > settle and answered == set(cases):
                break
        time.sleep(3)
        got = mb.mails(info)
    finally:
        stop()
        for server in servers.values():
            server.stop()
    save(args.stage / args.mta, args.mta, got, described(cases), info["package"], info["version"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
