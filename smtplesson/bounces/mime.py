"""A mail's MIME tree, as ``email.message_from_bytes`` builds it, without running the stdlib's
line-by-line feed parser over the bodies.

The feed parser reads every line of a mail through a stack of boundary tests; most of a
bounce's lines are bodies the readers take whole.  :func:`parse` stores the fields of each
header block as ``email.parser.HeaderParser`` would (:func:`_plain_headers`; a block with
any other line goes to that parser), takes each multipart's boundary from
``Message.get_boundary()``, finds the boundary lines with ``str.find`` and sets each leaf's
body as its payload (transfer decoding stays the stdlib's, in ``Message.get_payload``).
The same messages, headers and payloads result (preamble and epilogue included; the defects
the parser would note are not noted); wherever the structure is not the plain one -- a
``message/*`` part, a digest, a malformed header block, a multipart without its boundary,
doubled boundary lines, deep nesting -- the whole mail goes to ``email.message_from_string``.
"""
from __future__ import annotations

import email
import email.parser
import re
from email.message import Message

__all__ = ["parse"]

# the rest of a boundary line after "--boundary" (email.feedparser, RFC 2046 §5.1.1)
_BOUNDARY_END = re.compile(r"(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$")
#: multiparts nested deeper than this go to the stdlib parser (each level looks at its lines once)
_DEPTH = 8
_HEADERS = email.parser.HeaderParser()
# a field of a plain header block as the feed parser reads it: the name up to the first colon
# (email.feedparser.headerRE), the value from the first non-blank (compat32.header_source_parse)
# with its folded lines, "\n" included (the value's first character is no blank: one way to match);
# for a block without "\r" (a line's rest matched as [^\n]*: twice as fast as [^\r\n]*)
_PLAIN_FIELD = re.compile(r"([!-9;-~]+):[ \t]*((?:[^ \t\n][^\n]*)?(?:\n[ \t][^\n]*)*)(?:\n|\Z)")
# a Content-Type value whose parameters are plain (RFC 2045 §5.1 tokens, or quoted strings
# without a quote, backslash or angle bracket: what the stdlib's unquoting leaves as it is);
# each blank matched one way only (linear on any value)
_TOKEN = r"[!#$%&'*+.0-9A-Z^_`a-z{|}~-]+"
_PARAM = rf';[ \t\n]*([A-Za-z0-9_-]+)=({_TOKEN}|"[^"\\<>\n]*")'
_PLAIN_TYPE = re.compile(rf"[ \t]*{_TOKEN}/{_TOKEN}(?:[ \t\n]*{_PARAM})*[ \t\n]*")
_PARAMS = re.compile(_PARAM)


class _Unusual(Exception):
    """A structure :func:`parse` leaves to the stdlib parser."""


def parse(text: str, types: dict[int, str] | None = None,
          spans: dict[int, tuple[int, int]] | None = None) -> Message:
    """The ``Message`` tree of ``text`` (a mail decoded as ASCII with surrogate escapes, as
    ``email.message_from_bytes`` decodes it, with "\\n" line ends).  ``types``, when given, is
    filled with each part's ``get_content_type()`` by ``id`` of the part (as the parts were read:
    a caller walking the tree asks for each once), ``spans`` with where each leaf's payload is in
    ``text`` (``text[start:end]``, by ``id``); both are left empty for a tree the stdlib parsed."""
    found: dict[int, str] = {} if types is None else types
    where: dict[int, tuple[int, int]] = {} if spans is None else spans
    try:
        return _part(text, 0, len(text), (), nested=False, types=found, spans=where)
    except _Unusual:
        found.clear()  # the parts read so far are gone: their ids may be those of new parts
        where.clear()
        return email.message_from_string(text)


def _part(text: str, start: int, end: int, outer: tuple[str, ...], nested: bool,
          types: dict[int, str], spans: dict[int, tuple[int, int]]) -> Message:
    """The part in ``text[start:end]`` (cut before the boundary line that ends it; ``outer``:
    the boundary separators of the multiparts around it)."""
    if text.startswith("\n", start):  # no headers: the blank line opens the body
        cut, head_end = start + 1, start
    else:
        blank = text.find("\n\n", start, end)
        cut, head_end = (end, end) if blank < 0 else (blank + 2, blank + 1)
    plain = _plain_headers(text, start, head_end)
    if plain is None:
        message = _HEADERS.parsestr(text[start:cut])
        if message.get_payload():  # a line that is no header before the blank line
            raise _Unusual
        declared = message.get("Content-Type")
    else:
        message, declared = plain
    ctype = types[id(message)] = _content_type(message, declared)
    if ctype.startswith("message/") or ctype == "multipart/digest":
        raise _Unusual  # parts of their own inside, or a default type the parent sets
    if not ctype.startswith("multipart/"):
        if nested and end > cut and text[end - 1] == "\n":
            end -= 1
        message.set_payload(text[cut:end])
        spans[id(message)] = (cut, end)
        return message
    boundary = _boundary_of(message, declared)
    if boundary is None or len(outer) >= _DEPTH:
        raise _Unusual
    sep = "--" + boundary
    if any(_overlap(sep, other) for other in outer):
        raise _Unusual  # a line could close two of them: the stdlib tries the innermost first
    _multipart(message, text, cut, end, (sep, *outer), nested, types, spans)
    return message


