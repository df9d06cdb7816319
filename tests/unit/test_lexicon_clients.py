"""What mail apps' translated send errors taught the lexicon (lexicon.json "pairs" mailbox-unknown,
authentication, content, the bandwidth, VPN, size and connection words; "precedence"; session 9,
lang-r10): sentences written here, none of them a corpus line, in the languages each change names,
and sentences that must not change.  Never a held-out line."""
from __future__ import annotations

import pytest

from smtplesson import explain
from smtplesson.codes.lexicon import score


def _category(text: str) -> str:
    return explain(text).category


# recipients (or addresses, plural) beside "invalid": the server refused them as unknown
UNKNOWN = [
    "Der Empfänger max@example.org ist ungültig.",
    "Le destinataire indiqué est invalide.",
    "Los destinatarios indicados no son válidos.",
    "Destinatário inválido: %s",
    "Il destinatario non è valido.",
    "De ontvanger is ongeldig.",
    "Nieprawidłowy odbiorca wiadomości.",
    "Příjemce je neplatný.",
    "Mottagaren är ogiltig.",
    "Modtageren er ugyldig.",
    "Mottakeren er ugyldig.",
    "Vastaanottajan osoite on virheellinen.",
    "Адрес получателя недействителен.",
    "受信者のアドレスが無効です。",
    "收件人地址无效。",
    "수신자 주소가 유효하지 않습니다.",
    "Die folgenden Adressen sind ungültig: %s",
]


@pytest.mark.parametrize("text", UNKNOWN)
def test_invalid_recipients_are_unknown_mailboxes(text: str) -> None:
    got = explain(text)
    assert (got.category, got.bounce_type) == ("mailbox-unknown", "hard")


@pytest.mark.parametrize("text", [
    "Die Absenderadresse ist ungültig.",  # the sender's address: never the recipient's mailbox
    "Ungültiger Befehl.",
    "Der Empfänger hat Ihre Nachricht gelesen.",
])
def test_what_is_not_an_invalid_recipient(text: str) -> None:
    assert explain(text).bounce_type != "hard"


# a login beside failed, refused, must, required
LOGIN = [
    "Die Anmeldung am Postausgangsserver wurde verweigert.",
    "Debe iniciar sesión antes de enviar correo.",
    "U moet inloggen voordat u kunt verzenden.",
    "Du måste logga in innan du skickar.",
    "Вы должны войти в систему, чтобы отправлять почту.",
    "送信するにはサインインが必要です。",
    "发送邮件前必须登录。",
    "메일을 보내려면 로그인해야 합니다.",
    "Nejprve se musíte přihlásit.",
    "Musisz się zalogować, aby wysłać wiadomość.",
    "Sinun on kirjauduttava ensin sisään.",  # fi: the necessitive "must log in"
    "Tunnistusvirhe palvelimella.",
    "Не удалось авторизоваться на сервере.",
    "Chyba ověřování uživatele.",
]


@pytest.mark.parametrize("text", LOGIN)
def test_a_refused_or_required_login_is_authentication(text: str) -> None:
    assert _category(text) == "authentication"


def test_a_login_word_alone_names_nothing() -> None:
    assert score("Anmeldung") is None


# an attachment beside "not allowed": an attachment filter (content), not a local policy
ATTACHMENT = [
    "Dieser Dateianhang ist nicht erlaubt.",
    "Les pièces jointes de ce type sont non autorisées.",
    "Este tipo de adjunto no está permitido.",
    "Questo tipo di allegato non è consentito.",
    "Deze bijlage is niet toegestaan.",
    "不允许发送此类附件。",
    "Вложения такого типа запрещены.",
]


@pytest.mark.parametrize("text", ATTACHMENT)
def test_a_forbidden_attachment_is_content(text: str) -> None:
    assert (explain(text).category, explain(text).bounce_type) == ("content", "block")


def test_an_ip_listed_for_spam_stays_reputation() -> None:
    """content's precedence over policy yields to reputation's over content"""
    assert _category("发信IP因发送垃圾邮件被列入黑名单。") == "reputation"
    assert _category("Ваш IP-адрес заблокирован за рассылку спама.") == "reputation"


def test_russian_spam_is_found_in_its_inflected_forms() -> None:
    assert _category("Письмо отклонено из-за подозрения на рассылку спама.") == "content"
    assert _category("Сообщение помечено как спамом.") == "content"


