"""Reputation on the simulated clock, warm-up, the shaping rules and the Postmaster-style view."""
from __future__ import annotations

import re

import pytest

from smtplesson.clock import SimClock
from smtplesson.relay.reputation import DAY, MODEL, Reputation, warmup_allowance, warmup_curve
from smtplesson.relay.shaping import RULES, Shaping
from smtplesson.views.reputation import reputation_svg, reputation_text

IP, DOMAIN = "127.0.0.10", "example.com"


@pytest.fixture
def rep() -> Reputation:
    return Reputation(SimClock())


def test_the_spam_rate_bounds_make_the_tiers(rep: Reputation) -> None:
    rep.observe("gmail", ip=IP, domain=DOMAIN, sent=10_000, complaints=5)  # 0.05 %
    assert rep.standing("gmail", ip=IP) == "high"
    rep.observe("gmail", domain=DOMAIN, complaints=10)  # 0.15 %: over 0.1 %
    assert rep.standing("gmail", domain=DOMAIN) == "low" and rep.standing("gmail", ip=IP) == "high"
    rep.observe("gmail", domain=DOMAIN, complaints=20)  # 0.35 %: over 0.3 %
    assert rep.standing("gmail", domain=DOMAIN) == "bad"
    assert rep.standing("yahoo", domain=DOMAIN) is None  # each receiver keeps its own books


def test_unknown_recipients_count_and_too_little_mail_gets_no_verdict(rep: Reputation) -> None:
    rep.observe("outlook", ip=IP, sent=50, unknown=40)
    assert rep.standing("outlook", ip=IP) is None  # below the minimum volume, as Postmaster Tools shows none
    rep.observe("outlook", ip=IP, sent=200, unknown=40)  # 80 of 330 addresses do not exist
    assert rep.standing("outlook", ip=IP) == "bad"


def test_the_window_slides_and_the_sender_recovers(rep: Reputation) -> None:
    rep.observe("gmail", domain=DOMAIN, sent=1000, complaints=5)
    assert rep.standing("gmail", domain=DOMAIN) == "bad"
    rep.clock.advance(MODEL["window_days"] * DAY)
    rep.observe("gmail", domain=DOMAIN, sent=1000)
    assert rep.standing("gmail", domain=DOMAIN) == "high"


def test_bulk_status_is_reached_per_primary_domain_in_a_day_and_stays(rep: Reputation) -> None:
    rep.observe("gmail", domain=DOMAIN, sent=4999)
    assert not rep.is_bulk("gmail", DOMAIN)
    rep.accepted("gmail", IP, DOMAIN)
    assert rep.is_bulk("gmail", DOMAIN) and not rep.is_bulk("yahoo", DOMAIN)
    rep.clock.advance(30 * DAY)
    assert rep.is_bulk("gmail", DOMAIN)  # permanent
    rep.observe("m365", domain=DOMAIN, sent=50_000)
    assert not rep.is_bulk("m365", DOMAIN)  # a tenant has no bulk-sender rule


def test_a_new_ip_warms_up_and_an_established_one_does_not(rep: Reputation) -> None:
    assert [warmup_allowance(d) for d in range(3)] == [50, 100, 200]
    assert warmup_allowance(30) is None
    rep.observe("gmail", ip=IP, sent=50)
    assert rep.allowance("gmail", ip=IP) == 50 and rep.over_allowance("gmail", ip=IP)
    rep.clock.advance(DAY)
    assert rep.allowance("gmail", ip=IP) == 100 and not rep.over_allowance("gmail", ip=IP)
    warm = Reputation(SimClock(), established=[IP])
    warm.observe("gmail", ip=IP, sent=10_000)
    assert warm.allowance("gmail", ip=IP) is None
    warm.new_ip(IP)
    assert warm.allowance("gmail", ip=IP) == 50


def test_a_sender_of_low_standing_gets_a_share_of_its_usual_volume(rep: Reputation) -> None:
    rep.observe("yahoo", ip=IP, sent=1400, complaints=2, days_ago=1)  # 0.14 %: low
    assert rep.standing("yahoo", ip=IP) == "low"
    assert rep.allowance("yahoo", ip=IP) == 20  # a tenth of 1,400 over seven days


