"""Who is on the other end of a connection: the check that keeps a learner's servers theirs.

On a shared host (a classroom hub) every learner's servers listen on the same loopback, and
``/proc/net/tcp`` tells everyone their ports.  A debug server therefore answers only the
programs of the user who started it: at each new connection it finds the owner of the
*client's* socket and compares it with its own user id (:func:`same_user`).

Linux
    The kernel's socket-diagnostics interface (sock_diag over netlink, the one ``ss`` uses)
    looks up the client's end of the connection exactly -- local address the server's peer,
    remote address the server's own end -- and answers with the user who created that
    socket and its inode (0 when no process holds it any more: a socket closed early, or a
    time-wait entry).  One request per connection, whatever the number of sockets on the
    host.  Where netlink is not available, the same row is read from ``/proc/net/tcp`` (or
    ``tcp6``), whose ``uid`` and ``inode`` columns say the same, at a cost that grows with
    the table (about 20 ms on a busy host of 8,000 sockets).
Elsewhere (macOS, Windows: a laptop)
    No table says whose a socket is without administrator rights, so the server accepts
    only connections from its own process (psutil lists the process's own sockets): lesson
    cells and the mail network's hops pass, a program in another terminal does not
    (``peers="anyone"`` lets it in).

A connection whose owner cannot be determined is refused, never accepted.  Root is treated
like any other user: a learner's server answers only that learner (root can read the
kernel's memory anyway, so refusing it protects nothing and costs nothing; an instructor
who wants to look connects as the learner).  A peer on another machine (a server opened
with ``allow_remote=True``) has no row here: it is let in, since that is what the option
asks for.
"""
from __future__ import annotations

import atexit
import functools
import ipaddress
import os
import socket
import struct
import sys
import threading

__all__ = ["owner_uid", "same_process", "same_user"]

_TABLES = {4: "/proc/net/tcp", 6: "/proc/net/tcp6"}
#: the columns of a /proc/net/tcp row: sl local rem st queues timer retrnsmt uid timeout inode
_UID, _INODE = 7, 9
_Ip = ipaddress.IPv4Address | ipaddress.IPv6Address


def _hex(ip: _Ip, port: int) -> bytes:
    """An address as /proc/net/tcp writes it: the address in 32-bit words of host byte order,
    then the port, both in upper-case hex."""
    words = struct.unpack(f"={len(ip.packed) // 4}I", ip.packed)
    return ("".join(f"{w:08X}" for w in words) + f":{port:04X}").encode()


@functools.lru_cache(maxsize=64)
def _ip(text: str) -> _Ip:
    """An address parsed once: a server's peers are mostly the same loopback address."""
    return ipaddress.ip_address(text.split("%", 1)[0])


def _forms(address: tuple[str, int]) -> list[tuple[int, _Ip, int]]:
    """(table, ip, port) under which an endpoint may be listed: an IPv4-mapped IPv6 address
    (a dual-stack server's view of an IPv4 client) in the IPv4 table, then as it is."""
    ip = _ip(address[0])
    port = int(address[1])
    forms: list[tuple[int, _Ip, int]] = []
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        forms.append((4, ip.ipv4_mapped, port))
    forms.append((ip.version, ip, port))
    return forms


# sock_diag (linux/sock_diag.h, linux/inet_diag.h): one exact lookup of one TCP socket
_NETLINK_SOCK_DIAG, _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, _NLMSG_ERROR = 4, 20, 1, 2
_HEADER = struct.Struct("=IHHII")  # struct nlmsghdr: length, type, flags, sequence, port id
_REQUEST = struct.Struct("=BBBBI")  # struct inet_diag_req_v2 up to its socket id
_SOCKET_ID = struct.Struct("!HH16s16s")  # ports and addresses, in network byte order ...
_ID_TAIL = struct.Struct("=III")  # ... then interface and the cookie (any: ~0, ~0)
_UID_AT = _HEADER.size + 4 + 48 + 12  # struct inet_diag_msg: 4 bytes, the id, 3 counters, uid


def _diag_owner(version: int, ip: _Ip, port: int, server_ip: _Ip, server_port: int) -> int | None:
    """(uid, or None for a socket no process holds) of the TCP socket ``ip:port`` ->
    ``server_ip:server_port``, asked of the kernel; raises LookupError when there is none."""
    family = socket.AF_INET if version == 4 else socket.AF_INET6
    request = (_REQUEST.pack(family, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF)
               + _SOCKET_ID.pack(port, server_port, ip.packed.ljust(16, b"\0"),
                                 server_ip.packed.ljust(16, b"\0"))
               + _ID_TAIL.pack(0, 0xFFFFFFFF, 0xFFFFFFFF))
    answer = _ask_kernel(request)
    length, kind = _HEADER.unpack_from(answer)[:2]
    if kind == _NLMSG_ERROR or length < _UID_AT + 8:
        raise LookupError("no such socket")
    uid, inode = struct.unpack_from("=II", answer, _UID_AT)
    return uid if inode else None


