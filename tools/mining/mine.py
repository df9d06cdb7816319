"""Mine the SMTP reply strings MTAs and filters really write, from their source code.

Run (after fetching the sources as tools/mining/README.md says):

    python tools/mining/mine.py SRC_ROOT tests/corpus [PACKAGE ...]
    python tools/mining/mine.py --relabel tests/corpus   # after a labels.json change

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

from configs import mine_postfix_table, mine_rspamd_conf, table_kind  # tools/mining/configs.py
from label import AMBIGUOUS, NOT_REPLIES, label  # tools/mining/label.py
from literals import ANY, REPLY, SQ, STR, Found, clean, first  # tools/mining/literals.py
from packages import PACKAGES  # tools/mining/packages.py
from proxies import PACKAGES as ROUND6
from proxies import mine_dialects, mine_smtp_gated  # tools/mining/proxies.py
from verdicts import POLICY_DAEMONS, mine_exim_acl, mine_mimedefang, mine_policy, mine_special

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from corpus_split import split_of  # tools/corpus_split.py

#: packages held out of tuning: the first five chosen by hand (tests/corpus/README.md), every
#: package added since by ``tools/corpus_split.py``'s frozen rule on ``mined:<package>``
HELDOUT = frozenset({"exim4", "opensmtpd", "courier", "haraka", "smtp-server"}) | frozenset(
    package for package in list(PACKAGES)[list(PACKAGES).index("clamsmtp"):]
    if split_of(f"mined:{package}") == "heldout")
#: packages from round 4 on keep only replies no other corpus file has (two MTAs writing one
#: reply, qmail's descendants sharing qmail-smtpd's texts), so that a tuned copy never takes a
#: held-out line out of the figures (``tools/corpus.py`` drops held-out lines tuning also has)
FRESH_ONLY = frozenset(list(PACKAGES)[list(PACKAGES).index("spamdyke"):])
#: packages from round 5 on also leave out a template whose fixed words another corpus line
#: already holds ("<%s>: Recipient address rejected: User unknown" is in a thread's reply):
#: the corpus has the reply, filled in
FRESH_TEMPLATES = frozenset(list(PACKAGES)[list(PACKAGES).index("sagredo-qmail"):])
#: package -> the only folders whose literals are SMTP replies (rspamd's C code speaks HTTP;
#: James, Stalwart and KumoMTA hold IMAP, JMAP, HTTP and admin servers beside their SMTP code)
ONLY: dict[str, tuple[str, ...]] = {
    "rspamd": ("src/plugins/lua/", "rules/"),
    "james": ("protocols/smtp/", "protocols/lmtp/", "server/protocols/protocols-smtp/",
              "server/protocols/protocols-lmtp/", "server/mailet/"),
    "stalwart": ("crates/smtp/",),
    "kumomta": ("crates/kumod/", "crates/rfc5321/", "assets/", "docs/"),
    "mox": ("smtpserver/", "smtp/", "queue/", "dsn/", "smtpclient/"),
    "zimbra": ("store/src/java/com/zimbra/cs/lmtpserver/", "store/src/java/com/zimbra/cs/milter/"),
    "twisted": ("src/twisted/mail/",),
    "lumisoft": ("LumiNet_45/SMTP/", "CoreMail/"),  # beside its FTP, SIP, POP3 and IMAP servers
    "gen_smtp": ("src/gen_smtp_server_session.erl",),  # not its client nor its example callbacks
    "citadel": ("citadel/modules/smtp/",),
    "eventmachine": ("lib/em/protocols/smtpserver.rb",),
    "smtp4dev": ("smtpserver/Rnwood.SmtpServer/", "Rnwood.Smtp4dev/Server/"),
    "davmail": ("src/java/davmail/smtp/",),
    # the distributions' own configuration and their mail-auth answers, not their web front ends
    "mailcow": ("data/conf/", "data/Dockerfiles/"),
    "mailu": ("core/postfix/", "core/rspamd/", "core/admin/mailu/internal/"),
    "mailinabox": ("setup/", "conf/"),
    "iredmail": ("samples/", "conf/"),
    "modoboa": ("modoboa/policyd/",),
    "mireka": ("src/",),  # beside the RFCs it ships
    "papercut": ("src/Papercut.Infrastructure.Smtp/",),
    "emailengine": ("workers/smtp.js",),  # beside its IMAP proxy
    "msmtp": ("src/",),
    "indimail": ("indimail-mta-x/smtpd.c", "indimail-mta-x/ofmipd.c", "indimail-mta-x/dnsbl.c",
                 "indimail-mta-x/smtp_plugin.c"),  # not its password and TLS helpers
    "kopano": ("spooler/",),  # its dagent's LMTP server, beside MAPI, CalDAV and IMAP gateways
    "zmailer": ("smtpserver/",),  # not its router's and transports' client side, nor the RFCs it ships
    "mailscanner": ("common/usr/share/MailScanner/perl/MailScanner/", "common/usr/sbin/MSMilter"),
    "milter-regex": ("milter-regex.c", "rules"),
    "authentication-milter": ("lib/", "README"),
}
#: packages whose replies Haraka writes through haraka-dsn's helpers (``DSN.no_such_user()``),
#: read from ``SRC_ROOT/haraka/x/haraka-dsn-*``: Haraka's own (held out) only, so that a plugin
#: mined later (haraka-plugin-wildduck, tuning) never brings the held-out helpers' texts to tuning
HARAKA_PLUGINS = frozenset({"haraka"})
#: mail-server distributions whose Postfix tables and rspamd rules hold reply texts (configs.py)
DISTRIBUTIONS = frozenset({"mailcow", "mailu", "mailinabox", "iredmail"})
#: distributions whose Exim configurations' ACLs hold reply texts (``verdicts.mine_exim_acl``)
EXIM_CONFIGS = frozenset({"vestacp"})
# pages that quote other receivers' replies (KumoMTA's normaliser example is Gmail's 5.1.1): not the
# package's own words
NOT_OWN: dict[str, tuple[str, ...]] = {
    "kumomta": ("docs/reference/string/normalize_smtp_response.md",),
    # ZMailer's DEBUG joke and its tracking subdaemon's internal protocol: no replies to a client
    "zmailer": ("smtpserver/debugreport.c", "smtpserver/subdaemon-trk.c"),
}
_CODE_EXTS = {".py", ".go", ".c", ".h", ".cc", ".cpp", ".C", ".pl", ".pm", ".js", ".lua", ".in", ".y", "",
              ".rs", ".java", ".rb", ".cs", ".erl"}
_DOC_EXTS = {"", ".txt", ".html", ".5", ".8", ".1", ".md", ".xfpt"}
# tests (their replies are made up: "500 This is \\x03 worse"), NNTP and HTTP servers (cyrus-imapd's
# nntpd, dovecot's HTTP server and doveadm API speak the same digits for another protocol)
_SKIP = re.compile(r"_test\.go$|/test-[^/]*$|nntp|lib-http/|-http\.c$"
                   r"|/(?:tests?|t|spec|regress|node_modules/\.bin)(?:/|$)", re.I)
_PLACEHOLDER_TEST = re.compile(r"\b(?:Foo|Bar|Baz)\b")

_ENH = r'"([245]\.[0-9]{1,3}\.[0-9]{1,3})"'
# adjacent C string literals, possibly on several lines: "abc" "def" -> "abcdef"
_ADJACENT = re.compile(r'"\s*(?:\n\s*)?(?:US\s*)?"')
# Postfix: smtpd_check_reject(state, ..., var_bad_name_code, "5.5.2", "<%s>: ...")
_ARGS = re.compile(r"(\b[245][0-9][0-9]\b|\bvar_\w+_code\b|\bDEF_\w+_CODE\b)['\"]?\s*"
                   r"(?:\?[^,;]{0,40}:\s*[245][0-9][0-9]\s*)?,\s*" + _ENH + r"\s*,\s*" + STR)
_ENH_THEN_REPLY = re.compile(_ENH + r'\s*,\s*"([245][0-9][0-9]) ((?:[^"\\\n]|\\.)*)"')
# a code argument then the text: this.send(550, 'text'), respond(550, "text")
# (also quoted, as slimta's Reply('550', '5.1.1 text'), or Go's return 550, "text", or Twisted's
# bytes sendCode(550, b"text"); the text may lead with the enhanced code)
_CODE_THEN_TEXT = re.compile(
    r"(?:[(,]|\breturn)\s*['\"]?([245][0-9][0-9])['\"]?\s*,\s*b?(?:" + STR + "|" + SQ + ")")
_LEADING_ENH = re.compile(r"([245]\.[0-9]{1,3}\.[0-9]{1,3})\s+(\S.*)", re.S)
# an enhanced code then text, no basic code: Postfix's dsb_simple(why, "4.4.1", "connect to %s")
_ENH_TEXT = re.compile(r"(?<![0-9] ,)(?<![0-9],)(?<!_code,)" + _ENH + r"\s*,\s*" + STR)
_HARAKA_NEXT = re.compile(r"next\(\s*(DENY|DENYSOFT|DENYDISCONNECT|DENYSOFTDISCONNECT)\s*,\s*" + ANY)
_HARAKA_DSN = re.compile(r"DSN\.(\w+)\(\s*" + ANY + r"(?:\s*,\s*'?([245][0-9][0-9])'?)?")
# an OpenSMTPD filter's verdict: "reject|550 text", "disconnect|421 text" (smtpd-filters(7))
_FILTER_RESULT = re.compile(r"^(?:reject|disconnect)\|")
# Node (Nodemailer's smtp-server, ZoneMTA): let err = new Error('text' + x); err.responseCode = 550;
_JS_ERROR = re.compile(r"new Error\(((?:[^;]|;(?!\s*\n))*?)\);((?:(?!new Error)[^}]){0,240}?)"
                       r"\.responseCode\s*=\s*([245][0-9][0-9])\b")
_JS_PIECE = re.compile(ANY)
_HARAKA_DEF = re.compile(r"static (\w+) \(msg, code\) \{\s*return new DSN\(code, msg"
                         r"(?: \|\| '([^']*)')?, (\d+), (\d), (\d+)\)")
# qpsmtpd plugins return (DENY, "text"): qpsmtpd answers DENY with 550, DENYSOFT with 450
_QPSMTPD = re.compile(
    r"\b(DENY|DENYSOFT|DENY_DISCONNECT|DENYSOFT_DISCONNECT)\s*,\s*(?:" + STR + "|" + SQ + ")")
_VERDICT_CODES = {"DENY": 550, "DENYDISCONNECT": 550, "DENY_DISCONNECT": 550, "DENYSOFT": 450,
                  "DENYSOFTDISCONNECT": 450, "DENYSOFT_DISCONNECT": 450}
_RSPAMD_ACTION = re.compile(r"set_pre_result\(\s*'(reject|soft reject)'\s*,\s*" + SQ)
_RSPAMD_CODES = {"reject": (554, "5.7.1"), "soft reject": (451, "4.7.1")}  # rspamd milter defaults
_GO_SMTP_ERROR = re.compile(
    r"Code:\s*([245][0-9][0-9]),\s*EnhancedCode:\s*[\w.]*EnhancedCode\{([245]),\s*([0-9]+),\s*([0-9]+)\},"
    r"\s*Message:\s*" + STR)
# reply and enhanced codes named by constants: mox's ``smtp.C550MailboxUnavail,
# smtp.SeAddr1UnknownDestMailbox1, "text"``, James's ``SMTPRetCode.MAILBOX_PERM_UNAVAILABLE,
# DSNStatus.getStatus(DSNStatus.PERMANENT, DSNStatus.ADDRESS_MAILBOX) + " text"``, SmtpServer's
# (.NET) ``new SmtpResponse(SmtpReplyCode.SyntaxError, "text")``
_CONSTANT = re.compile(r'\b([A-Z]\w*)\s*=\s*"?(\.?[0-9][0-9.]*)"?')
# go-guerrilla: Response{EnhancedCode: InvalidCommand, BasicCode: 554, Class: ..., Comment: "text"}
_GUERRILLA = re.compile(r"EnhancedCode:\s*(\w+),\s*BasicCode:\s*([245][0-9][0-9]),\s*Class:\s*\w+,"
                        r"\s*Comment:\s*" + STR)
# chrj/smtpd and its users: smtpd.Error{Code: 451, Message: "text"}
_GO_ERROR = re.compile(r"Error\{\s*Code:\s*([245][0-9][0-9]),\s*Message:\s*" + STR)
# spamdyke: #define REJECTION_DATA_X { REJECTION_X, REJECT_SEVERITY_Y, ERROR_X, ... } with
# #define ERROR_X "text" and #define REJECT_SEVERITY_Y "554 "
_SPAMDYKE_DATA = re.compile(r"#define\s+REJECTION_DATA_\w+\s*\{\s*\w+,\s*(REJECT_SEVERITY_\w+),"
                            r"\s*(ERROR_\w+)\b")
_C_DEFINE = re.compile(r'#define\s+(\w+)\s+"((?:[^"\\\n]|\\.)*)"')
# MailHog: &Reply{550, []string{"text"}, nil}
_GO_REPLY = re.compile(r"\{\s*([245][0-9][0-9])\s*,\s*\[\]string\{\s*" + STR)
_MOX = re.compile(r"\b(?:smtp\.)?(C[245][0-9][0-9]\w*)\s*,\s*(?:smtp\.)?(Se\w+)\s*,\s*" + STR)
_JAMES = re.compile(r"(?:SMTPRetCode|SmtpReplyCode|StandardSmtpResponseCode)\.(\w+)\s*,\s*"
                    r"(?:DSNStatus\.getStatus\(\s*DSNStatus\.(\w+)\s*,\s*DSNStatus\.(\w+)\s*\)"
                    r"\s*\+\s*)?\$?" + STR)
#: package -> the files that define its code constants
CONSTANTS: dict[str, tuple[str, ...]] = {"mox": ("codes.go",), "go-guerrilla": ("enhanced.go",),
                                         "james": ("SMTPRetCode.java", "DSNStatus.java"),
                                         "smtpserver-net": ("SmtpReplyCode.cs",),
                                         "smtp4dev": ("StandardSmtpResponseCode.cs",)}
# documentation: a reply on a line of its own ("    550 5.1.1 <user>: Recipient ...")
_DOC_REPLY = re.compile(r"^\s*(?:<<<\s*|S:\s*|[\w.-]+\[[\d.]+\] said:\s*)?([45][0-9][0-9])([ -])"
                        r"(?:([245]\.[0-9]{1,3}\.[0-9]{1,3})\s+)?([A-Za-z<].{8,}?)\s*$", re.M)
#: packages whose documentation quotes a reply only with its enhanced code (cyrus-imapd's prose
#: starts many lines with numbers that are not replies)
DOC_NEEDS_ENHANCED = frozenset({"cyrus-imapd"})


def _useful(text: str) -> bool:
    """A reply text worth keeping: two words or a long word beside its placeholders."""
    bare = re.sub(r"%l?\w|\$\{[^}]*\}|\$\w+|<[^>]*>", " ", text)
    wordy = len(re.findall(r"[A-Za-z]{3,}", bare)) >= 2 or bool(re.search(r"[A-Za-z]{5,}", bare))
    # a lone "Error:" is the head of a message written at run time (go-guerrilla's "Error: %s")
    # a text that ends on an opening bracket, a colon or a comma is the head of one written at
    # run time ("421 sorry, your IP (", "451 qmail-spp failure:")
    return (wordy and bool(re.match(r"[A-Za-z<%$\[\"'(#]", text)) and not re.fullmatch(r"\w+:", text)
            and not re.search(r"[(<:,]$", text))


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


def _constants(package: str, root: Path) -> dict[str, str]:
    """Constant name -> value ("C550MailboxUnavail" -> "550", "ADDRESS_MAILBOX" -> "1.1")."""
    values: dict[str, str] = {}
    for name in CONSTANTS.get(package, ()):
        for path in root.rglob(name):
            if not _SKIP.search(str(path)):
                values.update(_CONSTANT.findall(path.read_text("utf-8", "replace")))
    return values


def _line_of(joined: str, offset: int, original: str) -> int:
    """The line of ``offset`` in the joined text, found again in the original file."""
    at = original.find(joined[offset:offset + 24])
    return original.count("\n", 0, at) + 1 if at >= 0 else joined.count("\n", 0, offset) + 1


def mine_file(path: Path, source: str, defaults: dict[str, int],
              haraka: dict[str, tuple[int, str, str]],
              constants: dict[str, str] | None = None) -> Iterator[Found]:
    """(line, code, enhanced, text) for each reply literal in one source file."""
    joined = _ADJACENT.sub("", source)
    taken: set[int] = set()  # where the text literals already read start

    def found(offset: int, code: int | None, enhanced: str | None, text: str, at: int) -> Found:
        taken.add(at)
        return _line_of(joined, offset, source), code, enhanced, clean(text)

    for match in _ARGS.finditer(joined):
        raw, enhanced, text = match.groups()
        code = int(raw) if raw.isdigit() else defaults.get(raw)
        if code is not None and code // 100 == int(enhanced[0]):
            yield found(match.start(), code, enhanced, text, match.start(3))
    for match in _ENH_THEN_REPLY.finditer(joined):
        yield found(match.start(), int(match.group(2)), match.group(1), match.group(3), match.start(2))
    for match in _CODE_THEN_TEXT.finditer(joined):
        text, start = first(match.group(2), match.group(3)), max(match.start(2), match.start(3))
        lead = _LEADING_ENH.fullmatch(text)
        enhanced = None
        if lead is not None and lead.group(1)[0] == match.group(1)[0]:
            enhanced, text = lead.groups()
        if text[:1].isalpha() and start not in taken:
            yield found(match.start(1), int(match.group(1)), enhanced, text, start)
    for match in _ENH_TEXT.finditer(joined):
        enhanced, text = match.groups()
        if text[:1].isalpha() and enhanced[0] in "45" and match.start(2) not in taken:
            yield found(match.start(), None, enhanced, text, match.start(2))
    for match in re.finditer(STR + "|" + SQ, joined):
        literal = first(match.group(1), match.group(2))
        reply = REPLY.match(_FILTER_RESULT.sub("", clean(literal)))
        start = max(match.start(1), match.start(2))
        if reply is not None and start not in taken and start - 1 not in taken:
            line = _line_of(joined, match.start(), source)
            yield line, int(reply.group(1)), reply.group(3), reply.group(4)
    yield from _dialects(path, joined, source, haraka)
    if constants:
        yield from _named_codes(joined, source, constants)


def _named_codes(joined: str, source: str, constants: dict[str, str]) -> Iterator[Found]:
    """Replies whose codes are constants (``CONSTANTS``): mox's, go-guerrilla's, James's and
    SmtpServer's."""
    for match in _MOX.finditer(joined):
        code, detail = constants.get(match.group(1)), constants.get(match.group(2))
        if code is not None and detail is not None:
            yield (_line_of(joined, match.start(), source), int(code), f"{code[0]}.{detail}",
                   clean(match.group(3)))
    for match in _GUERRILLA.finditer(joined):
        detail = constants.get(match.group(1))
        if detail is not None and detail.startswith("."):
            code = match.group(2)
            yield (_line_of(joined, match.start(), source), int(code), f"{code[0]}{detail}",
                   clean(match.group(3)))
    for match in _JAMES.finditer(joined):
        code = constants.get(match.group(1))
        cls, detail = constants.get(match.group(2) or ""), constants.get(match.group(3) or "")
        if code is not None and code[0] in "45":
            enhanced = f"{cls}.{detail}" if cls and detail and cls == code[0] else None
            yield _line_of(joined, match.start(), source), int(code), enhanced, clean(match.group(4))


