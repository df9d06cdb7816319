"""``read_bounce``: the readers, tried in order, and how their findings become a Bounce.

1. RFC 5965 feedback reports are recognised first (they are ``multipart/report`` too);
2. RFC 3464 delivery-status fields anywhere in the mail give the recipients (``kind="dsn"``);
3. the formats of :mod:`.providers`, :mod:`.gateways` and :mod:`.mta` name who wrote the
   bounce -- first by sender, reporting host and headers, then by their words -- and their
   text gives the recipients of a mail without delivery-status fields (``kind="vendor"``)
   and fills what the fields leave out (the SMTP command, the remote host);
4. RFC 3834 auto-replies are recognised; anything else is ``not-a-bounce``.
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import replace
from email.message import Message
from functools import partial
from typing import Any

from .._lazy import once
from ..codes.causes import DATA as CAUSE_DATA
from ..codes.explanation import Explanation, explain
from . import gateways, mta, providers
from .events import event_payload, read_event
from .generic import (
    SUBJECTS,
    introduces_failure,
    labelled_reason,
    reason_status,
    says_failed,
    states_failure,
    with_reason,
    worded_status,
)
from .mail import Headers, Mail, header_text, headers_in, load
from .model import ACTIONS, Bounce, BouncedRecipient, Later, OriginalMessage
from .phrases import Folded, Phrases, may_match
from .reports import feedback_fields, is_auto_reply
from .rfc3464 import address_of, read_status, status_field, typed_value
from .status import Explained, Explaining, agrees, explain_reply, gave_up, settle_status
from .text import (
    ADDRESS,
    Found,
    TextFormat,
    bare_names,
    diagnostic_of,
    embedded_reply,
    first_format,
    inline_headers,
    remote_of,
    reply_line,
    scan,
    section,
)

__all__ = ["FORMATS", "read_bounce", "read_dsn"]

#: every text format, most specific first
FORMATS: tuple[TextFormat, ...] = providers.FORMATS + gateways.FORMATS + mta.FORMATS

_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery status notification|returned mail|failure notice|"
    r"delivery (?:has )?fail|mail delivery|could not be delivered|couldn't be delivered|"
    r"non[- ]?deliver|delivery notification|returned to sender|delivery problem|delayed mail|"
    r"could not send|not delivered|wasn't delivered|delivery report|mail failure|unzustellbar|"
    r"unable to deliver|rejected:|delivery error|message bounced|bounced mail|"
    r"nicht zustellbar|non remis|delivery warning|warning: message|"
    + "|".join(map(re.escape, SUBJECTS)), re.I)
_REPLY_SUBJECT = re.compile(r"\s*(?:re|aw|sv|antw|r)\s*:", re.I)
_DAEMON = re.compile(r"mailer-daemon|mail-daemon|postmaster|mail delivery|microsoftexchange|"
                     r"mail administrator|mailer_daemon|maildelivery|delivery subsystem", re.I)
_REPORTING_MARKS = ("mail system at host", "program at host", "qmail-send program at", "generating server:",
                    "generierender server:", "serveur de génération :", "servidor de generación:",
                    "server di generazione:", "servidor gerador:", "生成サーバー:", "формирующий сервер:",
                    "生成服务器:", "產生伺服器:", "reporting-mta: dns;", "mailer-daemon at")
_REPORTING = Folded("(?:" + "|".join(map(re.escape, _REPORTING_MARKS)) + r")\s*([\w.-]+\w)",
                    anchors="éó生ф")  # a letter of each mark that is not ASCII (see Folded)
# a delay warning, not a failure: Sendmail's "THIS IS A WARNING MESSAGE ONLY" and "Will keep
# trying", Postfix's "THIS IS A WARNING ONLY", Exim's "has not yet been delivered" and its notice of a
# frozen message (moan.c moan_tell_someone: "The following address(es) have yet to be delivered:",
# the addresses still in its queue)
_WARNING = Phrases("warning message only", "this is a warning only", "will keep trying",
                   "has not yet been delivered", "still undelivered after", "delivery has been delayed",
                   "delivery delayed", "have yet to be delivered")
# a failure notice, not a warning: qmail-send's "This is a permanent error; I've given up" (qmail-send.c),
# its "I'm not going to try again; this message has been in the queue too long", Sendmail's "permanent
# fatal errors", Exim's "This is a permanent error" and "retry timeout exceeded"
_GAVE_UP = Phrases("this is a permanent error", "i've given up", "not going to try again",
                   "permanent fatal errors", "retry timeout exceeded")
_ARRIVAL_MARK = "original message was received at "
_ARRIVAL = Folded(re.escape(_ARRIVAL_MARK) + r"(.{6,60}?)\s+from\b")


def read_bounce(source: Any) -> Bounce:
    """Read a mail (bytes, str, ``email.message.Message``, path or binary file) as a bounce.

    A sending service's JSON event payload (a dict, a list of events, JSON text or bytes, a
    ``.json`` path) is read by :func:`.events.read_event` into the same model.
    Never raises: a mail that cannot be read gives a :class:`Bounce` whose ``note`` says why.
    """
    try:
        payload = None if isinstance(source, Message) else event_payload(source)
        if payload is not None:
            return read_event(payload)
        return _read(load(source))
    except Exception as exc:  # last-resort guard: read_bounce must never raise
        return Bounce("not-a-bounce", "none", note=f"internal error while reading: {type(exc).__name__}")


def read_dsn(msg: Any) -> Bounce | None:
    """Deprecated: use :func:`read_bounce`.  The :class:`Bounce` of a delivery-status report
    (``multipart/report; report-type=delivery-status``), or None when ``msg`` is not one."""
    warnings.warn("read_dsn is deprecated: use read_bounce (bounce.kind == 'dsn'), or "
                  "smtplesson.bounces.is_dsn to test a message", DeprecationWarning, stacklevel=2)
    mail = load(msg)
    return _read(mail) if _is_report(mail) else None


def _read(mail: Mail) -> Bounce:
    if not mail.raw or mail.raw.isspace():
        return Bounce("not-a-bounce", "none", note=mail.problem or "the mail is empty")
    common = _common(mail)
    feedback = feedback_fields(mail)
    if feedback is not None:
        return _feedback(mail, feedback, common)
    status = read_status(mail)
    reporting = typed_value(status.per_message.get("reporting-mta", "")) if status else ""
    fmt = _format(mail, reporting)
    evidence = _bounce_evidence(mail)
    if status is None and fmt is None and evidence is None:
        if is_auto_reply(mail):
            refused = _refused(mail)
            if refused:
                return Bounce("vendor", "text", refused, note="an automatic reply that says the address "
                              "does not exist: a bounce sent as an RFC 3834 response", **common)
            return _auto_reply(mail, common)
        note = mail.problem or "no delivery-status report and no bounce wording: ordinary mail"
        return Bounce("not-a-bounce", "none", note=note, **common)
    words = _Words(mail, fmt)
    explained = Explained()  # recipients of one mail often share their reply
    recipients: list[BouncedRecipient]
    if status is not None:
        kind = "dsn"
        recipients = [_from_block(block, words, fmt, explained) for block in status.recipients[:100]]
    else:
        kind = "vendor"
        found = words.found()
        if not found and fmt is not None and "x-failed-recipients" not in mail.headers:
            # the sender wrote to itself: the bounce's To is the recipient its list prints first on a line
            found = [f for f in scan(words.text, _addresses(mail.get_all("From"))) if f.leading]
        listed = _plausible(found, fmt is not None, evidence == "strong",
                            fmt is None and evidence == "strong" and _says_undelivered(mail))
        recipients = [_from_text(f, fmt, mail.text, explained)
                      for f in (listed if fmt else with_reason(listed, mail.text, explained.text))]
        head, low_head = mail.text[:4096], mail.lower_text[:4096]  # the same text when it is ASCII
        if _WARNING.search(mail.subject) or _WARNING.search(head, low_head):
            recipients = [_delayed(r) if r.code is None and r.action == "failed" else r for r in recipients]
        elif _GAVE_UP.search(head, low_head):  # a temporary reply that outlived the queue: failed
            recipients = [replace(r, action="failed") if r.action == "delayed" else r for r in recipients]
        if not recipients:
            recipients = _fallback(mail, fmt)
    if not recipients and fmt is None and status is None and evidence != "strong":
        if is_auto_reply(mail):
            return _auto_reply(mail, common)
        return Bounce("not-a-bounce", "none", note=mail.problem or "bounce-like wording but no "
                      "recipient and no reply code in it", **common)
    if not recipients and _is_report(mail):
        kind = "dsn"
    per_message = status.per_message if status else {}
    note = mail.problem
    if not recipients:
        note = note or "recognised as a bounce, but no recipient could be read from it"
    elif status is not None and not status.from_parts:
        note = note or ("delivery-status fields read from the mail's text, not from a "
                        "message/delivery-status part (its MIME structure is broken or missing)")
    arrival = per_message.get("arrival-date") or (
        _search(_ARRIVAL, mail.text) if may_match(mail.text, mail.lower_text, (_ARRIVAL_MARK,)) else None)
    reporting_mta = typed_value(per_message.get("reporting-mta", ""))
    if not reporting_mta and may_match(mail.text[:4096], mail.lower_text[:4096], _REPORTING_MARKS):
        reporting_mta = _search(_REPORTING, mail.text[:4096]) or ""
    return Bounce(kind, fmt.name if fmt else ("rfc3464" if status else "text"), tuple(recipients),
                  reporting_mta=reporting_mta or None,
                  arrival_date=arrival, note=note, **common)


def _common(mail: Mail) -> dict[str, Any]:
    # the original message: read when first asked for
    where = (mail.original_part, mail.original, mail.text, mail.lower_text)
    return {"original": Later(partial(_original_in, *where)), "subject": mail.subject or None,
            "sender": mail.sender or None, "date": mail.header("Date") or None}


def _returned(mail: Mail) -> Message | Headers | None:
    """The returned message's headers: from its part, else those the text quotes, if any."""
    return _headers(mail.original_part, mail.original, mail.text, mail.lower_text)


