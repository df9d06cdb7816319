"""The relay's accounting under faults: a connection that breaks after the receiver accepted.

The fault is injected on the wire, by a TCP proxy in front of one host: it passes every byte
both ways but can lose the server's reply to the final "." (it closes both sides instead).
The server has committed the message by then; the client never hears so.  RFC 5321 §6.1 and
RFC 1047: the sender cannot know, it retries, and a duplicate may reach the mailbox.
"""
from __future__ import annotations

import random
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from smtplesson.relay.network import MailNetwork
from smtplesson.server.rules import Rule

ALICE = "alice@example.com"


class ReplyLoss:
    """A proxy in front of ``host`` of ``net`` that loses the end-of-data replies ``lose(n)``
    picks (``n`` counts them from 1 across connections)."""

    def __init__(self, net: MailNetwork, host: str, lose: Callable[[int], bool]) -> None:
        self.host = net.host(host)
        self.target = self.host.port
        self.lose = lose
        self.seen = 0  # end-of-data replies met
        self.lost = 0  # ... and lost
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.host.port = self._listener.getsockname()[1]
        self._spawn(self._accept)

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(t)
        t.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            server = socket.create_connection(("127.0.0.1", self.target), timeout=10)
            for s in (client, server):  # replies pass one by one: no Nagle delay
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(self._upstream, client, server)
            self._spawn(self._downstream, server, client)

    @staticmethod
    def _upstream(client: socket.socket, server: socket.socket) -> None:
        try:
            while data := client.recv(65536):
                server.sendall(data)
            server.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _downstream(self, server: socket.socket, client: socket.socket) -> None:
        """Replies pass whole; the first one after a 354 answers the final "."."""
        buffer, reply, after_354 = b"", b"", False
        try:
            while data := server.recv(65536):
                buffer += data
                while b"\r\n" in buffer:
                    line, buffer = buffer.split(b"\r\n", 1)
                    reply += line + b"\r\n"
                    if line[3:4] == b"-":
                        continue
                    if after_354 and self._loses():
                        return
                    after_354 = line[:3] == b"354"
                    client.sendall(reply)
                    reply = b""
        except OSError:
            pass
        finally:
            for s in (client, server):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def _loses(self) -> bool:
        with self._lock:
            self.seen += 1
            lost = self.lose(self.seen)
            self.lost += lost
            return lost

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        for t in self._threads:
            t.join(timeout=5)


@pytest.fixture
def faulty() -> Iterator[Callable[..., ReplyLoss]]:
    made: list[ReplyLoss] = []

    def put(net: MailNetwork, host: str, lose: Callable[[int], bool]) -> ReplyLoss:
        made.append(ReplyLoss(net, host, lose))
        return made[-1]

    yield put
    for proxy in made:
        proxy.close()


def _copies(net: MailNetwork, track, rcpt: str) -> int:
    return sum(m["Message-ID"] == track.message_id for m in net.mailbox(rcpt))


def test_reply_lost_after_the_final_dot_is_retried_and_the_duplicate_shows(faulty):
    """mx1 took the message but its 250 never came back: the relay cannot know, tries mx2,
    and Bob gets two copies; the record shows the lost reply and the duplicate."""
    with MailNetwork() as net:
        proxy = faulty(net, "mx1.example.net", lambda n: n == 1)
        track = net.send(ALICE, "bob@example.net", "Hello Bob\n")
        assert proxy.lost == 1
        fate = track.fate("bob@example.net")
        assert fate.status == "delivered"
        assert _copies(net, track, "bob@example.net") == 2 and fate.duplicates == 1
        lost = [a for a in fate.attempts if a.stage == "SESSION"]
        assert len(lost) == 1 and lost[0].server == "mx1.example.net"
        assert "RFC 5321 §6.1" in lost[0].reply and lost[0].note == "trying the next MX"
        stored = [a for a in fate.attempts if a.stage == "DELIVERY"]
        assert [a.client for a in stored] == ["mx1.example.net", "mx2.example.net"]
        assert "RFC 1047" in stored[1].note and not stored[0].note
        assert "2 copies" in str(track) and "2 copies" in track._repr_html_()
        assert net.dsns(ALICE) == []