def _dialects(path: Path, joined: str, source: str,
              haraka: dict[str, tuple[int, str, str]]) -> Iterator[Found]:
    """Replies written through a language's or a program's own helpers."""
    def at(offset: int) -> int:
        return _line_of(joined, offset, source)

    if path.suffix == ".go":
        for match in _GO_REPLY.finditer(joined):
            yield at(match.start()), int(match.group(1)), None, clean(match.group(2))
        for match in _GO_ERROR.finditer(joined):
            yield at(match.start()), int(match.group(1)), None, clean(match.group(2))
        for match in _GO_SMTP_ERROR.finditer(joined):
            code, cls, subject, detail, text = match.groups()
            yield at(match.start()), int(code), f"{cls}.{subject}.{detail}", clean(text)
    if path.suffix == ".js":
        for match in _JS_ERROR.finditer(joined):
            if (text := _js_text(match.group(1))) is not None:
                yield at(match.start()), int(match.group(3)), None, text
        for match in _HARAKA_NEXT.finditer(joined):
            text = first(*match.groups()[1:])
            if "DSN." not in text:
                yield at(match.start()), _VERDICT_CODES[match.group(1)], None, clean(text)
        for match in _HARAKA_DSN.finditer(joined):
            helper = haraka.get(match.group(1))
            if helper is not None:
                code = int(match.group(5)) if match.group(5) else helper[0]
                text = first(*match.groups()[1:4]) or helper[2]
                yield at(match.start()), code, f"{code // 100}.{helper[1]}", clean(text)
    if path.suffix in {".pm", ""} or "/plugins/" in str(path):
        for match in _QPSMTPD.finditer(joined):
            text = first(match.group(2), match.group(3))
            yield at(match.start()), _VERDICT_CODES[match.group(1)], None, clean(text)
    if path.suffix == ".h":
        defines = dict(_C_DEFINE.findall(joined))
        for match in _SPAMDYKE_DATA.finditer(joined):
            severity, text = defines.get(match.group(1), ""), defines.get(match.group(2))
            if severity[:1] in "45" and severity[:3].isdigit() and text:
                yield at(match.start(2)), int(severity[:3]), None, clean(text)
    if path.suffix == ".lua":
        for match in _RSPAMD_ACTION.finditer(joined):
            code, enhanced = _RSPAMD_CODES[match.group(1)]
            yield at(match.start()), code, enhanced, clean(match.group(2))


