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

from label import AMBIGUOUS, NOT_REPLIES, label  # tools/mining/label.py
from literals import ANY, REPLY, SQ, STR, Found, clean, first  # tools/mining/literals.py
from verdicts import POLICY_DAEMONS, mine_exim_acl, mine_mimedefang, mine_policy, mine_special

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from corpus_split import split_of  # tools/corpus_split.py

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
    # round 3 (mined3): each split by tools/corpus_split.py on its source_id before evaluation
    "clamsmtp": ("clamsmtp-1.10", f"{_DEBIAN} clamsmtp 1.10-17.2"),
    "nullmailer": ("nullmailer-2.2", f"{_DEBIAN} nullmailer 1:2.2-4"),
    "opendkim": ("OpenDKIM-rel-opendkim-2-11-0-Beta2", f"{_DEBIAN} opendkim 2.11.0~beta2-8+deb12u1"),
    "gld": ("gld-1.7", f"{_DEBIAN} postfix-gld 1.7-9"),
    "postfwd": ("postfwd-1.35", f"{_DEBIAN} postfwd 1.35-8"),
    "slimta": ("pypi/python-slimta-5.0.5", "PyPI: python-slimta 5.0.5"),
    "salmon": ("pypi/salmon_mail-3.3.0", "PyPI: salmon-mail 3.3.0"),
    "mailman": ("pypi/mailman-3.3.10", "PyPI: mailman 3.3.10"),
    "mox": ("gh/mjl-+mox", "github:mjl-/mox @1c958766 (2026-08-19)"),
    "stalwart": ("gh/stalwartlabs+mail-server", "github:stalwartlabs/mail-server @55e62a68 (2025-06-15)"),
    "chasquid": ("gh/albertito+chasquid", "github:albertito/chasquid @ca2538b9 (2026-06-07; Debian's "
                 "tarball answered 404)"),
    "go-smtp": ("gh/emersion+go-smtp", "github:emersion/go-smtp @ab24fe7c (2025-07-08)"),
    "postal": ("gh/postalserver+postal", "github:postalserver/postal @8ef89606 (2026-04-28)"),
    "mailpit": ("gh/axllent+mailpit", "github:axllent/mailpit @408b30d5 (2026-07-20)"),
    "inbucket": ("gh/inbucket+inbucket", "github:inbucket/inbucket @e56c6d5f (2026-03-11)"),
    "hmailserver": ("gh/hmailserver+hmailserver", "github:hmailserver/hmailserver @4d11f81d (2025-04-20)"),
    "james": ("gh/apache+james-project", "github:apache/james-project @20bf8083 (2026-08-22)"),
    "kumomta": ("gh/KumoCorp+kumomta", "github:KumoCorp/kumomta @3ebc1e85 (2026-08-04)"),
    "greenmail": ("gh/greenmail-mail-test+greenmail",
                  "github:greenmail-mail-test/greenmail @659cd219 (2026-08-22)"),
    "subethasmtp": ("gh/davidmoten+subethasmtp", "github:davidmoten/subethasmtp @7a3e7cc8 (2026-02-26)"),
    "iredapd": ("gh/iredmail+iRedAPD",
                "github:iredmail/iRedAPD @60b2eed4 (2026-06-16; Postfix policy daemon)"),
    "spf-engine": ("pypi/spf-engine-3.1.0", "PyPI: spf-engine 3.1.0 (Postfix SPF policy server; Debian's "
                   "tarball answered 404)"),
    "go-guerrilla": ("gh/flashmob+go-guerrilla", "github:flashmob/go-guerrilla @858ac36f (2023-08-31)"),
    "mailhog": ("gh/mailhog+smtp", "github:mailhog/smtp @0c4e9b7e (2016-11-19; MailHog's SMTP replies)"),
    "mhale-smtpd": ("gh/mhale+smtpd", "github:mhale/smtpd @7a09bb83 (2024-05-08)"),
    "zimbra": ("gh/Zimbra+zm-mailbox", "github:Zimbra/zm-mailbox @2b7f9787 (2024-10-24)"),
    "twisted": ("pypi/twisted-24.11.0", "PyPI: twisted 24.11.0 (twisted.mail)"),
    "notqmail": ("gh/notqmail+notqmail", "github:notqmail/notqmail @a7012e4f (2024-12-26; qmail 1.03's "
                 "successor, not in Debian bookworm)"),
    "smtpserver-net": ("gh/cosullivan+SmtpServer", "github:cosullivan/SmtpServer @049b98ce (2025-05-28; "
                       ".NET SMTP server library)"),
    "chrj-smtpd": ("gh/chrj+smtpd", "github:chrj/smtpd @34ca6d40 (2026-08-22)"),
    "policyd-rate-limit": ("gh/nitmir+policyd-rate-limit", "github:nitmir/policyd-rate-limit @9ea423a2 "
                           "(2023-08-27; Debian's tarball answered 404)"),
    # round 4 (mined4, session 7): each split by tools/corpus_split.py on its source_id before evaluation
    "spamdyke": ("gh/chrisboulton+spamdyke", "github:chrisboulton/spamdyke @5785cb3e (2010-07-16; qmail "
                 "front end)"),
    "gen_smtp": ("gh/gen-smtp+gen_smtp", "github:gen-smtp/gen_smtp @185c54db (2025-01-24; Erlang)"),
    "midi-smtp-server": ("gh/4commerce-technologies-AG+midi-smtp-server",
                         "github:4commerce-technologies-AG/midi-smtp-server @c23736c1 (2023-08-16; Ruby)"),
    "lumisoft": ("gh/ststeiger+Lumisoft.Net.Core", "github:ststeiger/Lumisoft.Net.Core @26a7f2c4 "
                 "(2021-10-05; LumiSoft.Net's SMTP server, .NET)"),
    "samotop": ("gh/owenthewizard+samotop", "github:owenthewizard/samotop @8fcb883a (2023-12-07; Rust)"),
    "mimedefang": ("gh/The-McGrail-Foundation+MIMEDefang", "github:The-McGrail-Foundation/MIMEDefang "
                   "@52e0727e (2026-08-04; Debian's tarball answered 404)"),
    "milter-greylist": ("gh/ryoqun+milter-greylist", "github:ryoqun/milter-greylist @b0a03927 (2009-09-02)"),
    "sqlgrey": ("gh/mmatuska+sqlgrey", "github:mmatuska/sqlgrey @ae84f79e (2012-02-13; Postfix policy "
                "daemon)"),
    "pmg-api": ("gh/proxmox+pmg-api", "github:proxmox/pmg-api @09158948 (2026-06-11; Proxmox Mail Gateway)"),
    "smtp4dev": ("gh/rnwood+smtp4dev", "github:rnwood/smtp4dev @738a75ff (2026-03-15; .NET)"),
    "citadel": ("gh/mingodad+citadel", "github:mingodad/citadel @63a41edb (2016-06-21; Citadel's server)"),
    "eventmachine": ("deb/eventmachine-1.3~pre20220315-df4ab006",
                     f"{_DEBIAN} ruby-eventmachine 1.3~pre20220315-df4ab006-3 (EM::Protocols::SmtpServer)"),
    "net-server-mail": ("deb/Net-Server-Mail-0.28", f"{_DEBIAN} libnet-server-mail-perl 0.28-2"),
    "postfix-policyd-spf-perl": ("deb/postfix-policyd-spf-perl-2.011",
                                 f"{_DEBIAN} postfix-policyd-spf-perl 2.011-2"),
    "pymta": ("pypi/pymta-0.7.1", "PyPI: pymta 0.7.1"),
    "davmail": ("gh/mguessan+davmail", "github:mguessan/davmail @3b87d523 (2026-08-21; its SMTP gateway)"),
    "smtprelay": ("gh/decke+smtprelay", "github:decke/smtprelay @8c71f4f (2026-07-18; Go)"),
    "courier-pythonfilter": ("pypi/courier-pythonfilter-3.0.6", "PyPI: courier-pythonfilter 3.0.6 (Courier "
                             "filters)"),
    "go-smtpd": ("gh/bradfitz+go-smtpd", "github:bradfitz/go-smtpd @deb6d62 (2017-04-04; Go)"),
    "exim4-config": ("deb/exim4-config/debian/debconf/conf.d",
                     f"{_DEBIAN} exim4 4.96-15+deb12u10 (debian/ tarball: the exim4-config ACLs)"),
    "assp-ng": ("gh/pczerkas+assp-ng", "github:pczerkas/assp-ng @d0f3661 (2006-11-12; ASSP 1.2, the "
                "Anti-Spam SMTP Proxy)"),
    "qmail-ldap": ("gh/qmail-ldap+qmail-ldap", "github:qmail-ldap/qmail-ldap @33d8d0d (2022-08-30; qmail "
                   "with the LDAP patch)"),
}
#: packages held out of tuning: the first five chosen by hand (tests/corpus/README.md), every
#: package added since by ``tools/corpus_split.py``'s frozen rule on ``mined:<package>``
HELDOUT = frozenset({"exim4", "opensmtpd", "courier", "haraka", "smtp-server"}) | frozenset(
    package for package in list(PACKAGES)[list(PACKAGES).index("clamsmtp"):]
    if split_of(f"mined:{package}") == "heldout")