def _headers(part: Message | None, message: Message | None, text: str, low: str) -> Message | Headers | None:
    """The returned message's headers: its headers part's, the returned message's, else those the
    text quotes (``low``: ``text`` in lower case)."""
    if part is not None:
        return headers_in(part)
    return message if message is not None else inline_headers(text, low)


class _Words:
    """The recipients a bounce's human-readable words name, each with the words about it: searched
    for when first asked for (a report's fields often say all there is)."""

    def __init__(self, mail: Mail, fmt: TextFormat | None) -> None:
        self._all, self._low, self._fmt, self._get_all = mail.text, mail.lower_text, fmt, mail.get_all
        self._headers = mail.headers
        self.mail_text = mail.text
        self._by_address: dict[str, Found] | None = None

    @once
    def text(self) -> str:
        """The part of the text that lists the recipients."""
        fmt = self._fmt
        return section(self._all, fmt.starts if fmt else (), fmt.stops if fmt else (), self._low)

    def found(self) -> list[Found]:
        fmt = self._fmt
        named = bare_names(self._all, self._low, *fmt.bare_names) if fmt and fmt.bare_names else []
        # the bounce's own From and To, and the sender it was delivered to (every Delivered-To: a
        # forwarded bounce has several), are not recipients (looked up only when the words are read)
        found = named or scan(self.text, _addresses(self._get_all("From") + self._get_all("To")
                                                    + self._get_all("Delivered-To")
                                                    + [self._headers.get("return-path", "")]))
        if fmt is not None and fmt.reason_before is not None and found:
            found = _with_reason_before(self._all, self._low, fmt.reason_before, found)
        return found

    def of(self, address: str) -> Found | None:
        """What the words say of ``address`` (lower case)."""
        if self._by_address is None:
            self._by_address = {f.address: f for f in self.found()}
        return self._by_address.get(address)


