"""Real bounces written by Postfix from localised bounce templates (bounce(5)), for the bounce corpus.

Run as root on Debian with Postfix installed (``mta_bounces.sh`` installs, runs and purges it:
``MTAS=l10n:postfix``)::

    python tools/mining/l10n_bounces.py STAGE

Each template of ``TEMPLATES`` (a public ``bounce_template_file`` found in a public repository,
kept unedited in ``l10n_templates/`` with its source in ``l10n_templates/SOURCES.md``) is written
to ``/etc/postfix/bounce.cf`` in the charset its ``Charset:`` line names, and Postfix is restarted
with ``bounce_template_file`` pointing at it.  The local user ``alice`` then sends one message per
case of ``CASES``; Postfix relays it on loopback to a ``DebugServer`` that answers with the
case's reply, and the bounce, delay warning and expiry notice Postfix writes from the template
(queue lifetime 15 s, a warning after 5 s) are saved unedited as
``STAGE/l10n/<template file>/<case>.<tag>-<n>.eml`` with ``PROVENANCE-<tag>.json`` (one template
file is one source for the corpus split, in whichever charset it was written).

``--downgrade``: the sender is ``alice@sender.test``, a domain whose server refuses EHLO (so
Postfix falls back to HELO, and without 8BITMIME its SMTP client converts the 8-bit bounce to
quoted-printable, as it does for any such receiver: postconf(5) ``disable_mime_output_conversion``);
the bounces are taken as that server received them, tagged ``<tag>-7bit``.  Nothing leaves the
machine.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import make_bounces as mb
import postfix_conf
from mta_bounces import LIFETIME, WARN, case_server, described, domain_of, save

from smtplesson import DebugServer
from smtplesson.server.rules import Rule

HERE = Path(__file__).resolve().parent / "l10n_templates"

#: tag -> (template file, the charset it is written in): ``ru-yandex-koi8r`` is the same template
#: as ``ru-yandex`` with ``Charset: koi8-r`` and its text in KOI8-R, as bounce(5) lets a site write it
TEMPLATES: dict[str, tuple[str, str]] = {
    "ru-yandex": ("ru-yandex.cf", "utf-8"),
    "ru-yandex-koi8r": ("ru-yandex.cf", "koi8-r"),
    "nl-nixos-mailserver": ("nl-nixos-mailserver.cf", "utf-8"),
    "es-setup-script": ("es-setup-script.cf", "utf-8"),
}

#: case -> (the command it answers, the reply, recipients)
CASES: dict[str, tuple[str, str | list[str], list[str]]] = {
    "l10n-user-unknown": ("RCPT", "550 5.1.1 <nobody@l10n-user-unknown.test>: Recipient address rejected: "
                                  "User unknown in virtual mailbox table", ["nobody"]),
    "l10n-mailbox-full": ("RCPT", "552 5.2.2 Mailbox full", ["bob"]),
    "l10n-greylisted": ("RCPT", "451 4.7.1 Greylisting in action, please come back later", ["bob"]),
    "l10n-policy": ("END-OF-DATA", "554 5.7.1 Message refused by local policy", ["bob"]),
}

#: ``--foreign``: the cases instead answered by real non-English replies of receivers, each a line of
#: the tuning reply corpus (tests/corpus/tuning/), which names its source: NetEase's content refusal
#: (github.com/jumpserver/jumpserver/issues/644), Microsoft's 5.7.501 in its Russian help
#: (MicrosoftDocs/OfficeDocs-AlchemyInsights-pr.ru-RU), Gmail's 4.3.0 and 4.4.5 in Google's Chinese and
#: German help pages (knowledge.workspace.google.com, hl=zh-cn; support.google.com/a/answer/3726730, hl=de)
FOREIGN: dict[str, tuple[str, str | list[str], list[str]]] = {
    "l10n-zh-content": ("END-OF-DATA", "554 DT:SPM 发送的邮件内容包含了未被许可的信息，"
                                       "或被系统识别为垃圾邮件。请检查是否有用户发送病毒或者垃圾邮件",
                        ["bob"]),
    "l10n-ru-spam": ("RCPT", "550 5.7.501 Доступ отклонен, обнаружено злоупотребление спамом", ["bob"]),
    "l10n-zh-deferred": ("RCPT", "451 4.3.0 电子邮件服务器暂时拒绝了此邮件。", ["bob"]),
    "l10n-de-busy": ("MAIL", "421 4.4.5 Server ist ausgelastet. Bitte versuchen Sie es später noch einmal.",
                     ["bob"]),
}


def template_text(name: str, charset: str) -> bytes:
    """The template as Postfix reads it: in ``charset``, its ``Charset:`` lines saying so."""
    text = (HERE / name).read_text("utf-8")
    if charset != "utf-8":
        text = re.sub(r"(?im)^Charset: *utf-8$", f"Charset: {charset}", text)
    return text.encode(charset)


def message(case: str, tag: str, recipients: list[str], sender: str) -> bytes:
    return (f"From: Alice <{sender}>\nTo: {', '.join(recipients)}\nSubject: Corpus case {case}\n"
            f"Date: {mb.format_datetime(datetime.now(UTC))}\nMessage-ID: <{case}.{tag}@{mb.HOST}>\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n"
            "Hello, this is a test of the bounce corpus.\n").encode()


def returned(inbox: DebugServer | None, tag: str) -> list[bytes]:
    """The mails Postfix returned for template ``tag``: in alice's mailbox, or as ``inbox`` (the
    sender's server with ``--downgrade``, which keeps those of the templates before too) received them."""
    if inbox is None:
        return mb.mails({"mbox": "/var/mail/alice"})
    return [m.raw for m in inbox.messages if f".{tag}@".encode() in m.raw]


