"""Read recipients and their diagnostics out of a bounce's human-readable text.

Every MTA writes its bounce differently, but the shape is the same: a recipient address,
then what went wrong for it (the remote server's reply, or words of its own), until the
next recipient or the returned message.  A :class:`TextFormat` says how to recognise one
family (``signatures``) and where its recipient list starts and ends; :func:`scan` does
the rest, the same way for all.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .._lazy import once
from ..codes.syntax import CODE_IN_TEXT, ENHANCED_IN_TEXT
from .mail import Headers, Mail
from .phrases import Folded, may_match

__all__ = ["ADDRESS", "Found", "TextFormat", "bare_names", "diagnostic_of", "embedded_reply",
           "first_format", "inline_headers", "remote_of", "reply_line", "scan", "section"]

# An address as bounces print it: bare, in <>, quoted; the local part may be a VERP.
# The top-level label may be one letter (RFC 5321 §4.1.2 Domain: any sub-domain; anonymised
# bounces write "a@b.c"), but has a letter in it (RFC 3696 §2: a TLD is never all-numeric), so
# "root@10.0.0.1" is not an address.
ADDRESS = re.compile(
    r"(?<![\w.+=/-])([\w.!#$%&'*+/=?^`{|}~-]{1,256}@(?:[A-Za-z0-9-]{1,63}\.)+"
    r"(?=[0-9-]*[A-Za-z])[A-Za-z0-9-]{1,63})\b")
_CODE = CODE_IN_TEXT  # a reply code where a reply starts, not inside a number or a host:port
_ENH = ENHANCED_IN_TEXT
# (the words without which _REMOTE cannot match, for a pre-check)
_REMOTE_WORDS = ("host", "server", "mta", "while talking to", "connect", "conversation with",
                 " failed after", " does not like", " did not like our")
_REMOTE = Folded(
    r"(?:host|server|mta|while talking to|remote host|connecting to|connected to|"
    r"conversation with)[: ]+\[?([A-Za-z0-9][\w.-]*\.[A-Za-z]{2,}|\d{1,3}(?:\.\d{1,3}){3})"
    r"|^(\d{1,3}(?:\.\d{1,3}){3}) (?:failed after|does not like)"  # qmail
    r"|(?:^|\n)([A-Za-z0-9][\w.-]*) \[[0-9A-Fa-f.:]+\] did not like our")  # dma: HOST [ADDR] did not like our
# Barracuda "Rejected (host:25:550 5.7.1 ...)", Zoho "ERROR CODE :550 - 5.2.1 ..."
# (The host is matched from where its run of [\w.-] starts only: it can match nowhere else in
# the run, and trying every position in it made the pattern quadratic in a long word.)
_GLUED = re.compile(r"(?<![\w.-])[\w.-]+:\d{2,5}:(?=[2-5]\d\d[ -])|(?<=:)(?=[2-5]\d\d )")
# what every match of _GLUED, and of _SPACED_DASH, holds: found by a search for its literal (most
# texts hold neither; the patterns themselves are tried at every position)
_GLUED_NEED = re.compile(r":[2-5]\d\d[ -]")
_SPACED_DASH_NEED = re.compile(r" - [245]\.\d")
_SPACED_DASH = re.compile(r"\b([2-5]\d\d) - ([245]\.\d)")
# what comes before the reply and says nothing: Exchange 2003 "on 7/11/2001 9:20 AM", "because:"
_LEAD = re.compile(r"^(?:on \d{1,2}/\d{1,2}/\d{2,4} \d{1,2}:\d{2}(?::\d{2})?(?: ?[AP]M)?\s*|"
                   r"\(?(?:because|reason|error)\s*:\s*)+", re.I)
# "Recipient:", "Intended Recipients:", "Failed Recipient:", "Recipient address:", "To:"
_LABEL = re.compile(r"(?:[a-z]+ ){0,2}(?:recipients?|address(?:es)?|rcpt|to)(?: address)?\s*:", re.I)
#: a multi-line reply's code glued to the address that opens its line (RFC 5321 §4.2.1: "550-")
_REPLY_PREFIX = re.compile(r"[2-5]\d\d-[^@]")
_HEADER_LINE = re.compile(r"[ \t]*(?:from|sender|reply-to|return-path|message-id|in-reply-to|"
                          r"references|date|sent|cc|subject|x-[\w-]+|received|dkim-signature|"
                          r"list-[\w-]+|errors-to|delivered-to|envelope-to|resent-[\w-]+):", re.I)
#: where the returned message (or its headers) starts, in lower case
STOPS = (
    "--- below this line is a copy of the message", "below is a copy of the original message",
    "below this line is a copy of the message", "------ this is a copy of the message",
    "----- original message -----", "-----original message-----", "--- original message ---",
    "original message headers", "----- message header follows", "original message follows",
    "here is a copy of the first part of the message", "------ original message",
    "--- the original message", "----- unsent message below -----", "a copy of the original",
    "------- returned mail ---", "----- original message headers -----",
    "the header of the original message", "content-type: message/rfc822",
    "--- message headers", "header of the original message", "original message details",
    "the following is a copy of the original", "*** original message", "reporting-mta:",
    "------ below this line", "diagnostic-code:",
)


def _grouped(markers: tuple[str, ...], keys: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``markers`` grouped by the first of ``keys`` each holds (else alone), as (key, markers)."""
    groups, rest = [], list(markers)
    for key in keys:
        groups.append((key, tuple(m for m in rest if key in m)))
        rest = [m for m in rest if key not in m]
    return (*groups, *((m, (m,)) for m in rest))