def _overlap(one: str, other: str) -> bool:
    """True when a line could be a boundary line of both separators: one is the other followed by
    dashes and blanks only (what may follow a separator on its line).  Haraka nests "--B" in
    "--Ba": a line of either is no line of the other."""
    longer, shorter = (one, other) if len(one) >= len(other) else (other, one)
    return longer.startswith(shorter) and not longer[len(shorter):].strip("- \t")


def _plain_headers(text: str, start: int, end: int) -> tuple[Message, str | None] | None:
    """The message ``HeaderParser`` makes of the header lines ``text[start:end]`` (its payload
    still unset) and the value of its first Content-Type field (None without one), when each
    line is a field or a continuation; else None (a "From " line, a line that is no field, a
    "\\r": left to the stdlib).  Continuation lines before the first field are dropped, as the
    parser drops them (noting a defect; Exchange bounces that open with a line of blanks)."""
    if text.find("\r", start, end) >= 0:
        return None
    message = Message()
    declared = None
    at = start
    while at < end and text[at] in " \t":  # a leading continuation line
        line_end = text.find("\n", at, end)
        at = end if line_end < 0 else line_end + 1
    for found in _PLAIN_FIELD.finditer(text, at, end):  # each field where the one before ends
        if found.start() != at:
            return None
        name, value = found.groups()
        if declared is None and len(name) == 12 and name.lower() == "content-type":
            declared = value
        message.set_raw(name, value)  # as the parser stores a field
        at = found.end()
    return (message, declared) if at >= end else None


def _content_type(message: Message, declared: object) -> str:
    """``message.get_content_type()``, ``declared`` its first Content-Type value: an ASCII one
    read as the stdlib reads it (the type before any ";", lower case; "text/plain" unless it
    holds one "/"), without looking the field up again; the default for none (no parent here
    sets another: a digest goes to the stdlib)."""
    if declared is None:
        return "text/plain"
    if not isinstance(declared, str) or not declared.isascii():
        return message.get_content_type()
    ctype = declared.partition(";")[0].strip().lower()
    return ctype if ctype.count("/") == 1 else "text/plain"


def _boundary_of(message: Message, declared: object) -> str | None:
    """``message.get_boundary()``, read without the stdlib's parameter parsing when the
    Content-Type's parameters (``declared``, its first Content-Type value) are plain
    (:data:`_PLAIN_TYPE`)."""
    value = declared
    if not isinstance(value, str) or not value.isascii() or _PLAIN_TYPE.fullmatch(value) is None:
        return message.get_boundary()
    for name, quoted in _PARAMS.findall(value):
        if name.lower() == "boundary":
            return (quoted[1:-1] if quoted.startswith('"') else quoted).rstrip()
    return None


def _multipart(message: Message, text: str, start: int, end: int, seps: tuple[str, ...],
               nested: bool, types: dict[int, str], spans: dict[int, tuple[int, int]]) -> None:
    """``message``'s parts: ``text[start:end]`` split at the boundary lines of ``seps[0]``.
    (No line in it is a boundary line of ``seps[1:]``: those of the outer multiparts end it,
    and no line can be one of two of them.)"""
    sep = seps[0]
    at, line_end, close = _boundary(text, start, end, sep)
    if at < 0 or close:  # no opening boundary line: the stdlib keeps the text as the payload
        raise _Unusual
    message.preamble = text[start:at - 1] if at > start else None
    parts: list[Message] = []
    while True:
        at, next_end, close = _boundary(text, line_end, end, sep)
        if at == line_end:  # boundary lines one after another
            raise _Unusual
        parts.append(_part(text, line_end, end if at < 0 else at, seps, nested=True, types=types,
                           spans=spans))
        if at < 0:  # no closing boundary line
            break
        line_end = next_end
        if close:
            epilogue = text[line_end:end]
            # nested: the line end before the outer boundary line is that boundary's
            message.epilogue = (epilogue[:-1] if epilogue.endswith("\n") else epilogue or None) \
                if nested else epilogue
            break
    message.set_payload(parts)  # type: ignore[arg-type]  # a multipart's payload is its parts


def _boundary(text: str, start: int, end: int, sep: str) -> tuple[int, int, bool]:
    """The first boundary line of ``sep`` in ``text[start:end]`` (``start`` begins a line): where
    it starts, where the next line starts and whether it closes its multipart; ``(-1, end, False)``
    when there is none."""
    at = start if text.startswith(sep, start, end) else _line_with(text, start, end, sep)
    while at >= 0:
        line_end = text.find("\n", at, end)
        line_end = end if line_end < 0 else line_end + 1
        found = _BOUNDARY_END.match(text[at + len(sep):line_end])
        if found is not None:
            return at, line_end, found.group("end") is not None
        at = _line_with(text, line_end, end, sep)
    return -1, end, False


def _line_with(text: str, start: int, end: int, sep: str) -> int:
    """Where the first line after ``start`` that begins with ``sep`` starts, or -1."""
    found = text.find("\n" + sep, start - 1 if start else 0, end)
    return found + 1 if found >= 0 else -1
