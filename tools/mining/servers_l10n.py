"""Mine what receiving servers say, in the sender's language, when they refuse a message (cfg-r10).

Run (the snapshots are git directories, as the search tool's ``fetch`` brings them):

    python tools/mining/servers_l10n.py MIRROR_ROOT STAGED.jsonl
    python tools/corpus_split.py STAGED.jsonl cfg-r10

``MIRROR_ROOT`` holds ``<owner>+<name>/repo`` git directories of the repositories in
``SOURCES``; each file is read at the commit named there.  Three kinds of source, each line
quoted as the server writes it, never translated here:

- Sympa's catalogues (``po/sympa/<locale>.po``): the reasons of the delivery status
  notification Sympa sends back when it refuses to distribute a message
  (``default/mail_tt2/delivery_status_notification.tt2``: unknown list 5.1.1/5.1.2, message too
  large 5.2.3, virus 5.7.0, authorisation denied 5.7.1) and the refusal reasons that DSN quotes
  from ``report.tt2`` (``report_type='auth'``: distribution restricted to subscribers, owners,
  moderators, local users, closed list);
- GNU Mailman 2.1's catalogues (``messages/<locale>/LC_MESSAGES/mailman.po``, the Python 3 port
  jaredmauch/mailman2-python3 that keeps the 2.1 translations): the reasons Mailman gives the
  poster when it holds or rejects a post (Mailman/Handlers/Hold.py, Moderate.py, SpamDetect.py,
  MimeDel.py);
- ezmlm-idx's ``lang/<lang>/messages`` (the languages whose catalogue is translated: de, it,
  nl): the refusals ezmlm-reject and ezmlm-send exit with, which qmail writes into the bounce
  (size, MIME type, loop, posting not allowed, list address not in To:/Cc:);
- Schleuder's ``locales/de.yml`` (an encrypting list server): the errors it sends back when
  it refuses a post (unsigned or unencrypted mail, sender not subscribed, too big, no list);
- mail-server configurations written by administrators (``ADMIN_CONFIGS``): the reply text of an
  Exim ACL ``deny ... message =``, written as Exim sends it (550, its last line).

Each catalogue or configuration file is one source (``source_id``); the split is
``tools/corpus_split.py``'s, applied after this script and before anything is evaluated.  A
text the corpus already holds, or one taken from an earlier catalogue here, is kept once.
Lines are labelled per shared/taxonomy-v2.md by what the message refuses: a list that does not
exist is an unknown mailbox (hard); a post refused because of who sent it is the receiver's
``policy``; size, virus and filter-rule refusals are ``message-size`` and ``content``; the
poster's DMARC-protected From domain is ``sender-auth``; too many recipients is ``rate-limit``
(as the Mailman 3 lines of lang-r8 are labelled).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from localised import corpus_rows, stage

Row = dict[str, str | None]
Label = tuple[str, str]

#: repository -> commit read (the snapshot's newest commit when mined, 2026-12-07)
SOURCES: dict[str, str] = {
    "sympa-community/sympa": "1d59e9a4998f72ee7bd84d0ee2aa30aee5f8f5de",
    "jaredmauch/mailman2-python3": "b0de82ecac10b77b38e57ea472d18c6345ffd8c2",
    "stsbl/iserv-mailconfig": "9869a604b1988b126e0083d5cdb7e8d935a9813f",
    "stsbl/iserv-send-mail-as-group": "82c96061546cda601e062ff33e6621b612bee02a",
    "bruceg/ezmlm-idx": "a16cf16b97d1daf11aa6740a667c942687871875",
    "schleuder/schleuder": "878fdba4c3c3f5982e183a9b144424025e94510d",
}

#: catalogue locale -> corpus language (the languages the queue receives)
LOCALES = {
    "de": "de", "fr": "fr", "es": "es", "it": "it", "pt": "pt", "pt_BR": "pt", "nl": "nl",
    "pl": "pl", "ru": "ru", "ja": "ja", "zh_CN": "zh", "zh_TW": "zh", "ko": "ko", "sv": "sv",
    "da": "da", "nb": "nb", "no": "nb", "fi": "fi", "cs": "cs",
}

POLICY: Label = ("policy", "block")
UNKNOWN: Label = ("mailbox-unknown", "hard")
SIZE: Label = ("message-size", "block")
CONTENT: Label = ("content", "block")

#: Sympa msgid -> label (the DSN's subject and reason by its status; report.tt2's auth reasons)
SYMPA: dict[str, Label] = {
    "List unknown": UNKNOWN,
    "List '%1' does not exist.": UNKNOWN,
    "The following address is not a known mailing list:": UNKNOWN,
    "%1: unknown list": UNKNOWN,
    "Too large message": SIZE,
    "Your message could not be sent because its size (%1 kB) was over the maximum size (%2 kB) "
    "allowed on this list.\n\nNote: Because binary files have to be encoded in less-efficient "
    "ASCII format before being sent over email, the final size of an attachment is often "
    "significantly larger than the original file.": SIZE,
    "A virus in your mail": CONTENT,
    "Our viruschecker found a virus named %1 in a message addressed to %2 and that seems to be "
    "yours (From: %3).": CONTENT,
    "Message distribution: Authorization denied": POLICY,
    "Your message for list '%1' (attached below) was rejected.\nYou are not allowed to send this "
    "message for the following reason:": POLICY,
    "Message distribution in this list is not allowed.": POLICY,
    "Message distribution in the list is restricted to local domain users.": POLICY,
    "Message distribution for this list is restricted to list subscribers and local domain "
    "users.": POLICY,
    "Message distribution for this list is restricted to list moderators.": POLICY,
    "Message distribution for this list is restricted to list owners.": POLICY,
    "Message distribution in the list is restricted to list subscribers.": POLICY,
    'Address "%1" belongs to a blocklisted domain': POLICY,
}

#: Mailman 2.1 msgid -> label (hold and rejection reasons as the notice to the poster words them)
MAILMAN2: dict[str, Label] = {
    "Post by non-member to a members-only list": POLICY,
    "Non-members are not allowed to post messages to this list.": POLICY,
    "Post to moderated list": POLICY,
    "Banned address (matched %(pattern)s)": POLICY,
    "Too many recipients to the message": ("rate-limit", "soft"),
    "Please trim the recipient list; it is too long.": ("rate-limit", "soft"),
    "Message has implicit destination": POLICY,
    "Blind carbon copies or other implicit destinations are\nnot allowed.  Try reposting your "
    "message by explicitly including the list\naddress in the To: or Cc: fields.": POLICY,
    "Message has a suspicious header": CONTENT,
    "Your message had a suspicious header.": CONTENT,
    "Message rejected by filter rule match": CONTENT,
    "Message body is too big: %(size)d bytes with a limit of\n%(limit)d KB": SIZE,
    "Your message was too big; please trim it to less than\n%(kb)d KB in size.": SIZE,
    "The message's content type was explicitly disallowed": CONTENT,
    "The message's file extension was explicitly disallowed": CONTENT,
    "You are not allowed to post to this mailing list From: a domain which\npublishes a DMARC "
    "policy of reject or quarantine, and your message has been\nautomatically rejected.  If you "
    "think that your messages are being rejected in\nerror, contact the mailing list owner at "
    "%(listowner)s.": ("sender-auth", "block"),
}

#: ezmlm-idx message key -> label (the text carries qmail's "(#5.x.y)" status where ezmlm gives one)
EZMLM: dict[str, Label] = {
    "ERR_BAD_ADDRESS": UNKNOWN,
    "ERR_BAD_ALL": CONTENT,
    "ERR_BAD_PART": CONTENT,
    "ERR_BAD_TYPE": CONTENT,
    "ERR_LOOPING": ("dns-routing", "hard"),
    "ERR_MAX_SIZE": SIZE,
    "ERR_NO_ADDRESS": POLICY,
    "ERR_NO_POST": POLICY,
    "ERR_REJECT": POLICY,
}
EZMLM_LANGS = {"de": "de", "it": "it", "nl": "nl"}

#: Schleuder error key (locales/<lang>.yml, under errors:) -> label
SCHLEUDER: dict[str, Label] = {
    "message_unsigned": POLICY,
    "message_unencrypted": POLICY,
    "message_unauthenticated": POLICY,
    "not_pgp_mime": POLICY,
    "message_sender_not_subscribed": POLICY,
    "message_not_from_admin": POLICY,
    "list_not_found": UNKNOWN,
    "message_too_big": SIZE,
}

#: (repository, path) of an administrator's Exim ACL -> label of its deny message
ADMIN_CONFIGS: dict[tuple[str, str], Label] = {
    ("stsbl/iserv-mailconfig", "iconf/etc/exim4/exim4.conf/90mailconfig-send-block.sed"): POLICY,
    ("stsbl/iserv-send-mail-as-group", "iconf/etc/exim4/exim4.conf/90mail-send-as-group.sed"): POLICY,
}


def git_show(root: Path, repo: str, path: str) -> bytes | None:
    """The bytes of ``path`` at the commit SOURCES names (HEAD when it names none)."""
    folder = root / repo.replace("/", "+") / "repo"
    gitdir = folder / ".git" if (folder / ".git").is_dir() else folder
    result = subprocess.run(["git", "--git-dir", str(gitdir), "show",
                             f"{SOURCES[repo] or 'HEAD'}:{path}"], capture_output=True, check=False)
    return result.stdout if result.returncode == 0 else None


def head(root: Path, repo: str) -> str:
    """The commit read for ``repo``, resolved."""
    folder = root / repo.replace("/", "+") / "repo"
    return subprocess.run(["git", "--git-dir", str(folder), "rev-parse", SOURCES[repo] or "HEAD"],
                          capture_output=True, check=True, text=True).stdout.strip()


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\t", " ")


def po_entries(raw: bytes) -> dict[str, str]:
    """msgid -> msgstr of a .po file in the charset its header declares, ``\\n`` kept as a
    newline; fuzzy and untranslated entries left out."""
    declared = re.search(rb"charset=([-\w]+)", raw)
    text = raw.decode(declared.group(1).decode("ascii") if declared else "utf-8", "replace")
    out: dict[str, str] = {}
    for block in re.split(r"\n\s*\n", text):
        if "#, fuzzy" in block:
            continue
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            match = re.match(r'(msgctxt|msgid|msgstr)\s+"(.*)"\s*$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif current and line.startswith('"'):
                fields[current] += line.rstrip()[1:-1]
        if fields.get("msgid") and fields.get("msgstr"):
            out[_unescape(fields["msgid"])] = _unescape(fields["msgstr"])
    return out


def _row(text: str, label: Label, lang: str, source: str, source_id: str) -> Row:
    return {"text": " ".join(text.split()), "category": label[0], "bounce_type": label[1],
            "provider": None, "lang": lang, "source": source, "source_id": source_id,
            "kind": "mined"}


def catalogues(root: Path, repo: str, pattern: str, table: dict[str, Label],
               where: str) -> Iterator[Row]:
    """The translated messages of ``table`` in each locale's catalogue, one source per file; a
    message is cut at its first blank line (the reason, not the advice after it)."""
    commit = head(root, repo)
    for locale, lang in LOCALES.items():
        path = pattern.format(locale=locale)
        raw = git_show(root, repo, path)
        if raw is None:
            continue
        strings = po_entries(raw)
        for msgid, label in table.items():
            text = strings.get(msgid, "").split("\n\n")[0].strip()
            if text and text != msgid.split("\n\n")[0]:
                yield _row(text, label, lang, f"github:{repo}@{commit[:12]}: {path} (msgid "
                           f"{json.dumps(msgid.split(chr(10))[0], ensure_ascii=False)}; {where})",
                           f"github:{repo}:{path}")


def ezmlm(root: Path) -> Iterator[Row]:
    """ezmlm-idx's translated refusals (``KEY|English|translation`` lines), one source per
    language, in the charset its ``charset`` file names."""
    repo = "bruceg/ezmlm-idx"
    commit = head(root, repo)
    for folder, lang in EZMLM_LANGS.items():
        path = f"lang/{folder}/messages"
        raw, charset = git_show(root, repo, path), git_show(root, repo, f"lang/{folder}/charset")
        if raw is None:
            continue
        # Italian has no charset file; its catalogue reads as Latin-1
        name = charset.decode("ascii").strip().split(":")[0] if charset else "iso-8859-1"
        text = raw.decode(name, "replace")
        for number, line in enumerate(text.splitlines(), 1):
            key, _, rest = line.partition("|")
            english, _, translated = rest.partition("|")
            if key in EZMLM and translated.strip() and translated.strip() != english.strip():
                yield _row(translated, EZMLM[key], lang, f"github:{repo}@{commit[:12]}: {path}:"
                           f"{number} ({key})", f"github:{repo}:{path}")


def schleuder(root: Path) -> Iterator[Row]:
    """Schleuder's German refusals: the one-line ``key: text`` entries of locales/de.yml that
    SCHLEUDER names (each is a plain or double-quoted YAML scalar)."""
    repo, path = "schleuder/schleuder", "locales/de.yml"
    raw = git_show(root, repo, path)
    if raw is None:
        return
    commit = head(root, repo)
    for match in re.finditer(r"^ +(\w+): (\S.*)$", raw.decode("utf-8"), re.M):
        key, value = match.group(1), match.group(2).strip()
        if key in SCHLEUDER and value != "|":
            text = value[1:-1].replace('\\"', '"') if value.startswith('"') else value
            yield _row(text, SCHLEUDER[key], "de", f"github:{repo}@{commit[:12]}: {path} "
                       f"(errors.{key})", f"github:{repo}:{path}")


def exim_messages(root: Path) -> Iterator[Row]:
    """The last line of each ``message =`` of an administrator's Exim ACL (Exim sends a
    message's ``\\n`` as a multi-line reply, 550 for deny), the German line of IServ's
    bilingual texts."""
    for (repo, path), label in ADMIN_CONFIGS.items():
        raw = git_show(root, repo, path)
        if raw is None:
            continue
        source = raw.decode("utf-8")
        for match in re.finditer(r"message\s*=\s*((?:.|\n)*?)(?:\n\s*$|\n\s*\S+\s*=|\Z)", source):
            body = re.sub(r"\\\\\\\n\s*|\\\n\s*", " ", match.group(1))  # sed's line continuations
            last = [part.strip(" \\") for part in body.split("\\\\n") if part.strip(" \\")][-1]
            line = source.count("\n", 0, match.start()) + 1
            yield _row(f"550 {last}", label, "de", f"github:{repo}@{head(root, repo)[:12]}: "
                       f"{path}:{line} (Exim ACL deny message, its last line)",
                       f"github:{repo}:{path}")


def mine(root: Path) -> Iterator[Row]:
    yield from catalogues(root, "sympa-community/sympa", "po/sympa/{locale}.po", SYMPA,
                          "default/mail_tt2/delivery_status_notification.tt2, report.tt2")
    yield from catalogues(root, "jaredmauch/mailman2-python3",
                          "messages/{locale}/LC_MESSAGES/mailman.po", MAILMAN2,
                          "Mailman/Handlers/Hold.py, Moderate.py, SpamDetect.py, MimeDel.py")
    yield from ezmlm(root)
    yield from schleuder(root)
    yield from exim_messages(root)


def main(root: Path, staged: Path) -> None:
    stage(mine(root), staged, {str(row["text"]) for row in corpus_rows()}, "sources")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