# a bandwidth exceeded, too many connections, a daily limit: rate limits (soft)
RATE = [
    "Die Bandbreite Ihres Kontos wurde überschritten.",
    "Bande passante de votre compte dépassée.",
    "Se ha superado el ancho de banda de la cuenta.",
    "Largura de banda excedida para esta conta.",
    "Przekroczono przepustowość konta.",
    "Kaistanleveys ylitetty.",
    "Превышена пропускная способность канала.",
    "帯域幅の上限を超えました。",
    "대역폭 한도를 초과했습니다.",
    "带宽已超出限制。",
    "Слишком много одновременных подключений с вашего адреса.",
    "Liikaa samanaikaisia yhteyksiä.",
    "Вы превысили лимит отправки писем.",
]


@pytest.mark.parametrize("text", RATE)
def test_an_exceeded_bandwidth_or_connection_count_is_a_rate_limit(text: str) -> None:
    got = explain(text)
    assert (got.category, got.bounce_type) == ("rate-limit", "soft")


def test_a_daily_limit_of_a_blocked_message_never_makes_the_recipient_hard() -> None:
    assert explain("Сообщение заблокировано: вы превысили лимит ежедневной отправки.").bounce_type != "hard"


@pytest.mark.parametrize("text", [
    "Verbindungen über ein VPN werden vom Server gesperrt.",
    "Le serveur bloque les connexions via un VPN.",
    "El servidor bloquea las conexiones a través de VPN.",
    "Сервер блокирует подключения через VPN.",
    "Serwer blokuje połączenia przez VPN.",
])
def test_a_blocked_vpn_is_the_sending_ips_reputation(text: str) -> None:
    assert _category(text) == "reputation"


@pytest.mark.parametrize("text", [
    "Die Nachricht ist größer als das Limit des Servers.",
    "Meddelandet är större än serverns gräns.",
    "Wiadomość jest większa niż limit serwera.",
    "El mensaje es más grande que el límite permitido.",
    "Nachricht (12 MB) größer als Serverbegrenzung.",
])
def test_a_message_larger_than_a_limit_is_its_size(text: str) -> None:
    assert _category(text) == "message-size"


NETWORK = [
    "Fehler beim Verbinden mit dem Postausgangsserver.",
    "Erro ao conectar ao servidor de envio.",
    "Não foi possível ligar ao servidor de correio.",
    "Virhe yhdistettäessä palvelimeen.",
    "Ett fel uppstod i uppkopplingen mot servern.",
    "Klarte ikke å koble til e-posttjeneren.",
    "Connessione al server non riuscita.",
    "Ошибка подключения к серверу.",
    "서버 연결 오류.",
    "Připojení k serveru se nezdařilo.",
    "Fejl i forbindelsen til serveren.",
    "Le serveur de courrier n'est pas joignable.",
    "Il server di posta non è raggiungibile.",
    "Serwer poczty jest nieosiągalny.",
    "Poštovní server je nedosažitelný.",
    "Tilkoblingsproblem med e-posttjeneren.",
]


@pytest.mark.parametrize("text", NETWORK)
def test_a_failed_connection_or_unreachable_server_is_network(text: str) -> None:
    got = explain(text)
    assert (got.category, got.bounce_type) == ("network", "soft")


def test_an_error_alone_is_no_network_fault() -> None:
    assert _category("554 Fehler bei der Verarbeitung der Nachricht") != "network"


RELAY = [
    "このサーバーは外部宛てのメールを中継しません。認証が必要です。",
    "服务器不会转发外部邮件，请先进行身份验证。",
    "El servidor no retransmite correo sin autenticación.",
    "Ce serveur ne relaie pas les messages sans authentification.",
    "Servern kommer inte vidarebefordra e-post utan autentisering.",
    "Palvelin ei välitä viestejä ilman tunnistautumista.",
    "이 서버는 인증 없이 메일을 릴레이하지 않습니다.",
]


@pytest.mark.parametrize("text", RELAY)
def test_a_relay_the_server_will_not_make_is_relay_denied(text: str) -> None:
    assert _category(text) == "relay-denied"


def test_english_authentication_is_unchanged() -> None:
    assert _category("530 5.7.0 Authentication required") == "authentication"
    assert _category("554 5.7.1 Relay access denied") == "relay-denied"
