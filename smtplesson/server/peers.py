"""Who is on the other end of a connection: the check that keeps a learner's servers theirs.

On a shared host (a classroom hub) every learner's servers listen on the same loopback, and
``/proc/net/tcp`` tells everyone their ports.  A debug server therefore answers only the
programs of the user who started it: at each new connection it finds the owner of the
*client's* socket and compares it with its own user id (:func:`same_user`).

Linux
    The client's end of a loopback connection is a row of ``/proc/net/tcp`` (or ``tcp6``)
    whose local address is the server's peer and whose remote address is the server's own
    end; its ``uid`` column is the user who created that socket, its ``inode`` is 0 when no
    process holds it any more (a socket closed early, or a time-wait entry, whose uid reads
    0).  One read of one table per connection, at the connection only.
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

import ipaddress
import os
import struct
import sys

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


def _forms(address: tuple[str, int]) -> list[tuple[int, _Ip, int]]:
    """(table, ip, port) under which an endpoint may be listed: an IPv4-mapped IPv6 address
    (a dual-stack server's view of an IPv4 client) in the IPv4 table, then as it is."""
    ip = ipaddress.ip_address(address[0].split("%", 1)[0])
    port = int(address[1])
    forms: list[tuple[int, _Ip, int]] = []
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        forms.append((4, ip.ipv4_mapped, port))
    forms.append((ip.version, ip, port))
    return forms


def owner_uid(client: tuple[str, int], server: tuple[str, int]) -> int | None:
    """The user id that owns the client's end of the TCP connection ``client`` -> ``server``
    (as the server sees them: its peer, its own address), from /proc/net/tcp{,6}.

    None when the row is not there or no process holds the socket any more (inode 0).
    Raises OSError when the table cannot be read (not Linux).
    """
    for (version, ip, port), (_, server_ip, server_port) in zip(_forms(client), _forms(server), strict=False):
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