def _js_text(expression: str) -> str | None:
    """A JavaScript string expression as its reply reads: literals joined, each other operand
    written ``%s`` (``'User "' + name + '" was not found'`` -> ``User "%s" was not found``)."""
    pieces, end = [], 0
    for piece in _JS_PIECE.finditer(expression):
        if expression[end:piece.start()].strip(" +\n\t"):
            pieces.append("%s")
        pieces.append(first(*piece.groups()))
        end = piece.end()
    if expression[end:].strip(" +\n\t"):
        pieces.append("%s")
    text = re.sub(r"(?:%s)+", "%s", clean("".join(pieces)))
    return text if pieces and text != "%s" else None


def mine_docs(source: str, needs_enhanced: bool = False) -> Iterator[Found]:
    """Replies shown on lines of their own in a package's documentation."""
    for match in _DOC_REPLY.finditer(source):
        code, _, enhanced, text = match.groups()
        if enhanced is None and needs_enhanced:
            continue
        yield source.count("\n", 0, match.start(1)) + 1, int(code), enhanced, clean(text)


def _files(root: Path, docs: bool, only: tuple[str, ...] = (),
           not_own: tuple[str, ...] = ()) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        if only and not str(path.relative_to(root)).startswith(only):
            continue
        if str(path.relative_to(root)) in not_own:
            continue
        rel = "/" + str(path.relative_to(root)).lower()
        is_doc = "/doc" in rel or "/man" in rel or "/readme" in rel
        if _SKIP.search(rel) or is_doc != docs or path.suffix not in (_DOC_EXTS if docs else _CODE_EXTS):
            continue
        if not docs and path.suffix == "" and not path.read_bytes()[:40].startswith(b"#!"):
            continue
        yield path


