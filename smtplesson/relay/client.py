"""The sending side of one SMTP session: commands out, replies back, nothing decided here.

A :class:`Session` connects with :mod:`smtplib`, says EHLO, logs in if asked, then carries a
batch of :class:`Transaction` objects.  With RFC 2920 PIPELINING each write carries the previous
message's content (ending in ".") and the next transaction's MAIL, RCPT... and DATA, and the
client then reads all their replies; without it the same commands go one at a time.  Each
transaction comes back as a :class:`Result`: every reply it met, and whether the connection
broke during it.  What a reply means for a recipient (delivered, retry, bounce) is the
relay's business (:mod:`smtplesson.relay.routing`).
"""
from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from ..codes.syntax import code_of
from .layout import LOOPBACK
from .tls_policy import start_tls

__all__ = ["TIMEOUT", "Failure", "Result", "Session", "Transaction", "dot_stuff", "one_line"]

TIMEOUT = 10.0
_ACCEPTED = (250, 251, 252)


@dataclass(frozen=True)
class Transaction:
    """One message to hand over: the envelope and the content."""

    sender: str
    recipients: Sequence[str]
    data: bytes


@dataclass
class Result:
    """The replies one transaction met, in order, as ``(stage, reply)`` pairs."""

    replies: list[tuple[str, str]] = field(default_factory=list)
    mail: str | None = None  # reply to MAIL FROM
    rcpt: dict[str, str] = field(default_factory=dict)  # recipient -> reply to its RCPT TO
    data: str | None = None  # reply to DATA (354 or a refusal)
    end: str | None = None  # reply to the final "."
    sent_content: bool = False  # the message and its final "." went out
    lost: bool = False  # the connection broke during this transaction

    @property
    def accepted(self) -> list[str]:
        """Recipients whose RCPT TO got 250, 251 or 252."""
        return [r for r, reply in self.rcpt.items() if _code(reply) in _ACCEPTED]


@dataclass(frozen=True)
class Failure:
    """The session failed before any transaction: at CONNECT, EHLO or AUTH."""

    stage: str
    reply: str
    transient: bool = False  # no SMTP reply at all (refused, reset): try another host


