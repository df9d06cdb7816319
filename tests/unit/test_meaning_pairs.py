"""Meanings the lexicon reads from two words together (issue 19, item 4: a layer that generalises).

A size unit beside a comparison is the message's size, unless a mailbox owns the size (its
quota); the sender beside a ban is the receiver's own block list (policy), the sender's IP
beside a ban is its reputation; a session already logged in is about AUTH; a sending allowance
qualified by its period or its traffic is a rate limit.  Every probe is written here, in the
wording of no corpus line, in several languages: the meaning must carry, not one phrasing.
"""
from __future__ import annotations

import pytest

from smtplesson import explain

PROBES: list[tuple[str, str, str]] = [
    # a size in bytes beside "larger than", "exceeds", "maximum": message-size (block)
    ("Die Nachricht ist größer als 20 MB und wurde nicht angenommen", "message-size", "block"),
    ("Le message dépasse les 26214400 octets autorisés", "message-size", "block"),
    ("El correo supera los 10 MB permitidos por el servidor", "message-size", "block"),
    ("Il messaggio supera i 15 MB consentiti", "message-size", "block"),
    ("A mensagem excede 20 MB e foi recusada", "message-size", "block"),
    ("Wiadomość przekracza 10 MB", "message-size", "block"),
    ("Meddelandet är större än 25 MB", "message-size", "block"),
    ("Сообщение превышает 10 МБ", "message-size", "block"),
    ("邮件 30000000 字节，超过了服务器的限制", "message-size", "block"),
    # ... but a size a mailbox owns is its quota: mailbox-full (soft), never a sender fault
    ("Ihr Postfach hat die Grenze von 2 GB überschritten", "mailbox-full", "soft"),
    # the sender beside a ban or a block: the receiver's own block list, policy (block)
    ("Der Absender ist auf diesem Server gesperrt", "policy", "block"),
    ("El remitente ha sido bloqueado por el administrador", "policy", "block"),
    ("Il mittente è stato bannato dal gruppo", "policy", "block"),
    ("De afzender is uitgesloten van deze groep", "policy", "block"),
    ("Отправитель забанен администратором", "policy", "block"),
    ("该发件人已被屏蔽", "policy", "block"),
    ("送信者はブロックされています", "policy", "block"),
    ("발신자가 차단되었습니다", "policy", "block"),
    # ... a refused or unknown sender address stays sender-rejected
    ("Der Absender wurde abgelehnt", "sender-rejected", "block"),
    ("El remitente no existe", "sender-rejected", "block"),
    # the sender's IP beside a ban or a block, however far apart in the sentence: reputation
    # (shared/taxonomy-v2.md: IP block lists are reputation), also glued to Han or kana
    ("Die IP 192.0.2.1 wurde auf diesem Server wegen Missbrauch gesperrt", "reputation", "block"),
    ("La IP de su servidor ha sido vetada temporalmente", "reputation", "block"),
    ("Ваш IP временно забанен", "reputation", "block"),
    ("発信元IPは現在ブロックされています", "reputation", "block"),
    ("您的IP已被屏蔽", "reputation", "block"),
    # a session already authenticated, or the AUTH exchange named (RFC 4954 section 4): the
    # reply is about SMTP AUTH, not the command's syntax that its 5.5.x code says
    ("503 5.5.1 You are already logged in", "authentication", "block"),
    ("503 Error: client has previously authenticated", "authentication", "block"),
    ("501 5.5.2 Cannot decode the authentication exchange", "authentication", "block"),
    # a sending allowance of a period or of traffic: rate-limit (soft); a mailbox quota: full
    ("550 5.7.1 You have used up your monthly quota of messages", "rate-limit", "soft"),
    ("451 4.7.1 Hourly quota for this account reached, try again later", "rate-limit", "soft"),
    ("450 4.7.1 Outbound quota exhausted for this customer", "rate-limit", "soft"),
    ("452 4.2.2 Mailbox over quota", "mailbox-full", "soft"),
]


@pytest.mark.parametrize(("text", "category", "bounce_type"), PROBES)
def test_meaning(text: str, category: str, bounce_type: str) -> None:
    explained = explain(text)
    assert (explained.category, explained.bounce_type) == (category, bounce_type)
