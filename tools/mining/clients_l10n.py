"""Mine the translations of SMTP send errors from mail clients and delivery agents (lang-r8, lang-r9).

Run:  python tools/mining/clients_l10n.py ROOT STAGED.jsonl [--thunderbird]
then: python tools/corpus_split.py STAGED.jsonl lang-r8   (lang-r9 with --thunderbird)

``ROOT`` holds Debian packages unpacked as they arrive from Debian bookworm (a deb-src entry for
trixie added for the KDE tarballs):

- ``deb/<package>/`` -- ``apt-get download <package>`` then ``dpkg-deb -x``: the compiled
  catalogues ``usr/share/locale/<locale>/LC_MESSAGES/<domain>.mo`` of msmtp, neomutt,
  claws-mail-i18n, geary and mailutils-common (``PACKAGES``);
- ``src/<folder>/po/`` -- ``apt-get source --download-only`` and the ``po/`` of the ``.orig``
  tarball: mutt 2.2.12 and sylpheed 3.8.0~beta1 (bookworm), ksmtp and kmailtransport 24.12.3
  (trixie);
- ``src/pypi/mailman-3.3.10/`` -- ``pip download --no-deps --no-binary :all: mailman==3.3.10``,
  unpacked: Mailman's ``messages/<locale>/LC_MESSAGES/mailman.po``;
- ``deb/thunderbird-l10n-<locale>/`` (round lang-r9, ``--thunderbird``) -- Thunderbird 153 ESR's
  language packs (``thunderbird-l10n-de`` ... from bookworm-security): the ``.xpi`` under
  ``usr/lib/thunderbird/extensions/`` is a zip holding
  ``chrome/<locale>/locale/<locale>/messenger/messengercompose/composeMsgs.properties``.

Each message of ``MESSAGES`` (its English msgid, as the program's source writes it) names one
cause, labelled per shared/taxonomy-v2.md: the program shows it when the server refused the
login, has no STARTTLS, could not be reached, refused the sender, or (mailutils' local delivery
agent, which answers LMTP with it) when the recipient's mailbox is over quota.  Messages that name
no cause ("SMTP session failed: %s", "recipient address %s not accepted by the server", ksmtp's
"Mailbox unavailable. The server said: %1" for both 450 and 550: the server's own reply decides)
are not taken.  Each translation is kept as written (placeholders
such as ``%s`` and ``%1`` too, as the Thunderbird lines of earlier rounds); a text already in the
corpus, or already taken from another catalogue, is kept once.  One catalogue (package, locale)
is one source; the split is ``tools/corpus_split.py``'s, applied after this script and before
anything is evaluated.
"""
from __future__ import annotations

import gettext
import json
import re
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

from localised import LOCALES, THUNDERBIRD, THUNDERBIRD_LOCALES, _po, _row, corpus_rows, stage

Label = tuple[str, str]
AUTH: Label = ("authentication", "block")
TLS: Label = ("tls", "block")
NETWORK: Label = ("network", "soft")

