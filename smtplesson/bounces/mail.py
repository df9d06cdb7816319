"""A mail as the readers see it: parsed once, with its texts decoded and bounded.

``load`` takes bytes, str, an ``email.message.Message``, a path or a binary file, with
LF, CRLF or CR-only line endings, and never raises: what cannot be read becomes a
:class:`Mail` whose ``problem`` says why.  Input beyond :data:`LIMIT` bytes is cut (the
report parts come first; what is cut is the tail of the returned message).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from email.message import Message
from itertools import islice
from typing import Any

from .._lazy import once
from .charsets import decode, decode_words
from .mime import parse
from .phrases import lower

__all__ = ["LIMIT", "Headers", "Mail", "headers_in", "load"]

#: bytes of a mail that are read; the rest (attachments of the original) is cut
LIMIT = 2 * 1024 * 1024
#: characters of one line that are kept (RFC 5322 §2.1.1 allows 998)
LINE_LIMIT = 16 * 1024
#: MIME boundary lines that are read (a real bounce has a handful)
BOUNDARY_LIMIT = 1000
#: characters of one header value that are kept
HEADER_LIMIT = 4096
#: characters of human-readable text scanned by the text readers
TEXT_LIMIT = 64 * 1024

# a header field of a header block, with its folded continuation lines (RFC 5322 §2.2.3)
_HEADER_FIELD = re.compile(r"^([!-9;-~]{1,76})[ \t]*:[ \t]*(.*(?:\n[ \t]+.*)*)", re.M)
_REPORT_TYPE = re.compile(r"""report-type\s*=\s*"?([\w.-]+)""", re.I)
_STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status",
                           "text/delivery-status", "text/global-delivery-status",
                           "message/x-delivery-status"})
_HEADERS_TYPES = frozenset({"text/rfc822-headers", "message/rfc822-headers",
                            "text/global-headers", "message/global-headers"})
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
_FEEDBACK_TYPES = frozenset({"message/feedback-report", "text/feedback-report"})
_RETURNED = b"content-type: message/rfc822"  # the returned message's part (see _without_returned_body)
# short literals looked for through a whole mail: CPython 3.11's bytes.count and bytes.find step
# through the bytes a few at a time for a needle this short, the regex engine about twice as fast
# (bench: over the costly bounces, "\n--" counted in 4.5 us a mail instead of 9, "822" found in 4
# instead of 8; for "essage/", whose first letter is common, bytes.find stays faster)
_BOUNDARY_LINE = re.compile(rb"\n--")
_RFC822 = re.compile(rb"822")
# a tag, or the opening of a script/style element (its end is looked for once: see html_to_text)
_TAG = re.compile(r"<(script|style)\b|<br\s*/?>|</(?:p|div|tr|li|h\d)\s*>|<[^>]{0,2000}>", re.I)
_ANY_TAG = re.compile(r"<[^>]{0,2000}>")
_ELEMENT_END = {name: re.compile(rf"</{name}\s*>", re.I) for name in ("script", "style")}
# what precedes "message/" on a Content-Type line, and the subtypes that follow it
_CONTENT_TYPE = re.compile(rb"content-type:[ \t]*", re.I)
_MESSAGE_SUBTYPE = re.compile(
    rb"(delivery-status|global-delivery-status|feedback-report|rfc822|global)(?=[\s;])", re.I)
# "text/plain; charset=utf-8" (or "utf-8" quoted), the one parameter: what get_content_charset
# says of it, read without parsing every parameter
_ONE_CHARSET = re.compile(r'[^;"=\\/]+/[^;"=\\]+;[ \t]*charset[ \t]*=[ \t]*("?)([A-Za-z0-9_.:+-]+)\1[ \t]*',
                          re.I)
_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
#: the transfer encodings ``Message.get_payload(decode=True)`` undoes
_TRANSFER_ENCODED = frozenset({"quoted-printable", "base64", "x-uuencode", "uuencode", "uue", "x-uue"})


class Headers:
    """The header block of a returned message, read without the stdlib parser (the readers need
    a few of its fields, by name): ``get`` and ``get_all`` as ``email.message.Message`` has them."""

    def __init__(self, text: str) -> None:
        self._fields: dict[str, list[str]] = {}
        for match in _HEADER_FIELD.finditer(text[:64 * 1024]):
            self._fields.setdefault(match.group(1).lower(), []).append(match.group(2).rstrip())

    def get(self, name: str, default: Any = None) -> Any:
        values = self._fields.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str, default: Any = None) -> Any:
        return list(self._fields.get(name.lower(), ())) or default