def _format(mail: Mail, reporting: str) -> TextFormat | None:
    """The format that wrote the mail: by sender and host first, then by its words."""
    return first_format(FORMATS, mail, reporting.lower())


def _is_report(mail: Mail) -> bool:
    return mail.report_type == "delivery-status"


def _bounce_evidence(mail: Mail) -> str | None:
    """"strong" (a report, X-Failed-Recipients, a mailer daemon), "weak" (a bounce subject, or first
    lines that introduce a non-delivery report) or None."""
    if mail.has("x-failed-recipients") or _is_report(mail) or _DAEMON.search(mail.sender):
        return "strong"
    if _REPLY_SUBJECT.match(mail.subject):  # "Re: Undelivered mail": people talking about a bounce
        return None
    if _BOUNCE_SUBJECT.search(mail.subject):
        return "weak"
    # its first lines introduce a non-delivery report, whatever the subject
    return "weak" if introduces_failure(mail.text[:600], mail.lower_text[:600]) else None


def _says_undelivered(mail: Mail) -> bool:
    """True when the mail says it is a non-delivery report: by its subject, a report, X-Failed-Recipients
    (a mailer daemon's sender alone is not enough: people write from such addresses too)."""
    if _is_report(mail) or mail.has("x-failed-recipients"):
        return True
    return not _REPLY_SUBJECT.match(mail.subject) and _BOUNCE_SUBJECT.search(mail.subject) is not None


