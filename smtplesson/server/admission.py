"""Who can reach a debug server: where it listens, and whom it lets in (its owner's programs,
within a budget of descriptors).

Where: :func:`check_host` takes an IP literal only (nothing is looked up) and a loopback one
unless ``allow_remote``.  Whom: a learner's kernel shares its host with other learners.  Two
things keep a neighbour from reaching or starving it, decided once per connection, before
anything is recorded:

* **Owner only** (:mod:`.peers`): a connection from another user's program is greeted
  ``554 5.7.1`` (RFC 5321 §3.1 allows 554 instead of 220 at the opening; the server then
  answers 503 to everything but QUIT, and records nothing: only :attr:`Door.refused`
  counts it).  At most :data:`STRANGERS_AT_ONCE` such sessions are open at a time; more are
  told ``421 4.7.0`` and closed (RFC 5321 §3.8 lets a server close after 421).
* **A budget of sessions** (:data:`BUDGET`), for the whole process since its servers share
  one descriptor limit: live sessions stay below ``RLIMIT_NOFILE``, less
  :data:`RESERVE` descriptors for the kernel's own files, halved because a lesson's client
  usually runs in the same process and costs a descriptor too.  The session beyond it is
  told ``421 4.7.0`` and closed.
"""
from __future__ import annotations

import errno
import ipaddress
import os
import socket
import threading
import warnings
from collections.abc import Callable
from typing import Any

from .peers import same_user

try:
    import resource
except ImportError:  # pragma: no cover - Windows: no descriptor limit to read
    resource = None  # type: ignore[assignment]

__all__ = ["BUDGET", "PEERS", "RESERVE", "STRANGERS_AT_ONCE", "Door", "Listener", "SessionBudget",
           "check_host", "connect_address"]

#: descriptors kept free for the kernel's own files, notebooks and imports
RESERVE = 64
#: other users' sessions open at once on one server (each only hears 554 and 503)
STRANGERS_AT_ONCE = 8
#: who may use a server: "owner" (the user who started it) or "anyone" (no check)
PEERS = ("owner", "anyone")
_LOOPBACK_NAMES = {"localhost": "127.0.0.1"}


def check_host(host: str, allow_remote: bool) -> str:
    """An IP literal (or "localhost"); names are refused so nothing is ever looked up, and
    an address other machines can reach needs ``allow_remote``."""
    host = _LOOPBACK_NAMES.get(host, host)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"host must be an IP address such as '127.0.0.1' (got {host!r}); "
            "the debug server never looks names up"
        ) from None
    if not address.is_loopback:
        if not allow_remote:
            raise ValueError(
                f"{host} can be reached from other machines, and anyone who reaches the "
                "server can fill its memory and disk; pass allow_remote=True "
                "(serve --allow-remote) if that is what you want")
        warnings.warn(f"the debug server listens on {host}: other machines can connect to it",
                      UserWarning, stacklevel=3)
    return host


def connect_address(host: str) -> str:
    """An address a local client can connect to: the loopback one for a wildcard bind."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)



class SessionBudget:
    """Live sessions of every debug server of this process, below the descriptor limit."""

    def __init__(self, limit: Callable[[], int] | None = None) -> None:
        self._limit = limit or _soft_nofile
        self._lock = threading.Lock()
        self.live = 0

    @property
    def cap(self) -> int:
        """How many sessions may be open at once: (soft RLIMIT_NOFILE - RESERVE) / 2, at least 8."""
        return max(8, (self._limit() - RESERVE) // 2)

    def take(self) -> bool:
        with self._lock:
            if self.live >= self.cap:
                return False
            self.live += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.live = max(0, self.live - 1)


def _soft_nofile() -> int:
    if resource is None:  # pragma: no cover
        return 2048
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return soft if soft != resource.RLIM_INFINITY and soft > 0 else 1 << 20


#: the one budget of this process
BUDGET = SessionBudget()


class Door:
    """One server's admission: the check, what the others are told, and how many were.

    ``refused`` counts by reason: "another user" (554) and "too many at once" (421).
    """

    def __init__(self, replies: dict[str, str], hostname: str, peers: str = "owner",
                 budget: SessionBudget = BUDGET,
                 check: Callable[[tuple[str, int], tuple[str, int]], bool] = same_user) -> None:
        if peers not in PEERS:
            raise ValueError(f"peers must be one of {', '.join(PEERS)} (got {peers!r})")
        self.peers = peers
        self.budget = budget
        self.check = check
        self.stranger_reply = replies["OTHER-USER"].format(hostname=hostname)
        self.busy_reply = replies["TOO-MANY-SESSIONS"].format(hostname=hostname)
        self.refused = {"another user": 0, "too many at once": 0}
        self.strangers = 0  # other users' sessions open now
        self._lock = threading.Lock()

    def admit(self, peer: Any, local: Any) -> str | None:
        """None for a session of the owner's (its place in the budget taken), else the reply
        that turns the connection away: a 554 greeting (another user: the session goes on
        unrecorded until QUIT) or a 421 (over a limit: closed after it)."""
        if self.peers == "owner" and not (isinstance(peer, tuple) and isinstance(local, tuple)
                                          and self.check(peer[:2], local[:2])):
            with self._lock:
                if self.strangers >= STRANGERS_AT_ONCE:
                    self.refused["too many at once"] += 1
                    return self.busy_reply
                self.strangers += 1
                self.refused["another user"] += 1
            return self.stranger_reply
        if self.budget.take():
            return None
        with self._lock:
            self.refused["too many at once"] += 1
        return self.busy_reply

    def left(self, owner: bool) -> None:
        """A session :meth:`admit` let in has ended (``owner``: it was the owner's)."""
        if owner:
            self.budget.give_back()
            return
        with self._lock:
            self.strangers = max(0, self.strangers - 1)

    def reset(self) -> None:
        with self._lock:
            self.refused = dict.fromkeys(self.refused, 0)


class Listener(socket.socket):
    """A listening socket that, at the process's descriptor limit, sheds the waiting
    connection instead of failing ``accept()``: it frees a spare descriptor it holds, accepts,
    says ``busy_reply`` (421), closes, and takes the spare back.  asyncio then sees "nothing
    to accept" and neither retries in a storm nor calls the loop's exception handler.  Only
    when the spare cannot be had does ``accept()`` fail as before (asyncio pauses a second).
    ``shed`` counts the connections turned away so.

    It is made with ``proto=IPPROTO_TCP``, as asyncio's own listeners are: the sockets it
    accepts inherit that number, and asyncio sets ``TCP_NODELAY`` only on a socket that
    says it is TCP.  Without it, a reply written in two pieces (aiosmtpd writes each EHLO
    line apart) waits on Nagle's algorithm for the client's delayed ACK, 40 ms a session."""

    def __init__(self, family: int, busy_reply: str) -> None:
        super().__init__(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.busy = busy_reply.encode("utf-8", "replace") + b"\r\n"
        self.shed = 0
        self._spare: int | None = _spare()

    def accept(self) -> tuple[socket.socket, Any]:
        try:
            return super().accept()
        except OSError as error:
            if error.errno not in (errno.EMFILE, errno.ENFILE) or self._spare is None:
                raise
            os.close(self._spare)
            self._spare = None
            try:
                conn, _ = super().accept()
            except OSError:
                raise error from None
            finally:
                self._spare = _spare()
            with conn:
                self.shed += 1
                try:
                    conn.send(self.busy)
                except OSError:
                    pass
            raise BlockingIOError(errno.EAGAIN, "connection shed at the descriptor limit") from None

    def close(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:
            os.close(spare)
        super().close()


def _spare() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY)
    except OSError:
        return None
