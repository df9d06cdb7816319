"""The lab bench of the lessons: debug servers on one simulated clock, smtplib sends, the course's
bounce files, and the troubleshooting lab's mystery servers.

Lessons use them from here::

    from smtplesson.course import lab

    servers = lab.Servers()       # the clean-up cell stops them all: servers.stop()
    transcript = lab.send(servers.start("greylisting"), ["bob@example.net"])
"""
from __future__ import annotations

import email
import email.policy
import os
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ..clock import SimClock
from ..relay.dmarc import aligned
from ..server.debug import DebugServer
from ..server.rules import Rule
from ..server.transcript import Transcript
from ..views import diagrams
from ..views.transcript import transcript_html

#: the message every lesson sends unless it needs another one
MESSAGE = ("From: Alice <alice@example.com>\r\nTo: bob@example.net\r\n"
           "Subject: Order confirmation\r\n\r\nThank you for your order!\r\n")
SENDER = "alice@example.com"
#: what the client says in EHLO (a name, so smtplib never asks the resolver for this machine's)
CLIENT = "client.example.org"


class Servers:
    """The debug servers one notebook starts, all reading time from one simulated `clock`."""

    def __init__(self, hostname: str = "mx.example.net") -> None:
        self.hostname = hostname
        self.clock = SimClock()  # a five-minute wait passes in no time
        self._servers: list[DebugServer] = []

    def start(self, scenario: Any = None, **options: Any) -> DebugServer:
        """Start a debug server (127.0.0.1, ephemeral port) and remember it for `stop()`."""
        options.setdefault("hostname", self.hostname)
        server = DebugServer(scenario, clock=self.clock, **options)
        return self.keep(server.start())

    def keep(self, server: DebugServer) -> DebugServer:
        """Remember a server started elsewhere (from elsewhere), so `stop()` stops it."""
        self._servers.append(server)
        return server

    def stop(self) -> None:
        """Stop every server started or kept here; running it twice is harmless."""
        for server in self._servers:
            server.stop()

    def __iter__(self) -> Iterator[DebugServer]:
        return iter(list(self._servers))

    def __len__(self) -> int:
        return len(self._servers)


def send(server: DebugServer, recipients: list[str], message: str = MESSAGE, sender: str = SENDER,
         **options: Any) -> Transcript | None:
    """One smtplib session: send, print what smtplib reported, return the server's transcript."""
    try:
        with smtplib.SMTP(server.host, server.port, local_hostname=CLIENT, timeout=5) as client:
            refused = client.sendmail(sender, recipients, message, **options)
        print("sendmail() returned", refused or "{} (every recipient accepted)")
    except (smtplib.SMTPException, OSError) as exc:
        print(f"smtplib raised {type(exc).__name__}: {exc}")
    server.wait_idle()
    return server.transcript


def attempt(server: DebugServer, recipients: list[str], message: str = MESSAGE) -> Transcript | None:
    """Send one message; print what sendmail() returned, or which exception it raised and its fields."""
    try:
        with smtplib.SMTP(server.host, server.port, local_hostname=CLIENT, timeout=5) as client:
            print("sendmail() returned", client.sendmail(SENDER, recipients, message))
    except smtplib.SMTPException as exc:
        fields = {name: getattr(exc, name) for name in ("smtp_code", "smtp_error", "sender", "recipients")
                  if hasattr(exc, name)}
        print(f"raised {type(exc).__name__}", fields or exc.args)
    server.wait_idle()
    return server.transcript


def exchange(transcript: Transcript, code: int) -> None:
    """Print only the exchange that ended in ``code``: the client's command, the whole reply."""
    for sent, reply in transcript.exchanges:
        if reply and reply[-1].code == code:
            for line in sent:
                if line.kind in ("command", "auth"):
                    print(" ->", line.text)
            for line in reply:
                print("<- ", line.text)
            return
    print(f"(no {code} reply in this conversation)")


def alignment(from_domain: str, spf_domain: str, dkim_domain: str | None, spf_pass: bool,
              dkim_pass: bool, dns: Any = None) -> diagrams.Figure:
    """The DMARC alignment picture, aligned as the network's DMARC check aligns (relaxed,
    RFC 9989's DNS tree walk over ``dns``, a network's stub zone; without one, each domain is
    its own Organizational Domain)."""
    txt = dns.txt if dns is not None else (lambda name: [])

    def same(domain: str | None) -> bool:
        return bool(domain) and aligned(domain or "", from_domain, "r", txt)

    return diagrams.alignment(from_domain, (spf_domain, spf_pass, same(spf_domain)),
                              (dkim_domain, dkim_pass, same(dkim_domain)))


# --------------------------------------------------------------------------- bounce files

