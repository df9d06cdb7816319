"""Mine the translated explanations of server refusals from mail apps and webmails (lang-r10).

Run:  python tools/mining/apps_l10n.py MIRROR_ROOT STAGED.jsonl [ROUND]  (ROUND: lang-r11 unless named)
then: python tools/corpus_split.py STAGED.jsonl ROUND

``MIRROR_ROOT`` holds ``<owner>+<name>/repo`` git directories (the search tool's ``fetch``
snapshots) of the repositories in ``APPS``; each catalogue is read from the commit named there
(``git show``).  The apps and what their catalogues explain (``MESSAGES``, each keyed as the
catalogue keys it: the English msgid, or the string's name with its English text beside it):

- Mailspring (``app/lang/<locale>.json``): the mailsync error texts of
  ``app/src/mailsync-process.ts`` ``LocalizedErrorStrings`` -- Yahoo's outbound spam filter and
  daily sending limit, an attachment the server does not allow, a relay refused, Gmail's
  connection and bandwidth limits, TLS, certificate, login and connection errors;
- FairEmail (``app/src/main/res/values-<locale>/strings.xml``): the message larger than the
  server's limit, servers blocking VPN addresses, failed and administratively disabled logins;
- Horde_Smtp (``locale/<locale>/LC_MESSAGES/Horde_Smtp.po``): the texts
  ``Horde_Smtp_Exception::setSmtpCode`` gives a 450, 452, 454, 530 and 550 reply, the TLS and
  connection errors of ``Smtp.php``;
- Nextcloud Mail (``l10n/<locale>.json``), SnappyMail (``.../localization/<locale>/user.json``),
  SOGo (``UI/MailerUI/<Language>.lproj/Localizable.strings``), Horde IMP (``imp.po``),
  Thunderbird for Android and Delta Chat (Android ``strings.xml``): refused logins, unreachable
  servers, recipients the server called invalid (SOGo, SnappyMail), a provider's storage
  running out (Delta Chat).

lang-r11 (session 9, clients3): the AOSP Email app (``res/values-<locale>/strings.xml``): wrong
username or password, failed sign-in, no supported authentication method, TLS required but not
offered, a security error or no safe connection, no connection; Tuta (``src/ui/translations/
<locale>.ts``): the storage limit exceeded (no more mail received), the body over the 1 MB limit,
too many mails or requests, Tuta addresses that do not exist; Cypht (``language/<locale>.php``):
SMTP authentication failed, connection refused; Afterlogic Aurora's Mail module
(``i18n/<Language>.ini``): an error connecting to the mail server.

Messages that name no cause ("Can't send message", "There was an error sending your message:
%s", Horde IMP's "Address rejected by the sending mail server.", whose cause is the server's
reply) are not taken.  Each translation is kept as the catalogue writes it (placeholders such as
``%1$s``, ``{account_email}`` kept, as lang-r8 did); a text already in the corpus, or already
taken from another catalogue, is kept once.  One catalogue file (repository, path) is one source,
``github:<repo>:<path>``; the split is ``tools/corpus_split.py``'s, applied after this script and
before anything is evaluated.
"""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from localised import _po, _row, corpus_rows, stage

Label = tuple[str, str]
AUTH: Label = ("authentication", "block")
TLS: Label = ("tls", "block")
NETWORK: Label = ("network", "soft")
RATE: Label = ("rate-limit", "soft")

#: the corpus' languages, as the catalogues name their locales (normalised: ``-r`` and ``-``
#: written ``_``) -> our ``lang``
LANGS = {"de": "de", "de_DE": "de", "fr": "fr", "fr_FR": "fr", "es": "es", "es_ES": "es",
         "it": "it", "it_IT": "it", "pt": "pt", "pt_BR": "pt", "pt_PT": "pt", "nl": "nl",
         "nl_NL": "nl", "pl": "pl", "pl_PL": "pl", "ru": "ru", "ru_RU": "ru", "ja": "ja",
         "ja_JP": "ja", "zh": "zh", "zh_CN": "zh", "zh_TW": "zh", "ko": "ko", "ko_KR": "ko",
         "sv": "sv", "sv_SE": "sv", "da": "da", "da_DK": "da", "nb": "nb", "nb_NO": "nb",
         "fi": "fi", "fi_FI": "fi", "cs": "cs", "cs_CZ": "cs"}