@dataclass
class Mail:
    """One mail, parsed: top-level headers, human text, report parts, the original."""

    message: Message
    raw: str  # the whole mail, decoded leniently, "\n" line ends
    problem: str = ""  # why it could not be read well (cut, undecodable ...)
    status_texts: list[str] = field(default_factory=list)  # message/delivery-status bodies
    feedback_texts: list[str] = field(default_factory=list)  # message/feedback-report bodies
    original: Message | None = None  # the returned message, parsed
    original_part: Message | None = None  # else the part that holds its headers (read when asked for)
    _texts: list[str] = field(default_factory=list)
    #: each part's content type by ``id`` of the part, as the parser read them (see mime.parse)
    _types: dict[int, str] = field(default_factory=dict)
    #: where each leaf's payload is in ``_data``, the bytes parsed, by ``id`` of the part (mime.parse)
    _spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    _data: bytes = b""

    def header(self, name: str) -> str:
        """A top-level header, decoded (RFC 2047), one line, bounded; "" when absent (decoded
        when first asked for: most of a bounce's headers are never read)."""
        name = name.lower()
        value = self._decoded.get(name)
        if value is None:
            raw = self.headers.get(name)
            value = self._decoded[name] = "" if raw is None else header_text(
                raw if raw.isascii() else _lenient(raw))
        return value

    def lower_header(self, name: str) -> str | None:
        """:meth:`header` in lower case; None when the mail has no such header."""
        value = self._lowered.get(name)
        if value is None and name in self.headers:
            value = self._lowered[name] = self.header(name).lower()
        return value

    @once
    def content_type(self) -> str:
        return self.type_of(self.message)

    def type_of(self, part: Message) -> str:
        """``part.get_content_type()`` of a part of :attr:`message`, as the parser read it."""
        return self._types.get(id(part)) or part.get_content_type()

    def payload_bytes(self, part: Message) -> bytes | None:
        """``part.get_payload(decode=True)`` of a leaf of :attr:`message` without a transfer
        encoding to undo: its bytes as the mail has them (the stdlib encodes the payload's text
        back, many times slower when it holds 8-bit bytes); None for any other part."""
        span = self._spans.get(id(part))
        if span is None or str(part.get("content-transfer-encoding", "")).lower() in _TRANSFER_ENCODED:
            return None
        return self._data[span[0]:span[1]]

    @once
    def report_type(self) -> str:
        """The ``report-type`` of a ``multipart/report`` (RFC 6522), lower case; "" otherwise."""
        if self.content_type != "multipart/report":
            return ""
        values = self.get_all("Content-Type")
        found = _REPORT_TYPE.search(str(values[0]) if values else "")
        return found.group(1).lower() if found else ""

    @once
    def headers(self) -> dict[str, str]:
        """The top-level headers as written (the first of a repeated name), by lower-case name:
        the first 200 names."""
        return {name: values[0] for name, values in islice(self._fields.items(), 200)}

    @once
    def _fields(self) -> dict[str, list[str]]:
        """Every top-level field's values as written, by lower-case name, in the order of the names'
        first fields (raw: the policy's per-value work is not needed)."""
        found: dict[str, list[str]] = {}
        for name, value in self.message.raw_items():
            found.setdefault(name.lower(), []).append(value)
        return found

    def get_all(self, name: str) -> list[Any]:
        """``message.get_all(name, [])`` looked up by name once a mail: the values as written, which
        are what the stdlib returns for values without 8-bit bytes (surrogate escapes), else its own."""
        values = self._fields.get(name.lower(), [])
        return list(values) if all(value.isascii() for value in values) else self.message.get_all(name, [])

    def has(self, name: str) -> bool:
        """True when the mail has a top-level header ``name`` (lower case)."""
        return name in self.headers or (len(self.headers) >= 200 and self.message.get(name) is not None)

    @once
    def _decoded(self) -> dict[str, str]:
        return {}

    @once
    def _lowered(self) -> dict[str, str]:
        return {}

    @once
    def subject(self) -> str:
        return self.header("Subject")

    @once
    def sender(self) -> str:
        return self.header("From")

    @once
    def text(self) -> str:
        """The human-readable part(s) written by the reporting system, "\n" line ends."""
        if self._texts:
            text = "\n\n".join(self._texts)
        else:  # a broken or single-part mail: its body as it is
            _, _, text = self.raw.partition("\n\n")
        return text[:TEXT_LIMIT]

    @once
    def lower_text(self) -> str:
        return lower(self.text)

    @once
    def body(self) -> str:
        """The whole mail after its top-level headers (for reports whose MIME is broken)."""
        return self.raw.partition("\n\n")[2]