#: the course's bounce files live beside the notebooks (notebooks/data/bounces/); found from the
#: package's own place, so a helper works whatever the working directory is
_REPO_BOUNCES = Path(__file__).resolve().parents[2] / "notebooks" / "data" / "bounces"
#: the troubleshooting lab's own mails, package data beside this module
_LAB_MAIL = Path(__file__).resolve().parent / "data" / "lab"


def bounces_dir() -> Path:
    """Where the course's bounces are: $SMTPLESSON_BOUNCES, else the checkout's
    notebooks/data/bounces; only an installed copy without the notebooks (JupyterLite) falls
    back to data/bounces beside the notebook."""
    override = os.environ.get("SMTPLESSON_BOUNCES")
    if override:
        return Path(override)
    if _REPO_BOUNCES.is_dir():
        return _REPO_BOUNCES
    for candidate in (Path("data/bounces"), Path("../data/bounces")):
        if candidate.is_dir():
            return candidate.resolve()
    raise FileNotFoundError("the course's bounces were not found: set SMTPLESSON_BOUNCES to the "
                            "notebooks/data/bounces folder")


@dataclass(frozen=True)
class BounceFile:
    """One of the course's bounce files: its path, the mail, and the parts a person reads."""

    path: Path

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def _part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                if content_type == "message/delivery-status":
                    return "\n\n".join(str(block).strip() for block in part.get_payload())
                return str(part.get_content()).rstrip()
        return ""

    @property
    def human_text(self) -> str:
        """The text the reporting system wrote for people (its first text/plain part)."""
        return self._part("text/plain")

    @property
    def delivery_status(self) -> str:
        """The machine-readable report (RFC 3464), field blocks as the file has them; '' when
        the mail has none (qmail, many appliances)."""
        return self._part("message/delivery-status")


def bounce_file(name: str) -> BounceFile:
    """A course bounce by its name without ``.eml``, from data/bounces/ or one of its folders."""
    found = sorted(bounces_dir().rglob(f"{name}.eml")) or sorted(_LAB_MAIL.glob(f"{name}.eml"))
    if not found:
        raise FileNotFoundError(f"no bounce {name!r} under {bounces_dir()}")
    return BounceFile(found[0])


def mta_bounces() -> list[Path]:
    """The bounces real MTAs wrote (data/bounces/mta/)."""
    return sorted((bounces_dir() / "mta").glob("*.eml"))


def provider_bounces(*names: str) -> list[Path]:
    """The provider bounces (data/bounces/*.eml): all, or the named ones."""
    return [p for p in sorted(bounces_dir().glob("*.eml")) if not names or p.stem in names]


# --------------------------------------------------------------------------- the lab

#: the tickets, what each mystery server answers, and the key. The key is here in plain text:
#: the lab is a self-check, not an exam (check.diagnoses grades all six at once).
MYSTERIES: dict[int, dict[str, Any]] = {
    1: {"ticket": "Since last night nothing we send reaches customers at example.net, an ISP. "
                  "Other domains are fine.",
        "rules": [Rule("CONNECT", "554 resimta-ch2-18v.sys.example.net 192.0.2.25 found on one "
                                  "or more DNSBLs, see http://postmaster.comcast.net/"
                                  "smtp-error-codes.php#BL000001")],
        "source": "Comcast's greeting refusal for a DNSBL listing (postmaster.comcast.net "
                  "smtp-error-codes, BL000001); RFC 5321 §3.1 allows 554 at the greeting",
        "key": {"code": "554", "command": "CONNECT", "action": "request delisting"}},
    2: {"ticket": "Our invoicing app sends through our own Microsoft 365 (smtp.office365.com). "
                  "Since the weekend every invoice fails.",
        "rules": [Rule("MAIL", "530 5.7.57 Client not authenticated to send mail. "
                               "[AM0PR04CA0021.eurprd04.prod.outlook.com]")],
        "source": "Exchange Online's reply to MAIL FROM without SMTP AUTH on its submission "
                  "endpoint (NDR 5.7.57, https://learn.microsoft.com/en-us/exchange/"
                  "mail-flow-best-practices/how-to-set-up-a-multifunction-device-or-application-"
                  "to-send-email-using-microsoft-365-or-office-365); RFC 4954 §6 (530)",
        "key": {"code": "530", "command": "MAIL FROM", "action": "fix authentication"}},
    3: {"ticket": "Order mails to kim@example.net, a company on Google Workspace, come back; "
                  "other companies get theirs.",
        "rules": [Rule("END-OF-DATA", "550 5.7.1 This message violates example.net email "
                                      "policy. - gcdp 2-20020a05 - gsmtp")],
        "source": "Gmail SMTP errors and codes: '- gcdp' marks a rule the recipient's Google "
                  "Workspace admin wrote (https://support.google.com/a/answer/3726730)",
        "key": {"code": "550", "command": "END-OF-DATA", "action": "ask the recipient's admin"}},
    4: {"ticket": "Password-reset mails to lee@example.net fail; the other users get theirs.",
        "rules": [Rule("RCPT", "552 5.2.2 <lee@example.net> Quota exceeded (mailbox for user is "
                               "full)", to="lee@example.net")],
        "source": "Dovecot LMTP's quota_exceeded_message at RCPT (lmtp_rcpt_check_quota); "
                  "RFC 3463 §3.3 X.2.2 mailbox full, 'persistent transient'",
        "key": {"code": "552", "command": "RCPT TO", "action": "retry/wait"}},
    5: {"ticket": "Since we moved our DNS, Gmail refuses our mail; the DNS company says SPF is "
                  "'probably fine'.",
        "rules": [Rule("END-OF-DATA", "550-5.7.26 The MAIL FROM domain [example.com] has an SPF "
                                      "record with a hard fail\n550-5.7.26 policy (-all) but it "
                                      "fails to pass SPF checks with the ip:\n550-5.7.26 "
                                      "[192.0.2.25]. To best protect our users from spam and "
                                      "phishing,\n550 5.7.26 the message has been blocked. - gsmtp")],
        "source": "Gmail SMTP errors and codes, 5.7.26 SPF hard-fail variant "
                  "(https://support.google.com/a/answer/3726730)",
        "key": {"code": "550", "command": "END-OF-DATA", "action": "fix authentication"}},
    6: {"ticket": "A customer forwards this from their old mail host: keep or remove the address?",
        "bounce": "qmail-no-mailbox",
        "source": "qmail's QSBMF bounce for a local address (https://cr.yp.to/proto/qsbmf.txt): "
                  "no SMTP reply code and no command, only '(#5.1.1)'",
        "key": {"code": "not shown", "command": "not shown", "action": "suppress"}},
}
#: the lab's answer key: mystery -> code, command, action (plain text, on purpose)
KEY: dict[int, dict[str, str]] = {n: spec["key"] for n, spec in MYSTERIES.items()}
#: the shop's order confirmation, sent through every mystery server
LAB_MESSAGE = ("From: Shop <orders@example.com>\r\nTo: customer@example.net\r\n"
               "Subject: Your order\r\n\r\nThank you for your order!\r\n")


