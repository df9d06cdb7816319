"""Replies written by the configuration a mail-server distribution ships (mailcow, Mailu,
iRedMail, Mail-in-a-Box): the texts of its Postfix lookup tables' REJECT and DEFER actions and
of its rspamd rules' ``message =``, each with the reply Postfix or rspamd's milter writes for it."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from literals import Found, clean  # tools/mining/literals.py

#: a Postfix table by its file name -> what Postfix writes before an access table's text
#: (smtpd_check.c: "<%s>: Helo command rejected: text"); header and body checks write the text
#: alone (cleanup(8))
_TABLES = ((re.compile(r"helo[_-]?(?:access|checks)"), "<%s>: Helo command rejected: "),
           (re.compile(r"sender[_-]?(?:access|checks)"), "<%s>: Sender address rejected: "),
           (re.compile(r"client[_-]?(?:access|checks)"), "<%s>: Client host rejected: "),
           (re.compile(r"(?:recipient|rcpt)[_-]?(?:access|checks)"), "<%s>: Recipient address rejected: "),
           (re.compile(r"(?:header|body)[_-]?checks"), ""))
# "pattern ACTION text": the pattern a /regex/flags or one word
_TABLE_ROW = re.compile(r"^\s*(?:/(?:[^/\\\n]|\\.)*/\w*|[^#\s]\S*)\s+"
                        r"(REJECT|DEFER|DEFER_IF_PERMIT|DEFER_IF_REJECT)[ \t]+([A-Za-z<].{3,}?)\s*$", re.M)
# an rspamd rule's message, its action in the same block; greylist.conf's message is the
# greylisting module's soft reject; the proxy worker's reject_message answers the reject action
_RSPAMD_MESSAGE = re.compile(r"^\s*(message|reject_message)\s*=\s*\"((?:[^\"\\\n]|\\.)*)\"", re.M)
_RSPAMD_ACTION = re.compile(r"\baction\s*=\s*\"(reject|soft reject)\"")
# rspamd's milter answers reject with 554 5.7.1 and soft reject with 451 4.7.1 (as mine.py reads
# rspamd's Lua set_pre_result)
_RSPAMD_CODES = {"reject": (554, "5.7.1"), "soft reject": (451, "4.7.1")}


def table_kind(path: Path) -> str | None:
    """What Postfix writes before a text of this table, or None for a file that is no table."""
    return next((prefix for pattern, prefix in _TABLES if pattern.search(path.name.lower())), None)


def mine_postfix_table(path: Path, source: str) -> Iterator[Found]:
    """The replies Postfix writes for a lookup table's REJECT and DEFER rows (access(5):
    554 5.7.1 and 450 4.7.1 by default; header_checks(5): 550 5.7.1)."""
    prefix = table_kind(path)
    if prefix is None:
        return
    for match in _TABLE_ROW.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        if match.group(1) != "REJECT":
            yield line, 450, "4.7.1", prefix + clean(match.group(2))
        else:
            yield line, 554 if prefix else 550, "5.7.1", prefix + clean(match.group(2))


def _block(source: str, offset: int) -> str:
    """The innermost ``{ ... }`` block around ``offset``."""
    depth, start = 0, 0
    for at in range(offset, -1, -1):
        if source[at] == "}":
            depth += 1
        elif source[at] == "{":
            if depth == 0:
                start = at
                break
            depth -= 1
    end = source.find("}", offset)
    return source[start:end if end >= 0 else len(source)]


def mine_rspamd_conf(path: Path, source: str) -> Iterator[Found]:
    """The replies rspamd's milter writes for a rule's ``message`` (force_actions, multimap,
    composites), the greylisting message and the proxy worker's reject message."""
    for match in _RSPAMD_MESSAGE.finditer(source):
        if path.name == "greylist.conf":
            verdict = "soft reject"
        elif match.group(1) == "reject_message":
            verdict = "reject"
        elif (action := _RSPAMD_ACTION.search(_block(source, match.start()))) is not None:
            verdict = action.group(1)
        else:
            continue
        code, enhanced = _RSPAMD_CODES[verdict]
        yield source.count("\n", 0, match.start()) + 1, code, enhanced, clean(match.group(2))