def header_text(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if "=?" in text or "\x1b" in text:
        text = decode_words(text)
    text = " ".join(text[:HEADER_LIMIT].split())
    return text


def load(source: Any) -> Mail:
    """``source`` as a :class:`Mail`; never raises."""
    problem = ""
    if isinstance(source, Message):
        try:
            data = source.as_bytes()
        except Exception:
            data = _lenient_bytes(source)
    else:
        data, problem = _read(source)
    if len(data) > LIMIT:
        data = data[:LIMIT]
        problem = problem or f"only the first {LIMIT // 1024 // 1024} MiB were read"
    if b"\r" in data:
        data = _lf_lines(data)
    if len(data) > LINE_LIMIT and _has_long_line(data):
        data = b"\n".join(line[:LINE_LIMIT] for line in data.split(b"\n"))
        problem = problem or f"lines longer than {LINE_LIMIT // 1024} KiB were cut"
    data = _as_text_parts(_without_returned_body(data))
    cut = _nth(data, _BOUNDARY_LINE, BOUNDARY_LIMIT)
    if cut >= 0:  # thousands of MIME parts: the stdlib parser nests them all
        data = data[:cut]
        problem = problem or f"only the first {BOUNDARY_LIMIT} MIME boundaries were read"
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark an editor saved: not a header
    if data.startswith(b"From ") and b"\n" in data:  # an mbox "From " separator line
        data = data.partition(b"\n")[2]
    data = data.lstrip(b"\n")
    if not data or data.isspace():  # (no copy of the mail stripped)
        problem = problem or "the mail is empty"
    types: dict[int, str] = {}
    spans: dict[int, tuple[int, int]] = {}
    try:  # decoded as email.message_from_bytes decodes it (one character a byte)
        message = parse(data.decode("ascii", "surrogateescape"), types, spans)
    except Exception as exc:  # the stdlib parser is lenient; this is a last resort
        message = Message()
        types.clear()
        spans.clear()
        problem = problem or f"the MIME structure could not be parsed ({type(exc).__name__})"
    raw = data.decode("utf-8", "replace")
    if "\ufffd" in raw[:4096] and data[:4096].count(b"\x00") > 8:
        problem = "the mail is binary data, not text" + (f" ({problem})" if problem else "")
    mail = Mail(message, raw, problem, _types=types, _spans=spans, _data=data)
    try:
        _collect(mail, message, depth=0)
    except Exception as exc:
        mail.problem = mail.problem or f"a MIME part could not be read ({type(exc).__name__})"
    return mail


def _lf_lines(data: bytes) -> bytes:
    """``data`` with each CRLF, then each CR left, made LF, in one pass: ``bytes.splitlines``
    breaks lines at exactly these three (``str.splitlines`` breaks at more), and drops the last
    line's end, put back (faster than two ``bytes.replace`` on CPython 3.11)."""
    lines = b"\n".join(data.splitlines())
    return lines + b"\n" if data.endswith((b"\n", b"\r")) else lines


def _has_long_line(data: bytes) -> bool:
    """True when a line of ``data`` is longer than LINE_LIMIT: such a line holds a multiple of
    LINE_LIMIT, so only the lines at those offsets are measured (not every line)."""
    for at in range(0, len(data), LINE_LIMIT):
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        if (len(data) if end < 0 else end) - start > LINE_LIMIT:
            return True
    return False


def _as_text_parts(data: bytes) -> bytes:
    """``message/delivery-status``, ``message/feedback-report`` and ``message/rfc822`` parts
    declared as text: the stdlib would parse each status block, the feedback report and the
    returned message as messages of their own; the readers need their text and headers only, so
    the parser is spared that work."""
    out: list[bytes] = []
    pos = 0
    at = data.find(b"essage/")  # found fast (a literal); the few hits are checked one by one
    while at > 0:
        line_start = data.rfind(b"\n", 0, at) + 1
        kind = _MESSAGE_SUBTYPE.match(data, at + 7)
        if kind is not None and _CONTENT_TYPE.fullmatch(data, line_start, at - 1) is not None:
            subtype = kind.group(1).lower()
            out += [data[pos:at - 1], b"text/rfc822-headers" if subtype in (b"rfc822", b"global")
                    else b"text/" + subtype]
            pos = kind.end()
        at = data.find(b"essage/", at + 7)
    return b"".join(out) + data[pos:] if out else data


def _without_returned_body(data: bytes) -> bytes:
    """The mail up to the end of the returned message's headers, when nothing follows that the
    readers need (a report part): its body is what most of a bounce's bytes are, and unread."""
    at = _returned_part(data)
    if at < 0:
        return data
    tail = data[at:].lower()
    if b"delivery-status" in tail or b"feedback-report" in tail:
        return data
    part_head = data.find(b"\n\n", at)
    if part_head < 0:
        return data
    original_head = data.find(b"\n\n", part_head + 2)
    return data if original_head < 0 else data[:original_head + 2]


def _returned_part(data: bytes) -> int:
    """Where "Content-Type: message/rfc822" (any case) first is in ``data``, or -1: found by its
    digits, which have no case (:data:`_RFC822`; lower-casing the whole mail to find it cost more),
    unless more than 64 "822" are in the way (the whole mail lower-cased then: linear on any mail)."""
    hit = _RFC822.search(data, len(_RETURNED) - 3)
    for _ in range(64):
        if hit is None:
            return -1
        at = hit.end()
        if data[at - len(_RETURNED):at].lower() == _RETURNED:
            return at - len(_RETURNED)
        hit = _RFC822.search(data, at)
    return -1 if hit is None else data.lower().find(_RETURNED)


def _nth(data: bytes, needle: re.Pattern[bytes], n: int) -> int:
    """Where the n-th match of ``needle`` (a literal that cannot overlap itself, as "\\n--") starts,
    or -1 when there are fewer."""
    found = next(islice(needle.finditer(data), n - 1, None), None)
    return -1 if found is None else found.start()


def _read(source: Any) -> tuple[bytes, str]:
    """(bytes, problem) of bytes, str, a path or a binary file."""
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            return bytes(source), ""
        if isinstance(source, os.PathLike) or (
                isinstance(source, str) and "\n" not in source and len(source) < 4096
                and source.strip() and os.path.isfile(source)):
            with open(source, "rb") as handle:
                return handle.read(LIMIT + 1), ""
        if isinstance(source, str):
            return source.encode("utf-8", "surrogateescape"), ""
        if hasattr(source, "read"):
            data = source.read(LIMIT + 1)
            if isinstance(data, str):
                data = data.encode("utf-8", "surrogateescape")
            return bytes(data or b""), ""
        if source is None:
            return b"", "nothing to read (None)"
        return b"", f"cannot read a mail from {type(source).__name__}"
    except (OSError, ValueError, TypeError) as exc:
        return b"", f"the mail could not be read: {exc}"


def _lenient_bytes(message: Message) -> bytes:
    try:
        return message.as_string().encode("utf-8", "replace")
    except Exception:
        return b""


def _collect(mail: Mail, part: Message, depth: int) -> None:
    """Walk the MIME tree: report parts anywhere, human text outside returned messages."""
    if depth > 12:
        return
    ctype = mail.type_of(part)
    if ctype in _STATUS_TYPES:  # parsed by the stdlib into header blocks: not a container
        mail.status_texts.append(_part_text(part, mail.payload_bytes(part)))
        return
    if ctype in _FEEDBACK_TYPES:
        mail.feedback_texts.append(_part_text(part, mail.payload_bytes(part)))
        return
    if part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list):
            for sub in payload[:64]:
                if isinstance(sub, Message):
                    if ctype in _MESSAGE_TYPES or ctype == "message/partial":
                        _collect_returned(mail, sub, depth + 1)
                    else:
                        _collect(mail, sub, depth + 1)
        return
    if ctype in _HEADERS_TYPES or ctype in _MESSAGE_TYPES:
        if mail.original is None and mail.original_part is None:
            mail.original_part = part
    elif ctype == "text/plain" or (ctype == "text/html" and not mail._texts):
        if depth > 0 and "attachment" in str(part.get("Content-Disposition", "")).lower():
            return  # a text file attached to the bounce is not its own words
        text = _part_text(part, mail.payload_bytes(part))
        if ctype == "text/html":
            text = html_to_text(text)
        if text and not text.isspace():
            mail._texts.append(text)
    elif ctype.startswith("text/") and not mail._texts and depth == 0:
        mail._texts.append(_part_text(part, mail.payload_bytes(part)))


