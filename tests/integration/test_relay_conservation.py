"""The relay's conservation law, under random faults: every recipient of every message the
network has seen is in exactly one state at every moment -- delivered (a copy in its mailbox),
bounced (for an ordinary message: with a DSN on its way to the sender), still queued (in exactly
one queue entry), or rejected at submission -- and once the network settles, nothing is queued.

Faults: greylisting switched on for a mailbox, hosts down from the start, 4xx/5xx DebugServer
rules at MAIL, RCPT and END-OF-DATA (some only on the first attempts), clock jumps, submissions
without AUTH.  Deterministic: Hypothesis derandomized, no example database, no deadline; the
simulated clock only moves when the test moves it.
"""
from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtplesson import MailNetwork, Rule
from smtplesson.relay.layout import load_layout
from smtplesson.relay.routing import REJECTED
from smtplesson.relay.tracking import BOUNCED, DELIVERED, QUEUED

RECIPIENTS = ["bob@example.net", "carol@example.net", "dave@example.net", "erin@example.net",
              "nobody@example.net", "frank@example.org", "postmaster@example.com",
              "someone@nomail.example", "someone@nowhere.example"]
MXS = ["mx1.example.net", "mx2.example.net", "mx.example.com"]
REPLIES = ["450 4.2.1 Mailbox busy, try later", "451 4.3.0 Local error", "421 4.3.2 Closing, try later",
           "550 5.1.1 No such user", "552 5.2.2 Mailbox full", "554 5.7.1 Refused"]

send = st.tuples(st.just("send"), st.lists(st.sampled_from(RECIPIENTS), min_size=1, max_size=3, unique=True),
                 st.booleans())
rule = st.tuples(st.just("rule"), st.sampled_from(MXS), st.sampled_from(["MAIL", "RCPT", "END-OF-DATA"]),
                 st.sampled_from(REPLIES), st.sampled_from([None, *RECIPIENTS[:5]]),
                 st.sampled_from([None, 1, (1, 2)]))
greylist = st.tuples(st.just("greylist"), st.sampled_from(RECIPIENTS[:5]))
advance = st.tuples(st.just("advance"), st.sampled_from([0, 59, 600, 3600, 86400, 3 * 86400]))
operations = st.lists(st.one_of(send, send, rule, greylist, advance), min_size=1, max_size=8)
down = st.sets(st.sampled_from(MXS), max_size=2)


def states(net: MailNetwork) -> dict[tuple[str, str], str]:
    """Each (message, recipient) and the one state it is in; fails if it is in none or several."""
    queued: dict[tuple[str, str], int] = {}
    for e in net.queued:
        for r in e.recipients:
            queued[e.track.id, r] = queued.get((e.track.id, r), 0) + 1
    known = {t.id for t in net.messages}
    out = {}
    for t in net.messages:
        for r in t.recipients:
            n = queued.pop((t.id, r), 0)
            held = {DELIVERED: r in t.copies, BOUNCED: r in t.bounced_at, QUEUED: n == 1,
                    REJECTED: t.status[r] == REJECTED}
            found = [state for state, yes in held.items() if yes]
            assert n <= 1, f"{t.id} {r}: in {n} queue entries"
            assert found == [t.status[r]], f"{t.id} {r}: status {t.status[r]}, held {found}"
            if found == [BOUNCED] and not t.is_bounce:
                assert t.bounce_for[r].id in known and t.dsn_for[r] is not None, f"{t.id} {r}: no DSN"
            out[t.id, r] = found[0]
    assert not queued, f"queue entries for recipients no message has: {queued}"
    return out


@settings(max_examples=60, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(down=down, operations=operations)
def test_every_recipient_ends_in_exactly_one_state(down: set[str], operations: list[tuple]) -> None:
    layout = copy.deepcopy(load_layout())
    for h in layout["hosts"]:
        if h["name"] in down:
            h["state"] = "down"
    with MailNetwork(layout) as net:
        for op in operations:
            if op[0] == "send":
                net.submit("alice@example.com", op[1], auth=op[2])
            elif op[0] == "rule" and op[1] not in down:
                _, host, point, reply, to, attempt = op
                net.add_rule(host, Rule(point, reply, to=to if point != "MAIL" else None, attempt=attempt))
            elif op[0] == "greylist":
                net.add_user(op[1], greylist=True)
            elif op[0] == "advance":
                net.advance(op[1])
            states(net)
        net.run()
        final = states(net)
        assert net.settled and not net.queued
        assert QUEUED not in final.values()
        assert [t.id for t in net.messages] == [f"M{i}" for i in range(1, len(net.messages) + 1)]