# STOPS by the words many of them share: a group is searched for only in text with its words;
# (key, markers, the longest marker's length)
_STOP_GROUPS = tuple((key, markers, max(map(len, markers)))
                     for key, markers in _grouped(STOPS, ("original", "copy of")))

# A remote reply quoted inside a report's own words: "<421 4.4.2 Connection timed out>",
# "host mx said: 451 4.7.1 ...", Sendmail's "Deferred: 451 ...", "last error: 421 ...", Gmail's
# "The error that the other server returned was: 550 ..."
_EMBEDDED = Folded(
    r"(?:<|(?:said|replied|responded|returned(?: was)?|response(?: was)?|deferred|last error(?: was)?|"
    r"error was|reason)\s*:?\s*['\"(<]?)\s*"
    r"([45]\d\d(?:[ -][45]\.\d{1,3}\.\d{1,3})?[ -](?:[^\n<>'\"]|<[^\n<>]{0,256}>){2,400})")
#: where a reply quoted in a bounce's words ends: Postfix's command note, qmail-remote's
#: "Giving up on", Sendmail's warning line
_REPLY_ENDS = (" (in reply to ", "(in reply to ", " Giving up on ", " Warning: message still undelivered")
# the next line of a session transcript after a reply: MDaemon's "Tue 2024-03-12 12:00:02: --> QUIT",
# Sendmail's ">>> QUIT", the transcript's end
_NEXT_TRANSCRIPT_LINE = re.compile(
    r"\s(?:\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: )?(?:-->|<--|>>>|<<<)\s|\s-{3} end transcript", re.I)
_SKIP_LOCALS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "maildaemon", "noreply",
                          "no-reply", "mailerdaemon", "bounce", "bounces", "abuse"})


@dataclass(frozen=True)
class Found:
    """One recipient read from text (its diagnostic and remote host are read from its words when
    first asked for: a report's fields often say them already)."""

    address: str
    context: str  # the whole segment, one line (what explain reads)
    leading: bool = True  # the address opens its line, as recipient lists print them
    before: str = ""  # what comes before the address on its line ("could not be delivered to ")

    @once
    def diagnostic(self) -> str:
        """From the reply code on, or the text's own words; one line."""
        return diagnostic_of(self.context)

    @once
    def remote_mta(self) -> str | None:
        return remote_of(self.context)

    @classmethod
    def told(cls, address: str, diagnostic: str, remote_mta: str | None, context: str,
             leading: bool = True) -> Found:
        """A recipient whose diagnostic and remote host are given, not read from its words."""
        found = cls(address, context, leading)
        found.__dict__.update(diagnostic=diagnostic, remote_mta=remote_mta)
        return found


