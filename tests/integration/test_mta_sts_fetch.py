"""MTA-STS over HTTPS on loopback (RFC 8461 §3.3, §5.1): the policy host, the relay's cache on the
simulated clock, and what goes wrong when the policy cannot be had."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from smtplesson.clock import SimClock
from smtplesson.relay.mta_sts import PolicyCache, PolicyHost
from smtplesson.relay.zone import Zone

POLICY = "version: STSv1\nmode: enforce\nmx: mx1.example.net\nmx: *.example.net\nmax_age: 86400\n"
HOST = "127.0.0.41"


class World:
    def __init__(self) -> None:
        self.zone = Zone()
        self.zone.set_address("mta-sts.example.net", HOST)
        self.zone.set_txt("_mta-sts.example.net", "v=STSv1; id=20260301T000000")
        self.host = PolicyHost({"example.net": POLICY}, address=HOST)
        self.clock = SimClock("2026-03-02T09:00:00+00:00")
        self.cache = PolicyCache(self.zone.txt, lambda name: next(iter(self.zone.addresses(name)), None),
                                 self.host.port, self.clock)


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    yield w
    w.host.close()


def test_the_policy_comes_over_https_and_is_kept_for_max_age(world) -> None:
    cache, clock = world.cache, world.clock
    found = cache.lookup("example.net")
    assert found.policy is not None and found.policy.mode == "enforce" and not found.cached
    assert found.policy.mx == ("mx1.example.net", "*.example.net")
    assert cache.lookup("example.net").cached and cache.fetches == 1
    clock.advance(86_401)  # max_age is over: fetched again
    assert not cache.lookup("example.net").cached and cache.fetches == 2


def test_a_new_id_means_a_new_policy(world) -> None:
    zone, host, cache = world.zone, world.host, world.cache
    cache.lookup("example.net")
    host.policies["example.net"] = POLICY.replace("enforce", "testing")
    assert cache.lookup("example.net").policy.mode == "enforce"  # same id: the cached one
    zone.set_txt("_mta-sts.example.net", "v=STSv1; id=20260302T090000")
    assert cache.lookup("example.net").policy.mode == "testing"


def test_no_txt_record_no_policy(world) -> None:
    zone, cache = world.zone, world.cache
    zone.set_txt("_mta-sts.example.net")
    assert cache.lookup("example.net").policy is None and cache.fetches == 0


def test_a_missing_policy_file_is_a_fetch_error(world) -> None:
    host, cache = world.host, world.cache
    del host.policies["example.net"]
    found = cache.lookup("example.net")
    assert found.policy is None and found.result_type == "sts-policy-fetch-error"
    assert "HTTP 404" in found.error


def test_a_broken_policy_is_invalid(world) -> None:
    host, cache = world.host, world.cache
    host.policies["example.net"] = "version: STSv1\nmode: enforce\nmax_age: 86400\n"
    found = cache.lookup("example.net")
    assert (found.policy, found.result_type) == (None, "sts-policy-invalid")


def test_a_failed_refresh_keeps_the_cached_policy_until_it_expires(world) -> None:
    zone, host, cache = world.zone, world.host, world.cache
    cache.lookup("example.net")
    zone.set_txt("_mta-sts.example.net", "v=STSv1; id=2")
    del host.policies["example.net"]
    found = cache.lookup("example.net")
    assert found.policy is not None and found.cached and found.result_type == "sts-policy-fetch-error"


def test_the_certificate_must_name_the_policy_host(world) -> None:
    """§3.3: the HTTPS server's certificate must be valid for mta-sts.<domain>."""
    zone, host, cache = world.zone, world.host, world.cache
    zone.set_address("mta-sts.example.org", HOST)  # served at the same address, no certificate for it
    zone.set_txt("_mta-sts.example.org", "v=STSv1; id=1")
    host.policies["example.org"] = POLICY
    found = cache.lookup("example.org")
    assert found.policy is None and found.result_type == "sts-webpki-invalid"  # RFC 8460 §4.3.2.1
    assert "certificate is not valid for 'mta-sts.example.org'" in found.error