class _Link:
    """This process's netlink socket for sock_diag, opened at the first question and kept
    (a socket, a bind and a close less for every connection); one question at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.socket: socket.socket | None = None
        self.pid = 0
        self.sequence = 0

    def ask(self, request: bytes) -> bytes:
        """The kernel's answer to one request.  It answers while it takes the request, so the
        answer is waiting when ``send`` returns; one with another sequence number (left over
        from a question that failed) is passed over."""
        with self.lock:
            if self.socket is None or self.pid != os.getpid():  # none yet, or the parent's (a fork)
                self.close()
                self.socket = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG)
                self.pid = os.getpid()
            self.sequence = sequence = (self.sequence + 1) & 0xFFFFFFFF
            try:
                self.socket.send(_HEADER.pack(_HEADER.size + len(request), _SOCK_DIAG_BY_FAMILY,
                                              _NLM_F_REQUEST, sequence, 0) + request)
                while True:
                    answer = self.socket.recv(8192, socket.MSG_DONTWAIT)
                    if len(answer) >= _HEADER.size and _HEADER.unpack_from(answer)[3] == sequence:
                        return answer
            except OSError:
                self.close()
                raise

    def close(self) -> None:
        link, self.socket = self.socket, None
        if link is not None:
            link.close()


_LINK = _Link()
_ask_kernel = _LINK.ask
atexit.register(_LINK.close)


def owner_uid(client: tuple[str, int], server: tuple[str, int]) -> int | None:
    """The user id that owns the client's end of the TCP connection ``client`` -> ``server``
    (as the server sees them: its peer, its own address): asked of the kernel (sock_diag),
    else read from /proc/net/tcp{,6}.

    None when there is no such socket or no process holds it any more (inode 0).
    Raises OSError when neither can be read (not Linux).
    """
    forms = list(zip(_forms(client), _forms(server), strict=False))
    try:
        for (version, ip, port), (_, server_ip, server_port) in forms:
            try:
                return _diag_owner(version, ip, port, server_ip, server_port)
            except LookupError:
                continue
        return None
    except OSError:
        pass  # no netlink here (or no sock_diag for TCP): the table, then
    for (version, ip, port), (_, server_ip, server_port) in forms:
        key = b" " + _hex(ip, port) + b" " + _hex(server_ip, server_port) + b" "
        with open(_TABLES[version], "rb") as table:
            text = table.read()
        at = text.find(key)
        if at < 0:
            continue
        line = text[text.rfind(b"\n", 0, at) + 1:text.find(b"\n", at)].split()
        if len(line) <= _INODE or line[_INODE] == b"0":
            return None
        return int(line[_UID])
    return None


def same_process(client: tuple[str, int]) -> bool:
    """Whether the client's end of the connection is a socket of this very process."""
    import psutil  # type: ignore[import-untyped]

    host, port = client[0], int(client[1])
    return any(c.laddr and c.laddr.port == port and c.laddr.ip == host
               for c in psutil.Process().net_connections(kind="tcp"))


def same_user(client: tuple[str, int], server: tuple[str, int]) -> bool:
    """Whether the program at ``client`` belongs to the user running this server (see the
    module docstring: Linux compares user ids, elsewhere only this process's own sockets
    pass).  Never True for a connection it cannot place, except a peer on another machine."""
    if sys.platform.startswith("linux"):
        try:
            uid = owner_uid(client, server)
        except (OSError, ValueError):
            return False
        if uid is not None:
            return uid == os.getuid()
        return _remote(client, server)
    try:
        return same_process(client) or _remote(client, server)
    except Exception:  # psutil missing or denied: the owner is unknown
        return False


def _remote(client: tuple[str, int], server: tuple[str, int]) -> bool:
    """A peer this machine does not list: another machine's, when the server listens beyond
    loopback; never a loopback peer (that one is local and merely unplaced)."""
    try:
        ip = ipaddress.ip_address(client[0].split("%", 1)[0])
        listening = ipaddress.ip_address(server[0].split("%", 1)[0])
    except ValueError:
        return False
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return not (ip.is_loopback or (mapped is not None and mapped.is_loopback)) and not listening.is_loopback

