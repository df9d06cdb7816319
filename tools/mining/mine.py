"""Mine the SMTP reply strings MTAs and filters really write, from their source code.

Run (after fetching the sources as tools/mining/README.md says):

    python tools/mining/mine.py SRC_ROOT tests/corpus

``SRC_ROOT`` holds one unpacked source tree per package (``PACKAGES``).  Every reply found in
a package's code -- a basic code, an optional enhanced code and the text, written as one
string ("550 5.1.1 User unknown"), as arguments (``550, "5.7.1", "<%s>: Relay access
denied"``, ``this.send(550, 'text')``), or through a library's helpers (Haraka's
``DSN.no_such_user(...)``, ``next(DENY, '...')``, qpsmtpd's ``(DENY, "...")``, maddy's
``SMTPError{Code: 550, ...}``) -- and every reply shown on a line of its own in its
documentation is written to ``tests/corpus/{tuning,heldout}/mined-<package>.jsonl`` with its
file and line, labelled by ``label.py``.  ``HELDOUT`` names the packages frozen out of
tuning.  Format placeholders (``%s``, ``${x}``) stay as the source writes them.
"""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from label import AMBIGUOUS, NOT_REPLIES, label  # tools/mining/label.py

_DEBIAN = "Debian bookworm source package"
#: package -> (folder under SRC_ROOT, where the source came from)
PACKAGES: dict[str, tuple[str, str]] = {
    "postfix": ("postfix-3.7.11", f"{_DEBIAN} postfix 3.7.11-0+deb12u1"),
    "exim4": ("exim-4.96", f"{_DEBIAN} exim4 4.96-15+deb12u10"),
    "sendmail": ("sendmail-8.17.1.9", f"{_DEBIAN} sendmail 8.17.1.9-2+deb12u2"),
    "opensmtpd": ("opensmtpd-6.8.0p2", f"{_DEBIAN} opensmtpd 6.8.0p2-4"),
    "dovecot": ("dovecot-2.3.19.1", f"{_DEBIAN} dovecot 2.3.19.1+dfsg1 (with pigeonhole 0.5.19)"),
    "rspamd": ("rspamd-3.4", f"{_DEBIAN} rspamd 3.4-1"),
    "postgrey": ("postgrey-1.37", f"{_DEBIAN} postgrey 1.37"),
    "opendmarc": ("OpenDMARC-rel-opendmarc-1-4-2", f"{_DEBIAN} opendmarc 1.4.2"),
    "courier": ("courier/courier",
                "github:svarshavchik/courier @fe506ccc (Debian's orig tarball answered 404)"),
    "qpsmtpd": ("qpsmtpd-0.94", f"{_DEBIAN} qpsmtpd 0.94-5"),
    "cyrus-imapd": ("cyrus-imapd-3.6.1", f"{_DEBIAN} cyrus-imapd 3.6.1-4+deb12u4"),
    "smtp-server": ("node/smtp-server-3.21.7", "npm: smtp-server 3.21.7 (Nodemailer's SMTP server)"),
    "zone-mta": ("node/zone-mta-3.10.3", "npm: zone-mta 3.10.3"),
    "maddy": ("maddy", "github:foxcpp/maddy @837b1b8 (not packaged in Debian bookworm)"),
    "aiosmtpd": ("aiosmtpd", "PyPI: aiosmtpd 1.4.6"),
    "haraka": ("haraka/x", "npm: Haraka 3.3.4, haraka-dsn 1.2.1 and 29 haraka-plugin-* packages"),
}
#: whole packages held out of tuning (tests/corpus/README.md)
HELDOUT = frozenset({"exim4", "opensmtpd", "courier", "haraka", "smtp-server"})
#: package -> the only folders whose literals are SMTP replies (rspamd's C code speaks HTTP)
ONLY: dict[str, tuple[str, ...]] = {"rspamd": ("src/plugins/lua/", "rules/")}
_CODE_EXTS = {".py", ".go", ".c", ".h", ".cc", ".cpp", ".C", ".pl", ".pm", ".js", ".lua", ".in", ".y", ""}
_DOC_EXTS = {"", ".txt", ".html", ".5", ".8", ".1", ".md", ".xfpt"}
# tests (their replies are made up: "500 This is \\x03 worse"), NNTP and HTTP servers (cyrus-imapd's
# nntpd, dovecot's HTTP server and doveadm API speak the same digits for another protocol)
_SKIP = re.compile(r"_test\.go$|/test-[^/]*$|nntp|lib-http/|-http\.c$"
                   r"|/(?:tests?|t|spec|regress|node_modules/\.bin)(?:/|$)", re.I)
