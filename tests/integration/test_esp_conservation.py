"""The conservation law with the sending service on: every recipient of every message ends in
exactly one of inbox, junk, quarantine, bounced, expired or dropped -- and the events, the log
lines, the DSNs, the mailboxes and the suppression list all say the same -- under
Hypothesis-generated sequences of sends, suppressions, reactivations, unsubscribes, complaints
and the recipients' faults (greylisting, an unknown user, a full mailbox, a block, a host down)."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtplesson.relay.esp.events import FINAL
from smtplesson.relay.esp.folders import folder_of
from smtplesson.relay.network import MailNetwork
from smtplesson.server.rules import Rule

pytestmark = pytest.mark.integration

ALICE = "alice@example.com"
BLOCK = "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org"
#: recipient -> what the receiving side does with it
FAULTS = {"bob@example.net": "delivered", "erin@example.net": "delivered",
          "carol@example.net": "delivered",  # greylisted: deferred once, then delivered
          "dan@example.net": "hard", "dave@example.net": "soft", "grace@example.net": "block",
          "frank@example.org": "expired"}  # its MX is down: the queue gives up
CLEANUP = re.compile(r"cleanup\[\d+\]: (\w+): message-id=(<[^>]+>)")
BODIES = {"plain": ("Lunch", "Friday at noon?\n"),
          "junk": ("WINNER", "You are a lottery winner! Claim your prize.\n"),
          "quarantine": ("WINNER", "Urgent: verify your password to claim your prize.\n")}

recipients = st.sampled_from(sorted(FAULTS))
operations = st.one_of(
    st.tuples(st.just("send"), st.lists(recipients, min_size=1, max_size=4, unique=True),
              st.sampled_from(sorted(BODIES))),
    st.tuples(st.sampled_from(["suppress", "reactivate", "unsubscribe", "complain"]),
              recipients.map(lambda r: [r]), st.just("")),
)


class Model:
    """What the suppression list must hold, from the policy in esp.json."""

    def __init__(self) -> None:
        self.suppressed: set[str] = set()
        self.soft: dict[str, int] = {}

    def add(self, r: str) -> None:
        self.suppressed.add(r)
        self.soft.pop(r, None)

    def sent(self, r: str) -> None:
        if r in self.suppressed:
            return
        kind = FAULTS[r]
        if kind == "delivered":
            self.soft.pop(r, None)
        elif kind == "hard":
            self.add(r)
        elif kind in ("soft", "expired"):
            self.soft[r] = self.soft.get(r, 0) + 1
            if self.soft[r] >= 3:
                self.add(r)


def apply(net: MailNetwork, model: Model, op: tuple[str, list[str], str]) -> None:
    kind, rs, body = op
    r = rs[0]
    if kind == "send":  # one message per recipient, as a bulk sender sends, in one session
        subject, text = BODIES[body]
        net.submit_many([(ALICE, x, text) for x in rs], subject=subject)
        for x in rs:
            model.sent(x)
    elif kind == "suppress":
        net.suppressions.add(r, "manual", "added by hand", net.clock())
        model.add(r)
    elif kind == "reactivate" and r in model.suppressed:
        net.suppressions.reactivate(r, "checked with the customer", net.clock())
        model.suppressed.discard(r)
        model.soft.pop(r, None)
    elif kind == "unsubscribe" and net.mailbox(r):
        assert net.unsubscribe(r) == 200
        model.add(r)
    elif kind == "complain" and net.mailbox(r):
        assert net.report_spam(r) is not None  # example.net runs a JMRP-style loop here
        model.add(r)


def check(net: MailNetwork, model: Model) -> None:
    assert net.esp is not None
    log = net.maillog()
    relay = [line for line in log if " relay postfix/" in line]
    qid_of: dict[str, str] = {}  # Message-ID -> the relay's queue id
    for line in relay:
        m = CLEANUP.search(line)
        if m:
            qid_of[m[2]] = m[1]
    events = net.events()
    tracks = [t for t in net.messages if not t.is_bounce and t.sender == ALICE]
    fates: dict[str, int] = {}
    delivered_to: dict[str, int] = {}
    bounced_tracks = 0
    for t in tracks:
        (r,) = t.recipients
        status = t.status[r]
        finals = [e for e in events if e["message_id"] == t.id and e["event"] in FINAL]
        assert len(finals) == 1, (t.id, r, finals)
        final = finals[0]
        if final["event"] == "dropped":
            fate = "dropped"
            assert status == "dropped" and t.attempts == [] and t.message_id not in qid_of
        elif final["event"] == "delivered":
            copy = t.copy(r)
            assert status == "delivered" and copy is not None
            fate = folder_of(copy).lower()
            delivered_to[r] = delivered_to.get(r, 0) + 1
            qid = qid_of[t.message_id]
            assert sum(f" {qid}: to=<{r}>" in line and "status=sent" in line for line in relay) == 1
        else:
            fate = "expired" if final.get("type") == "expired" else "bounced"
            assert status == "bounced" and r in t.dsn_for and t.copy(r) is None
            bounced_tracks += 1
            qid = qid_of[t.message_id]
            if fate == "expired":
                assert sum(f" {qid}: from=<{ALICE}>, status=expired" in line for line in relay) == 1
            else:
                assert sum(f" {qid}: to=<{r}>" in line and "status=bounced" in line for line in relay) == 1
        assert fate in ("inbox", "junk", "quarantine", "bounced", "expired", "dropped")
        fates[fate] = fates.get(fate, 0) + 1
    assert sum(fates.values()) == len(tracks)
    processed = [e for e in events if e["event"] == "processed"]
    dropped = [e for e in events if e["event"] == "dropped"]
    assert len(processed) + len(dropped) == len(tracks)
    for r in FAULTS:
        assert len(net.mailbox(r)) == delivered_to.get(r, 0)
    assert len(net.dsns(ALICE)) == bounced_tracks
    assert {e.address for e in net.suppressions} == model.suppressed


@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(operations, min_size=3, max_size=8))
def test_every_recipient_ends_in_exactly_one_place_and_every_record_agrees(ops):
    with MailNetwork(esp={"providers": {"example.net": "microsoft"}},
                     retry={"first": 300, "max": 600, "lifetime": 1800}) as net:
        net.add_user("grace@example.net")
        for mx in ("mx1.example.net", "mx2.example.net"):
            net.add_rule(mx, Rule("RCPT", BLOCK, to="grace@example.net"))
        model = Model()
        for op in ops:
            apply(net, model, op)
            net.run()
            check(net, model)
