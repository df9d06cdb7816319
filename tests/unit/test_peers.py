"""The peer check (server/peers.py) and the door that uses it (server/admission.py)."""
from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys

import pytest

from smtplesson.server.admission import RESERVE, STRANGERS_AT_ONCE, Door, SessionBudget
from smtplesson.server.peers import _hex, _remote, owner_uid, same_process, same_user
from smtplesson.server.protocol import REPLIES

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/net/tcp is Linux's")


@pytest.fixture
def pair():
    """A connected loopback pair: (the server's view of its peer, the server's own address)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        client = socket.create_connection(listener.getsockname())
        conn, peer = listener.accept()
        with client, conn:
            yield peer, conn.getsockname()


def test_addresses_are_written_as_proc_net_tcp_writes_them() -> None:
    expected = b"0100007F:0019" if sys.byteorder == "little" else b"7F000001:0019"
    assert _hex(ipaddress.ip_address("127.0.0.1"), 25) == expected
    loopback6 = _hex(ipaddress.ip_address("::1"), 587)
    assert loopback6.endswith(b":024B") and len(loopback6) == 32 + 5


@linux
def test_the_owner_of_a_local_client_is_this_user(pair) -> None:
    peer, local = pair
    assert owner_uid(peer, local) == os.getuid()
    assert same_user(peer, local)


@linux
def test_the_kernel_and_the_table_name_the_same_owner(pair, monkeypatch: pytest.MonkeyPatch) -> None:
    from smtplesson.server import peers

    peer, local = pair
    ip, server_ip = ipaddress.ip_address(peer[0]), ipaddress.ip_address(local[0])
    assert peers._diag_owner(4, ip, peer[1], server_ip, local[1]) == os.getuid()  # sock_diag
    with pytest.raises(LookupError):
        peers._diag_owner(4, ip, peer[1] ^ 1, server_ip, local[1])

    def no_netlink(*args: object) -> None:
        raise OSError("no netlink here")

    monkeypatch.setattr(peers, "_diag_owner", no_netlink)  # the /proc/net/tcp fallback
    assert owner_uid(peer, local) == os.getuid()
    assert owner_uid((peer[0], peer[1] ^ 1), local) is None


@linux
def test_a_loopback_peer_no_table_lists_is_refused(pair) -> None:
    peer, local = pair
    stranger = (peer[0], peer[1] ^ 1)  # a port with no such connection
    assert owner_uid(stranger, local) is None
    assert not same_user(stranger, local)


def test_only_a_peer_on_another_machine_may_be_unlisted() -> None:
    assert _remote(("192.0.2.7", 40000), ("192.0.2.10", 25))  # allow_remote: another machine
    assert not _remote(("127.0.0.1", 40000), ("127.0.0.1", 25))
    assert not _remote(("::ffff:127.0.0.1", 40000), ("::ffff:127.0.0.1", 25))
    assert not _remote(("192.0.2.7", 40000), ("127.0.0.1", 25))
    assert not _remote(("not an address", 1), ("127.0.0.1", 25))


def test_the_fallback_admits_this_process_and_no_other(pair) -> None:
    pytest.importorskip("psutil")
    peer, _ = pair
    assert same_process(peer)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        child = subprocess.Popen([sys.executable, "-c", "import socket, sys; s = socket.create_connection("
                                  f"('127.0.0.1', {listener.getsockname()[1]})); sys.stdin.read()"],
                                 stdin=subprocess.PIPE)
        try:
            conn, other = listener.accept()
            with conn:
                assert not same_process(other)
        finally:
            child.communicate()


def _door(check_result: bool, limit: int = 10_000, peers: str = "owner") -> Door:
    return Door(REPLIES, "mx.example.net", peers, SessionBudget(lambda: limit),
                lambda peer, local: check_result)


PEER, LOCAL = ("127.0.0.1", 40000), ("127.0.0.1", 2525)


def test_another_users_program_hears_554_and_only_a_few_at_once() -> None:
    door = _door(False)
    replies = [door.admit(PEER, LOCAL) for _ in range(STRANGERS_AT_ONCE + 2)]
    first = replies[:STRANGERS_AT_ONCE]
    assert all(r is not None and r.startswith("554 5.7.1 mx.example.net ") for r in first)
    assert all(r is not None and r.startswith("421 4.7.0 ") for r in replies[STRANGERS_AT_ONCE:])
    assert door.refused == {"another user": STRANGERS_AT_ONCE, "too many at once": 2}
    door.left(owner=False)
    assert door.admit(PEER, LOCAL).startswith("554 ")  # type: ignore[union-attr]
    assert door.budget.live == 0  # strangers never take the owner's places


def test_the_owner_gets_in_within_the_budget_and_421_beyond() -> None:
    door = _door(True, limit=RESERVE + 2 * 8)  # a budget of 8 sessions
    assert door.budget.cap == 8
    assert [door.admit(PEER, LOCAL) for _ in range(8)] == [None] * 8
    assert door.admit(PEER, LOCAL) == REPLIES["TOO-MANY-SESSIONS"].format(hostname="mx.example.net")
    door.left(owner=True)
    assert door.admit(PEER, LOCAL) is None
    assert door.refused == {"another user": 0, "too many at once": 1}
    door.reset()
    assert door.refused == {"another user": 0, "too many at once": 0}


def test_anyone_skips_the_check_and_a_bad_setting_is_refused() -> None:
    assert _door(False, peers="anyone").admit(PEER, LOCAL) is None
    assert _door(False).admit("unix-socket", LOCAL) is not None  # an unplaceable peer: refused
    with pytest.raises(ValueError, match="peers must be one of"):
        _door(True, peers="everyone")


@linux
def test_the_kernel_is_asked_over_one_socket_and_a_stale_answer_is_passed_over(pair) -> None:
    from smtplesson.server import peers

    peer, local = pair
    assert same_user(peer, local)
    link = peers._LINK.socket
    assert link is not None

    class Stale:
        """The kept socket, with an answer to an earlier question waiting before the right one."""

        def __init__(self) -> None:
            self.waiting = [peers._HEADER.pack(peers._HEADER.size, peers._NLMSG_ERROR, 0, 0, 0)]

        def send(self, data: bytes) -> int:
            return link.send(data)

        def recv(self, size: int, flags: int = 0) -> bytes:
            return self.waiting.pop() if self.waiting else link.recv(size, flags)

    peers._LINK.socket = Stale()  # type: ignore[assignment]
    try:
        assert owner_uid(peer, local) == os.getuid()
    finally:
        peers._LINK.socket = link
    assert same_user(peer, local) and peers._LINK.socket is link  # the same socket, kept