@dataclass(frozen=True)
class TextFormat:
    """One family of bounce text: how it is recognised and where its recipients are.

    ``signatures`` are ``(where, needle)`` pairs, any of which recognises the format:
    ``where`` is ``from``, ``subject``, ``text`` (the human text's first :data:`SIGNATURE_LIMIT`
    characters), ``header:NAME`` (the header exists and contains the needle; "" for any value),
    ``mta`` (the DSN's Reporting-MTA) or ``message-id``.  Needles are lower case."""

    name: str
    signatures: tuple[tuple[str, str], ...]
    starts: tuple[str, ...] = ()  # lower-case markers before the recipient list (first found)
    stops: tuple[str, ...] = ()  # lower-case markers after it, besides STOPS
    kind: str = "mta"  # "mta", "provider", "gateway": the family, for the docs
    check: Callable[[Mail], bool] | None = None  # a further test when a signature matched
    #: (lower-case words, enhanced status) the format writes for a failure without any reply code;
    #: the status is marked inferred
    statuses: tuple[tuple[str, str], ...] = ()
    #: (lower-case marker, domain): after the line holding the marker, the format lists its own
    #: users by mailbox name alone, one per indented line (AOL's screen names): ``name@domain``
    bare_names: tuple[str, str] | None = None
    #: lower-case words with which the format reports that it removed a message from its queue (an
    #: expiry): the recipient failed, whatever Action the report writes beside them
    gave_up: tuple[str, ...] = ()
    #: (start, end) lower-case markers around the one reason the format gives, beside its list, for
    #: every recipient the list names (Netscape Messaging Server: before it; Dovecot: after it, to the
    #: end of the text, end "")
    reason_before: tuple[str, str] | None = None
    #: (first line of a multi-line reply, the mail's text) -> the whole reply, for a format that reports
    #: only a reply's first line but keeps all of it elsewhere in its text (Sendmail's transcript)
    whole_reply: Callable[[str, str], str | None] | None = None


#: characters of a bounce's text searched for its writer's words: they open its text (in the bounce
#: corpus's tuning split and fixtures, all within the first 4.4 KiB), and past them most of a long
#: text is the returned message, quoted (Exim's, qmail's 35-43 KiB texts)
SIGNATURE_LIMIT = 16 * 1024
#: signature places that name who wrote the mail (X-Mailer: the program that wrote it)
STRONG = frozenset({"from", "mta", "message-id", "status", "header:x-mailer"})


def first_format(formats: tuple[TextFormat, ...], mail: Mail, reporting_mta: str) -> TextFormat | None:
    """The first of ``formats`` a signature recognises: first by the signatures that name the
    writer (:data:`STRONG`), then by the rest; a format whose ``check`` fails is passed over.
    Each pass looks for all the needles of a header (a header the mail lacks is passed over
    without decoding anything) or of the Reporting-MTA at once, then tries the formats hit in
    their order, the text's needles looked for in that order up to the first format found."""
    present = mail.headers
    for places in _places(formats):
        hits: list[tuple[int, TextFormat]] = []
        in_text: tuple[tuple[str, int, TextFormat], ...] = ()
        for where, needles in places:
            if where == "text":
                in_text = needles
                continue
            if where == "status":
                lows = [part.lower() for part in mail.status_texts]
                hits += [(i, fmt) for needle, i, fmt in needles if any(needle in low for low in lows)]
                continue
            if where == "mta":
                value = reporting_mta
            elif where in present:
                value = mail.lower_header(where) or ""
            else:
                continue
            hits += [(i, fmt) for needle, i, fmt in needles if needle in value]
        hits.sort(key=_first)
        failed = None
        for _, fmt in _in_order(hits, in_text, mail) if in_text else hits:
            if fmt is not failed:
                if fmt.check is None or fmt.check(mail):
                    return fmt
                failed = fmt  # its signatures are consecutive: the next hits of it are passed over
    return None


def _in_order(hits: list[tuple[int, TextFormat]], in_text: tuple[tuple[str, int, TextFormat], ...],
              mail: Mail) -> Iterator[tuple[int, TextFormat]]:
    """``hits`` and the text's needles found, in signature order (the text searched only as far as
    it is asked for).  One ``str`` search a needle is the fastest exact way measured: CPython's
    substring search skips ahead by about a needle's length, so the 63 needles over the tuning
    corpus' texts (1.2 KiB mean) took 23 us a mail where one regex alternation of them took 77,
    a trie-shaped regex 50, a look-ahead alternation 123, shared-prefix guards 32 and rarest-3-gram
    guards 59 (bounces-speed round 3).  Only the text's first :data:`SIGNATURE_LIMIT` characters
    are searched."""
    text = mail.lower_text
    text = text[:SIGNATURE_LIMIT] if len(text) > SIGNATURE_LIMIT else text
    at, count = 0, len(hits)
    for needle, order, fmt in in_text:
        while at < count and hits[at][0] < order:
            yield hits[at]
            at += 1
        if needle in text:
            yield order, fmt
    yield from hits[at:]


