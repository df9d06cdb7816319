"""Replies written by round 6's proxies and milters through their own helpers (mine.py):
a milter's ``setreply(code, enhanced, text)``, milter-regex's rules file and smtp-gated's
``response(data, ER(550,7,1), "%s %s", config.proxy_name, config.msg_x)`` with the message
texts its ``lang/lang-en.h`` defines."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from literals import ANY, STR, Found, clean, first  # tools/mining/literals.py

#: packages mined with these dialects (round 6 on: earlier packages' files stay as they were)
PACKAGES = frozenset({"milter-regex", "smtp-gated", "mailscanner", "mail-milter", "authentication-milter",
                      "dkimproxy", "kopano", "zmailer", "proxsmtp", "mini-smtp-server", "filter-reputation",
                      "dkim-milter", "spamass-milter"})
# libmilter's smfi_setreply(ctx, "554", "5.7.1", "text"), Sendmail::PMilter's and Mail::Milter's
# $ctx->setreply('554', '5.7.1', 'text')
_SETREPLY = re.compile(r"setreply\(\s*(?:\w+\s*,\s*)?['\"]([245][0-9][0-9])['\"]\s*,\s*"
                       r"['\"]([245]\.[0-9]{1,3}\.[0-9]{1,3})['\"]\s*,\s*" + ANY)
# dkim-milter (Rust): reply.set_error_reply("550", Some("5.7.20"), ["text"])
_SET_ERROR_REPLY = re.compile(r"set_error_reply\(\s*\"([245][0-9][0-9])\"\s*,\s*"
                              r"Some\(\s*\"([245]\.[0-9]{1,3}\.[0-9]{1,3})\"\s*\)"
                              r"\s*,\s*\[\s*" + STR)
# milter-regex(8): a rules file's ``reject "text"`` is answered 554 5.7.1, ``tempfail "text"``
# 451 4.7.1 (milter-regex.c: RCODE_REJECT, XCODE_REJECT, RCODE_TEMPFAIL, XCODE_TEMPFAIL)
_RULE = re.compile(r"^\s*(reject|tempfail)\s+" + STR, re.M)
_RULE_CODES = {"reject": (554, "5.7.1"), "tempfail": (451, "4.7.1")}
# ZMailer's smtpserver: type(SS, 550, m571, "text", ...): a negative code is a continuation line;
# its enhanced code a constant named for its digits (smtpserver.c: ``const char *m571 = "5.7.1"``),
# a literal, or none ("" or NULL)
_ZM_TYPE = re.compile(r"\btype\(\s*\w+\s*,\s*-?([245][0-9][0-9])\s*,\s*(?:m([245])([0-9])([0-9])\b|"
                      r"\"([245]\.[0-9]{1,3}\.[0-9]{1,3})\"|\"\"|NULL)\s*,\s*" + STR)
# smtp-gated.c: response(data, ER(550,7,1), "%s %s\r\n", config.proxy_name, config.msg_regex_helo);
# the reply is "<code> <class>.<subject>.<detail> <proxy_name> <message>" (response()), proxy_name
# "*" by default (options.h), kept as the "%s" the source writes; an initial refusal writes
# CONN_REJ_CODE (554, configure.in) alone
_RESPONSE = re.compile(r"^\s*response\(data,\s*ER\(\s*([245][0-9][0-9])\s*,\s*([0-9]+)\s*,\s*([0-9]+)\s*\),"
                       r"\s*"
                       + STR + r",\s*config\.proxy_name,\s*config\.(msg_\w+)", re.M)
_CONN_REJ = re.compile(r"^\s*fdprintf\(data->client,\s*\"%03d %s %s(: %s)?\\n\",\s*CONN_REJ_CODE,\s*"
                       r"config\.proxy_name,\s*config\.(msg_\w+)", re.M)
_LANG = re.compile(r'#define\s+MSG_(\w+)\s+"((?:[^"\\\n]|\\.)*)"')
_OPTION = re.compile(r"CONF_OPT_STR(?:_VERBOSE)?\((msg_\w+),\s*MSG_(\w+)\)")


def mine_dialects(source: str) -> Iterator[Found]:
    """Replies a milter writes with ``setreply``, ZMailer's ``type()`` and a milter-regex rules
    file's verdicts."""
    for match in _SETREPLY.finditer(source):
        code, enhanced, text = match.group(1), match.group(2), first(*match.groups()[2:5])
        if code[0] == enhanced[0]:
            yield source.count("\n", 0, match.start()) + 1, int(code), enhanced, clean(text)
    for match in _SET_ERROR_REPLY.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        yield line, int(match.group(1)), match.group(2), clean(match.group(3))
    for match in _ZM_TYPE.finditer(source):
        code, cls, subject, detail, literal, text = match.groups()
        enhanced = literal or (f"{cls}.{subject}.{detail}" if cls else None)
        if enhanced is None or enhanced[0] == code[0]:
            yield source.count("\n", 0, match.start()) + 1, int(code), enhanced, clean(text)
    for match in _RULE.finditer(source):
        code, enhanced = _RULE_CODES[match.group(1)]
        yield source.count("\n", 0, match.start()) + 1, code, enhanced, clean(match.group(2))


def mine_smtp_gated(root: Path) -> Iterator[tuple[Path, Found]]:
    """smtp-gated's replies: each ``response()`` or initial refusal with its English message."""
    lang = dict(_LANG.findall((root / "lang" / "lang-en.h").read_text("latin-1")))
    defaults = _OPTION.findall((root / "src" / "options.h").read_text("latin-1"))
    options = {name: lang[key] for name, key in defaults if key in lang}
    path = root / "src" / "smtp-gated.c"
    source = path.read_text("latin-1")
    for match in _RESPONSE.finditer(source):
        code, subject, detail, form, name = match.groups()
        if name in options and code[0] in "45":
            tail = ": %s" if form.startswith("%s %s: %s") else ""
            yield path, (source.count("\n", 0, match.start()) + 1, int(code), f"{code[0]}.{subject}.{detail}",
                         f"%s {options[name]}{tail}")
    for match in _CONN_REJ.finditer(source):
        if match.group(2) in options:
            yield path, (source.count("\n", 0, match.start()) + 1, 554, None,
                         f"%s {options[match.group(2)]}{match.group(1) or ''}")
