"""Replies that filters, milters and policy daemons write through a verdict rather than a literal
reply: a Postfix policy daemon's ``REJECT text``, MIMEDefang's ``action_bounce("text")``, an Exim
ACL's ``message =``, and the defaults a few packages set in their configuration (``SPECIAL``).
Each gives the reply code and enhanced code its host MTA writes for the verdict."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from literals import ANY, REPLY, Found, clean, first  # tools/mining/literals.py

# a Postfix policy daemon's answer ("action=REJECT text", "DEFER_IF_PERMIT text"): Postfix
# replies to REJECT with access_map_reject_code (554) and 5.7.1, to DEFER* with
# access_map_defer_code (450) and 4.7.1 (postconf(5), access(5))
_POLICY = re.compile(r"(?:action=|['\"])(REJECT|DEFER_IF_PERMIT|DEFER_IF_REJECT|DEFER)[ \t]+"
                     r"([A-Za-z<][^'\"\n;]{3,})", re.I)
_POLICY_CODES = {"REJECT": (554, "5.7.1")}  # Postfix reads the action's name in any case
#: packages that answer Postfix's policy protocol
POLICY_DAEMONS = frozenset({"iredapd", "spf-engine", "postfwd", "policyd-rate-limit", "modoboa", "mtpolicyd",
                            "tumgreyspf", "policyd-weight", "greylistd"})
#: package -> (regex whose group 1 is the text, code, enhanced, prefix written before the text)
SPECIAL: dict[str, list[tuple[re.Pattern[str], int, str, str]]] = {
    # postgrey answers Postfix's policy query with "DEFER_IF_PERMIT <text>"; Postfix replies so
    "postgrey": [(re.compile(r"greylist_text\s*=>.*?\|\| '([^']+)'"), 450, "4.2.0",
                  "<%s>: Recipient address rejected: ")],
    # DMARC_REJECT_SMTP with the reply texts opendmarc sets by smfi_setreply()
    # spamass-milter's default reject (-R text, -C code): 550 5.7.1, or its temporary form 450
    # 4.7.1 when it defers (to_nonpermanent())
    "spamass-milter": [(re.compile(r'rejecttext = strdup \("([^"]+)"\)'), 550, "5.7.1", ""),
                       (re.compile(r'rejecttext = strdup \("([^"]+)"\)'), 450, "4.7.1", "")],
    "opendmarc": [(re.compile(r'"((?:rejected|quarantined) by DMARC policy for %s)"'), 550, "5.7.1", "")],
}
# MIMEDefang: action_bounce("text"[, code, dsn]), action_tempfail(...), and a filter's
# ('REJECT', "text"[, code, dsn]) or ('TEMPFAIL', ...): a bounce or REJECT is answered 554 5.7.1, a
# tempfail 451 4.3.0, unless the call gives its own codes (mimedefang.pl, Mail::MIMEDefang::Actions)
_MIMEDEFANG = re.compile(r"(?:action_(bounce|tempfail)\(|\(\s*['\"](REJECT|TEMPFAIL)['\"]\s*,)\s*" + ANY
                         + r"(?:\s*,\s*['\"]?([245][0-9][0-9])['\"]?"
                           r"(?:\s*,\s*['\"]([245]\.[0-9]{1,3}\.[0-9]{1,3})['\"])?)?")
# an Exim ACL statement ("deny", "defer" ... then "message = text", continued by a backslash; the
# commented examples Debian ships count): Exim answers deny/drop/require with 550, defer with 450
# (451 in the DATA ACL), and writes no enhanced code unless the message starts with one (spec ch. 44)
_EXIM_VERB = re.compile(r"^\s*#?\s*(accept|deny|drop|defer|require|warn|discard)\b")
_EXIM_MESSAGE = re.compile(r"^\s*#?\s*(?:(?:accept|deny|drop|defer|require|warn|discard)\s+)?"
                           r"message\s*=\s*(.*)$")  # the message on its verb's line or its own

def mine_special(package: str, source: str) -> Iterator[Found]:
    """The replies a package writes through its configuration defaults (``SPECIAL``)."""
    for pattern, code, enhanced, prefix in SPECIAL.get(package, ()):
        for match in pattern.finditer(source):
            yield source.count("\n", 0, match.start()) + 1, code, enhanced, prefix + match.group(1)


def mine_mimedefang(source: str) -> Iterator[Found]:
    """The replies MIMEDefang's filters write through its actions and verdicts."""
    for match in _MIMEDEFANG.finditer(source):
        verdict = (match.group(1) or match.group(2)).lower()
        text = clean(first(*match.groups()[2:5]))
        code, enhanced = (451, "4.3.0") if verdict == "tempfail" else (554, "5.7.1")
        if match.group(6) and match.group(6)[0] == str(code)[0]:
            code = int(match.group(6))
            if match.group(7) and match.group(7)[0] == str(code)[0]:
                enhanced = match.group(7)
        if REPLY.match(text) is None:  # a text that writes its own codes is read as a literal
            yield source.count("\n", 0, match.start()) + 1, code, enhanced, text


def mine_exim_acl(path: Path, source: str) -> Iterator[Found]:
    """The replies Exim writes for the ``message =`` of a deny or defer ACL statement."""
    verb = ""
    lines = source.splitlines()
    for number, line in enumerate(lines, 1):
        if (found := _EXIM_VERB.match(line)) is not None:
            verb = found.group(1)
        if (found := _EXIM_MESSAGE.match(line)) is None or verb not in ("deny", "drop", "require", "defer"):
            continue
        text, follow = found.group(1), number
        while text.endswith("\\") and follow < len(lines):
            text = text[:-1] + " " + lines[follow].lstrip(" \t#")
            follow += 1
        code = (451 if "data" in path.name else 450) if verb == "defer" else 550
        yield number, code, None, clean(text)


def mine_policy(source: str) -> Iterator[Found]:
    """The replies Postfix writes for a policy daemon's REJECT and DEFER answers."""
    for match in _POLICY.finditer(source):
        code, enhanced = _POLICY_CODES.get(match.group(1).upper(), (450, "4.7.1"))
        yield source.count("\n", 0, match.start()) + 1, code, enhanced, clean(match.group(2))
