"""Bytes of a bounce as text, in the charset its part declares, and never a crash.

Bounces arrive in the charsets of the systems that wrote them: ISO-2022-JP (Japanese
carriers), GB2312/GBK (Chinese providers), Big5, KOI8-R and Windows-1251 (Russian ones),
Windows-1252 and Latin-1 (localised Exchange).  A declared charset is often a subset of what
was written (GB2312 for GBK text, ISO-8859-1 for Windows-1252, ISO-2022-JP with half-width
kana), unknown to Python, or missing.  :func:`decode` reads the declared charset as its
superset, then falls back to UTF-8, then to Windows-1252, which reads any byte.
"""
from __future__ import annotations

import codecs
import email.header
from functools import lru_cache

__all__ = ["decode", "decode_words"]

#: a declared charset -> the codec of what is written under that name in practice (the WHATWG
#: Encoding Standard, https://encoding.spec.whatwg.org/#names-and-labels, maps these labels the
#: same way: gb2312 -> gb18030, iso-8859-1/us-ascii -> windows-1252, big5 -> Big5-HKSCS, ...)
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
    "euc-cn": "gb18030", "cp936": "gb18030",
    "big5": "big5hkscs", "x-x-big5": "big5hkscs", "cn-big5": "big5hkscs",
    "iso-2022-jp": "iso2022_jp_ext", "csiso2022jp": "iso2022_jp_ext",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "euc-jp": "euc_jis_2004",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "iso-2022-kr": "iso2022_kr",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    "iso-8859-9": "cp1254", "tis-620": "cp874", "iso-8859-11": "cp874",
    "iso-8859-8-i": "iso-8859-8", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "x-unknown": "", "unknown-8bit": "", "default": "", "charset": "",
}
_ESC_JIS = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I")  # ISO-2022-JP designations (RFC 1468)


@lru_cache(maxsize=256)
def _codec(charset: str | None) -> str:
    """The Python codec for a declared charset; "" when none is declared or Python has none."""
    name = (charset or "").strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return ""


def decode(raw: bytes, charset: str | None = None) -> str:
    """``raw`` as text: in the declared ``charset`` (read as its superset), else UTF-8, else
    Windows-1252; undecodable bytes become U+FFFD only when the declared charset is known and
    no fallback reads them all."""
    codec = _codec(charset)
    if not codec and b"\x1b" in raw and any(esc in raw for esc in _ESC_JIS):  # undeclared ISO-2022-JP
        codec = "iso2022_jp_ext"
    for name in dict.fromkeys((codec, "utf-8") if codec else ("utf-8",)):
        try:
            return raw.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    if codec == "utf-8" or not codec:  # mislabelled or undeclared 8-bit text: Windows-1252
        return raw.decode("cp1252", "replace")
    return raw.decode(codec, "replace")


def decode_words(value: str) -> str:
    """A header value's RFC 2047 encoded words decoded, each in its charset (see :func:`decode`),
    and raw ISO-2022-JP text decoded; the value as it is when it has neither or they cannot be
    split."""
    if "\x1b" in value and value.isascii():  # raw ISO-2022-JP, as older Japanese mailers write headers
        try:
            value = value.encode("ascii").decode("iso2022_jp_ext")
        except UnicodeError:
            pass
    if "=?" not in value:
        return value
    try:
        chunks = email.header.decode_header(value)
    except Exception:  # a malformed encoded word: keep the raw text
        return value
    parts: list[str] = []
    for chunk, charset in chunks:
        parts.append(chunk if isinstance(chunk, str) else decode(chunk, charset))
    return "".join(parts)