def mine_package(package: str, root: Path, dsn_root: Path | None = None) -> Iterator[tuple[Path, Found]]:
    """Every reply found in one package's code and documentation."""
    defaults = _postfix_defaults(root) if package == "postfix" else {}
    haraka = _haraka_dsn(dsn_root or root) if package in HARAKA_PLUGINS else {}
    constants = _constants(package, root)
    if package in DISTRIBUTIONS:  # Postfix tables and rspamd rules have no code extension
        for path in sorted(root.rglob("*")):
            rel = str(path.relative_to(root))
            if path.is_file() and rel.startswith(ONLY.get(package, ())) and not _SKIP.search("/" + rel):
                source = path.read_text("utf-8", "replace")
                if table_kind(path) is not None:
                    for hit in mine_postfix_table(path, source):
                        yield path, hit
                elif path.suffix in (".conf", ".inc"):
                    for hit in mine_rspamd_conf(path, source):
                        yield path, hit
    if package in EXIM_CONFIGS:  # a distribution's Exim configuration, one file per release
        for path in sorted(root.rglob("*")):
            if path.is_file() and re.fullmatch(r"exim4?(?:-\w+)?\.conf(?:\.[\w.]+)?", path.name):
                for hit in mine_exim_acl(path, path.read_text("utf-8", "replace")):
                    yield path, hit
    if package == "exim4-config":  # Exim configuration files have no extension
        for path in sorted((root / "acl").iterdir()):
            for hit in mine_exim_acl(path, path.read_text("utf-8")):
                yield path, hit
    if package == "smtp-gated":
        yield from mine_smtp_gated(root)
    if package == "milter-regex":  # its rules file has no extension
        yield from ((root / "rules", hit) for hit in mine_dialects((root / "rules").read_text("latin-1")))
    for path in _files(root, docs=False, only=ONLY.get(package, ()), not_own=NOT_OWN.get(package, ())):
        source = path.read_text("utf-8", "replace")
        if package in ROUND6:
            for hit in mine_dialects(source):
                yield path, hit
        for hit in (*mine_file(path, source, defaults, haraka, constants), *mine_special(package, source)):
            yield path, hit
        if package == "mimedefang":
            for hit in mine_mimedefang(source):
                yield path, hit
        if package in POLICY_DAEMONS:
            for hit in mine_policy(source):
                yield path, hit
    for path in _files(root, docs=True, only=ONLY.get(package, ()), not_own=NOT_OWN.get(package, ())):
        source = path.read_text("utf-8", "replace")
        for hit in mine_docs(source, package in DOC_NEEDS_ENHANCED):
            yield path, hit
        if package in POLICY_DAEMONS:
            for hit in mine_policy(source):
                yield path, hit