def test_bad_input_is_a_clear_error(rep: Reputation) -> None:
    with pytest.raises(ValueError, match="never negative"):
        rep.observe("gmail", ip=IP, sent=-1)
    with pytest.raises(ValueError, match="whose reputation"):
        rep.observe("gmail", sent=1)
    with pytest.raises(ValueError, match="never negative"):
        warmup_curve([10, -1])
    with pytest.raises(ValueError, match="one at a time"):
        rep.standing("gmail", ip=IP, domain=DOMAIN)  # Postmaster Tools shows IP and domain apart


def test_history_is_one_row_a_day_with_the_verdict_of_that_day(rep: Reputation) -> None:
    rep.observe("gmail", ip=IP, domain=DOMAIN, sent=1000, complaints=4, days_ago=2)
    rep.observe("gmail", ip=IP, domain=DOMAIN, sent=1000)
    rows = rep.history("gmail", domain=DOMAIN)
    assert [r.sent for r in rows] == [1000, 0, 1000]
    assert [r.reputation for r in rows] == ["bad", "bad", "low"]
    assert rows[0].spam_rate == pytest.approx(0.004) and rows[1].spam_rate == 0.0
    assert rep.history("gmail", ip="127.0.0.99") == []


def test_a_ramp_is_taken_whole_and_a_blast_waits_then_expires() -> None:
    ramp = warmup_curve([50, 100, 200, 400, 800, 1600, 3200]).rows
    assert [r.sent for r in ramp] == [50, 100, 200, 400, 800, 1600, 3200]
    assert sum(r.deferred for r in ramp) == 0
    blast = warmup_curve([6350, 0, 0, 0, 0, 0, 0]).rows
    assert [r.sent for r in blast[:5]] == [50, 100, 200, 400, 800]
    assert blast[0].deferred == 6300 and sum(r.expired for r in blast) == 4800  # gone after 5 days


def test_the_view_has_alt_text_and_a_text_version(rep: Reputation) -> None:
    rep.observe("gmail", ip=IP, domain=DOMAIN, sent=1000, complaints=4)
    view = rep.view("gmail", domain=DOMAIN)
    svg = view.svg()
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>" in svg
    alt = re.search(r'aria-label="([^"]*)"', svg)
    assert alt is not None and "highest daily spam rate 0.40%" in alt.group(1) and "bad" in alt.group(1)
    assert "0.3%" in svg and "0.1%" in svg  # the bulk-sender lines
    text = str(view)
    assert "1000" in text and "0.40%" in text and "bad" in text
    assert "smtpl-reputation-card" in view._repr_html_()
    assert reputation_text([], "empty").startswith("empty: no mail seen yet")
    assert "<svg" in reputation_svg([], "empty")


def test_the_shaping_rules_cite_kumomta_and_suspend_or_throttle() -> None:
    assert {r.name for r in RULES} >= {"yahoo-tss04", "gmail-unusual-rate"}
    assert all("docs.kumomta.com" in r.source for r in RULES)
    clock = SimClock()
    shaping = Shaping(clock, label=clock.label)
    assert shaping.react("relay", "domain:yahoo.example", "250 ok") is None
    tss04 = "421 4.7.0 [TSS04] Messages from 1.2.3.4 temporarily deferred"
    note = shaping.react("relay", "domain:yahoo.example", tss04)
    assert note is not None and note.startswith("suspended by rule yahoo-tss04") and "(2 h)" in note
    assert shaping.admit("relay", "domain:yahoo.example", 3) == (0, clock() + 7200)
    assert shaping.admit("relay", "domain:other.example", 3) == (3, None)
    clock.advance(7200)
    assert shaping.admit("relay", "domain:yahoo.example", 3) == (3, None)
    shaping.react("relay", "domain:example.net", "421 4.7.28 ... an unusual rate of unsolicited mail ...")
    assert shaping.admit("relay", "domain:example.net", 30) == (20, clock() + 3600)
    assert shaping.admit("relay", "domain:example.net", 1) == (0, clock() + 3600)
    clock.advance(3600)
    assert shaping.admit("relay", "domain:example.net", 30) == (30, None)  # the hour is over