def start(routes: dict[str, int], bounce_cf: Path) -> None:
    postfix_conf.configure(mb.HOST, routes, tail=(
        f"maximal_queue_lifetime = {LIFETIME}s\nbounce_queue_lifetime = {LIFETIME}s\n"
        "queue_run_delay = 2s\nminimal_backoff_time = 2s\nmaximal_backoff_time = 4s\n"
        f"delay_warning_time = {WARN}s\nbounce_template_file = {bounce_cf}\n"))
    subprocess.run(["postfix", "stop"], capture_output=True)
    subprocess.run(["postfix", "start"], check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", type=Path)
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait per template at most")
    parser.add_argument("--templates", default="", help="only these templates (comma-separated)")
    parser.add_argument("--downgrade", action="store_true", help="return the bounces to a server "
                        "without EHLO (and so without 8BITMIME)")
    parser.add_argument("--foreign", action="store_true", help="the cases of FOREIGN (tag <tag>-fx)")
    args = parser.parse_args()
    sender, suffix = ("alice@sender.test", "-7bit") if args.downgrade else (mb.SENDER, "")
    cases, suffix = (FOREIGN, suffix + "-fx") if args.foreign else (CASES, suffix)
    deferred = next(c for c, (_, reply, _) in cases.items() if str(reply).startswith("4"))
    chosen = [t for t in args.templates.split(",") if t] or list(TEMPLATES)
    subprocess.run(["useradd", "-m", "alice"], capture_output=True)
    Path("/var/mail/alice").unlink(missing_ok=True)
    servers: list[DebugServer] = []
    routes: dict[str, int] = {}
    for case, (point, reply, _) in cases.items():
        servers.append(case_server(case, point, reply))
        routes[domain_of(case)] = servers[-1].port
    inbox = DebugServer(rules=[Rule("EHLO", "502 5.5.2 Error: command not recognized")],
                        hostname="mx.sender.test", domains=("sender.test",), peers="anyone")
    if args.downgrade:
        inbox.start()
        servers.append(inbox)
        routes["sender.test"] = inbox.port
    bounce_cf = Path("/etc/postfix/bounce.cf")
    out = args.stage / "l10n"
    try:
        for chosen_tag in chosen:
            name, charset = TEMPLATES[chosen_tag]
            tag = chosen_tag + suffix
            bounce_cf.write_bytes(template_text(name, charset))
            Path("/var/mail/alice").unlink(missing_ok=True)
            start(routes, bounce_cf)
            began = time.monotonic()
            for case, (_, _, users) in cases.items():
                recipients = [f"{user}@{case}.test" for user in users]
                subprocess.run(["/usr/sbin/sendmail", "-f", sender, "--", *recipients],
                               input=message(case, tag, recipients, sender), check=False)
            while time.monotonic() - began < args.wait:
                time.sleep(3)
                expired = any(f"<{deferred}.{tag}@".encode() in m and b"Action: failed" in m
                              for m in returned(inbox if args.downgrade else None, tag))
                if time.monotonic() - began > LIFETIME and expired:
                    break
            time.sleep(2)
            mb.postfix_stop()
            save(out / Path(name).stem, tag, returned(inbox if args.downgrade else None, tag),
                 described(cases), "postfix", mb.version("postfix"), listing=f"PROVENANCE-{tag}.json")
    finally:
        mb.postfix_stop()
        bounce_cf.unlink(missing_ok=True)
        for server in servers:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