_PLACEHOLDER_TEST = re.compile(r"\b(?:Foo|Bar|Baz)\b")

_STR = r'"((?:[^"\\\n]|\\.)*)"'
_SQ = r"'((?:[^'\\\n]|\\.)*)'"
_BT = r"`((?:[^`\\]|\\.)*)`"
_ANY = f"(?:{_SQ}|{_STR}|{_BT})"
_ENH = r'"([245]\.[0-9]{1,3}\.[0-9]{1,3})"'
# adjacent C string literals, possibly on several lines: "abc" "def" -> "abcdef"
_ADJACENT = re.compile(r'"\s*(?:\n\s*)?(?:US\s*)?"')
_REPLY = re.compile(
    r"^(?:US)?\s*([245][0-9][0-9])([ -])(?:([245]\.[0-9]{1,3}\.[0-9]{1,3})\s+)?(\S.{3,})$", re.S)
# Postfix: smtpd_check_reject(state, ..., var_bad_name_code, "5.5.2", "<%s>: ...")
_ARGS = re.compile(r"(\b[245][0-9][0-9]\b|\bvar_\w+_code\b|\bDEF_\w+_CODE\b)\s*"
                   r"(?:\?[^,;]{0,40}:\s*[245][0-9][0-9]\s*)?,\s*" + _ENH + r"\s*,\s*" + _STR)
_ENH_THEN_REPLY = re.compile(_ENH + r'\s*,\s*"([245][0-9][0-9]) ((?:[^"\\\n]|\\.)*)"')
# a code argument then the text: this.send(550, 'text'), respond(550, "text")
_CODE_THEN_TEXT = re.compile(r"[(,]\s*([245][0-9][0-9])\s*,\s*(?:" + _STR + "|" + _SQ + ")")
# an enhanced code then text, no basic code: Postfix's dsb_simple(why, "4.4.1", "connect to %s")
_ENH_TEXT = re.compile(r"(?<![0-9] ,)(?<![0-9],)(?<!_code,)" + _ENH + r"\s*,\s*" + _STR)
_HARAKA_NEXT = re.compile(r"next\(\s*(DENY|DENYSOFT|DENYDISCONNECT|DENYSOFTDISCONNECT)\s*,\s*" + _ANY)
_HARAKA_DSN = re.compile(r"DSN\.(\w+)\(\s*" + _ANY + r"(?:\s*,\s*'?([245][0-9][0-9])'?)?")
_HARAKA_DEF = re.compile(r"static (\w+) \(msg, code\) \{\s*return new DSN\(code, msg"
                         r"(?: \|\| '([^']*)')?, (\d+), (\d), (\d+)\)")
# qpsmtpd plugins return (DENY, "text"): qpsmtpd answers DENY with 550, DENYSOFT with 450
_QPSMTPD = re.compile(
    r"\b(DENY|DENYSOFT|DENY_DISCONNECT|DENYSOFT_DISCONNECT)\s*,\s*(?:" + _STR + "|" + _SQ + ")")
_VERDICT_CODES = {"DENY": 550, "DENYDISCONNECT": 550, "DENY_DISCONNECT": 550, "DENYSOFT": 450,
                  "DENYSOFTDISCONNECT": 450, "DENYSOFT_DISCONNECT": 450}