def _first(hit: tuple[int, TextFormat]) -> int:
    return hit[0]


#: per pass (strong, then the rest): (place, ((needle, order, format), ...)), a header by its lower-case name
Places = tuple[tuple[tuple[str, tuple[tuple[str, int, TextFormat], ...]], ...], ...]
_PLACES: dict[int, tuple[tuple[TextFormat, ...], Places]] = {}


def _places(formats: tuple[TextFormat, ...]) -> Places:
    """Every signature of ``formats``, numbered in order, the strong ones apart, by place
    (computed once per tuple of formats, found by identity: hashing the formats, frozen
    dataclasses, on every call cost more than the search)."""
    cached = _PLACES.get(id(formats))
    if cached is None or cached[0] is not formats:
        if len(_PLACES) > 8:
            _PLACES.clear()
        passes = []
        for strong in (True, False):
            flat = [(where.removeprefix("header:"), needle, fmt) for fmt in formats
                    for where, needle in fmt.signatures if (where in STRONG) == strong]
            by_place: dict[str, list[tuple[str, int, TextFormat]]] = {}
            for order, (where, needle, fmt) in enumerate(flat):
                by_place.setdefault(where, []).append((needle, order, fmt))
            passes.append(tuple((where, tuple(needles)) for where, needles in by_place.items()))
        cached = _PLACES[id(formats)] = (formats, tuple(passes))
    return cached[1]


def section(text: str, starts: tuple[str, ...] = (), stops: tuple[str, ...] = (),
            low: str | None = None) -> str:
    """The part of ``text`` between the first start marker and the first stop after it
    (``low``: ``text`` in lower case, when the caller has it already)."""
    low = text.lower() if low is None else low
    begin = 0
    for marker in starts:
        at = low.find(marker)
        if at >= 0:
            begin = at + len(marker)
            break
    return text[begin:_first_stop(low, begin, len(text), stops)]


def _first_stop(low: str, begin: int, end: int, stops: tuple[str, ...]) -> int:
    """Where the first of ``stops`` and :data:`STOPS` in ``low`` from ``begin`` on starts, when
    before ``end``; else ``end``.  Each marker is looked for only up to the first one found so far
    (the returned message that most of a long text is comes after it)."""
    for marker in stops:
        at = low.find(marker, begin, end + len(marker) - 1)
        if at >= 0:
            end = at
    for key, markers, longest in _STOP_GROUPS:
        if low.find(key, begin, end + longest - 1) >= 0:
            for marker in markers:
                at = _unquoted(low, marker, begin, end + len(marker) - 1)
                if at >= 0:
                    end = at
    return end


def _stops_in(low: str, begin: int) -> Iterator[int]:
    """Where each of :data:`STOPS` first occurs in ``low`` from ``begin`` on."""
    for key, markers, _ in _STOP_GROUPS:
        if low.find(key, begin) >= 0:
            for marker in markers:
                at = _unquoted(low, marker, begin, len(low))
                if at >= 0:
                    yield at


def _unquoted(low: str, marker: str, begin: int, end: int) -> int:
    """Where ``marker`` first occurs in ``low[begin:end]`` not just after a quote, or -1 (named, not
    written: 'The line beginning with "Diagnostic-Code:" describes ...', AOL)."""
    at = low.find(marker, begin, end)
    while at > 0 and low[at - 1] in _QUOTES:
        at = low.find(marker, at + 1, end)
    return at


_QUOTES = "\"'“‘«"


def inline_headers(text: str, low: str) -> Headers | None:
    """The returned message's headers as a bounce's own text quotes them after one of :data:`STOPS`
    (Exim's "------ This is a copy of the message", qmail's "--- Below this line is a copy of the
    message.", 1&1's "--- The header of the original message is following. ---"), for a bounce
    without a message/rfc822 part; None when no marker is followed by a header block."""
    for at in sorted(_stops_in(low, 0)):
        start = text.find("\n", at)
        if start < 0:
            break
        headers = Headers(text[start:start + 64 * 1024].lstrip("\n").partition("\n\n")[0])
        if headers.get("from") or headers.get("to") or headers.get("subject"):
            return headers
    return None