#: packages from round 4 on keep only replies no other corpus file has (two MTAs writing one
#: reply, qmail's descendants sharing qmail-smtpd's texts), so that a tuned copy never takes a
#: held-out line out of the figures (``tools/corpus.py`` drops held-out lines tuning also has)
FRESH_ONLY = frozenset(list(PACKAGES)[list(PACKAGES).index("spamdyke"):])
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
}
# pages that quote other receivers' replies (KumoMTA's normaliser example is Gmail's 5.1.1): not the
# package's own words
NOT_OWN: dict[str, tuple[str, ...]] = {
    "kumomta": ("docs/reference/string/normalize_smtp_response.md",),
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
    return wordy and bool(re.match(r"[A-Za-z<%$\[\"'(#]", text)) and not re.fullmatch(r"\w+:", text)


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
        reply = REPLY.match(clean(literal))
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


def mine_package(package: str, root: Path) -> Iterator[tuple[Path, Found]]:
    """Every reply found in one package's code and documentation."""
    defaults = _postfix_defaults(root) if package == "postfix" else {}
    haraka = _haraka_dsn(root) if package == "haraka" else {}
    constants = _constants(package, root)
    if package == "exim4-config":  # Exim configuration files have no extension
        for path in sorted((root / "acl").iterdir()):
            for hit in mine_exim_acl(path, path.read_text("utf-8")):
                yield path, hit
    for path in _files(root, docs=False, only=ONLY.get(package, ())):
        source = path.read_text("utf-8", "replace")
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
        for path, (line, code, enhanced, text) in mine_package(package, root):
            reply = " ".join(str(p) for p in (code, enhanced) if p is not None) + " " + text
            rel = str(path.relative_to(root))
            if (not _useful(text) or reply in seen or reply.startswith(tuple(NOT_REPLIES))
                    or reply in AMBIGUOUS
                    or not _smtp_code(code) or _PLACEHOLDER_TEST.search(text) or _key(reply) in known):
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
