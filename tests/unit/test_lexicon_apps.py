"""What more mail apps' translated errors taught the lexicon (session 9, clients3, lang-r11):
a connection refused for a security error or as not secure is TLS (lexicon.json "cues" tls and
"precedence" tls over network); more words of a failed login, of a storage limit exceeded (the
account's mailbox, not the system's storage), of addresses that do not exist, of too many
requests.  Sentences written here, none of them a corpus line, and sentences that must not change.
Never a held-out line."""
from __future__ import annotations

import pytest

from smtplesson import explain


def _got(text: str) -> tuple[str, str]:
    got = explain(text)
    return got.category, got.bounce_type


# a security error while connecting, or no secure connection: TLS, never a network fault
TLS = [
    "Die Verbindung wurde wegen eines Sicherheitsfehlers abgebrochen.",
    "Es ist keine sichere Verbindung zum Postausgangsserver möglich.",
    "Connexion impossible : erreur de sécurité.",
    "Impossible d'ouvrir une connexion sécurisée vers smtp.example.org.",
    "No se puede enviar el correo de forma segura.",
    "Errore di sicurezza durante la connessione al server SMTP.",
    "Erro de segurança ao ligar ao servidor de saída.",
    "Geen veilige verbinding met smtp.example.org mogelijk.",
    "Połączenie przerwane z powodu błędu zabezpieczeń.",
    "Spojení selhalo kvůli chybě zabezpečení.",
    "Anslutningen avbröts på grund av ett säkerhetsfel.",
    "Forbindelsen blev afbrudt på grund af en sikkerhedsfejl.",
    "Tilkoblingen ble brutt på grunn av en sikkerhetsfeil.",
    "Yhteys katkesi tietoturvavirheen vuoksi.",
    "Соединение прервано из-за ошибки безопасности.",
    "送信サーバーへの接続中にセキュリティエラーが発生しました。",
    "连接发送服务器时出现安全错误。",
    "발신 서버에 연결하는 중 보안 오류가 발생했습니다.",
]


@pytest.mark.parametrize("text", TLS)
def test_a_security_error_while_connecting_is_tls(text: str) -> None:
    assert _got(text) == ("tls", "block")


@pytest.mark.parametrize("text", [
    "Verbindung zum Server fehlgeschlagen.",
    "Impossible d'établir la connexion avec smtp.example.org.",
    "连接服务器失败。",
])
def test_a_failed_connection_without_security_words_stays_network(text: str) -> None:
    assert _got(text) == ("network", "soft")


# a login beside "unsuccessful", "not possible", "error", "could not"
LOGIN = [
    "Die Anmeldung am Server war erfolglos.",
    "Error al iniciar sesión en el servidor SMTP.",
    "Accesso a smtp.example.org non riuscito.",
    "Inloggen op de server kan niet.",
    "Nie można zalogować się do serwera poczty.",
    "Início de sessão no servidor sem êxito.",
    "Ошибка при входе в почтовый ящик.",
    "Вход не выполнен: проверьте пароль.",
    "Det gick inte att logga in på servern.",
    "Serveren kunne ikke logge ind med kontoen.",
    "Klienten kunne ikke logge på serveren.",
]


@pytest.mark.parametrize("text", LOGIN)
def test_a_failed_login_is_authentication(text: str) -> None:
    assert _got(text) == ("authentication", "block")


# the account's storage limit exceeded: its mailbox is full (soft), never the system's storage
FULL = [
    "La limite de stockage du compte est dépassée.",
    "Se ha superado el espacio de almacenamiento de la cuenta.",
    "Hai superato lo spazio di archiviazione disponibile.",
    "O armazenamento da conta foi excedido.",
    "Opslag van het account overschreden.",
    "Kontots lagringsutrymme har överskridits.",
    "Kontoens lagringsplass er overskredet.",
    "Úložiště účtu bylo překročeno.",
    "Превышен объём хранилища учётной записи.",
    "アカウントの保存領域の上限を超えています。",
    "账户存储已达上限。",
    "계정의 저장 공간을 초과했습니다.",
]


@pytest.mark.parametrize("text", FULL)
def test_an_exceeded_storage_limit_is_a_full_mailbox(text: str) -> None:
    assert _got(text) == ("mailbox-full", "soft")


def test_insufficient_system_storage_stays_storage() -> None:
    assert _got("452 Espace de stockage système insuffisant")[0] == "storage"


@pytest.mark.parametrize("text", [
    "Die angegebenen Adressen existieren nicht.",
    "Gli indirizzi indicati non esistono.",
    "Podane adresy nie istnieją.",
    "Указанные адреса не существуют.",
])
def test_addresses_that_do_not_exist_are_unknown_mailboxes(text: str) -> None:
    assert _got(text) == ("mailbox-unknown", "hard")


@pytest.mark.parametrize("text", [
    "Liikaa pyyntöjä palvelimelle.",
    "Alltför många förfrågningar från din klient.",
    "서버에 요청이 너무 많습니다.",
    "服务器收到的请求太多。",
])
def test_too_many_requests_is_a_rate_limit(text: str) -> None:
    assert _got(text) == ("rate-limit", "soft")