def _addresses(values: Iterable[Any]) -> set[str]:
    """The addresses in header values (lower case)."""
    return {a.lower() for value in values for a in ADDRESS.findall(header_text(value))}


def _plausible(found: list[Found], known_format: bool, surely_bounce: bool, undelivered: bool) -> list[Found]:
    """Addresses that carry a reply; else those a known format lists; else (the generic path), in a
    mail that is surely a bounce (a mailer daemon wrote it) the addresses that open their lines, and
    in one that also says it is a non-delivery report (``undelivered``: its subject, a report, the
    X-Failed-Recipients header; people write "Subject: Undelivered mail" and "I get 550 user unknown
    for bob@example.net" too) the addresses whose own words say they failed
    (:func:`.generic.states_failure`)."""
    with_reply = [f for f in found if reply_line(f.context) is not None
                  and (f.leading or known_format or surely_bounce or (undelivered and states_failure(f)))]
    if with_reply:
        # a list may name a recipient with no reason of its own (Exim's delay warning lists
        # "bob@example.net" alone after one with its "Delay reason:"): kept when it opens its line,
        # in a known format or a mailer daemon's bounce
        return [f for f in found if f in with_reply or ((known_format or surely_bounce) and f.leading)]
    if known_format:
        return found[:20]
    return [f for f in found if (f.leading and surely_bounce) or (undelivered and states_failure(f))][:20]


def _with_reason_before(text: str, low: str, markers: tuple[str, str], found: list[Found]) -> list[Found]:
    """The recipients of a list with the one reason the text gives beside it (Netscape's "This Message
    was undeliverable due to the following reason: ..." then "The following recipients did not
    receive ..."; Dovecot's "Your message to <...> was automatically rejected:" then the reason, to
    the text's end: ``end`` ""); unchanged where a marker is not there or a recipient has a reply
    (``low``: ``text`` in lower case)."""
    start, end = markers
    if start not in low or end not in low:
        return found
    at = low.find(start) + len(start)
    words = " ".join(text[at:low.find(end, at) if end else len(text)].split())[:1000]
    if len(words) < 10:
        return found
    return [f if reply_line(f.context) else Found.told(f.address, words, remote_of(words), words, f.leading)
            for f in found]


def _from_block(block: dict[str, str], words: _Words, fmt: TextFormat | None = None,
                explained: Explaining = explain_reply) -> BouncedRecipient:
    """A recipient of a report: its fields, and what the words say of it where the fields are silent
    (the SMTP command and the remote host when first asked for)."""
    address = address_of(block)
    key = address.lower()
    raw_status = " ".join(block.get("status", "").split()) or None
    field = status_field(raw_status)
    diagnostic = typed_value(block.get("diagnostic-code", "")) if block.get("diagnostic-code") else ""
    if not diagnostic and (text := words.of(key)) is not None:
        diagnostic = text.diagnostic
    diagnostic = _whole_reply(diagnostic, fmt, words.mail_text)
    exp = explained(diagnostic, field)
    note = ""
    if exp.code is None:  # the report's own words: the remote reply they quote, or the text's
        text = words.of(key)
        for reply in (embedded_reply(diagnostic), text and text.diagnostic,
                      text and embedded_reply(text.context)):
            worded = explained(reply, None) if reply else None
            if worded is not None and worded.code is not None and agrees(worded.enhanced, field):
                exp = worded
                if reply != diagnostic:
                    note = f"the last remote reply: {reply}"
                break
    by_words = False
    if exp.code is None and (field is None or field.endswith(".0.0")):  # Domino's X-Notes words
        worded_exp, by_words = _worded(diagnostic, fmt, explained)
        exp = worded_exp if by_words else exp
    status, status_from = settle_status(field, exp)
    if by_words:
        status_from = "inferred"
    command = exp.command if exp.command is not None else Later(partial(_command_in, words, key))
    action = block.get("action", "").lower().split()[0] if block.get("action", "").strip() else ""
    if action not in ACTIONS:
        action = _action_of(status, exp.code)
    if action == "delayed" and fmt is not None and any(said in diagnostic.lower() for said in fmt.gave_up):
        action = "failed"  # the MTA's own words: it dropped the message, whatever its report's Action says
        note = note or f"{fmt.name} gave up (its queue lifetime ran out) though its report says delayed"
    if action == "failed":
        exp = gave_up(exp, field)
    remote = typed_value(block.get("remote-mta", "")).split(" ")[0].rstrip(".") or Later(
        partial(_remote_in, words, key))
    original = typed_value(block.get("original-recipient", "")) or None
    return BouncedRecipient(address, action, status, exp.code, diagnostic, exp,
                            remote, command, original if original != address else None,
                            block.get("last-attempt-date"), block.get("will-retry-until"),
                            raw_status, status_from, note=note)