def _key(text: str) -> str:
    """What makes two corpus lines the same line (``tools/corpus.py``): no case, no white space."""
    return "".join(text.lower().split())


_FILLED = re.compile(r"%l?\w|\$\{[^}]*\}|\$\w+|<[^>]*>|\[[^\]]*\]|\(#[^)]*\)")


def _filled_elsewhere(reply: str, known: set[str]) -> bool:
    """Whether one known line holds every fixed part (twelve characters or more, no
    placeholders) of a reply template."""
    parts = [key for part in _FILLED.split(reply) if len(key := _key(part)) >= 12]
    return bool(parts) and any(all(part in line for part in parts) for line in known)


def _known(corpus: Path, package: str) -> set[str]:
    """The keys of every line in the corpus files other than ``package``'s own."""
    return {_key(json.loads(row)["text"]) for split in ("tuning", "heldout")
            for path in sorted((corpus / split).glob("*.jsonl"))
            if path.name != f"mined-{package}.jsonl"
            for row in path.read_text("utf-8").splitlines() if row.strip()}


def mine(src_root: Path, corpus: Path, only: tuple[str, ...] = ()) -> dict[str, int]:
    """Write one JSON Lines file per package (those named in ``only``, else all); return the
    line count of each."""
    counts: dict[str, int] = {}
    for package, (folder, origin) in PACKAGES.items():
        if only and package not in only:
            continue
        root = src_root / folder
        seen: set[str] = set()
        known = _known(corpus, package) if package in FRESH_ONLY else set()
        rows = []
        for path, (line, code, enhanced, text) in mine_package(package, root, src_root / "haraka/x"):
            reply = " ".join(str(p) for p in (code, enhanced) if p is not None) + " " + text
            rel = str(path.relative_to(root))
            if (not _useful(text) or reply in seen or reply.startswith(tuple(NOT_REPLIES))
                    or reply in AMBIGUOUS
                    or not _smtp_code(code) or _PLACEHOLDER_TEST.search(text) or _key(reply) in known
                    or (package in FRESH_TEMPLATES and _filled_elsewhere(reply, known))):
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


_MINED_TEXT = re.compile(r"(?:([245][0-9][0-9]) )?(?:([245]\.[0-9]{1,3}\.[0-9]{1,3}) )?(.*)", re.S)


def relabel(corpus: Path) -> dict[str, int]:
    """Label every mined file again by the current rules (the sources need not be here);
    return how many labels changed in each split."""
    changed = {"tuning": 0, "heldout": 0}
    for path in sorted(corpus.glob("*/mined-*.jsonl")):
        rows = [json.loads(row) for row in path.read_text("utf-8").splitlines() if row.strip()]
        for row in rows:
            code, enhanced, text = _MINED_TEXT.fullmatch(row["text"]).groups()  # type: ignore[union-attr]
            got = label(int(code) if code else None, enhanced, text)
            if got != (row["category"], row["bounce_type"]):
                changed[path.parent.name] += 1
                row["category"], row["bounce_type"] = got
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), "utf-8")
    return changed


if __name__ == "__main__":
    if sys.argv[1] == "--relabel":
        print(relabel(Path(sys.argv[2])))
    else:
        for name, count in mine(Path(sys.argv[1]), Path(sys.argv[2]), tuple(sys.argv[3:])).items():
            print(f"{name:14} {count}")
