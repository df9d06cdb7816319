"""Fixtures for the loopback tests: a raw socket client beside conftest's smtplib one."""
from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

CLIENT = "client.example.org"


class Raw:
    """A raw socket client: send bytes, read complete replies (multi-line ones joined)."""

    def __init__(self, server: Any) -> None:
        self.sock = socket.create_connection((server.host, server.port), timeout=5)
        self.buf = b""

    def reply(self) -> str:
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed: " + repr(lines))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("utf-8", "replace"))
            if line[3:4] != b"-":
                return "\n".join(lines)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def cmd(self, data: bytes) -> str:
        self.send(data + b"\r\n")
        return self.reply()

    def start_data(self) -> None:
        """Greeting, EHLO, MAIL, RCPT and DATA, each answered as expected: the body comes next."""
        self.reply()
        assert self.cmd(b"EHLO " + CLIENT.encode()).startswith("250")
        assert self.cmd(b"MAIL FROM:<bob@example.org>").startswith("250")
        assert self.cmd(b"RCPT TO:<alice@example.net>").startswith("250")
        assert self.cmd(b"DATA").startswith("354")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw_client() -> Iterator[Callable[[Any], Raw]]:
    """``raw_client(server)``: a :class:`Raw` connection to it, closed after the test."""
    opened: list[Raw] = []

    def connect(server: Any) -> Raw:
        r = Raw(server)
        opened.append(r)
        return r

    yield connect
    for r in opened:
        r.close()