#: SOGo names its catalogues by language
SOGO_LANGS = {"German": "de", "French": "fr", "SpanishSpain": "es", "SpanishArgentina": "es",
              "Italian": "it", "BrazilianPortuguese": "pt", "Portuguese": "pt", "Dutch": "nl",
              "Polish": "pl", "Russian": "ru", "Japanese": "ja", "ChineseChina": "zh",
              "ChineseTaiwan": "zh", "Korean": "ko", "Swedish": "sv", "Danish": "da",
              "NorwegianBokmal": "nb", "Finnish": "fi", "Czech": "cs"}

Strings = dict[str, str]


class App(NamedTuple):
    repo: str
    commit: str  # the snapshot's newest commit when mined
    path: str  # with {locale}
    read: Callable[[str], Strings]
    #: key in the catalogue -> (its English text, label)
    messages: dict[str, tuple[str, Label]]
    locales: dict[str, str] | None = None  # folder -> lang when not LANGS'
    round: str = "lang-r10"  # the corpus file its lines went to


def _json_flat(text: str) -> Strings:
    return {k: v for k, v in json.loads(text).items() if isinstance(v, str)}


def _nextcloud(text: str) -> Strings:
    return {k: v for k, v in json.loads(text)["translations"].items() if isinstance(v, str)}


def _snappymail(text: str) -> Strings:
    return {f"{section}.{k}": v for section, table in json.loads(text).items()
            if isinstance(table, dict) for k, v in table.items() if isinstance(v, str)}


def _android(text: str) -> Strings:
    out = {}
    for name, value in re.findall(r'<string name="(\w+)"[^>]*>(.*?)</string>', text, re.S):
        value = re.sub(r"</?xliff:g[^>]*>", "", value).strip()
        if len(value) > 1 and value[0] == value[-1] == '"':
            value = value[1:-1]
        value = value.replace("\\'", "'").replace('\\"', '"').replace("\\n", " ")
        out[name] = html.unescape(value)
    return out


def _apple(text: str) -> Strings:
    return {k: v.replace('\\"', '"') for k, v in re.findall(
        r'^"((?:[^"\\]|\\.)*)"\s*=\s*"((?:[^"\\]|\\.)*)";', text, re.M)}


def _tuta(text: str) -> Strings:
    return {k: json.loads(f'"{v}"') for k, v in re.findall(
        r'^\s*"([\w.]+)":\s*"((?:[^"\\]|\\.)*)",?$', text, re.M)}


def _php_array(text: str) -> Strings:
    """Cypht's ``'English' => 'translation'`` (untranslated entries are ``false``)."""
    quoted = r"'((?:[^'\\]|\\.)*)'" + "|" + r'"((?:[^"\\]|\\.)*)"'
    return {(k1 or k2).replace("\\'", "'"): (v1 or v2).replace("\\'", "'")
            for k1, k2, v1, v2 in re.findall(rf"^\s*(?:{quoted})\s*=>\s*(?:{quoted})", text, re.M)}


def _ini(text: str) -> Strings:
    return dict(re.findall(r'^(\w+)\s*=\s*"(.*)"\s*$', text, re.M))


def _keyed(pairs: dict[str, Label]) -> dict[str, tuple[str, Label]]:
    """The messages of a catalogue keyed by the English text itself (gettext, JSON)."""
    return {english: (english, label) for english, label in pairs.items()}