#: package -> (version, where its catalogues are under ROOT, {msgid: label})
PACKAGES: dict[str, tuple[str, str, dict[str, Label]]] = {
    "msmtp": ("1.8.23-1", "deb/msmtp/usr/share/locale/{locale}/LC_MESSAGES/msmtp.mo", {
        "authentication failed (method %s)": AUTH,
        "the server does not support authentication": AUTH,
        "the server does not support authentication method %s": AUTH,
        "the server does not support TLS via the STARTTLS command": TLS,
        "TLS handshake failed: %s": TLS,
        "cannot connect to %s, port %d: %s": NETWORK,
        "connection refused": NETWORK,
        "host unreachable": NETWORK,
        "the connection was closed unexpectedly": NETWORK,
        "envelope from address %s not accepted by the server": ("sender-rejected", "block"),
    }),
    "neomutt": ("20220429+dfsg1-4.1", "deb/neomutt/usr/share/locale/{locale}/LC_MESSAGES/neomutt.mo", {
        "SMTP server does not support authentication": AUTH,
        "No authenticators available or wrong credentials": AUTH,
        "SMTP authentication requires SASL": AUTH,
        "Connection to %s timed out": NETWORK,
        "Could not negotiate TLS connection": TLS,
    }),
    "mutt": ("2.2.12", "src/mutt-2.2.12/po/{locale}.po", {
        "SASL authentication failed": AUTH,
        "No authenticators available": AUTH,
        "Connection to %s timed out": NETWORK,
        "Error connecting to server: %s": NETWORK,
        "Could not negotiate TLS connection": TLS,
    }),
    "claws-mail": ("4.1.1-2", "deb/claws-mail-i18n/usr/share/locale/{locale}/LC_MESSAGES/claws-mail.mo", {
        "Auth method not available": AUTH,
        "Authentication failed.": AUTH,
        "Can't start STARTTLS session.\n": TLS,
        "Connection timed out.\n": NETWORK,
        "Connection to %s:%d failed.": NETWORK,
        "Connection closed by the remote host.": NETWORK,
    }),
    "sylpheed": ("3.8.0~beta1", "src/sylpheed-3.8.0beta1/po/{locale}.po", {
        "SMTP AUTH not available\n": AUTH,
        "error occurred on authentication\n": AUTH,
        "Can't start TLS session.\n": TLS,
        "Can't connect to SMTP server: %s:%d": NETWORK,
        "Could not establish a connection to the server.": NETWORK,
    }),
    "ksmtp": ("24.12.3", "src/ksmtp-24.12.3/po/{locale}/libksmtp6.po", {
        "Could not authenticate to the SMTP server because no matching authentication method "
        "has been found": AUTH,
        "Could not send the message because it exceeds the maximum allowed size of %1 bytes. "
        "(Message size: %2 bytes.)": ("message-size", "block"),
        "Service not available": ("server-shutdown", "soft"),
        "Connection to server lost.": NETWORK,
    }),
    "kmailtransport": ("24.12.3", "src/kmailtransport-24.12.3/po/{locale}/libmailtransport6.po", {
        "This server does not support authentication": AUTH,
        "You need to supply a username and a password to use this SMTP server.": AUTH,
    }),
    "geary": ("43.0-1", "deb/geary/usr/share/locale/{locale}/LC_MESSAGES/geary.mo", {
        "Check your sending login and password": AUTH,
        "Could not connect, check your network": NETWORK,
    }),
    "mailutils": ("3.15-4", "deb/mailutils-common/usr/share/locale/{locale}/LC_MESSAGES/mailutils.mo", {
        "%s: mailbox quota exceeded for this recipient": ("mailbox-full", "soft"),
        "%s: message would exceed maximum mailbox size for this recipient": ("mailbox-full", "soft"),
        "Connection closed by remote host": NETWORK,
    }),
    # GNU Mailman 3's rejection and hold reasons, as the notice to the poster words them
    "mailman": ("3.3.10", "src/pypi/mailman-3.3.10/src/mailman/messages/{locale}/LC_MESSAGES/mailman.po", {
        "The message is larger than the {} KB maximum size": ("message-size", "block"),
        "Message sender {} is banned from this list": ("policy", "block"),
        "Message has more than {} recipients": ("rate-limit", "soft"),
        "You are not allowed to post to this mailing list From: a domain which publishes a DMARC "
        "policy of reject or quarantine, and your message has been automatically rejected.  If you "
        "think that your messages are being rejected in error, contact the mailing list owner at "
        "${listowner}.": ("sender-auth", "block"),
    }),
}
#: where each package came from (the source_id's prefix); Debian's when not named
ORIGIN = {"mailman": "PyPI"}
#: locale folder names besides LOCALES' (KDE's and neomutt's Norwegian)
EXTRA_LOCALES = {"nb_NO": "nb", "pt_PT": "pt", "zh_Hans": "zh", "zh_Hant": "zh"}