def _command_in(words: _Words, address: str) -> str | None:
    text = words.of(address)
    return _command(text.context) if text is not None else None


def _remote_in(words: _Words, address: str) -> str | None:
    text = words.of(address)
    return (text.remote_mta or None) if text is not None else None


def _delayed(r: BouncedRecipient) -> BouncedRecipient:
    """A recipient of a delay warning: delayed, and a status inferred from its words temporary."""
    status = r.status
    if status and r.status_from == "inferred":
        status = "4" + status[1:]
    return replace(r, action="delayed", status=status)


def _worded(diagnostic: str, fmt: TextFormat | None,
            explained: Explaining = explain_reply) -> tuple[Explanation, bool]:
    """The explanation of a diagnostic, and True when its status is the one its format's own
    words name (Domino's "not listed in Domino Directory": 5.1.1), else the one words name in
    any bounce (:func:`.generic.worded_status`), there being no code in it."""
    exp = explained(diagnostic, None)
    if exp.code is None and exp.enhanced and exp.enhanced[0] == "2":
        # a failure's words with no reply code cannot carry a success status: "2.0.12" is a version
        # ("Undeliverable: RELEASED Mailman 2.0.12"), read as words
        exp = explained(diagnostic.replace(exp.enhanced, exp.enhanced.replace(".", "-")), None)
    if exp.code is None and not exp.enhanced:
        low = diagnostic.lower()
        status = next((status for words, status in fmt.statuses if words in low), None) if fmt else None
        if status is None and exp.category == "other":  # words any writer's bounce means the same by
            status = worded_status(diagnostic)
        elif status is None:  # a refusal's verb, then its reason: the reason names the cause
            status = reason_status(diagnostic, exp.category)
        if status is not None:
            return explained(diagnostic, status), True
    return exp, False


def _from_text(found: Found, fmt: TextFormat | None = None, text: str = "",
               explained: Explaining = explain_reply) -> BouncedRecipient:
    diagnostic = _whole_reply(found.diagnostic, fmt, text)
    exp, by_words = _worded(diagnostic, fmt, explained)
    note = ""
    if exp.code is None:  # "retry timeout exceeded" and the reply it quotes
        reply = embedded_reply(found.context)
        worded = explained(reply, None) if reply else None
        if worded is not None and worded.code is not None:
            exp, note = worded, f"the last remote reply: {reply}"
    command = exp.command or Later(partial(_command, found.context))
    status, status_from = settle_status(None, exp, failed=True)
    if by_words and exp.code is None:
        status_from = "inferred"
    elif status_from == "inferred" and not exp.found:  # words alone: explained by the status they name
        exp = explained(diagnostic, status)
    return BouncedRecipient(found.address, _action_of(status, exp.code), status, exp.code,
                            diagnostic, exp, Later(partial(getattr, found, "remote_mta")), command,
                            status_from=status_from, note=note, guessed=fmt is None)


_FIRST_OF_MANY = re.compile(r"[2-5]\d\d-")


