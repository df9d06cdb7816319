"""Postfix-format log lines for every hop's work, written from the network's own record.

Every host of the network logs as if it ran Postfix (3.7, ``maillog_file``): the server side
(``smtpd`` connect, ``client=``, ``NOQUEUE: reject``, disconnect with command counts;
``cleanup`` message-id; ``qmgr`` ``from=<…>, size=…, nrcpt=…``), the sending side (``smtp``
``to=<…>, relay=host[ip]:25, delay=…, delays=a/b/c/d, dsn=…, status=sent|deferred|bounced
(…)``, ``connect to …: Connection refused``, ``refused to talk to me``, ``delivery temporarily
suspended``), local delivery (``local … status=sent (delivered to mailbox)``), the queue's
give-up (``status=expired, returned to sender``), the ``bounce`` daemon's ``sender
non-delivery notification`` and ``qmgr … removed``.  The shapes are checked field by field
against lines Debian's Postfix 3.7.11 wrote on this machine
(``tests/unit/data/maillog/postfix.log``, made by ``tools/fixtures/make_maillog.sh``).

What differs from a real Postfix log, on purpose: times are the simulated clock's, so
``delay=`` is the time since the message reached that host (the queue's waiting goes in the
second ``delays=`` field, the qmgr's, as Postfix counts a deferred message's wait) and the
other three fields are 0; queue ids are the network's (``R0000A``, the ids in ``Received:``
headers), process ids are made up; every ``relay=`` shows port 25; lines of one message
come together when they happen at the same simulated second.

:class:`MailLog` records what each host accepted (size, envelope, client) as it happens;
:meth:`MailLog.lines` writes the log from that and the tracked messages.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ...bounces import status_of

if TYPE_CHECKING:  # pragma: no cover
    from ..delivery import Arrival
    from ..tracking import Attempt, TrackedMessage

__all__ = ["Accepted", "MailLog", "delivery_line", "format_delay", "stamp"]

#: postlogd's time stamp (``maillog_file``): ``Dec 06 21:58:45``
STAMP = "%b %d %H:%M:%S"
#: the words Postfix puts after "in reply to" for each stage of the network's record
IN_REPLY_TO = {"MAIL FROM": "MAIL FROM command", "RCPT TO": "RCPT TO command", "DATA": "DATA command",
               "END-OF-DATA": "end of DATA command", "EHLO": "EHLO command", "AUTH": "AUTH command"}
_HEAD = 8192  # bytes of a message's header section kept for its log record
_QUEUED_AS = re.compile(r"queued as (\S+)")
_RECEIVED_ID = re.compile(rb" id ([0-9A-Za-z]+)")
_MESSAGE_ID = re.compile(rb"\r\nMessage-ID:[ \t]*(<[^>\r\n]*>)", re.IGNORECASE)
NEXT_MX = "trying the next MX"
#: the roles whose hosts run an SMTP server (and so log smtpd lines)
SERVERS = ("MSA", "MTA", "MX", "LIST")


def stamp(when: float) -> str:
    return datetime.fromtimestamp(when, tz=UTC).strftime(STAMP)


def format_delay(seconds: float) -> str:
    """A delay as Postfix's ``format_tv`` writes it: whole seconds from 10 s up, else two
    significant digits, down to its 10 ms resolution (``0``, ``0.04``, ``1.2``, ``600``)."""
    if seconds >= 10:
        return str(int(seconds))
    if seconds < 0.01:
        return "0"
    text = f"{seconds:.2g}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def delivery_line(qid: str, rcpt: str, relay: str, delay: float, dsn: str, status: str,
                  detail: str) -> str:
    """The text of one ``smtp``/``local`` delivery record (log_adhoc.c's format)."""
    delays = "/".join(format_delay(x) for x in (0.0, delay, 0.0, 0.0))
    return (f"{qid}: to=<{rcpt}>, relay={relay}, delay={format_delay(delay)}, delays={delays}, "
            f"dsn={dsn}, status={status} ({detail})")


@dataclass(frozen=True)
class Accepted:
    """What one host accepted: a message with its queue id, as the ``qmgr`` line sees it."""

    time: float
    host: str
    qid: str
    sender: str
    recipients: tuple[str, ...]
    client: str  # the client's EHLO name
    ip: str
    authenticated: bool
    size: int
    message_id: str


class _Writer:
    """Lines in the making: ``(time, order, host, program, text)``."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, int, str, str, str]] = []
        self._pids: dict[tuple[str, str], int] = {}

    def add(self, when: float, host: str, program: str, text: str) -> None:
        self.rows.append((when, len(self.rows), host, program, text))

    def pid(self, host: str, program: str) -> int:
        return self._pids.setdefault((host, program), 1000 + 37 * len(self._pids))

    def lines(self, host: str | None) -> list[str]:
        out = []
        for when, _, h, program, text in sorted(self.rows):
            pid = self.pid(h, program)  # the same ids whichever host is asked for
            if host is None or h == host:
                out.append(f"{stamp(when)} {h.split('.')[0]} postfix/{program}[{pid}]: {text}")
        return out


class MailLog:
    """The log of a network: :meth:`accepted` is each host's hook, :meth:`lines` the log."""

    def __init__(self, clock: Callable[[], float], address_of: Callable[[str], str]) -> None:
        self.clock = clock
        self.address_of = address_of  # host name -> its IP address
        self._accepted: dict[tuple[str, str], Accepted] = {}
        #: (time, host, sender, recipients, helo, peer, authenticated, size, header section), read
        #: when the log is asked for: plain values only, which the garbage collector stops
        #: scanning (a kept Arrival would be two more objects it scans again and again)
        self._raw: list[tuple[float, str, str, tuple[str, ...], str, str, bool, int, bytes]] = []
        self._lock = threading.Lock()

    def accepted(self, arrival: Arrival, data: bytes) -> bytes:
        """A host took a message (a :data:`~smtplesson.relay.delivery.Transform` step): keep
        the envelope, the size and the header section; they are read when the log is written."""
        end = data.find(b"\r\n\r\n", 0, _HEAD)
        self._raw.append((self.clock(), arrival.host.name, arrival.sender, arrival.recipients, arrival.helo,
                          arrival.peer, arrival.authenticated, len(data), data[: end if end >= 0 else _HEAD]))
        return data

    def _records(self) -> dict[tuple[str, str], Accepted]:
        """What each host accepted, by (host, queue id): the kept header sections read now."""
        with self._lock:
            n = len(self._raw)  # appends from the servers' threads land after n: none is lost
            fresh = self._raw[:n]
            del self._raw[:n]
            for when, host, sender, recipients, helo, peer, authenticated, size, head in fresh:
                found = _RECEIVED_ID.search(head)
                mid = _MESSAGE_ID.search(b"\r\n" + head)
                record = Accepted(when, host, found.group(1).decode() if found else "?", sender, recipients,
                                  helo, peer or "127.0.0.1", authenticated, size,
                                  mid.group(1).decode("ascii", "replace") if mid else "")
                self._accepted[(record.host, record.qid)] = record
            return dict(self._accepted)

    def lines(self, tracks: Sequence[TrackedMessage], roles: dict[str, str], host: str | None = None
              ) -> list[str]:
        """Every line, oldest first (``host``: only that host's lines)."""
        return _Render(self._records(), roles, self.address_of).run(tracks).lines(host)


class _Render:
    """One pass over the tracked messages, in order, writing each host's lines."""

    def __init__(self, accepted: dict[tuple[str, str], Accepted], roles: dict[str, str],
                 address_of: Callable[[str], str]) -> None:
        self.accepted = accepted
        self.roles = roles
        self.address_of = address_of
        self.out = _Writer()
        self.suspended: dict[tuple[float, str, str], str] = {}  # a dead site in this queue run
        self.dsn_origin: dict[str, tuple[TrackedMessage, str]] = {}  # DSN track id -> (original, qid)
        self.expired: set[tuple[str, str]] = set()  # (host, qid) given up

    def run(self, tracks: Sequence[TrackedMessage]) -> _Writer:
        for t in tracks:
            for bt in t.bounce_for.values():
                self.dsn_origin.setdefault(bt.id, (t, ""))
        for t in tracks:
            self.track(t)
        return self.out

    def name(self, host: str) -> str:
        return f"{host}[{self.address_of(host)}]"

    # -- one message ----------------------------------------------------------------
    def track(self, t: TrackedMessage) -> None:
        qids: dict[str, Accepted] = {}  # host -> what it accepted of this message
        pending: dict[str, set[str]] = {}  # host -> recipients it still holds
        if t.is_bounce and t.attempts:
            self.dsn(t, t.attempts[0].client, qids, pending)
        attempts = t.attempts
        i = 0
        while i < len(attempts):
            j = i + 1
            while j < len(attempts) and _same_session(attempts[i], attempts[j]):
                j += 1
            self.session(t, attempts[i:j], qids, pending)
            i = j

    def dsn(self, t: TrackedMessage, origin: str, qids: dict[str, Accepted],
            pending: dict[str, set[str]]) -> None:
        """The bounce daemon writes a DSN on the host that failed: notification, cleanup, qmgr."""
        original, _ = self.dsn_origin.get(t.id, (None, ""))
        qid = f"{origin[:1].upper()}B{int(t.id[1:]):04X}" if t.id[1:].isdigit() else t.id
        size = 0
        if original is not None:
            dsn = next((m for r, m in original.dsn_for.items() if original.bounce_for.get(r) is t), None)
            size = len(dsn.as_bytes()) if dsn is not None else 0
            held = next((a for (h, _), a in self.accepted.items()
                         if h == origin and a.message_id == original.message_id), None)
            if held is not None:
                self.out.add(t.submitted_at, origin, "bounce",
                             f"{held.qid}: sender non-delivery notification: {qid}")
        record = Accepted(t.submitted_at, origin, qid, "", t.recipients, origin, self.address_of(origin),
                          False, size, t.message_id)
        self.out.add(t.submitted_at, origin, "cleanup", f"{qid}: message-id={t.message_id}")
        self.out.add(t.submitted_at, origin, "qmgr",
                     f"{qid}: from=<>, size={size}, nrcpt={len(t.recipients)} (queue active)")
        qids[origin] = record
        pending[origin] = set(t.recipients)

    def session(self, t: TrackedMessage, group: Sequence[Attempt], qids: dict[str, Accepted],
                pending: dict[str, set[str]]) -> None:
        """One hand-over (or the host's own work: local delivery, the queue's give-up)."""
        smtp: list[Attempt] = []
        for a in group:
            if a.stage in ("QUEUE", "DSN", "EXPANSION"):
                self.queue_event(a, qids, pending)
            elif a.server == "mailbox":
                self.local(a, qids, pending)
            else:
                if self.roles.get(a.client) != "MUA":
                    self.sent(a, qids, pending)
                smtp.append(a)
        if smtp and smtp[0].stage not in ("CONNECT", "DNS") and self.roles.get(smtp[0].server) in SERVERS:
            self.smtpd(t, smtp, qids, pending)

    def smtpd(self, t: TrackedMessage, group: Sequence[Attempt], qids: dict[str, Accepted],
              pending: dict[str, set[str]]) -> None:
        """The receiving server's side of one hand-over: connect, rejects, the queue file."""
        first = group[0]
        server, when = first.server, first.time
        peer = self.name(first.client)
        self.out.add(when, server, "smtpd", f"connect from {peer}")
        rcpt_ok = rcpt_all = data_ok = data_all = mail_ok = 0
        mail_all = 1
        for a in group:
            code = a.code
            if a.stage == "RCPT TO":
                rcpt_all += len(a.recipients)
                for r in a.recipients:
                    self.out.add(when, server, "smtpd",
                                 f"NOQUEUE: reject: RCPT from {peer}: {a.reply}; from=<{t.sender}> "
                                 f"to=<{r}> proto=ESMTP helo=<{first.client}>")
            elif a.stage == "MAIL FROM":
                self.out.add(when, server, "smtpd",
                             f"NOQUEUE: reject: MAIL from {peer}: {a.reply}; from=<{t.sender}> "
                             f"proto=ESMTP helo=<{first.client}>")
            elif a.stage in ("DATA", "END-OF-DATA", "SESSION"):
                mail_ok = 1
                rcpt_all += len(a.recipients)
                if (code is not None and code < 400) or a.outcome == "accepted":
                    rcpt_ok += len(a.recipients)
                data_all = 1
                if a.outcome == "accepted":
                    data_ok = 1
                    self.queued(t, a, qids, pending)
        if any(a.stage == "RCPT TO" for a in group):
            mail_ok = 1
        counts = [f"ehlo=1 mail={_ratio(mail_ok, mail_all)}"]
        if rcpt_all:
            counts.append(f"rcpt={_ratio(rcpt_ok, rcpt_all)}")
        if data_all:
            counts.append(f"data={_ratio(data_ok, data_all)}")
        ok = 1 + mail_ok + rcpt_ok + data_ok + 1
        total = 1 + mail_all + rcpt_all + data_all + 1
        auth = self.roles.get(first.client) == "MUA"
        if auth:
            counts.insert(1, "auth=1")
            ok, total = ok + 1, total + 1
        self.out.add(when, server, "smtpd",
                     f"disconnect from {peer} {' '.join(counts)} quit=1 commands={_ratio(ok, total)}")

    def queued(self, t: TrackedMessage, a: Attempt, qids: dict[str, Accepted],
               pending: dict[str, set[str]]) -> None:
        found = _QUEUED_AS.search(a.reply)
        record = self.accepted.get((a.server, found.group(1))) if found else None
        if record is None:
            return
        auth = (f", sasl_method=PLAIN, sasl_username={record.sender}" if record.authenticated else "")
        self.out.add(a.time, a.server, "smtpd", f"{record.qid}: client={self.name(a.client)}{auth}")
        self.out.add(a.time, a.server, "cleanup", f"{record.qid}: message-id={record.message_id}")
        self.out.add(a.time, a.server, "qmgr", f"{record.qid}: from=<{record.sender}>, size={record.size}, "
                     f"nrcpt={len(record.recipients)} (queue active)")
        qids[a.server] = record
        pending.setdefault(a.server, set()).update(a.recipients)

    # -- the sending side -------------------------------------------------------------
    def sent(self, a: Attempt, qids: dict[str, Accepted],
             pending: dict[str, set[str]]) -> None:
        held = qids.get(a.client)
        if held is None:
            return
        delay = max(a.time - held.time, 0.0)
        unreached = a.stage == "DNS" or (a.stage == "CONNECT" and a.code is None)
        relay = "none" if unreached else f"{self.name(a.server)}:25"
        detail = self.detail(a)
        if a.outcome == "deferred" and a.note == NEXT_MX:  # Postfix moves on and says why
            text = detail if a.stage == "CONNECT" and a.code is None else f"{held.qid}: {detail}"
            self.out.add(a.time, a.client, "smtp", text)
            return
        program = "smtp"
        if a.stage == "CONNECT" and a.outcome == "deferred":
            key = (a.time, a.client, a.server)
            if key in self.suspended:  # the site is dead: qmgr hands the rest to the error agent
                detail = f"delivery temporarily suspended: {self.suspended[key]}"
                program, relay = "error", "none"
            else:
                self.suspended[key] = detail
                if a.code is None:
                    self.out.add(a.time, a.client, "smtp", detail)
        status = {"accepted": "sent", "bounced": "bounced"}.get(a.outcome, "deferred")
        dsn = self.dsn_code(a)
        for r in a.recipients:
            line = delivery_line(held.qid, r, relay, delay, dsn, status, detail)
            self.out.add(a.time, a.client, program, line)
        if status != "deferred":
            self.done(a.time, a.client, a.recipients, qids, pending)

    def detail(self, a: Attempt) -> str:
        """What Postfix puts in the parentheses after ``status=``."""
        peer = self.name(a.server)
        if a.outcome == "accepted":
            return a.reply
        if a.stage == "CONNECT":
            if a.code is not None:
                return f"host {peer} refused to talk to me: {a.reply}"
            reason = a.reply.rpartition(": ")[2] or a.reply
            return f"connect to {peer}:25: {reason}"
        if a.stage == "SESSION":
            if "after the final '.'" in a.reply:
                return (f"lost connection with {peer} while sending end of data -- "
                        "message may be sent more than once")
            return f"lost connection with {peer} while sending RCPT TO"
        if a.stage in IN_REPLY_TO and a.code is not None:
            return f"host {peer} said: {a.reply} (in reply to {IN_REPLY_TO[a.stage]})"
        return a.reply

    @staticmethod
    def dsn_code(a: Attempt) -> str:
        if a.outcome == "accepted":
            return "2.0.0"
        if a.stage == "CONNECT" and a.code is None:
            return "4.4.1" if a.outcome == "deferred" else "5.4.1"
        if a.stage == "SESSION":
            return "4.4.2"
        default = "4.0.0" if a.outcome == "deferred" else "5.0.0"
        if a.stage == "DNS":
            default = "4.4.3" if a.outcome == "deferred" else "5.1.2"
        return status_of(a.reply if a.code is not None else None, default)

    def local(self, a: Attempt, qids: dict[str, Accepted], pending: dict[str, set[str]]) -> None:
        held = qids.get(a.client)
        if held is None:
            return
        for r in a.recipients:
            self.out.add(a.time, a.client, "local", delivery_line(
                held.qid, r, "local", max(a.time - held.time, 0.0), "2.0.0", "sent", "delivered to mailbox"))
        self.done(a.time, a.client, a.recipients, qids, pending)

    def queue_event(self, a: Attempt, qids: dict[str, Accepted],
                    pending: dict[str, set[str]]) -> None:
        held = qids.get(a.client)
        if held is None:
            return
        if a.stage == "QUEUE" and (a.client, held.qid) not in self.expired:
            self.expired.add((a.client, held.qid))
            self.out.add(a.time, a.client, "qmgr",
                         f"{held.qid}: from=<{held.sender}>, status=expired, returned to sender")
        self.done(a.time, a.client, a.recipients, qids, pending)

    def done(self, when: float, host: str, recipients: Iterable[str], qids: dict[str, Accepted],
             pending: dict[str, set[str]]) -> None:
        left = pending.get(host)
        if left is None:
            return
        left.difference_update(recipients)
        if not left:
            del pending[host]
            self.out.add(when, host, "qmgr", f"{qids[host].qid}: removed")


def _same_session(a: Attempt, b: Attempt) -> bool:
    return (a.time, a.client) == (b.time, b.client) and (a.server == b.server or b.stage == "QUEUE") \
        and a.note != NEXT_MX


def _ratio(ok: int, total: int) -> str:
    return str(ok) if ok == total else f"{ok}/{total}"