class Session:
    """One SMTP session from ``helo`` to the server ``name`` listening on ``port`` (loopback)."""

    def __init__(self, helo: str, name: str, port: int, *, timeout: float = TIMEOUT,
                 address: str = LOOPBACK, source: str | None = None, tls: str = "none",
                 ca_path: str = "", tls_match: tuple[str, ...] = ()) -> None:
        self.helo = helo
        self.name = name
        self.port = port
        self.timeout = timeout
        self.address = address  # where the server listens
        self.source = source  # the client's own address (None: any)
        self.tls = tls  # STARTTLS level (relay.tls_policy.LEVELS)
        self.ca_path = ca_path
        self.tls_match = tls_match  # level "secure": the names the certificate must match (MTA-STS mx)
        self._smtp: smtplib.SMTP | None = None

    def open(self, creds: tuple[str, str] | None = None) -> Failure | None:
        """Connect, EHLO and (with ``creds``) AUTH; the failure, or None when ready."""
        try:
            smtp = smtplib.SMTP(self.address, self.port, local_hostname=self.helo, timeout=self.timeout,
                                source_address=(self.source, 0) if self.source else None)
        except smtplib.SMTPConnectError as exc:  # greeting was not 220 (e.g. 421 shutting down)
            return Failure("CONNECT", one_line(exc.smtp_code, exc.smtp_error))
        except OSError as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            return Failure("CONNECT", f"connect to {self.name}: {reason}", True)
        self._smtp = smtp
        if smtp.sock is not None:  # pipelined writes go out at once (no Nagle wait for an ACK)
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            code, text = smtp.ehlo()
            if code != 250:
                return Failure("EHLO", one_line(code, text))
            why = start_tls(smtp, self.tls, name=self.name, address=self.address, ca_path=self.ca_path,
                            match=self.tls_match)
            if why is not None:  # the client's own decision (Postfix: TLS policy), no reply
                return Failure("STARTTLS", why, True)  # Postfix tries the next MX
            if creds is not None:
                return self._login(smtp, creds)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            return Failure("EHLO", f"lost connection with {self.name}: {exc}", True)
        return None

    @staticmethod
    def _login(smtp: smtplib.SMTP, creds: tuple[str, str]) -> Failure | None:
        try:
            smtp.login(*creds)
            return None
        except smtplib.SMTPAuthenticationError as exc:
            reply = one_line(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPNotSupportedError:
            reply = "502 5.5.1 AUTH not offered by the server"
        except smtplib.SMTPException as exc:
            reply = f"AUTH failed: {exc}"
        return Failure("AUTH", reply)

    def send(self, batch: Sequence[Transaction], before_content: Callable[[int], None]
             ) -> Iterator[tuple[int, Result | None]]:
        """Carry every transaction; yield ``(index, result)`` as each one completes.

        ``before_content(i)`` runs just before transaction ``i``'s content is written.  When
        the server closes (421) or the connection breaks, the transaction in flight carries
        the blame and every later one comes back as None: it was never tried.
        """
        smtp = self._smtp
        assert smtp is not None, "open() the session first"
        lockstep = not smtp.has_extn("pipelining")
        carry: tuple[int, Result] | None = None  # a transaction whose content goes next
        need_rset = False
        done = 0
        for i in range(len(batch) + 1):
            t = batch[i] if i < len(batch) else None
            if carry is None and t is None:
                return
            chunks = []
            if carry is not None:
                before_content(carry[0])
                chunks.append(dot_stuff(batch[carry[0]].data))
            if t is not None:
                if need_rset:
                    chunks.append(b"RSET\r\n")
                chunks.append(f"MAIL FROM:<{t.sender}>\r\n".encode())
                chunks += [f"RCPT TO:<{r}>\r\n".encode() for r in t.recipients]
                chunks.append(b"DATA\r\n")
            replies = _exchange(smtp, chunks, lockstep)
            current = Result()
            blame: Result = carry[1] if carry is not None else current
            try:
                if carry is not None:
                    n, result = carry
                    result.sent_content = True
                    result.end = one_line(*next(replies))
                    result.replies.append(("END-OF-DATA", result.end))
                    carry = None
                    done = n + 1
                    yield n, result
                    if _code(result.end) == 421:
                        break
                if t is None:
                    return
                blame = current
                if need_rset:
                    next(replies)
                closed = _read_group(replies, t, current)
                need_rset = True
                if not closed and _code(current.data) == 354 and current.accepted:
                    carry, need_rset = (i, current), False
                    continue
                done = i + 1
                yield i, current
                if closed:
                    break
            except (smtplib.SMTPServerDisconnected, OSError):
                blame.lost = True
                index = i if blame is current else (carry[0] if carry else i)
                done = index + 1
                yield index, blame
                break
        for j in range(done, len(batch)):
            yield j, None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            smtp.close()


def _read_group(replies: Iterator[tuple[int, bytes]], t: Transaction, result: Result) -> bool:
    """Replies to MAIL, RCPT... and DATA of one transaction; True when the server closed (421)."""
    result.mail = one_line(*next(replies))
    result.replies.append(("MAIL FROM", result.mail))
    if _code(result.mail) == 421:
        return True
    for r in t.recipients:
        reply = one_line(*next(replies))
        result.rcpt[r] = reply
        result.replies.append((f"RCPT TO <{r}>", reply))
        if _code(reply) == 421:
            return True
    result.data = one_line(*next(replies))
    result.replies.append(("DATA", result.data))
    return _code(result.data) == 421


def _exchange(smtp: smtplib.SMTP, chunks: list[bytes], lockstep: bool) -> Iterator[tuple[int, bytes]]:
    """Send commands (all at once when pipelining) and yield their replies in order."""
    if not lockstep:
        smtp.send(b"".join(chunks))
    for chunk in chunks:
        if lockstep:
            smtp.send(chunk)
        yield smtp.getreply()


def _code(reply: str | None) -> int | None:
    return code_of(reply) if reply is not None else None


def one_line(code: int, text: bytes | str) -> str:
    """smtplib's (code, text) back into one line: ``"451 4.7.1 Greylisted"``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}".rstrip()


def dot_stuff(data: bytes) -> bytes:
    """Message content for DATA (RFC 5321 §4.5.2): leading dots doubled, then "." alone."""
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    if data.startswith(b"."):
        data = b"." + data
    return data.replace(b"\r\n.", b"\r\n..") + b".\r\n"