#: Thunderbird's send errors besides those localised.THUNDERBIRD took from the l10n repository,
#: labelled from the English (en-GB pack) text: the server name does not resolve; the server
#: wants another password method or refused the Kerberos ticket; MAIL FROM refused ("verify that
#: your email address is correct").  Left out as naming no cause: the RCPT, DATA and generic
#: errors whose %s is the server's reply ("check the message recipient"), smtpSecurityIssue.
THUNDERBIRD_MORE: dict[str, Label] = {
    "smtpSendFailedUnknownServer": NETWORK,
    "smtpHintAuthEncryptToPlainNoSsl": AUTH,
    "smtpHintAuthEncryptToPlainSsl": AUTH,
    "smtpAuthGssapi": AUTH,
    "errorSendingFromCommand": ("sender-rejected", "block"),
}
THUNDERBIRD_VERSION = "1:153.8.0esr-1~deb12u1"
THUNDERBIRD_PATH = "chrome/{locale}/locale/{locale}/messenger/messengercompose/composeMsgs.properties"


def catalogue(path: Path) -> dict[str, str]:
    """msgid -> translation of a compiled .mo or a .po file ({} when the file is absent)."""
    if not path.is_file():
        return {}
    if path.suffix == ".mo":
        with path.open("rb") as handle:
            raw = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}
    raw_po = path.read_bytes()
    declared = re.search(rb"charset=([-\w]+)", raw_po)
    text = raw_po.decode(declared.group(1).decode("ascii") if declared else "utf-8")
    return {k.replace("\\n", "\n"): v for k, v in _po(text).items()}


def mine(root: Path) -> Iterator[dict[str, str | None]]:
    """Every translated cause-naming message of PACKAGES, one source per catalogue."""
    for package, (version, pattern, messages) in PACKAGES.items():
        for locale, lang in {**LOCALES, **EXTRA_LOCALES}.items():
            relative = pattern.format(locale=locale)
            strings = catalogue(root / relative)
            inside = relative.split("/", 2)[2]
            origin = ORIGIN.get(package, "Debian")
            source_id = f"{origin.lower()}:{package}:{inside}"
            for msgid, label in messages.items():
                text = strings.get(msgid, "").strip()
                if text and text != msgid.strip():
                    yield _row(text, label, lang, f"{origin} {package} {version}: {inside} (msgid "
                               f"{json.dumps(msgid.strip(), ensure_ascii=False)})", source_id, "mined")


def thunderbird(root: Path, taken: set[tuple[str, str]]) -> Iterator[dict[str, str | None]]:
    """Thunderbird's send errors from Debian's language packs, one source per pack; a message
    the l10n repository's catalogue of the same locale already gave (``taken``: (locale, key))
    is the same string of the same catalogue and is not taken again, whatever its wording now."""
    for locale, lang in THUNDERBIRD_LOCALES.items():
        package = f"thunderbird-l10n-{locale.lower()}"
        packs = sorted((root / "deb" / package).glob("usr/lib/thunderbird/extensions/*.xpi"))
        if not packs:
            continue
        inside = THUNDERBIRD_PATH.format(locale=locale)
        with zipfile.ZipFile(packs[0]) as pack:
            text = pack.read(inside).decode("utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            key, _, value = (part.strip() for part in line.partition("="))
            label = {**THUNDERBIRD, **THUNDERBIRD_MORE}.get(key)
            if label and value and (locale, key) not in taken:
                yield _row(value.replace("\\n", " "), label, lang,
                           f"Debian {package} {THUNDERBIRD_VERSION}: {packs[0].name}!/{inside}:"
                           f"{number} ({key})", f"debian:{package}:{inside}", "mined")


def main(root: Path, staged: Path, only_thunderbird: bool = False) -> None:
    known_rows = corpus_rows()
    # (locale, key) of the Thunderbird messages mined from the l10n repository (round lang-de ...)
    taken = {(match.group(1), match.group(2)) for row in known_rows
             if (match := re.match(r"github:thunderbird/thunderbird-l10n@\w+: ([\w-]+)/.*\((\w+)\)$",
                                   str(row["source"])))}
    stage(thunderbird(root, taken) if only_thunderbird else mine(root), staged,
          {str(row["text"]) for row in known_rows}, "catalogues")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), "--thunderbird" in sys.argv[3:])
