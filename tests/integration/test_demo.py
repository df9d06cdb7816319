"""demo(code): every code in BASIC_CODES shown in a real smtplib conversation."""
from __future__ import annotations

import pytest

from smtplesson.codes import BASIC_CODES
from smtplesson.server.demos import DEMOS, DemoUnavailable, demo
from smtplesson.server.scenarios import SCENARIOS

LIVE = sorted(c for c, e in BASIC_CODES.items() if not (e.registry_only or e.experimental))


@pytest.mark.parametrize("code", LIVE)
def test_every_code_is_shown_live(code):
    transcript = demo(code)
    assert code in transcript.codes, str(transcript)
    assert transcript.lines[0].direction == "S"
    assert any(line.direction == "C" for line in transcript.lines) or code in (521,)


def test_demo_table_uses_real_scenarios_not_canned_rules():
    for code, entry in DEMOS.items():
        assert entry["scenario"] in SCENARIOS, code
        assert "rules" not in entry
        assert set(entry) <= {"scenario", "options", "steps"}, code  # the why is the scenario's describe()


def test_demo_is_deterministic():
    assert str(demo(550)) == str(demo(550))
    assert demo(550).html() == demo(550).html()  # _repr_html_ explains each code once per kernel


def test_demo_notes_say_what_smtplib_raised():
    assert demo(550).notes[0].startswith("smtplib raised SMTPRecipientsRefused")
    assert demo(250).notes == ()


def test_demo_options_reach_the_scenario():
    assert "try again in 60 seconds" in str(demo(451, delay=60))


def test_unknown_code_is_unavailable_with_a_reason():
    with pytest.raises(DemoUnavailable, match="not a reply code"):
        demo(299)
    with pytest.raises(DemoUnavailable):
        demo("abc")


@pytest.mark.parametrize("code", sorted(set(BASIC_CODES) - set(LIVE)))
def test_registry_only_and_experimental_codes_say_why_there_is_no_demo(code):
    """422, 430, 523, 524, 525, 533 exist only in the registry's association column and 355
    only in Experimental RFC 1845 (rfc-audit M01-M07): no scenario produces them."""
    with pytest.raises(DemoUnavailable, match=str(code)):
        demo(code)