def mystery_replies(number: int) -> list[str]:
    """What mystery ``number`` answers (its rules' replies, or its mail's text)."""
    spec = MYSTERIES[number]
    if "bounce" in spec:
        return [(_LAB_MAIL / f"{spec['bounce']}.eml").read_text(encoding="utf-8")]
    return [rule.reply for rule in spec["rules"]]


class Evidence:
    """A mystery's transcript, drawn without what each code means (no legend, no meanings on
    hover): those would name causes the learner is to find. The rest is the transcript's own."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transcript, name)

    def __repr__(self) -> str:
        return repr(self.transcript)

    def __str__(self) -> str:
        return str(self.transcript)

    def _repr_html_(self) -> str:
        return transcript_html(self.transcript, meanings=False)


class Lab:
    """The troubleshooting lab: mystery servers known by number only, started when first used."""

    def __init__(self) -> None:
        self._servers: dict[int, DebugServer] = {}
        self.tries: dict[int, int] = {}  # wrong hand-ins per mystery (check.diagnoses)

    def server(self, number: int) -> DebugServer:
        if number not in self._servers:
            spec = MYSTERIES.get(number, {})
            if "bounce" in spec or not spec:
                raise ValueError(f"mystery {number!r} is not a server: the servers are "
                                 f"{[n for n, s in MYSTERIES.items() if 'bounce' not in s]}")
            rules = [Rule(r.point, r.reply, sender=r.sender, to=r.to, attempt=r.attempt)
                     for r in spec.get("rules", [])]  # fresh copies: attempts count from 1
            self._servers[number] = DebugServer(hostname="mx.example.net", rules=rules).start()
        return self._servers[number]

    def send(self, number: int, recipients: list[str]) -> Evidence:
        """Send the shop's message through mystery ``number``; print what smtplib reported."""
        server = self.server(number)
        send(server, recipients, LAB_MESSAGE, sender="orders@example.com")
        return Evidence(server.transcripts[-1])

    def retry(self, number: int, recipients: list[str]) -> Evidence:
        """The same message again, as a sending server's queue would try it later."""
        return self.send(number, recipients)

    def ticket(self, number: int) -> None:
        """Print what the customer wrote for mystery ``number``."""
        print(f"Ticket {number}: {MYSTERIES[number]['ticket']}")

    def bounce(self, number: int) -> BounceFile:
        """A forwarded bounce (mystery 6)."""
        name = MYSTERIES.get(number, {}).get("bounce")
        if name is None:
            raise ValueError(f"mystery {number!r} is not a forwarded bounce: use 6")
        return BounceFile(_LAB_MAIL / f"{name}.eml")

    def close(self) -> None:
        """Stop every mystery server; running it twice is harmless."""
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
