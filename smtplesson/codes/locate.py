"""Find the SMTP reply in text as people paste it: the locating half of :func:`smtplesson.explain`.

A bare reply (``"452 4.5.3 Too many recipients"``), a wire reply over several lines, a
Postfix log or bounce line (``"... said: 550 5.1.1 ... (in reply to RCPT TO command)"``), an
Exchange NDR (``"Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; ...'"``),
an Exim line, a DSN field (``"Diagnostic-Code: smtp; 552 5.2.2 ..."``, ``"Status: 5.1.1"``):
:func:`locate` turns each into a :class:`Located` -- the reply, its codes, the command it
answered -- and :func:`context` gives what the judge (:mod:`.explanation`) reads around it.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from .causes import DATA
from .registry import BASIC_CODES
from .reply import Reply, ReplyError, parse_reply
from .syntax import (
    CODE_IN_TEXT,
    ENHANCED_FIELD,
    ENHANCED_HASHED,
    code_and_enhanced,
    code_of,
    enhanced_in_text,
)

__all__ = ["Located", "command_of", "context", "locate", "squeezed"]

_COMMANDS: dict[str, str] = DATA["commands"]

# "(in reply to RCPT TO command)" (Postfix), "after RCPT TO:<...>" (Exim), "reject: RCPT from"
_IN_REPLY_TO = "in reply to "
_COMMAND_PREFIXES = (
    _IN_REPLY_TO, "mail server after ", "mailer after ", "host after ", "reject: ",
    "while sending ", "while receiving the ", "while receiving ",
)

_COMMAND_NAME = (
    r"(?:the )?(rcpt to|mail from|end of data|end-of-message|sending data block|data|ehlo|helo|"
    r"lhlo|initial (?:server )?greeting|initial connection|connect|starttls|auth|bdat|rset|quit|"
    r"vrfy|expn|noop|etrn)\b")
# The command named right after a prefix (group 1, any case), matched where the prefix first
# stands (a string search finds it faster than a regex led by the prefix).
_NAMED_COMMAND = re.compile(_COMMAND_NAME, re.IGNORECASE)
_REPLY_OPENERS = frozenset(":;'\"(#>[")
_CUTS = ("; from=<", " ##")  # the others after "(in reply to " (see _cut)



class Located(NamedTuple):
    """A reply found in text (``code`` and ``enhanced`` both None: no reply in it)."""

    scan: str  # the text as it was searched (a flattened paste: runs of blanks squeezed)
    reply: Reply | None
    code: int | None
    enhanced: str | None
    body: str  # the reply's own text, after its codes
    command: str | None  # the SMTP command it answered, when the text says (None without a code)
    start: int = -1  # where the code stands in scan, when the body was read from scan itself
    stop: int = -1  # ... and where the reply's text stops there (before "(in reply to ...")


def locate(text: str) -> Located:
    """The reply in ``text``: a wire reply of several lines, else the best code in the line."""
    if "SMTP code: " in text:
        text = _phpmailer(text)
    if "\n" in text:
        reply = _wire_reply(text)
        if reply is not None:
            return _new_tuple(Located, (text, reply, reply.code, reply.enhanced, reply.text,
                                        command_of(text), -1, -1))
        scan = " ".join(text.split())
    else:
        scan = squeezed(text) if "  " in text else text
    code: int | None
    enhanced: str | None
    pair = code_and_enhanced(scan)
    if pair is not None:  # most replies: "550 5.1.1 ..."
        start, end, digits, enhanced = pair
        stop = _cut(scan, end)
        code, body = int(digits), _body(scan, start, end, stop, digits, enhanced)
        if scan[start + 3:start + 4] == "-" and start:
            body = _lost_head(scan, start, body)
    else:
        code, enhanced, body, start, stop = _find_single(scan)
        if (code is None or enhanced is None) and _GLUED.search(scan) is not None:
            found = _find(_unglue(scan))  # "RCPT TO:550", "550: 5.2.2", "550 #5.1.0" ...
            if _known(found[0], found[1]) > _known(code, enhanced):
                code, enhanced, body, start, stop = *found, -1, -1
        if code is None:  # an enhanced code alone ("Status: 5.1.1"), or no reply at all
            return _new_tuple(Located, (scan, None, None, enhanced, body,
                                        None if enhanced is None else command_of(scan), -1, -1))
    return _new_tuple(Located, (scan, _reply(code, enhanced, body), code, enhanced, body,
                                command_of(scan), start, stop))


# 0 for the ASCII blanks other than the space, as str.split() knows them; 1 for the rest
_OTHER_BLANKS = bytes(0 if byte < 128 and chr(byte).isspace() and byte != ord(" ") else 1
                      for byte in range(256))


def squeezed(text: str) -> str:
    """``" ".join(text.split())``: runs of blanks made one space, none at either end; a
    string search and replace where the only blank is the space (an ASCII text without
    tabs, line ends ...), far cheaper than splitting a log line into its words."""
    if not text.isascii() or 0 in text.encode().translate(_OTHER_BLANKS):
        return " ".join(text.split())
    text = text.replace("  ", " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip(" ")


# PHPMailer writes the reply's words before its codes (PHPMailer::setError: "SMTP server error:
# %s Detail: %s SMTP code: %s Additional SMTP info: %s"): "... Detail: Message rejected due to
# local policy SMTP code: 550 Additional SMTP info: 5.7.1" is the reply "550 5.7.1 Message ...".
_PHPMAILER = re.compile(
    r"Detail: (.*?) ?SMTP code: ([2-5][0-9][0-9])(?: Additional SMTP info: ([245]\.[0-9]{1,3}\.[0-9]{1,3}))?")


def _phpmailer(text: str) -> str:
    """``text`` with PHPMailer's "Detail: WORDS SMTP code: 550 Additional SMTP info: 5.7.1" put
    back in reply order, "550 5.7.1 WORDS"."""
    match = _PHPMAILER.search(text)
    if match is None:
        return text
    words, code, enhanced = match.groups()
    reply = " ".join(part for part in (code, enhanced, words) if part)
    return text[:match.start()] + reply + text[match.end():]



# Located(...) and Reply(...) as their constructors build them, less their per-call work (the
# NamedTuple's Python-level __new__, the frozen dataclass's one object.__setattr__ per field):
# bench/explain.py builds one of each per line.
_new_tuple = tuple.__new__


def _reply(code: int, enhanced: str | None, body: str) -> Reply:
    """``Reply(code, enhanced, (body,))``."""
    made = object.__new__(Reply)
    fields = made.__dict__
    fields["code"] = code
    fields["enhanced"] = enhanced
    fields["lines"] = (body,)
    return made


def _known(code: int | None, enhanced: str | None) -> int:
    """How many of the two codes were found."""
    return (code is not None) + (enhanced is not None)



# The receiving host named around a reply: Postfix "relay=HOST[" / "host HOST[", a DSN's
# "Remote-MTA: dns; HOST", Exim's "host HOST [", Exchange's "Remote server: HOST".
_HOST_MARKS = ("relay=", "host ", "Remote-MTA: dns;", "Remote-MTA: dns; ", "Remote server: ",
               "Remote Server: ")

_HOST = re.compile(r"[\w.-]{4,}")



def context(scan: str, body: str, code: int | None, enhanced: str | None, start: int = -1,
            stop: int = -1) -> str:
    """What the provider rules read of a :class:`Located` reply: the reply from where its code
    first appears (a flattened multi-line reply may start before the line the code was taken
    from) and the receiving host; all the text when the reply has no text of its own.
    ``start``, ``stop``: the Located's, when known (no cut stands between a code and its text:
    the text from the code at ``start`` stops at ``stop``)."""
    if not body:
        return scan
    if code is not None:
        digits = str(code)
        # the code at start stands on its own: it is the first one unless its digits come earlier
        first = start if start >= 0 and scan.find(digits, 0, start) < 0 else _code_at(scan, digits)
        if first >= 0 and len(scan) - first > len(body) + 16:
            end = stop if first == start else _cut(scan, first)  # never "(in reply to ...)"
            if end - first > len(body) + 16:
                body = _unfold(scan[first:end], digits, enhanced)
    for mark in _HOST_MARKS:
        at = scan.find(mark)
        if at >= 0:
            host = _HOST.match(scan, at + len(mark))
            if host is not None:
                name = host.group()
                if name not in body:
                    return f"{name} {body}"
    return body



def _code_at(scan: str, digits: str) -> int:
    """Where ``digits`` first stand as a code of their own, not inside a number or a word
    ("user45217", "delay=452.3"); -1 when nowhere."""
    at = scan.find(digits)
    while at >= 0 and ((at and (scan[at - 1].isalnum() or scan[at - 1] == "."))
                       or scan[at + 3:at + 4].isdigit()
                       or (scan[at + 3:at + 4] == "." and scan[at + 4:at + 5].isdigit()
                           and scan[at + 5:at + 6] != ".")):
        at = scan.find(digits, at + 1)
    return at


# Shapes people paste that hide the code: "RCPT TO:550 ...", "ERROR_CODE :550",
# "550 #5.1.0", "550: 5.2.2", "smtp;550", "[550 5.1.1 ...]".
_GLUED = re.compile(
    r"[:;\[#](?:(?<=[:;\[])(?=[2-5][0-5][0-9](?:[ \-:#]|$))"  # "RCPT TO:550", "smtp;550", "[550"
    r"|(?<=[2-5][0-5][0-9]:)(?= ?[245]\.)"  # "550: 5.2.2"
    r"|(?<=[2-5][0-5][0-9] #)(?=[245]\.))", re.ASCII)  # "550 #5.1.0"



def _unglue(scan: str) -> str:
    """Put a space where a pasted reply glued its code to a neighbour."""
    return _GLUED.sub(_space, scan)



def _space(match: re.Match[str]) -> str:
    """':550' -> ': 550'; '550:' and '550 #' before an enhanced code -> a space."""
    mark, before = match.group(), match.string[match.start() - 1:match.start()]
    return " " if mark == "#" or (mark == ":" and before.isdigit()) else mark + " "



def _wire_reply(text: str) -> Reply | None:
    """A multi-line reply pasted as it came over the wire, or None."""
    stripped = text.strip()
    if code_of(stripped) is None:
        return None
    try:
        return parse_reply(stripped)
    except ReplyError:
        return None



def _find(scan: str) -> tuple[int | None, str | None, str]:
    """(code, enhanced, reply text) found in a log or bounce line."""
    pair = code_and_enhanced(scan)
    if pair is None:
        return _find_single(scan)[:3]
    start, end, digits, enhanced = pair
    return int(digits), enhanced, _body(scan, start, end, _cut(scan, end), digits, enhanced)


def _find_single(scan: str) -> tuple[int | None, str | None, str, int, int]:
    """(code, enhanced, reply text, where the code starts, where the text stops) of a line
    without a code followed by an enhanced code (-1, -1 without a code)."""
    match = _pick_code(scan)
    if match is not None:
        digits = match.group(1)
        start, end = match.span()
        stop = _cut(scan, end)
        code, body = int(digits), _body(scan, start, end, stop, digits, None)
        hashed = ENHANCED_HASHED.search(body)
        return code, (hashed.group(1) if hashed else None), body, start, stop
    field = ENHANCED_FIELD.search(scan) if "dsn=" in scan or "tatus:" in scan or "#" in scan else None
    field = field or enhanced_in_text(scan)
    if field is not None:
        return None, field.group(1), "", -1, -1
    return None, None, "", -1, -1



# the code a client library expected, not the reply: Swift Mailer's and Symfony Mailer's
# 'Expected response code "250" but got code "550", with message "550 ..."'
_EXPECTED = re.compile(r"xpected (?:response )?codes? [\"']?(?:\d{3}/)*$")


def _pick_code(scan: str) -> re.Match[str] | None:
    """The best code-like number: a registry code where a reply starts (after ':', ';',
    a quote, '(' ...), else any registry code, else an unknown code where a reply starts;
    never the code a client says it expected."""
    known = unknown = None
    match = CODE_IN_TEXT.search(scan)  # a search per code (cheaper than finditer: most hold none)
    expecting = match is not None and "xpected " in scan
    while match is not None:
        if not (expecting and _EXPECTED.search(scan, max(0, match.start() - 40), match.start())):
            at_reply = _at_reply_start(scan, match.start())
            if int(match.group(1)) in BASIC_CODES:
                if at_reply:
                    return match
                known = known or match
            elif at_reply and unknown is None:
                unknown = match
        match = CODE_IN_TEXT.search(scan, match.end())
    return known or unknown



def _at_reply_start(scan: str, start: int) -> bool:
    """True when the code opens the text or follows a separator a reply comes after."""
    i = start - 1
    if i >= 0 and scan[i] in " \t":
        i -= 1
    return i < 0 or scan[i] in _REPLY_OPENERS



def _unfold(text: str, code: int | str, enhanced: str | None) -> str:
    """A multi-line reply flattened into one line, without the codes inside it."""
    digits = str(code)
    if f"{digits}-" in text or f" {digits} " in text:
        for mark in ("-", " "):
            text = text.replace(f" {digits}{mark}{enhanced} " if enhanced else f" {digits}{mark}", " ")
    return text



_HEAD_OPENERS = ":;('\">"
# up to the last opener: matched over the characters before the code, the greedy run gives
# back only those after that opener (one short scan, where an rfind per opener scans the head)
_TO_LAST_OPENER = re.compile(r".*[:;('\">]", re.DOTALL)
_WORDS = re.compile(r"[A-Za-z]{2,}\W+[A-Za-z]{2,}")


def _lost_head(scan: str, start: int, body: str) -> str:
    """``body`` with the words before its code when the first code found is a continuation
    mark ("550-5.7.1", RFC 5321 §4.2.1) that prose precedes: a flattened multi-line reply whose
    first line lost its code ("... is receiving mail at a rate that 450-4.2.1 prevents ...").
    The words after the last opener before the code (":", ";", "(", a quote) belong to it."""
    opened = _TO_LAST_OPENER.match(scan, max(0, start - 80), start)  # most stand close
    lead = opened.end() if opened is not None else max(
        scan.rfind(mark, 0, start) for mark in _HEAD_OPENERS) + 1
    head = scan[lead:start].strip()
    return f"{head} {body}" if _WORDS.search(head) else body


def _cut(scan: str, start: int) -> int:
    """Where the text from ``start`` on stops before Postfix's '(in reply to ...)' and the
    like: what follows names the command answered or the envelope, not the reply's cause."""
    stop = scan.find("(in reply to ", start)  # with the blank before it, if any
    if stop < 0:
        stop = len(scan)
    elif stop > start and scan[stop - 1] == " ":
        stop -= 1
    for cut in _CUTS:  # each cut searched for before the one found so far
        at = scan.find(cut, start, stop)
        if at >= 0:
            stop = at
    return stop