_RSPAMD_ACTION = re.compile(r"set_pre_result\(\s*'(reject|soft reject)'\s*,\s*" + _SQ)
_RSPAMD_CODES = {"reject": (554, "5.7.1"), "soft reject": (451, "4.7.1")}  # rspamd milter defaults
_GO_SMTP_ERROR = re.compile(
    r"Code:\s*([245][0-9][0-9]),\s*EnhancedCode:\s*[\w.]*EnhancedCode\{([245]),\s*([0-9]+),\s*([0-9]+)\},"
    r"\s*Message:\s*" + _STR)
#: package -> (regex whose group 1 is the text, code, enhanced, prefix written before the text)
SPECIAL: dict[str, list[tuple[re.Pattern[str], int, str, str]]] = {
    # postgrey answers Postfix's policy query with "DEFER_IF_PERMIT <text>"; Postfix replies so
    "postgrey": [(re.compile(r"greylist_text\s*=>.*?\|\| '([^']+)'"), 450, "4.2.0",
                  "<%s>: Recipient address rejected: ")],
    # DMARC_REJECT_SMTP with the reply texts opendmarc sets by smfi_setreply()
    "opendmarc": [(re.compile(r'"((?:rejected|quarantined) by DMARC policy for %s)"'), 550, "5.7.1", "")],
}
# documentation: a reply on a line of its own ("    550 5.1.1 <user>: Recipient ...")
_DOC_REPLY = re.compile(r"^\s*(?:<<<\s*|S:\s*|[\w.-]+\[[\d.]+\] said:\s*)?([45][0-9][0-9])([ -])"
                        r"(?:([245]\.[0-9]{1,3}\.[0-9]{1,3})\s+)?([A-Za-z<].{8,}?)\s*$", re.M)
#: packages whose documentation quotes a reply only with its enhanced code (cyrus-imapd's prose
#: starts many lines with numbers that are not replies)
DOC_NEEDS_ENHANCED = frozenset({"cyrus-imapd"})
_ESCAPES = re.compile(r"\\(?:r\\n|\\n|r|n|t)")

Found = tuple[int, "int | None", "str | None", str]  # (line, code, enhanced, text)


def _clean(text: str) -> str:
    text = _ESCAPES.sub(" ", text).replace('\\"', '"').replace("\\'", "'").replace("\\\\", "\\")
    return " ".join(text.split()).strip()


def _useful(text: str) -> bool:
    """A reply text worth keeping: two words or a long word beside its placeholders."""
    bare = re.sub(r"%l?\w|\$\{[^}]*\}|\$\w+|<[^>]*>", " ", text)
    wordy = len(re.findall(r"[A-Za-z]{3,}", bare)) >= 2 or bool(re.search(r"[A-Za-z]{5,}", bare))
    return wordy and bool(re.match(r"[A-Za-z<%$\[\"'(#]", text))


def _smtp_code(code: int | None) -> bool:
    """A code SMTP uses for a failure (421-459, 500-559), or no code at all."""
    return code is None or 421 <= code <= 459 or 500 <= code <= 559


def _postfix_defaults(root: Path) -> dict[str, int]:
    """var_bad_name_code -> 501, from Postfix's DEF_*_CODE defaults in mail_params.h."""
    defaults: dict[str, int] = {}
    for header in root.rglob("mail_params.h"):
        text = header.read_text("latin-1")
        for name, value in re.findall(r"#define\s+DEF_(\w+_CODE)\s+([245][0-9][0-9])\b", text):
            defaults["var_" + name.lower()] = int(value)
            defaults["DEF_" + name] = int(value)
    return defaults