#: a line that opens with a rule ("__________ NOD32 __________"): what follows it, when it quotes
#: no reply (a scanner's or a disclaimer's footer), is not the words of the recipient above it
#: (Microsoft 365 puts its "More Info for Email Admins" and the reply below one)
_RULE = re.compile(r"\n[ \t]*([_*=~#-])\1{9,}[^\n]*(?=\n|$)")


def scan(text: str, exclude: set[str], *, limit: int = 50) -> list[Found]:
    """Recipients in ``text`` with the words that follow each (see the module doc)."""
    hits: list[tuple[int, int, str]] = []
    befores: dict[str, str] = {}
    quoted_line, quoted = -1, False
    for line_start, match in _addresses_in(text):
        address = match.group(1).strip(".").lstrip("'").lower()  # "addressed to 'bob@example.net'"
        if _REPLY_PREFIX.match(address) and not text[line_start:match.start()].strip():
            address = address[4:]  # a reply's continuation line: "550-bob@example.net is not active"
        local = address.partition("@")[0]
        if address in exclude or local in _SKIP_LOCALS:
            continue
        if line_start != quoted_line:  # once a line: a header line quoted in the text names no recipient
            quoted_line, quoted = line_start, bool(_HEADER_LINE.match(text, line_start)
                                                   or _quoted_to(text, line_start))
        if quoted:
            continue
        before = text[max(line_start, match.start() - 12):match.start()].lower()
        if "message-id" in before or "mailto:" in before[-7:]:
            continue
        hits.append((match.start(), match.end(), address))
        if address not in befores:
            befores[address] = text[max(line_start, match.start() - 200):match.start()]
        if len(hits) > limit * 4:
            break
    leading = [h for h in hits if _leads(text, h[0])]
    leading_addresses = {h[2] for h in leading}
    if leading:  # recipient lists put each address first on its line; others are quoted
        firsts = set(leading)
        inner = [h for h in hits if h[2] in leading_addresses and h not in firsts]
        hits = sorted(leading + inner)
    # where each hit's words end: at the next hit of another address (computed back to front)
    ends = [len(text)] * len(hits)
    for i in range(len(hits) - 2, -1, -1):
        ends[i] = hits[i + 1][0] if hits[i + 1][2] != hits[i][2] else ends[i + 1]
    segments: dict[str, list[str]] = {}
    for i, (start, end, address) in enumerate(hits):
        nxt = ends[i]
        segment = text[end:min(nxt, end + 2000)]
        rule = _RULE.search(segment)
        if rule is not None and _CODE.search(segment, rule.end()) is None:
            segment = segment[:rule.start()]  # a footer below a rule, no reply in it (a scanner's)
        if len(segment.strip(" \t\n:>)-.,")) < 3:  # "Unknown user: bob@example.net" (IMail)
            segment = text[text.rfind("\n", 0, start) + 1:start]
        segments.setdefault(address, []).append(segment)
        if len(segments) >= limit:
            break
    contexts = [(address, _best(parts)) for address, parts in segments.items()]
    found = []
    for i, (address, context) in enumerate(contexts):
        if len(context.strip(" <>[]()")) < 3:  # a list of addresses, then one reason for all of them
            context = next((c for _, c in contexts[i + 1:] if len(c.strip(" <>[]()")) >= 3), context)
        found.append(Found(address, context, address in leading_addresses, befores[address]))
    return found


_BARE_NAME = re.compile(r"[ \t]+([A-Za-z][\w.-]{0,63})[ \t]*")


def bare_names(text: str, low: str, marker: str, domain: str) -> list[Found]:
    """The recipients a provider lists by mailbox name alone on the indented lines after the line
    holding ``marker`` (``low``: ``text`` in lower case), as ``name@domain``, that line's words their
    diagnostic (an address in those words is the sender's, not a recipient)."""
    at = low.find(marker)
    end = text.find("\n", at) if at >= 0 else -1
    if end < 0:
        return []
    words = _one_line(text[at:end])
    found = []
    for line in text[end + 1:end + 20000].split("\n")[:50]:
        name = _BARE_NAME.fullmatch(line)
        if name is None:
            break
        found.append(Found.told(f"{name.group(1).lower()}@{domain}", words, None, words))
    return found


_TO_LINE = re.compile(r"[ \t]*to:", re.I)