def _body(scan: str, start: int, end: int, stop: int, digits: str, enhanced: str | None) -> str:
    """The reply's text: after the code (``digits``, from ``start`` to ``end``), up to
    ``stop``, where Postfix's '(in reply to ...)' and the like start."""
    body = scan[end:stop]
    if digits in body:  # the code again: a flattened reply of several lines
        body = _unfold(body, digits, enhanced)
    body = body.lstrip(" -").rstrip()
    last = body[-1:]
    if (last == ")" and body.count(")") > body.count("(")) or (
            last in ("'", '"') and start and scan[start - 1] == last):  # quoted: 'REPLY'
        body = body[:-1]
    return body.strip()



def command_of(scan: str) -> str | None:
    """The SMTP command the reply answered, if the text says so."""
    at = scan.find(_IN_REPLY_TO)  # the first prefix (Postfix's), the most common
    if at >= 0:
        match = _NAMED_COMMAND.match(scan, at + len(_IN_REPLY_TO))
        if match is not None:
            return _COMMANDS.get(match.group(1).lower())
    elif " after " not in scan and "reject: " not in scan and "while " not in scan:
        # each other prefix holds one of these: most lines end here.  Postfix's "host ...
        # refused to talk to me: 554 ...": the greeting refused the client
        return "CONNECT" if "refused to talk to me" in scan else None
    for prefix in _COMMAND_PREFIXES[1:]:
        at = scan.find(prefix)
        match = _NAMED_COMMAND.match(scan, at + len(prefix)) if at >= 0 else None
        if match is not None:
            return _COMMANDS.get(match.group(1).lower())
    return None