def _collect_returned(mail: Mail, sub: Message, depth: int) -> None:
    """A returned message: keep its headers; it is not the bounce's own text."""
    if mail.original is None and mail.original_part is None:
        mail.original = sub
    # a DSN forwarded as an attachment still counts when the mail has none of its own
    if not mail.status_texts and depth <= 2 and sub.get_content_type() == "multipart/report":
        for inner in sub.walk():
            if inner.get_content_type() in _STATUS_TYPES:
                mail.status_texts.append(_part_text(inner))


def _part_text(part: Message, payload: bytes | None = None) -> str:
    """A leaf part's content as text, decoded (transfer encoding, then charset); ``payload``: its
    bytes with the transfer encoding undone, when the caller has them."""
    if part.is_multipart():  # message/delivery-status parsed into header blocks
        return "\n".join(_block_text(b) for b in part.get_payload() if isinstance(b, Message))
    raw = part.get_payload(decode=True) if payload is None else payload
    if not isinstance(raw, bytes):
        return str(part.get_payload() or "")
    declared = part.get("Content-Type")  # get_content_charset parses it again: only when it can say one
    simple = _ONE_CHARSET.fullmatch(declared) if isinstance(declared, str) else None
    try:
        if simple is not None:
            charset: str | None = simple.group(2).lower()
        elif declared is not None and "charset" in str(declared).lower():
            charset = part.get_content_charset()
        else:
            charset = None
    except Exception:  # a malformed charset parameter
        charset = None
    text = decode(raw, charset)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _block_text(block: Message) -> str:
    lines = [f"{name}: {value}" for name, value in block.items()]
    body = block.get_payload()
    if isinstance(body, str) and body.strip():
        lines.append(body)
    return "\n".join(lines) + "\n"