APPS: dict[str, App] = {
    "Mailspring": App("Foundry376/Mailspring", "d93a0d7f43049dd81e1ff0cdf9957915dd5d62b6",
                      "app/lang/{locale}.json", _json_flat, _keyed({
        "Connection Error - Unable to connect to the server / port you provided.": NETWORK,
        "TLS Not Available": TLS,
        "StartTLS is not available.": TLS,
        "Certificate Error": TLS,
        "Authentication Error - Check your username and password.": AUTH,
        "There are too many active connections to your Gmail account. Please try again later.": RATE,
        "Gmail bandwidth exceeded. Please try again later.": RATE,
        "A Gmail application-specific password is required.": AUTH,
        "The Outlook server said you must sign in via a web browser.": AUTH,
        "The server said you must sign in via your webmail.": AUTH,
        "Authentication required.": AUTH,
        "The message contains an illegal attachment that is not allowed by the server.":
            ("content", "block"),
        "The message has been blocked by Yahoo's outbound spam filter.": ("content", "block"),
        "The message has been blocked by Yahoo - you have exceeded your daily sending limit.": RATE,
        "The SMTP server would not relay a message. You may need to authenticate.":
            ("relay-denied", "block"),
        "Sorry, your SMTP server does not support basic username / password authentication.": AUTH,
    })),
    "FairEmail": App("M66B/FairEmail", "e23dd9df8002bc43e64594843ce69b52b9ad15e1",
                     "app/src/main/res/values-{locale}/strings.xml", _android, {
        "title_size_reminder": ("Message (%1$s) larger than server limit (%2$s)",
                                ("message-size", "block")),
        "title_hint_vpn": ("E-mail servers sometimes block connections through a VPN. If this "
                           "happens, only the e-mail provider can resolve this.",
                           ("reputation", "block")),
        "title_authentication_failed": ("%1$s authentication failed", AUTH),
        "title_setup_office_auth": ("The error 'AUTHENTICATE failed' can be caused by IMAP/SMTP "
                                    "being disabled by the system administrator", AUTH),
        "title_setup_no_auth_hint": ("Please double check your email address and password and "
                                     "make sure external access (IMAP/SMTP) is enabled for your "
                                     "account", AUTH),
    }),
    "Horde_Smtp": App("horde/Smtp", "f7bd337c6019e83f77021f74bcd3dac3838b784d",
                      "locale/{locale}/LC_MESSAGES/Horde_Smtp.po", _po, _keyed({
        "Mailbox unavailable.": ("mailbox-unavailable", "soft"),  # 450
        "Insufficient system storage.": ("storage", "soft"),  # 452
        "Could not open secure TLS connection to the server.": TLS,  # 454
        "Server requires authentication.": AUTH,  # 530
        "Message could not be delivered - the address was not found, is unknown, or is not "
        "receiving messages.": ("mailbox-unknown", "hard"),  # 550
        "Server denied authentication.": AUTH,
        "Server does not support TLS connections.": TLS,
        "Error connecting to SMTP server.": NETWORK,
        "Server closed the connection unexpectedly.": NETWORK,
    })),
    "Horde IMP": App("horde/imp", "fd9212ca3b72ff834504af4886f7d95138619bd4",
                     "locale/{locale}/LC_MESSAGES/imp.po", _po, _keyed({
        "Could not authenticate to %s.": AUTH,
    })),
    "Nextcloud Mail": App("nextcloud/mail", "e5734fe250eba06776802c80bb0e52f3cb625673",
                          "l10n/{locale}.json", _nextcloud, _keyed({
        "SMTP server is not reachable": NETWORK,
        "SMTP username or password is wrong": AUTH,
        "SMTP server denied authentication": AUTH,
        "SMTP authentication error": AUTH,
        "SMTP connection failed": NETWORK,
    })),
    "SnappyMail": App("the-djmaze/snappymail", "ba496919ddea82804c38a0a5aa2a77516f61d8fe",
                      "snappymail/v/0.0.0/app/localization/{locale}/user.json", _snappymail, {
        "NOTIFICATIONS.AuthError": ("Authentication failed", AUTH),
        "NOTIFICATIONS.ConnectionError": ("Can't connect to server", NETWORK),
        "NOTIFICATIONS.InvalidRecipients": ("Invalid recipients", ("mailbox-unknown", "hard")),
    }),
    "SOGo": App("Alinto/sogo", "ee2ebbb81cc0538626988e47d70ce4c0d4195377",
                "UI/MailerUI/{locale}.lproj/Localizable.strings", _apple, {
        "cannot send message: (smtp) all recipients discarded": (
            "Cannot send message: all recipients are invalid.", ("mailbox-unknown", "hard")),
        "cannot send message (smtp) - recipients discarded": (
            "Cannot send message. The following addresses are invalid",
            ("mailbox-unknown", "hard")),
        "cannot send message: (smtp) error when connecting": (
            "Cannot send message: error when connecting to the SMTP server.", NETWORK),
    }, SOGO_LANGS),
    "Thunderbird for Android": App(
        "thunderbird/thunderbird-android", "a59bd679859d369c9a39be147e536b825ffd0a6b",
        "feature/notification/api/src/commonMain/composeResources/values-{locale}/strings.xml",
        _android, {
            "notification_authentication_outgoing_server_error_text": (
                "Authentication failed for %1$s. Update your outgoing server settings.", AUTH),
        }),
    "Delta Chat": App("deltachat/deltachat-android", "7a1b15a1513d047cee6b50a456d8dcb8874dce9c",
                      "src/main/res/values-{locale}/strings.xml", _android, {
        "login_error_cannot_login": ("Cannot login as \"%1$s\". Please check if the address and "
                                     "the password are correct.", AUTH),
        "devicemsg_storage_exceeding": ("⚠️ Your provider's storage is about to run out: %1$s%% "
                                        "are already used. You may not be able to receive "
                                        "messages if storage is full. ...",
                                        ("mailbox-full", "soft")),
    }),
    "AOSP Email": App(
        "aosp-mirror/platform_packages_apps_email", "9822725da07cc150f2410ad5360549018c3fbb1c",
        "res/values-{locale}/strings.xml", _android, {
            "account_setup_failed_dlg_auth_message": ("Username or password is incorrect.", AUTH),
            "account_setup_autodiscover_dlg_authfail_message": (
                "Confirm username, password, and account settings are correct.", AUTH),
            "account_setup_failed_check_credentials_message": (
                "The server responded with an error. Check your username and password, then try "
                "again.", AUTH),
            "account_setup_failed_auth_required": (
                "Authentication methods aren't supported by server.", AUTH),
            "login_failed_ticker": ("%s signin unsuccessful.", AUTH),
            "login_failed_title": ("Couldn't sign in", AUTH),
            "account_setup_failed_tls_required": (
                "TLS required but not supported by server.", TLS),
            "account_setup_failed_security": (
                "Couldn't open connection to server due to security error.", TLS),
            "account_setup_failed_dlg_certificate_message": ("Can't safely connect to server.", TLS),
            "account_setup_failed_dlg_server_message": ("Can't connect to server.", NETWORK),
            "account_setup_failed_ioerror": ("Couldn't open connection to server.", NETWORK),
        }, {**LANGS, "zh-rCN": "zh", "zh-rTW": "zh", "zh-rHK": "zh", "pt-rPT": "pt",
            "es-rUS": "es", "fr-rCA": "fr"}, "lang-r11"),
    "Tuta": App("tutao/tutanota", "0f34397ae95db354b707ab963bec84cdcbd8f5b6",
                "src/ui/translations/{locale}.ts", _tuta, {
        "insufficientStorageUser_msg": ("Your storage limit has been exceeded. You can no longer "
                                        "receive or send emails.", ("mailbox-full", "soft")),
        "insufficientStorageAdmin_msg": ("Your storage limit has been exceeded. You can no longer "
                                         "receive or send emails. Please free some storage ...",
                                         ("mailbox-full", "soft")),
        "mailBodyTooLarge_msg": ("Your email couldn't be sent to the server, because the body text "
                                 "exceeds the maximum size limit of 1MB.",
                                 ("message-size", "block")),
        "tooManyMails_msg": ("It looks like you exceeded the number of allowed emails. Please try "
                             "again later.", RATE),
        "mailAddressDelay_msg": ("Too many requests, please try again later.", RATE),
        "tutanotaAddressDoesNotExist_msg": ("The following Tuta email addresses do not exist.",
                                            ("mailbox-unknown", "hard")),
    }, {**LANGS, "pt_br": "pt", "pt_pt": "pt", "zh_hant": "zh", "no": "nb"}, "lang-r11"),
    "Cypht": App("cypht-org/cypht", "da5c9651a6cf8606f32e410ad99a5ee50b7788db",
                 "language/{locale}.php", _php_array, _keyed({
        "Failed to authenticate to the SMTP server": AUTH,
        "Connected, but failed to authenticate to the SMTP server": AUTH,
        "Cound not add server: Connection refused": NETWORK,
    }), {**LANGS, "pt-BR": "pt", "zh-Hans": "zh", "zh-TW": "zh"}, "lang-r11"),
    "Aurora Mail": App("afterlogic/aurora-module-mail", "1577ae7d6adc18a4a9da5ad8834f2fd0ee3b376e",
                       "i18n/{locale}.ini", _ini, {
        "ERROR_CONNECT_TO_MAIL_SERVER": ("Error while connecting to mail server.", NETWORK),
    }, {"German": "de", "French": "fr", "Spanish": "es", "Dutch": "nl", "Russian": "ru"},
        "lang-r11"),
}