def _whole_reply(diagnostic: str, fmt: TextFormat | None, text: str) -> str:
    """A multi-line reply the format cut to its first line (``550-5.7.1 ...``), whole where the
    format's text holds the rest of it (:attr:`TextFormat.whole_reply`)."""
    if fmt is None or fmt.whole_reply is None or not _FIRST_OF_MANY.match(diagnostic):
        return diagnostic
    return fmt.whole_reply(diagnostic, text) or diagnostic


def _fallback(mail: Mail, fmt: TextFormat | None) -> list[BouncedRecipient]:
    """No address in the text: X-Failed-Recipients; else the one address the returned message was
    delivered for (X-Original-To, Original-Recipient) or sent to (To and Cc), when there is one and
    the bounce's format is known or it says the delivery failed (its subject, its words): of several,
    which one failed would be a guess."""
    addresses = sorted(_addresses(mail.get_all("X-Failed-Recipients")))
    text = section(mail.text, fmt.starts if fmt else (), fmt.stops if fmt else (), mail.lower_text)
    returned = _returned(mail)
    if not addresses and returned is not None and (
            fmt is not None or _says_undelivered(mail) or says_failed(text[:4096])):
        for names in (("X-Original-To", "Original-Recipient"), ("To", "Cc")):
            named = _addresses(value for name in names for value in returned.get_all(name, []))
            if named:
                addresses = sorted(named) if len(named) == 1 else []
                break
    if not addresses:
        return []
    line = reply_line(text) or ""
    diagnostic = diagnostic_of(line) if line else (labelled_reason(text) or _first_paragraph(text))
    exp, by_words = _worded(diagnostic, fmt)
    status, status_from = settle_status(None, exp, failed=True)
    if by_words:
        status_from = "inferred"
    elif status_from == "inferred" and not exp.found:
        exp = explain_reply(diagnostic, status)
    command = exp.command or _command(text)
    return [BouncedRecipient(a, _action_of(status, exp.code), status, exp.code,
                             diagnostic, exp, remote_of(line) if line else None, command,
                             status_from=status_from, guessed=fmt is None)
            for a in addresses]


def _first_paragraph(text: str) -> str:
    """The first paragraph that says something (not a greeting), one line."""
    for paragraph in text.split("\n\n"):
        words = " ".join(paragraph.split())
        if len(words) > 40 and not words.lower().startswith(("hello", "hi ", "dear")):
            return words[:500]
    return " ".join(text.split())[:300]


_COMMANDS: dict[str, str] = CAUSE_DATA["commands"]  # "rcpt to" -> "RCPT"
_VERBS = (r"(rcpt to|rcpt|mail from|mail|end of data|data|ehlo|helo|lhlo|starttls|auth|bdat|rset|quit|"
          r"initial greeting|initial server greeting|initial connection|connect)\b")
# (literal, pattern) in the order they are tried: the pattern runs only on text with its literal
_SAID = (
    ("in reply to ", re.compile(r"\bin reply to (?:the )?" + _VERBS)),
    ("after ", re.compile(r"\bafter (?:pipelined )?" + _VERBS)),
    ("sent:", re.compile(r"\bsent:\s*" + _VERBS)),  # hMailServer: "hMailServer sent: RCPT TO:<...>"
    # GMX, web.de: "SMTP error from remote server for RCPT TO command"
    (" command", re.compile(r"\bfor " + _VERBS + r" command")),
    # dma (net.c READ_REMOTE_CHECK): "%s [%s] did not like our %s:" ("connect", "MAIL FROM", "RCPT TO",
    # "DATA"; "final DATA" is the reply after the message: _PHRASES)
    ("did not like our ", re.compile(r"\bdid not like our " + _VERBS)),
)
_PHRASES = (  # words of MTAs that name the failed step without naming the command
    ("refused to talk to me", "CONNECT"),  # Postfix: the greeting was a refusal
    ("greeting failed", "CONNECT"), ("does not like recipient", "RCPT"),  # qmail-remote.c
    ("but sender was rejected", "MAIL"), ("but my name was rejected", "EHLO"),
    ("failed on data command", "DATA"),
    ("failed after i sent the message", "END-OF-DATA"),
    ("did not like our final data", "END-OF-DATA"),  # dma
)
# Sendmail, Courier and MDaemon transcripts: ">>> RCPT To:<...>" / "--> RCPT To:" then the reply
_TRANSCRIPT = re.compile(r"(?:>>>|-->)\s*(rcpt to|mail from|data|ehlo|helo|rset|quit|starttls|auth|bdat)"
                         r"\b[^<]{0,200}?(?:<[^>]{0,300}>)?[^<]{0,40}(?:<<<|<--)\s*[2-5]\d\d", re.I)


