"""Scenario hooks are found by name, as aiosmtpd finds a handler's handle_* methods."""
from __future__ import annotations

import pytest

from smtplesson.server.scenarios import SCENARIOS, Envelope, Scenario, Session

pytestmark = pytest.mark.unit


def test_the_default_scenario_has_no_hooks():
    assert Scenario().hooks() == {}


def test_only_the_hooks_a_scenario_defines_are_found():
    class NoBob(Scenario):
        def handle_RCPT(self, session: Session, envelope: Envelope, address: str) -> str | None:
            return "550 5.1.1 no bob" if address == "bob@example.net" else None

        def handle_END_OF_DATA(self, session: Session, envelope: Envelope) -> str | None:
            return None

    hooks = NoBob().hooks()
    assert sorted(hooks) == ["END-OF-DATA", "RCPT"]
    assert hooks["RCPT"](None, None, "bob@example.net") == "550 5.1.1 no bob"


def test_connect_hook_gets_the_session_only():
    class Closed(Scenario):
        def handle_CONNECT(self, session: Session) -> str | None:
            return "554 5.7.1 closed"

    assert Closed().hooks()["CONNECT"]("session", None) == "554 5.7.1 closed"


def test_a_misspelt_hook_is_refused_with_the_right_names():
    class Typo(Scenario):
        def handle_RCTP(self, session, envelope, address):
            return "550 5.1.1 never asked"

    with pytest.raises(TypeError, match=r"Typo\.handle_RCTP: no such point.*handle_RCPT"):
        Typo().hooks()


def test_every_catalogue_scenario_names_real_points():
    for name, make in SCENARIOS.items():
        assert isinstance(make().hooks(), dict), name


class _Host:
    """A ScenarioHost with nothing else: a scenario that reaches for more fails here."""

    hostname = "mx.example.net"
    domains = ("example.net",)
    messages = ()
    connections = 7
    received = 3

    @staticmethod
    def clock() -> float:
        return 0.0


def test_status_reads_counters_only_and_counts_what_limits_forgot():
    from smtplesson.server.scenarios import ScenarioHost, Status

    host: ScenarioHost = _Host()
    status = Status()
    status.attach(host)
    reply = status.handle_HELP(None, None, "")  # type: ignore[arg-type]
    assert reply is not None
    assert "sessions so far: 7" in reply and "messages kept: 3" in reply