def _quoted_to(text: str, line_start: int) -> bool:
    """True when the line at ``line_start`` is a "To:" of a returned message's headers quoted in the
    text: another header line follows it, after blank lines maybe ("Your message\n  To:
    list@example.org\n\n  Subject: ...\n did not reach the following recipient(s)", Exchange 5.5):
    the original's To, not a recipient."""
    if _TO_LINE.match(text, line_start) is None:
        return False
    nxt = text.find("\n", line_start)
    while nxt >= 0 and text.startswith("\n", nxt + 1):  # blank lines between them (Exchange 5.5)
        nxt += 1
    return nxt >= 0 and _HEADER_LINE.match(text, nxt + 1) is not None


def _addresses_in(text: str) -> Iterator[tuple[int, re.Match[str]]]:
    """ADDRESS matches with where their line starts, looked for only on the lines that have an "@"
    (most lines have none)."""
    at = text.find("@")
    while at >= 0:
        begin = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        for match in ADDRESS.finditer(text, begin, end):
            yield begin, match
        at = text.find("@", end)


def _leads(text: str, start: int) -> bool:
    """True when only blanks, '<', quotes, a list mark or a label such as "Recipient:" come
    before ``start`` on its line."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start].strip(" \t<\"'*-•>")
    return not before or _LABEL.fullmatch(before) is not None


def _best(parts: list[str]) -> str:
    """The segment that carries a reply code, up to the paragraph's end (else the first one)."""
    for raw in parts:
        raw = _unglue(raw)
        match = _CODE.search(raw) or _failure_status(raw)
        if match is not None:
            end = raw.find("\n\n", match.end())
            return _one_line(raw if end < 0 else raw[:end])
    for raw in parts:  # Sendmail's "%s... %s" (its transcript: "bob@example.net... Deferred: ...")
        first_line = raw.partition("\n")[0]
        if raw.startswith(("... ", ">... ")) and first_line.strip(" .>"):
            end = raw.find("\n\n")
            text = _one_line(raw if end < 0 else raw[:end])
            if len(text) > 3:
                return text
    cleaned = [_one_line(p) for p in parts]
    return next((t for t in cleaned if len(t) > 3), cleaned[0] if cleaned else "")


def _one_line(text: str) -> str:
    text = _LEAD.sub("", " ".join(text.split()).strip(" :>-.,\t\"'"))  # split: faster than a \s+ sub
    while text.endswith(")") and text.count(")") > text.count("("):  # a closing mark, not the reply's own
        text = text[:-1].rstrip(" :>-.,\t\"'")
    return text


def _unglue(text: str) -> str:
    if _GLUED_NEED.search(text) is not None:
        text = _GLUED.sub(" ", text)
    return _SPACED_DASH.sub(r"\1 \2", text) if _SPACED_DASH_NEED.search(text) is not None else text


# Exchange 2007-2019: "Remote Server returned '< #5.0.0 smtp;550 5.1.1 <bob@...>... User unknown>'"
_EXCHANGE_RETURNED = re.compile(r"<\s*#([245]\.\d{1,3}\.\d{1,3})\s+smtp;\s*(.{1,1000}?)(?:>(?='|\"|\s*$)|$)")


# what names a code written after the reply's words: "[SMTP Error Code 550]", "(error 550)"
_CODE_LABEL = re.compile(r"[\[(]?\s*(?:smtp\s+)?(?:error\s+)?(?:code\s*)?[:#]?\s*$", re.I)
# the first line of a multi-line reply, "550-5.1.1 The email account ...": the reply starts there
_CONTINUED = re.compile(r"(?<![\w.:/=\[+@$%-])[2-5][0-5][0-9]-(?=[245]\.\d{1,3}\.\d{1,3}[ \t])")