def _haraka_dsn(root: Path) -> dict[str, tuple[int, str, str]]:
    """Haraka DSN helper name -> (default code, 'subject.detail', default text)."""
    helpers: dict[str, tuple[int, str, str]] = {}
    for index in root.glob("haraka-dsn*/package/index.js"):
        source = index.read_text("utf-8")
        rows = re.findall(r'^\s*"([^"]+)",\s*// X\.(\d+)\.(\d+)', source, re.M)
        titles = {f"{s}.{d}": t for t, s, d in rows}
        for name, text, code, subject, detail in _HARAKA_DEF.findall(source):
            key = f"{subject}.{detail}"
            helpers[name] = (int(code), key, text or titles.get(key, ""))
    return helpers


def _line_of(joined: str, offset: int, original: str) -> int:
    """The line of ``offset`` in the joined text, found again in the original file."""
    at = original.find(joined[offset:offset + 24])
    return original.count("\n", 0, at) + 1 if at >= 0 else joined.count("\n", 0, offset) + 1


def _first(*groups: str | None) -> str:
    return next((g for g in groups if g is not None), "")


def mine_file(path: Path, source: str, defaults: dict[str, int],
              haraka: dict[str, tuple[int, str, str]]) -> Iterator[Found]:
    """(line, code, enhanced, text) for each reply literal in one source file."""
    joined = _ADJACENT.sub("", source)
    taken: set[int] = set()  # where the text literals already read start

    def found(offset: int, code: int | None, enhanced: str | None, text: str, at: int) -> Found:
        taken.add(at)
        return _line_of(joined, offset, source), code, enhanced, _clean(text)

    for match in _ARGS.finditer(joined):
        raw, enhanced, text = match.groups()
        code = int(raw) if raw.isdigit() else defaults.get(raw)
        if code is not None and code // 100 == int(enhanced[0]):
            yield found(match.start(), code, enhanced, text, match.start(3))
    for match in _ENH_THEN_REPLY.finditer(joined):
        yield found(match.start(), int(match.group(2)), match.group(1), match.group(3), match.start(2))
    for match in _CODE_THEN_TEXT.finditer(joined):
        text, start = _first(match.group(2), match.group(3)), max(match.start(2), match.start(3))
        if text[:1].isalpha() and start not in taken:
            yield found(match.start(1), int(match.group(1)), None, text, start)
    for match in _ENH_TEXT.finditer(joined):
        enhanced, text = match.groups()
        if text[:1].isalpha() and enhanced[0] in "45" and match.start(2) not in taken:
            yield found(match.start(), None, enhanced, text, match.start(2))
    for match in re.finditer(_STR + "|" + _SQ, joined):
        literal = _first(match.group(1), match.group(2))
        reply = _REPLY.match(_clean(literal))
        start = max(match.start(1), match.start(2))
        if reply is not None and start not in taken and start - 1 not in taken:
            line = _line_of(joined, match.start(), source)
            yield line, int(reply.group(1)), reply.group(3), reply.group(4)
    yield from _dialects(path, joined, source, haraka)


def _dialects(path: Path, joined: str, source: str,
              haraka: dict[str, tuple[int, str, str]]) -> Iterator[Found]:
    """Replies written through a language's or a program's own helpers."""
    def at(offset: int) -> int:
        return _line_of(joined, offset, source)

    if path.suffix == ".go":
        for match in _GO_SMTP_ERROR.finditer(joined):
            code, cls, subject, detail, text = match.groups()
            yield at(match.start()), int(code), f"{cls}.{subject}.{detail}", _clean(text)
    if path.suffix == ".js":
        for match in _HARAKA_NEXT.finditer(joined):
            text = _first(*match.groups()[1:])
            if "DSN." not in text:
                yield at(match.start()), _VERDICT_CODES[match.group(1)], None, _clean(text)
        for match in _HARAKA_DSN.finditer(joined):
            helper = haraka.get(match.group(1))
            if helper is not None:
                code = int(match.group(5)) if match.group(5) else helper[0]
                text = _first(*match.groups()[1:4]) or helper[2]
                yield at(match.start()), code, f"{code // 100}.{helper[1]}", _clean(text)
    if path.suffix in {".pm", ""} or "/plugins/" in str(path):
        for match in _QPSMTPD.finditer(joined):
            text = _first(match.group(2), match.group(3))
            yield at(match.start()), _VERDICT_CODES[match.group(1)], None, _clean(text)
    if path.suffix == ".lua":
        for match in _RSPAMD_ACTION.finditer(joined):
            code, enhanced = _RSPAMD_CODES[match.group(1)]
            yield at(match.start()), code, enhanced, _clean(match.group(2))