def headers_in(part: Message) -> Headers:
    """The header block that opens a part's text (a returned message's headers part)."""
    return Headers(_part_text(part).lstrip("\n").partition("\n\n")[0])


def _lenient(value: str) -> str:
    """A raw header value with undecodable bytes (surrogate escapes) made text."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _strip_tags(html: str) -> str:
    """``html`` without its tags and script/style elements; ``<br>`` and closing block tags
    become line ends.  Linear: the end of each kind of element is searched for at most once
    past any point (an unclosed ``<script`` is only a tag), so many short unclosed
    ``<script`` lines cost no more than one."""
    out: list[str] = []
    ends: dict[str, int] = {}  # element name -> where its next end tag starts (-1: none left)
    pos = 0
    while (match := _TAG.search(html, pos)) is not None:
        start, end = match.span()
        name = (match.group(1) or "").lower()
        if name:
            found = ends.get(name)
            if found is None or 0 <= found < end:
                close = _ELEMENT_END[name].search(html, end)
                found = ends[name] = close.start() if close else -1
            if found >= 0:
                end = _ELEMENT_END[name].match(html, found).end()  # type: ignore[union-attr]
            else:
                tag = _ANY_TAG.match(html, start)
                if tag is None:  # "<script" and no ">": text, as any other lone "<"
                    out.append(html[pos:start + 1])
                    pos = start + 1
                    continue
                end = tag.end()
        out.append(html[pos:start])
        tag_start = match.group(0)[:3].lower()
        if not name and (tag_start == "<br" or tag_start[:2] == "</"):
            out.append("\n")
        pos = end
    out.append(html[pos:])
    return "".join(out)


def html_to_text(html: str) -> str:
    """Rough text of an HTML part: tags out, entities decoded, blank runs squeezed."""
    from html import unescape

    text = _strip_tags(html[:TEXT_LIMIT * 2])
    text = unescape(text).replace("\xa0", " ")
    return _BLANKS.sub("\n\n", text)