#: a message about one provider's refusal names it (the corpus line's ``provider``): Mailspring's
#: texts for Gmail's, Yahoo's and Outlook's replies
NAMED = {"Gmail": "google", "Yahoo": "yahoo", "Outlook": "microsoft"}


def _named(english: str) -> str | None:
    return next((provider for name, provider in NAMED.items() if name in english), None)


def _git(root: Path, repo: str, commit: str, *args: str) -> str | None:
    folder = root / repo.replace("/", "+") / "repo"
    result = subprocess.run(["git", "--git-dir", str(folder), *args], capture_output=True,
                            check=False)
    return result.stdout.decode("utf-8") if result.returncode == 0 else None


def catalogues(root: Path, app: App) -> Iterator[tuple[str, str]]:
    """(path, lang) of every catalogue of ``app`` in one of the corpus' languages."""
    head, _, tail = app.path.partition("{locale}")
    folder = head.rsplit("/", 1)[0]
    listing = _git(root, app.repo, app.commit, "ls-tree", "-r", "--name-only", app.commit,
                   folder + "/") or ""
    pattern = re.compile(re.escape(head) + r"([^/]+?)" + re.escape(tail) + "$")
    for path in sorted(listing.splitlines()):
        match = pattern.match(path)
        if not match:
            continue
        locale = match.group(1)
        lang = (app.locales.get(locale) if app.locales is not None
                else LANGS.get(locale.replace("-r", "_").replace("-", "_")))
        if lang:
            yield path, lang


def mine(root: Path, round_: str) -> Iterator[dict[str, str | None]]:
    """Every translated cause-naming message of the APPS of ``round_``, one source per catalogue
    file."""
    for name, app in APPS.items():
        if app.round != round_:
            continue
        for path, lang in catalogues(root, app):
            text = _git(root, app.repo, app.commit, "show", f"{app.commit}:{path}")
            strings = app.read(text) if text else {}
            for key, (english, label) in app.messages.items():
                value = strings.get(key, "").strip()
                if value and value != english and value != key:
                    yield _row(value, label, lang,
                               f"github:{app.repo}@{app.commit[:12]}: {path} ({name}; "
                               f"{json.dumps(key, ensure_ascii=False)})",
                               f"github:{app.repo}:{path}", "mined", _named(english))


def main(root: Path, staged: Path, round_: str) -> None:
    known_rows = corpus_rows()
    used = {str(row.get(field)) for row in known_rows for field in ("source", "source_id")}
    mined = list(mine(root, round_))
    for row in mined:
        if row["source_id"] in used:
            raise SystemExit(f"source already in the corpus: {row['source_id']}")
    stage(mined, staged, {str(row["text"]) for row in known_rows}, "catalogues")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "lang-r11")