def _command(context: str) -> str | None:
    """The SMTP command a bounce's words name: Postfix's "(in reply to RCPT TO command)",
    Exim's "after RCPT TO:", a transcript, an MTA's phrase."""
    low = context[:2000].lower()
    for literal, pattern in _SAID:
        said = pattern.search(low) if literal in low else None
        if said is not None:
            return _COMMANDS.get(said.group(1))
    if ">>>" in context or "-->" in context:
        match = _TRANSCRIPT.search(context[:4000])
        if match is not None:
            return _COMMANDS.get(match.group(1).lower())
    return next((name for phrase, name in _PHRASES if phrase in low), None)


def _action_of(status: str | None, code: int | None) -> str:
    digit = status[:1] if status else (str(code)[:1] if code else "5")
    return {"2": "delivered", "4": "delayed"}.get(digit, "failed")


def _original_in(part: Message | None, message: Message | None, text: str, low: str) -> OriginalMessage:
    """The original message, from where the bounce returns it (see :func:`_headers`)."""
    return _original(_headers(part, message, text, low))


def _original(headers: Message | Headers | None) -> OriginalMessage:
    if headers is None:
        return OriginalMessage()
    def get(name: str) -> str | None:
        try:
            return header_text(headers.get(name)) or None
        except Exception:
            return None
    return OriginalMessage(get("Message-ID"), get("From"), get("To"), get("Subject"), get("Date"))


def _feedback(mail: Mail, fields: list[tuple[str, str]], common: dict[str, Any]) -> Bounce:
    values: dict[str, list[str]] = {}
    for name, value in fields:
        values.setdefault(name.lower(), []).append(value)
    targets = [typed_value(v).lower() for v in values.get("original-rcpt-to", [])]
    returned = _returned(mail)
    if not targets and returned is not None:
        targets = sorted(_addresses(returned.get_all("To", [])))
    feedback_type = (values.get("feedback-type") or ["abuse"])[0]
    exp = explain("")
    recipients = tuple(BouncedRecipient(t, "complained", None, None, f"Feedback-Type: {feedback_type}",
                                        exp) for t in targets[:20] if "@" in t)
    reporting = (values.get("reporting-mta") or [""])[0]
    return Bounce("feedback-report", "arf", recipients, reporting_mta=typed_value(reporting) or None,
                  arrival_date=(values.get("arrival-date") or [""])[0] or None,
                  note=f"an RFC 5965 feedback report (Feedback-Type: {feedback_type}): the "
                  "recipient reported the message, it was delivered", details=tuple(fields), **common)


def _refused(mail: Mail) -> tuple[BouncedRecipient, ...]:
    """The addresses an automatic reply's first paragraph says do not exist ("You sent mail to
    a@b.c. That's not a valid user here.", Mail::DeliveryStatus::BounceParser 1.543 t/corpus/
    warning-5.msg): the receiving system answered a failure in an RFC 3834 response."""
    excluded = _addresses(mail.get_all("From") + mail.get_all("To"))
    found = scan(_first_paragraph(mail.text), excluded, limit=5)
    recipients = (_from_text(f) for f in found)
    return tuple(r for r in recipients if r.explanation.category == "mailbox-unknown")


def _auto_reply(mail: Mail, common: dict[str, Any]) -> Bounce:
    who = sorted(_addresses(mail.get_all("From")))
    exp = explain("")
    recipients = tuple(BouncedRecipient(a, "auto-replied", None, None, mail.subject, exp) for a in who[:1])
    return Bounce("auto-reply", "rfc3834", recipients, note="an RFC 3834 automatic reply: the message "
                  "was delivered and the recipient's system answered it", **common)


def _search(pattern: Folded, text: str, group: int = 1) -> str | None:
    regex, searched = pattern.target(text)
    match = regex.search(searched)
    return text[match.start(group):match.end(group)].strip() if match else None



