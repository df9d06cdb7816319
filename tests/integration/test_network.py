"""The relay network: real DebugServers on loopback, a stub DNS, queues on a simulated clock."""
from __future__ import annotations

import random
import re
import socket
from collections import Counter

import pytest

from smtplesson.bounces import BouncedRecipient, read_bounce
from smtplesson.cli import cli_relay_demo
from smtplesson.clock import SimClock, format_elapsed
from smtplesson.relay.network import REJECTED, MailNetwork, load_layout
from smtplesson.relay.queue import RetryPolicy
from smtplesson.relay.zone import Zone
from smtplesson.server.rules import Rule

ALICE = "alice@example.com"
RECEIVED = re.compile(
    r"^from (\S+) \(\1 \[127\.0\.0\.1\]\)\s+by (\S+) \(smtplesson\) with (ESMTPA?) id (\w+)"
    r"(?:\s+for <([^>]+)>)?;\s+(\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000)$"
)


@pytest.fixture
def net():
    with MailNetwork() as network:
        yield network


@pytest.fixture
def loopback_only(monkeypatch):
    """Fail on any connection or name lookup that is not a loopback IP literal."""
    seen: list[str] = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        seen.append(host)
        assert host in ("127.0.0.1", "::1"), f"connection beyond loopback: {address!r}"
        return real_connect(sock, address)

    real_gai = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        assert host in ("127.0.0.1", "::1", None), f"name lookup: {host!r}"
        return real_gai(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return seen


# --------------------------------------------------------------------------- building blocks
def test_simclock_is_deterministic_and_formats_dates():
    clock = SimClock()
    assert clock.rfc5322() == "Mon, 02 Mar 2026 09:00:00 +0000"
    clock.advance(3600 * 26 + 61)
    assert clock.label() == "+1 d 2 h"
    assert clock.rfc5322() == "Tue, 03 Mar 2026 11:01:01 +0000"
    clock.set(0)  # never backwards
    assert clock.elapsed == 3600 * 26 + 61
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert format_elapsed(600) == "+10 min" and format_elapsed(45) == "+45s"


def test_mx_table_orders_by_preference_and_knows_null_mx():
    table = Zone()
    table.set_mx("example.net", [[20, "mx2.example.net"], [10, "MX1.example.net"]])
    table.set_mx("nomail.example", [[0, "."]])
    assert table.lookup("EXAMPLE.NET.").hosts == ["mx1.example.net", "mx2.example.net"]
    null = table.lookup("nomail.example")
    assert null.null and null.hosts == [] and null.error.startswith("556 5.1.10")
    assert table.lookup("nowhere.example").error.startswith("550 5.1.2")
    with pytest.raises(ValueError):
        table.set_mx("bad.example", [[0, "."], [10, "mx.bad.example"]])
    assert "example.net.         IN MX  10 mx1.example.net." in table.zone_text("MX")


def test_retry_policy_backs_off_and_caps():
    policy = RetryPolicy(first=600, factor=2, max=4000, lifetime=86400)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [600, 1200, 2400, 4000, 4000]
    schedule = policy.schedule()
    assert schedule[:4] == [0, 600, 1800, 4200] and schedule[-1] < 86400
    with pytest.raises(ValueError):
        RetryPolicy(first=0)


def test_layout_is_data():
    layout = load_layout()
    roles = {h["role"] for h in layout["hosts"]}
    assert roles == {"MUA", "MSA", "MTA", "MX"}
    assert layout["mx"]["nomail.example"] == [[0, "."]]
    assert [h for h in layout["hosts"] if h.get("state") == "down"]


# --------------------------------------------------------------------------- a clean delivery
def test_clean_delivery_path_and_headers(net, loopback_only):
    track = net.send(ALICE, "bob@example.net", "Hello Bob\n", subject="Hi")
    fate = track.fate("bob@example.net")
    assert fate.status == "delivered"
    assert fate.hops == ["mua.example.com", "smtp.example.com", "relay.example.com",
                         "mx1.example.net", "mailbox"]
    assert [a.code for a in fate.attempts if a.code] == [250, 250, 250]
    box = net.mailbox("bob@example.net")
    assert len(box) == 1
    msg = box[0]
    assert msg["Return-Path"] == f"<{ALICE}>"
    assert next(iter(msg.keys())) == "Return-Path"
    received = [" ".join(str(v).split()) for v in msg.get_all("Received")]
    parsed = [RECEIVED.match(r) for r in received]
    assert all(parsed), received
    # newest first: mx1 <- relay <- smtp(ESMTPA) <- mua
    assert [(m[1], m[2], m[3]) for m in parsed] == [
        ("relay.example.com", "mx1.example.net", "ESMTP"),
        ("smtp.example.com", "relay.example.com", "ESMTP"),
        ("mua.example.com", "smtp.example.com", "ESMTPA"),
    ]
    assert parsed[0][5] == "bob@example.net"
    assert {m[6] for m in parsed} == {"Mon, 02 Mar 2026 09:00:00 +0000"}
    assert msg.get_content().strip() == "Hello Bob"
    assert "Return-Path: <alice@example.com>" in track.headers("bob@example.net")
    assert net.settled and not net.queued
    assert loopback_only and set(loopback_only) == {"127.0.0.1"}


def test_msa_requires_auth(net):
    track = net.submit(ALICE, "bob@example.net", auth=False)
    assert track.status["bob@example.net"] == REJECTED
    assert track.attempts[-1].reply.startswith("530 5.7.0")
    bad = net.submit(ALICE, "bob@example.net", auth=(ALICE, "wrong"))
    assert bad.status["bob@example.net"] == REJECTED
    assert bad.attempts[-1].reply.startswith("535 5.7.8")
    net.run()
    assert net.mailbox("bob@example.net") == []


def test_mx_refuses_open_relay(net):
    client = net.connect("mx1.example.net")
    try:
        client.ehlo()
        assert client.mail("spammer@example.org")[0] == 250
        code, text = client.rcpt("victim@example.org")
        assert code == 554 and b"5.7.1" in text and b"Relay access denied" in text
    finally:
        client.quit()


# --------------------------------------------------------------------------- MX choice
def test_preferred_mx_is_used(net):
    net.send(ALICE, "bob@example.net")
    assert net.server("mx1.example.net").messages
    assert not net.server("mx2.example.net").transcripts


def test_fallback_to_next_mx_on_421():
    with MailNetwork(scenarios={"mx1.example.net": "shutting-down"}) as net:
        track = net.send(ALICE, "bob@example.net")
        fate = track.fate("bob@example.net")
        assert fate.status == "delivered"
        relay = [a for a in fate.attempts if a.client == "relay.example.com"]
        assert [(a.server, a.code) for a in relay] == [("mx1.example.net", 421),
                                                       ("mx2.example.net", 250)]
        assert relay[0].note == "trying the next MX"
        assert relay[0].time == relay[1].time  # same attempt, no waiting
        assert "mx2.example.net" in fate.hops


def test_fallback_to_next_mx_when_connection_refused():
    layout = load_layout()
    for h in layout["hosts"]:
        if h["name"] == "mx1.example.net":
            h["state"] = "down"
    with MailNetwork(layout) as net:
        fate = net.send(ALICE, "bob@example.net").fate("bob@example.net")
        relay = [a for a in fate.attempts if a.client == "relay.example.com"]
        assert relay[0].stage == "CONNECT" and "Connection refused" in relay[0].reply
        assert relay[-1].server == "mx2.example.net" and fate.status == "delivered"


def test_rate_limit_421_sends_the_rest_to_the_backup_mx():
    with MailNetwork(scenarios={"mx1.example.net": ("rate-limit", {"limit": 2})}) as net:
        tracks = net.submit_many([(ALICE, ["bob@example.net"], f"n{i}\n") for i in range(5)])
        net.run()
        assert all(t.status["bob@example.net"] == "delivered" for t in tracks)
        servers = [t.fate("bob@example.net").hops[-2] for t in tracks]
        assert servers == ["mx1.example.net"] * 2 + ["mx2.example.net"] * 3
        assert len(net.mailbox("bob@example.net")) == 5


# --------------------------------------------------------------------------- queue and bounces
def test_greylisting_resolved_by_retry(net):
    track = net.send(ALICE, "carol@example.net")
    fate = track.fate("carol@example.net")
    relay = [a for a in fate.attempts if a.client == "relay.example.com"]
    assert [a.code for a in relay] == [451, 250]
    assert relay[0].reply.startswith("451 4.7.1") and relay[0].stage == "RCPT TO"
    assert relay[1].time - relay[0].time == 600  # the first backoff
    assert fate.status == "delivered" and fate.delivered_at - track.submitted_at == 600
    assert len(net.mailbox("carol@example.net")) == 1
    assert net.dsns(ALICE) == []


def test_advance_stops_the_clock_early(net):
    track = net.submit(ALICE, "carol@example.net")
    net.advance(60)
    assert track.status["carol@example.net"] == "queued"
    assert net.clock.elapsed == 60 and len(net.queued) == 1
    net.advance(600)
    assert track.status["carol@example.net"] == "delivered"


@pytest.mark.parametrize("rcpt, code, status", [
    ("dave@example.net", 552, "5.2.2"),   # mailbox full
    ("dan@example.net", 550, "5.1.1"),    # unknown user
])
def test_permanent_failure_makes_exactly_one_dsn(net, rcpt, code, status):
    track = net.send(ALICE, ["bob@example.net", rcpt])
    assert track.fates() == {"bob@example.net": "delivered", rcpt: "bounced"}
    refusal = track.fate(rcpt).final
    assert refusal.code == code
    dsns = net.dsns(ALICE)
    assert len(dsns) == 1 and len(track.dsns) == 1
    dsn = dsns[0]
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    assert dsn["Return-Path"] == "<>"
    report = read_bounce(dsn)
    assert (report.kind, report.reporting_mta) == ("dsn", "relay.example.com")
    [block] = report.recipients
    assert (block.address, block.action, block.status) == (rcpt, "failed", status)
    assert block.remote_mta == "mx1.example.net"
    assert block.diagnostic == " ".join(refusal.reply.split())
    assert report.original.message_id == track.message_id
    assert [p.get_content_type() for p in dsn.iter_parts()] == [
        "text/plain", "message/delivery-status", "text/rfc822-headers"]


def _recipient(dsn, address: str) -> BouncedRecipient:
    return next(r for r in read_bounce(dsn).recipients if r.address == address)


def test_give_up_after_the_queue_lifetime():
    with MailNetwork(retry={"lifetime": 3 * 3600}) as net:
        track = net.send(ALICE, "frank@example.org")  # its MX refuses connections
        fate = track.fate("frank@example.org")
        assert fate.status == "bounced"
        assert fate.bounced_at - track.submitted_at == 3 * 3600
        tries = [a for a in fate.attempts if a.stage == "CONNECT"]
        assert [round(a.time - track.submitted_at) for a in tries] == [0, 600, 1800, 4200, 8200, 10800]
        block = _recipient(net.dsns(ALICE)[0], "frank@example.org")
        assert block.action == "failed" and block.status == "4.4.1"  # as Postfix writes it
        assert block.code is None  # no SMTP reply was ever received


def test_give_up_quotes_the_last_4xx_reply():
    rule = Rule("RCPT", "451 4.3.0 <erin@example.net>: Temporary lookup failure", to="erin@example.net")
    with MailNetwork(retry={"lifetime": 3600}, rules={"mx1.example.net": [rule]}) as net:
        track = net.send(ALICE, "erin@example.net")
        assert track.status["erin@example.net"] == "bounced"
        block = _recipient(net.dsns(ALICE)[0], "erin@example.net")
        assert block.status == "4.3.0"  # Postfix keeps the last transient status
        assert block.diagnostic == "451 4.3.0 <erin@example.net>: Temporary lookup failure"


def test_add_rule_after_construction():
    with MailNetwork() as net:
        first = net.send(ALICE, "bob@example.net")
        rule = net.add_rule("mx1.example.net", Rule("RCPT", "550 5.1.1 gone", to="bob@example.net"))
        second = net.send(ALICE, "bob@example.net")
        assert net.server("mx1.example.net").rules == (rule,)
        with pytest.raises(KeyError):
            net.add_rule("mx9.example.net", rule)
    assert first.fates() == {"bob@example.net": "delivered"}
    assert second.fates() == {"bob@example.net": "bounced"}


def test_delay_warning_then_failure():
    with MailNetwork(retry={"lifetime": 4 * 3600, "delay_warning": 3600}) as net:
        track = net.send(ALICE, "frank@example.org")
        actions = [read_bounce(m).recipients[0].action for m in net.dsns(ALICE)]
        assert actions == ["delayed", "failed"]
        warning = read_bounce(net.dsns(ALICE)[0]).recipients[0]
        assert warning.status == "4.4.1" and warning.will_retry_until
        assert len(track.warnings) == 1 and len(track.dsns) == 1


def test_null_mx_bounces_without_connecting(net):
    track = net.send(ALICE, "info@nomail.example")
    fate = track.fate("info@nomail.example")
    assert fate.status == "bounced"
    assert fate.final.stage == "DNS" and fate.final.reply.startswith("556 5.1.10")
    assert read_bounce(net.dsns(ALICE)[0]).recipients[0].status == "5.1.10"


def test_a_bounce_is_never_bounced(net):
    # ghost@example.com has no mailbox, so the DSN about dan@ cannot be delivered either
    track = net.send("ghost@example.com", "dan@example.net", auth=(ALICE, "wonderland"))
    assert track.status["dan@example.net"] == "bounced"
    bounce = track.fate("dan@example.net").bounce
    assert bounce is not None and bounce.sender == "" and bounce.is_bounce
    assert bounce.status["ghost@example.com"] == "bounced"
    assert bounce.dsns == [] and bounce.bounce_for == {}
    assert "never bounced" in bounce.attempts[-1].reply
    made = [m for m in net.messages if m.is_bounce]
    assert len(made) == 1 and net.settled
    assert net.mailbox("ghost@example.com") == [] and net.dsns(ALICE) == []


def test_a_host_transforms_what_it_accepts():
    """The per-message point that signing and authentication checks use: each step sees the
    arrival (who sent it, after AUTH or not) and returns the message it passes on."""
    seen = []

    def scanned(arrival, message: bytes) -> bytes:
        seen.append((arrival.host.name, arrival.helo, arrival.authenticated, arrival.recipients))
        return f"X-Scanned: by {arrival.host.name}\r\n".encode() + message

    with MailNetwork() as net:
        net.add_transform("smtp.example.com", scanned)
        net.add_transform("mx1.example.net", scanned)
        with pytest.raises(ValueError):
            net.add_transform("mua.example.com", scanned)
        net.send(ALICE, "bob@example.net")
        copy = net.mailbox("bob@example.net")[0]
        assert copy.get_all("X-Scanned") == ["by mx1.example.net", "by smtp.example.com"]
        assert list(copy.keys())[:3] == ["Return-Path", "X-Scanned", "Received"]
        assert seen == [("smtp.example.com", "mua.example.com", True, ("bob@example.net",)),
                        ("mx1.example.net", "relay.example.com", False, ("bob@example.net",))]


# --------------------------------------------------------------------------- the headline story
def test_headline_story_and_its_picture(net):
    track = net.send(ALICE, ["bob@example.net", "carol@example.net", "dan@example.net"])
    assert track.fates() == {"bob@example.net": "delivered", "carol@example.net": "delivered",
                             "dan@example.net": "bounced"}
    assert len(net.dsns(ALICE)) == 1
    html = track._repr_html_()
    for code in ("250", "451", "550"):
        assert f'data-reply-code="{code}"' in html
    assert "delivered" in html and "bounced" in html and "+10 min" in html
    assert "DSN from &lt;&gt; to" in html
    assert not re.search(r"127\.0\.0\.1:\d+|port \d{4,}", html)
    assert "<script" not in html and "http" not in html
    text = str(track)
    assert "451 4.7.1" in text and "retry in 10 min" in text
    picture = net._repr_html_()
    assert "MX 10 mx1.example.net" in picture and "null MX" in picture


def test_same_story_same_output():
    def story() -> tuple[str, str, bytes]:
        with MailNetwork() as net:
            track = net.send(ALICE, ["bob@example.net", "carol@example.net", "dan@example.net"],
                             "Lunch?\n", subject="Lunch")
            return str(track), track._repr_html_(), net.dsns(ALICE)[0].as_bytes()

    assert story() == story()


def test_cli_relay_demo(capsys):
    assert cli_relay_demo() == 0
    out = capsys.readouterr().out
    assert "451 4.7.1" in out and "550 5.1.1" in out and "Status: 5.1.1" in out
    assert "DELIVERED" in out and "BOUNCED" in out
    assert not re.search(r"127\.0\.0\.1:\d+", out)


def test_closed_network_says_so():
    net = MailNetwork()
    net.close()
    net.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        net.submit(ALICE, "bob@example.net")


# --------------------------------------------------------------------------- conservation
def test_conservation_500_messages_with_random_faults(loopback_only):
    """Every recipient ends delivered or bounced exactly once: none lost, none duplicated."""
    rng = random.Random(20260302)
    plan: dict[str, str] = {}
    groups: dict[tuple, list[str]] = {}  # one Rule per kind of fault, listing its recipients
    users = []
    for n in range(600):
        addr = f"u{n:03d}@example.net"
        users.append(addr)
        roll = rng.random()
        if roll < 0.30:  # transient: 4xx on the first 1-3 attempts, or for ever (give-up)
            times = rng.choice([1, 2, 3, None])
            reply = rng.choice(["450 4.2.1 Mailbox busy", "451 4.3.0 Try again later",
                                "452 4.3.1 Insufficient system storage"])
            point = rng.choice(["RCPT", "END-OF-DATA"]) if times else "RCPT"
            groups.setdefault((point, reply, times), []).append(addr)
            plan[addr] = "transient" if times else "forever"
        elif roll < 0.40:
            reply = rng.choice(["550 5.1.1 No such user", "552 5.2.2 Mailbox full"])
            groups.setdefault(("RCPT", reply, None), []).append(addr)
            plan[addr] = "permanent"
        else:
            plan[addr] = "ok"
    # attempt=n counts per rule, so a transient fault is one rule per recipient and attempt
    rules = [Rule(point, reply, to=addr, attempt=range(1, times + 1))
             for (point, reply, times), addrs in groups.items() if times for addr in addrs]
    rules += [Rule(point, reply, to=addrs)
              for (point, reply, times), addrs in groups.items() if not times]
    with MailNetwork(retry={"lifetime": 6 * 3600}, rules={"mx1.example.net": rules}) as net:
        for addr in users:
            net.add_user(addr)
        items = [(ALICE, rng.sample(users, rng.choice([1, 1, 2, 3])), f"message {i}\n")
                 for i in range(500)]
        tracks = net.submit_many(items)
        net.run(until=3600)  # stop the clock early once ...
        early = Counter(s for t in tracks for s in t.status.values())
        assert early["queued"] > 0
        net.run()  # ... then let everything settle
        statuses = Counter()
        for track in tracks:
            for rcpt, status in track.status.items():
                statuses[status] += 1
                copies = [m for m in net.mailbox(rcpt) if m["Message-ID"] == track.message_id]
                if status == "delivered":
                    assert len(copies) == 1, (track.id, rcpt)
                    assert plan[rcpt] in ("ok", "transient")
                else:
                    assert status == "bounced" and copies == [], (track.id, rcpt, status)
                    assert plan[rcpt] in ("permanent", "forever")
                    assert rcpt in track.dsn_for
        total = sum(len(t.recipients) for t in tracks)
        assert statuses["delivered"] + statuses["bounced"] == total
        assert not net.queued
        # one DSN per bounced message and queue run, each listing exactly its failed recipients
        listed = Counter()
        for dsn in net.dsns(ALICE):
            for block in read_bounce(dsn).recipients:
                listed[block.address] += 1
        assert sum(listed.values()) == statuses["bounced"]
        delivered_copies = sum(len(net.mailbox(u)) for u in users)
        assert delivered_copies == statuses["delivered"]
    print(f"conservation: {len(tracks)} messages, {total} recipients, "
          f"{statuses['delivered']} delivered, {statuses['bounced']} bounced, "
          f"{early['queued']} still queued at +1 h, {len(net.dsns(ALICE))} DSNs")


def test_a_bad_time_is_refused_and_the_network_stays_usable():
    with MailNetwork() as net:
        for bad in (float("nan"), float("inf"), -1):
            with pytest.raises(ValueError):
                net.advance(bad)
        with pytest.raises(ValueError):
            net.run(until=float("nan"))
        with pytest.raises(ValueError):
            net.clock.advance(float("nan"))
        with pytest.raises(ValueError):
            net.clock.set(float("inf"))
        assert net.clock.elapsed == 0
        assert net.send("alice@example.com", "bob@example.net").fates() == {"bob@example.net": "delivered"}