def test_one_drop_does_not_defer_the_rest_of_the_batch(faulty):
    """The MSA carries ten messages over one session to its only next hop; the reply to the
    third is lost.  The seven it never reached go again at once on a new connection, with no
    attempt counted: only the third waits for a retry (and arrives twice)."""
    with MailNetwork() as net:
        faulty(net, "relay.example.com", lambda n: n == 3)
        tracks = net.submit_many([(ALICE, ["bob@example.net"], f"n{i}\n") for i in range(10)])
        net.run()
        assert all(t.status["bob@example.net"] == "delivered" for t in tracks)
        waited = [t.id for t in tracks if t.delivered_at["bob@example.net"] > t.submitted_at]
        assert waited == [] and tracks[2].duplicates == {"bob@example.net": 1}
        for i, t in enumerate(tracks):
            msa = [a for a in t.attempts if a.client == "smtp.example.com"]
            assert [a.stage for a in msa] == (["SESSION", "END-OF-DATA"] if i == 2 else ["END-OF-DATA"])
        retry = [a for a in tracks[2].attempts if a.client == "smtp.example.com"]
        assert retry[1].time - retry[0].time == net.retry.first  # one attempt counted, one backoff
        assert sum(_copies(net, t, "bob@example.net") for t in tracks) == 11


def test_a_submission_whose_reply_was_lost_is_not_marked_rejected(faulty):
    """The MSA queued message 2 but the mail client never got its 250: the status follows
    the mailbox (delivered), and message 3, which the broken session never reached, is sent
    over a new connection instead of being marked rejected."""
    with MailNetwork() as net:
        faulty(net, "smtp.example.com", lambda n: n == 2)
        tracks = net.submit_many([(ALICE, ["bob@example.net"], f"n{i}\n") for i in range(3)])
        net.run()
        for t in tracks:
            status = t.status["bob@example.net"]
            assert status == "delivered", (t.id, status)
            assert _copies(net, t, "bob@example.net") == 1
        mua = [a for a in tracks[1].attempts if a.client == "mua.example.com"]
        assert [a.stage for a in mua] == ["SESSION"] and "RFC 5321 §6.1" in mua[0].reply
        assert "had queued it" in mua[0].note


def test_dsns_are_queued_and_retried_while_the_relay_is_down():
    """The relay is down: the MSA gives up on Bob's message after its lifetime and writes a
    DSN to Alice.  The DSN does not go out through the dead relay to be dropped: mail for the
    MSA's own domain goes to that domain's MX when the relay cannot take it.  Its first try
    meets a 451 there, and it is retried like any other mail."""
    busy = Rule("RCPT", "451 4.3.0 Try again later", to=ALICE, attempt=1)
    with MailNetwork(retry={"lifetime": 3600}, rules={"mx.example.com": [busy]}) as net:
        net.server("relay.example.com").stop()
        track = net.send(ALICE, "bob@example.net")
        assert track.status["bob@example.net"] == "bounced"
        dsn = track.fate("bob@example.net").bounce
        assert dsn is not None and dsn.status[ALICE] == "delivered"
        tries = [a for a in dsn.attempts if a.server == "mx.example.com"]
        assert [a.code for a in tries] == [451, 250]
        assert len(net.dsns(ALICE)) == 1 and net.settled


def test_accounting_holds_with_a_third_of_the_replies_lost(faulty):
    """30 % of the relay's end-of-data replies lost (the reliability review's case, where 185
    of 200 bounced without one attempt): every message arrives, none is bounced or rejected,
    every status agrees with the mailbox and every extra copy is counted as a duplicate."""
    rng = random.Random(15)
    with MailNetwork(retry={"lifetime": 6 * 3600}) as net:
        proxy = faulty(net, "relay.example.com", lambda n: rng.random() < 0.3)
        tracks = net.submit_many([(ALICE, ["bob@example.net"], f"n{i}\n") for i in range(200)])
        net.run()
        statuses = Counter(t.status["bob@example.net"] for t in tracks)
        assert statuses == {"delivered": 200}
        assert proxy.lost > 40
        copies = [_copies(net, t, "bob@example.net") for t in tracks]
        assert all(c >= 1 for c in copies)
        assert sum(copies) - 200 == sum(t.duplicates.get("bob@example.net", 0) for t in tracks)
        assert sum(copies) - 200 <= proxy.lost
        assert net.dsns(ALICE) == [] and not net.queued