def diagnostic_of(context: str) -> str:
    """The remote reply in a segment (from its code on), else the segment's own words."""
    returned = _EXCHANGE_RETURNED.search(context) if "smtp;" in context else None
    if returned is not None:  # the reply Exchange quotes, else its status and words
        inner = returned.group(2).strip()
        return diagnostic_of(inner) if _CODE.search(inner) else f"{returned.group(1)} {inner}"
    context = _unglue(context)
    match = _CODE.search(context)
    if match is not None and match.start() > 10 and not context[match.end():].strip(" ])}>.,;"):
        # the code after the words: "mailbox unavailable. [SMTP Error Code 550]" is "550 mailbox unavailable."
        before = context[:match.start()]
        words = (before[:-40] + _CODE_LABEL.sub("", before[-40:])).strip()
        if len(words) > 3:
            return f"{match.group(1)} {words}"[:1000]
    continued = _CONTINUED.search(context, 0, match.start() if match else len(context))
    match = continued or match or _reply_by_enhanced(context)
    if match is not None:
        text = context[match.start():]
        opener = context[match.start() - 1:match.start()]
        if opener in ("'", '"') and opener in text:  # Exchange: returned '400 4.4.7 Message delayed'
            text = text[:text.index(opener)]
        for cut in _REPLY_ENDS:
            at = text.find(cut)
            if at > 0:
                text = text[:at]
        nxt = _NEXT_TRANSCRIPT_LINE.search(text, 4) if (  # MDaemon, Sendmail: the session goes on
            "--" in text or ">>>" in text or "<<<" in text) else None
        if nxt is not None:
            text = text[:nxt.start()]
        text = _before_next_address_line(text[:1200])
        text = text.lstrip("#").strip().removesuffix("##").rstrip()[:1000]  # Exchange: "#550 5.1.1 ... ##"
        half = len(text) // 2  # the same reply twice (Sendmail: transcript, then its summary)
        if len(text) % 2 and text[:half] == text[half + 1:]:
            text = text[:half]
        return text
    return context[:500].strip()


def _before_next_address_line(text: str) -> str:
    """``text`` up to Sendmail's next "%s... %s" line, the reply's recipient and its words again
    ("451 4.7.1 Rate limit exceeded bob@example.net... Deferred: 451 4.7.1 ...")."""
    at = text.find("... ", 4)
    while at > 0:
        start = text.rfind(" ", 0, at)
        token, rest = text[start + 1:at], text[at + 4:]
        # the reply's own "<bob@example.net>... User unknown" is its words, not a next line
        if start > 0 and "@" in token and "<" not in token and (
                rest.startswith("Deferred") or rest.startswith(text[:3])):
            return text[:start]
        at = text.find("... ", at + 4)
    return text


def _reply_by_enhanced(context: str) -> re.Match[str] | None:
    """An enhanced code that starts a reply with words after it (GMX: "5.1.1 <bob@...>: ..."),
    not one closing a line (Exchange 2003: "<server #5.1.1>")."""
    for match in _ENH.finditer(context):
        before = context[match.start() - 1:match.start()]
        if before in ("", " ") and len(context) - match.end() > 10 and match.group(1)[0] != "2":
            return match
    return None


def _failure_status(text: str) -> re.Match[str] | None:
    """The first enhanced code of class 4 or 5 in ``text``.  Without a reply code before it, a
    "2.x.y" in a failure's words is a version ("RELEASED Mailman 2.0.12"), not a success status."""
    for match in _ENH.finditer(text):
        if match.group(1)[0] != "2":
            return match
    return None


def embedded_reply(text: str) -> str | None:
    """The last remote reply quoted inside ``text`` (an expiry notice's own words), one line:
    ``"retry timeout exceeded (<421 4.4.2 Connection timed out>)"`` -> ``"421 4.4.2 Connection
    timed out"``.  A reply whose enhanced code is of another class than its basic code is not one."""
    last = None
    pattern, searched = _EMBEDDED.target(text[:4000])
    for match in pattern.finditer(searched):
        reply = text[match.start(1):match.end(1)]
        if reply[4:5].isdigit() and reply[4] != reply[0]:
            continue
        last = reply
    if last is None:
        return None
    for cut in (" (in reply to ", "(in reply to "):
        at = last.find(cut)
        if at > 0:
            last = last[:at]
    return " ".join(last.split()).strip(" )]:;,.")


def reply_line(text: str) -> str | None:
    """The first line of ``text`` with a reply code in it, from the code on."""
    match = _CODE.search(text) or _failure_status(text)
    if match is None:
        return None
    end = text.find("\n", match.start())
    return text[match.start():end if end >= 0 else len(text)]


def remote_of(context: str) -> str | None:
    pattern, searched = _REMOTE.target(context[:600])  # searched: lower-cased when it is ASCII
    match = pattern.search(searched) if may_match(searched, searched, _REMOTE_WORDS) else None
    if match is None:
        return None
    return (match.group(1) or match.group(2) or match.group(3)).rstrip(".").lower()
