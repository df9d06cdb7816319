"""The lab bench of lessons 06, 08 and 09: debug servers on one simulated clock, and smtplib sends.

Lesson 05 writes these helpers out in its set-up cell, to show how ``smtplib`` is driven; the
later lessons use them from here::

    from smtplesson.course import lab

    servers = lab.Servers()       # the clean-up cell stops them all: servers.stop()
    transcript = lab.send(servers.start("greylisting"), ["bob@example.net"])
"""
from __future__ import annotations

import smtplib
from collections.abc import Iterator
from typing import Any

from ..clock import SimClock
from ..server.debug import DebugServer
from ..server.transcript import Transcript

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
        """Remember a server started elsewhere (a mystery of lesson 09), so `stop()` stops it."""
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