def mine_special(package: str, source: str) -> Iterator[Found]:
    """The replies a package writes through its configuration defaults (``SPECIAL``)."""
    for pattern, code, enhanced, prefix in SPECIAL.get(package, ()):
        for match in pattern.finditer(source):
            yield source.count("\n", 0, match.start()) + 1, code, enhanced, prefix + match.group(1)


def mine_docs(source: str, needs_enhanced: bool = False) -> Iterator[Found]:
    """Replies shown on lines of their own in a package's documentation."""
    for match in _DOC_REPLY.finditer(source):
        code, _, enhanced, text = match.groups()
        if enhanced is None and needs_enhanced:
            continue
        yield source.count("\n", 0, match.start(1)) + 1, int(code), enhanced, _clean(text)


def _files(root: Path, docs: bool) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        rel = "/" + str(path.relative_to(root)).lower()
        is_doc = "/doc" in rel or "/man" in rel or "/readme" in rel
        if _SKIP.search(rel) or is_doc != docs or path.suffix not in (_DOC_EXTS if docs else _CODE_EXTS):
            continue
        if not docs and path.suffix == "" and not path.read_bytes()[:40].startswith(b"#!"):
            continue
        yield path


def mine_package(package: str, root: Path) -> Iterator[tuple[Path, Found]]:
    """Every reply found in one package's code and documentation."""
    defaults = _postfix_defaults(root) if package == "postfix" else {}
    haraka = _haraka_dsn(root) if package == "haraka" else {}
    for path in _files(root, docs=False):
        source = path.read_text("utf-8", "replace")
        for hit in (*mine_file(path, source, defaults, haraka), *mine_special(package, source)):
            yield path, hit
    for path in _files(root, docs=True):
        for hit in mine_docs(path.read_text("utf-8", "replace"), package in DOC_NEEDS_ENHANCED):
            yield path, hit


def mine(src_root: Path, corpus: Path) -> dict[str, int]:
    """Write one JSON Lines file per package; return the line count of each."""
    counts: dict[str, int] = {}
    for package, (folder, origin) in PACKAGES.items():
        root = src_root / folder
        seen: set[str] = set()
        rows = []
        for path, (line, code, enhanced, text) in mine_package(package, root):
            reply = " ".join(str(p) for p in (code, enhanced) if p is not None) + " " + text
            rel = str(path.relative_to(root))
            if (not _useful(text) or reply in seen or reply.startswith(tuple(NOT_REPLIES))
                    or reply in AMBIGUOUS
                    or not _smtp_code(code) or _PLACEHOLDER_TEST.search(text)
                    or (package in ONLY and not rel.startswith(ONLY[package]))):
                continue
            seen.add(reply)
            category, bounce_type = label(code, enhanced, text)
            rows.append({"text": reply, "category": category, "bounce_type": bounce_type,
                         "provider": None, "lang": "en", "source": f"{origin}: {rel}:{line}",
                         "source_id": f"mined:{package}", "kind": "mined"})
        counts[package] = len(rows)
        if rows:
            out_dir = corpus / ("heldout" if package in HELDOUT else "tuning")
            out_dir.mkdir(parents=True, exist_ok=True)
            with (out_dir / f"mined-{package}.jsonl").open("w", encoding="utf-8") as out:
                out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return counts


if __name__ == "__main__":
    for name, count in mine(Path(sys.argv[1]), Path(sys.argv[2])).items():
        print(f"{name:14} {count}")
