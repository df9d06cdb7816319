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
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ..clock import SimClock
from ..server.debug import DebugServer
from ..server.rules import Rule
from ..server.transcript import Transcript
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


# --------------------------------------------------------------------------- bounce files

#: the lessons' bounce files, relative to the notebook's folder (notebooks/ or notebooks/solutions/)
BOUNCES = Path("data/bounces")


def _bounces() -> Path:
    return BOUNCES if BOUNCES.is_dir() else Path("..") / BOUNCES


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
        """The machine-readable report (RFC 3464), field blocks as the file has them."""
        return self._part("message/delivery-status")


def bounce_file(name: str) -> BounceFile:
    """A course bounce by its name without ``.eml``, from data/bounces/ or one of its folders."""
    found = sorted(_bounces().rglob(f"{name}.eml"))
    if not found:
        raise FileNotFoundError(f"no bounce {name!r} under {_bounces()}")
    return BounceFile(found[0])


def mta_bounces() -> list[Path]:
    """The bounces real MTAs wrote (data/bounces/mta/)."""
    return sorted((_bounces() / "mta").glob("*.eml"))


def provider_bounces(*names: str) -> list[Path]:
    """The provider bounces (data/bounces/*.eml): all, or the named ones."""
    return [p for p in sorted(_bounces().glob("*.eml")) if not names or p.stem in names]


# --------------------------------------------------------------------------- the lab

#: the tickets and what each mystery server answers; the diagnoses are in the checks, hashed
MYSTERIES: dict[int, dict[str, Any]] = {
    1: {"ticket": "Our newsletter to subscribers at example.net has been 'stuck' since this "
                  "morning. Nothing bounced. Can you push it through?",
        "rules": [Rule("RCPT", "421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred "
                               "due to unexpected volume or user complaints - 4.16.55.1; see "
                               "https://senders.yahooinc.com/smtp-error-codes")]},
    2: {"ticket": "A customer at a company on Microsoft 365 says our invoices to kim@example.net "
                  "are blocked ('Access denied'). Her colleagues get theirs.",
        "rules": [Rule("RCPT", "550 5.4.1 Recipient address rejected: Access denied. "
                               "AS(201806281) [DB5EUR03FT042.eop-EUR03.prod.protection.outlook.com]",
                       to="kim@example.net")]},
    3: {"ticket": "Since yesterday nothing from our new server reaches example.net. Our old "
                  "server still gets through.",
        "rules": [Rule("RCPT", "554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked "
                               "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.25")]},
    4: {"ticket": "Password-reset mails to lee@example.net fail; the user says some arrive "
                  "hours later.",
        "rules": [Rule("RCPT", "451 4.7.1 Please try again later", attempt=1)]},
    5: {"ticket": "A customer forwards a bounce from Gmail and asks whether to remove the "
                  "address from their list.",
        "bounce": "gmail-550-5.7.26-unauthenticated"},
    6: {"ticket": "Another forwarded bounce, this time from Microsoft 365: keep or remove?",
        "bounce": "microsoft365-550-5.1.10-recipient-not-found"},
}
#: the shop's order confirmation, sent through every mystery server
LAB_MESSAGE = ("From: Shop <orders@example.com>\r\nTo: customer@example.net\r\n"
               "Subject: Your order\r\n\r\nThank you for your order!\r\n")


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

    def server(self, number: int) -> DebugServer:
        if number not in self._servers:
            spec = MYSTERIES.get(number, {})
            if "rules" not in spec:
                raise ValueError(f"mystery {number!r} is not a server: the servers are "
                                 f"{[n for n, s in MYSTERIES.items() if 'rules' in s]}")
            rules = [Rule(r.point, r.reply, sender=r.sender, to=r.to, attempt=r.attempt)
                     for r in spec["rules"]]  # fresh copies: attempts count from 1 in each lab
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

    def bounce(self, number: int) -> BounceFile:
        """A forwarded bounce (mysteries 5 and 6)."""
        name = MYSTERIES.get(number, {}).get("bounce")
        if name is None:
            raise ValueError(f"mystery {number!r} is not a forwarded bounce: use 5 or 6")
        return bounce_file(str(name))

    def close(self) -> None:
        """Stop every mystery server; running it twice is harmless."""
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
