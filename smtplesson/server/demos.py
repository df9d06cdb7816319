"""``demo(code)``: a real smtplib conversation that makes a server answer that code.

Each code is set up for its most typical real-world cause (a scenario, not a canned
reply); the table is data: ``smtplesson/server/data/demos.json``.
"""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from typing import Any

from .._data import load
from ..codes.registry import BASIC_CODES
from .debug import DebugServer
from .transcript import Transcript

__all__ = ["DEMOS", "DemoClock", "DemoUnavailable", "demo"]

DEMOS: dict[int, dict[str, Any]] = {
    int(code): entry
    for code, entry in load("server", "demos.json")["demos"].items()
}
CLIENT_NAME = "client.example.org"
SENDER = "bob@example.org"
RECIPIENT = "alice@example.net"


class DemoUnavailable(Exception):
    """This code cannot be shown in a live conversation here; the message says why."""


class DemoClock:
    """A simulated clock for demos: starts at 0, moves only when told (``advance``)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += float(seconds)


def message_text(subject: str = "Hello", to: str = RECIPIENT, body_lines: int = 2) -> str:
    """A small, fixed message (fixed Date and Message-ID: the same bytes every run)."""
    body = ["Hello Alice,", "this is a test message from the smtplesson course."]
    body += [f"Filler line {i} to make the message bigger." for i in range(3, body_lines + 1)]
    headers = [
        f"From: Bob <{SENDER}>",
        f"To: <{to}>",
        f"Subject: {subject}",
        "Date: Mon, 01 Jan 2024 12:00:00 +0000",
        "Message-ID: <demo@example.org>",
    ]
    return "\r\n".join([*headers, "", *body[:max(body_lines, 1)]]) + "\r\n"


@dataclass
class _Run:
    """The client side of a demo: one smtplib connection at a time, notes per session."""

    server: DebugServer
    clock: DemoClock
    client: smtplib.SMTP | None = None
    session: int = 0

    def __post_init__(self) -> None:
        self.notes: dict[int, list[str]] = {}

    def note(self, error: Exception) -> None:
        self.notes.setdefault(self.session, []).append(f"smtplib raised {type(error).__name__}: {error}")

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def step(self, name: str, *args: Any) -> None:
        getattr(self, "do_" + name)(*args)

    def do_connect(self) -> None:
        self.close()
        self.session += 1
        try:
            self.client = smtplib.SMTP(self.server.host, self.server.port,
                                       local_hostname=CLIENT_NAME, timeout=10)
        except smtplib.SMTPConnectError as error:
            self.note(error)

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.client is None:
            return None
        try:
            return getattr(self.client, method)(*args, **kwargs)
        except smtplib.SMTPServerDisconnected as error:
            self.note(error)
            self.client = None
        except smtplib.SMTPException as error:
            self.note(error)
            if self.client is not None and self.client.sock is None:
                self.client = None
        return None

    def do_ehlo(self) -> None:
        self._call("ehlo")

    def do_helo(self) -> None:
        self._call("helo")

    def do_cmd(self, line: str) -> None:
        verb, _, rest = line.partition(" ")
        self._call("docmd", verb, rest)

    def do_send(self, spec: dict[str, Any]) -> None:
        to = list(spec.get("to", [RECIPIENT]))
        text = message_text(spec.get("subject", "Hello"), to[0], int(spec.get("body_lines", 2)))
        refused = self._call("sendmail", spec.get("from", SENDER), to, text,
                             spec.get("mail_options", ()), spec.get("rcpt_options", ()))
        if refused:
            self.notes.setdefault(self.session, []).append(
                f"smtplib's sendmail() returned the refused recipients: {refused}")

    def do_login(self, user: str, password: str, mechanism: str | None = None) -> None:
        if mechanism is None:
            self._call("login", user, password)
            return
        if self.client is None:
            return
        self.client.user, self.client.password = user, password
        method = getattr(self.client, "auth_" + mechanism.lower().replace("-", "_"))
        self._call("auth", mechanism, method)

    def do_wait(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def do_quit(self) -> None:
        self._call("quit")
        self.close()


def demo(code: int, **options: Any) -> Transcript:
    """Run a real conversation that shows ``code`` from its most typical cause.

    ``options`` adjust the scenario (e.g. ``demo(451, delay=60)``).  Returns the
    transcript of the session in which the code appeared; what smtplib raised is in
    ``transcript.notes``.  Raises DemoUnavailable for a code that cannot be shown.
    """
    try:
        code = int(code)
    except (TypeError, ValueError):
        raise DemoUnavailable(f"{code!r} is not a reply code (three digits, e.g. 550)") from None
    entry = DEMOS.get(code)
    if entry is None:
        raise DemoUnavailable(_why_not(code))
    clock = DemoClock()
    scenario_options = {**entry.get("options", {}), **options}
    server = DebugServer(entry["scenario"], clock=clock, **scenario_options)
    run = _Run(server, clock)
    with server:
        try:
            for step in entry["steps"]:
                run.step(*step)
        finally:
            run.close()
            server.wait_idle(2.0)
    return _pick(server.transcripts, code, run.notes)


def _pick(transcripts: list[Transcript], code: int, notes: dict[int, list[str]]) -> Transcript:
    chosen = next((t for t in reversed(transcripts) if code in t.codes), None)
    if chosen is None:
        chosen = transcripts[-1] if transcripts else Transcript()
    return Transcript(chosen.lines, server=chosen.server, peer=chosen.peer,
                      closed_by=chosen.closed_by, number=chosen.number,
                      notes=notes.get(chosen.number, ()))


def _why_not(code: int) -> str:
    entry = BASIC_CODES.get(code)
    if entry is not None and (entry.registry_only or entry.experimental):
        return (f"{code} has no live demo: it is known only from {entry.reference}, "
                "and no real server is set up to send it")
    if entry is not None:
        return f"{code} has no live demo yet (no scenario produces it from a realistic cause)"
    return f"{code} is not a reply code in smtplesson.BASIC_CODES, so there is nothing to demonstrate"

