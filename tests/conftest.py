"""Shared pytest set-up: markers by folder, and the fixtures most tests use."""
from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Hypothesis fails an example that takes longer than its deadline (200 ms by default), which a
# loaded machine reaches by chance; time limits belong to bench/ (a test that guards against a
# blow-up, as test_bounce_robust does, sets its own).
settings.register_profile("smtplesson", deadline=None)
settings.load_profile("smtplesson")

# Folders of test data, never collected as tests.
collect_ignore_glob = ["fixtures/*", "data/*", "*/data/*", "*/fixtures/*"]

_MARK_BY_FOLDER = {"unit", "integration", "course", "deploy", "browser"}
CLIENT = "client.example"  # smtplib's local_hostname: no slow getfqdn() call


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test carries the marker of its folder: ``pytest -m unit`` runs tests/unit."""
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        if folder in _MARK_BY_FOLDER:
            item.add_marker(getattr(pytest.mark, folder))


@pytest.fixture
def server() -> Iterator[Callable[..., Any]]:
    """``server(scenario=None, **options)``: a started DebugServer, stopped after the test."""
    from smtplesson.server.debug import DebugServer

    started: list[DebugServer] = []

    def start(scenario: str | None = None, **options: Any) -> DebugServer:
        s = DebugServer(scenario, **options)
        s.start()
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def client() -> Iterator[Callable[..., smtplib.SMTP]]:
    """``client(server)``: an smtplib.SMTP connected to it, closed after the test."""
    opened: list[smtplib.SMTP] = []

    def connect(server: Any, timeout: float = 5) -> smtplib.SMTP:
        c = smtplib.SMTP(server.host, server.port, local_hostname=CLIENT, timeout=timeout)
        opened.append(c)
        return c

    yield connect
    for c in opened:
        try:
            c.close()
        except OSError:
            pass


@pytest.fixture
def network() -> Iterator[Callable[..., Any]]:
    """``network(**options)``: a started MailNetwork, closed after the test."""
    from smtplesson.relay.network import MailNetwork

    made: list[MailNetwork] = []

    def build(*args: Any, **options: Any) -> MailNetwork:
        net = MailNetwork(*args, **options)
        made.append(net)
        return net

    yield build
    for net in made:
        net.close()
