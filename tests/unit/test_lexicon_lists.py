"""What list servers and administrators' ACLs refuse, named in every language (cfg-r10): a post
from a non-member or to a moderated or restricted list (policy), a suspicious header, a filter
rule or a refused file type (content), a list that does not exist (an unknown mailbox), a
recipient list too long (rate-limit), a message too big.  The probes are sentences written
here for the meaning, not corpus lines; the real lines are from the tuning split of
tests/corpus/cfg-r10.jsonl (Sympa's, Mailman 2.1's and ezmlm-idx's catalogues), never held out."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import corpus

from smtplesson import explain
from smtplesson.codes.lexicon import score

PROBES = [
    ("550 Nur Mitglieder dürfen Nachrichten an diese Liste senden", "policy", "block"),
    ("550 Beiträge von Nichtmitgliedern werden abgewiesen", "policy", "block"),
    ("Vous ne pouvez pas écrire sur cette liste modérée", "policy", "block"),
    ("550 La publicación en esta lista está restringida", "policy", "block"),
    ("550 Solo gli iscritti possono scrivere: lista moderata", "policy", "block"),
    ("550 Envio não é permitido para não membros", "policy", "block"),
    ("550 Possono scrivere solo gli iscritti alla lista", "policy", "block"),
    ("550 Wysyłanie na listę jest dostępne dla subskrybentów", "policy", "block"),
    ("550 Deze lijst is beperkt tot leden", "policy", "block"),
    ("550 Du är inte medlem i denna modererad lista", "policy", "block"),
    ("550 Рассылка: отправка разрешена только участникам", "policy", "block"),
    ("550 このリストは非会員からの投稿を受け付けません", "policy", "block"),
    ("550 本邮件列表仅限成员发信", "policy", "block"),
    ("550 비회원은 이 목록에 보낼 수 없습니다", "policy", "block"),
    ("550 Ihre Nachricht enthält einen verdächtigen Header", "content", "block"),
    ("550 Message refusé : en-tête suspect", "content", "block"),
    ("550 Mensaje bloqueado por una regla de filtrado", "content", "block"),
    ("550 Adjunto rechazado: extensión de archivo no aceptada", "content", "block"),
    ("550 添付ファイル拡張子が許可されていません", "content", "block"),
    ("550 Unbekannte Liste: news@example.org", "mailbox-unknown", "hard"),
    ("550 Liste inconnue sur ce serveur", "mailbox-unknown", "hard"),
    ("550 Lista desconocida", "mailbox-unknown", "hard"),
    ("550 Onbekende lijst", "mailbox-unknown", "hard"),
    ("550 Неизвестная рассылка", "mailbox-unknown", "hard"),
    ("550 邮件列表未知", "mailbox-unknown", "hard"),
    ("452 La liste des destinataires est trop longue", "rate-limit", "soft"),
    ("452 Verminder het aantal geadresseerden", "rate-limit", "soft"),
    ("452 收件人太多，请稍后", "rate-limit", "soft"),
    ("552 附件过大", "message-size", "block"),
    ("552 A mensagem é grande demais", "message-size", "block"),
]


@pytest.mark.parametrize(("text", "category", "bounce_type"), PROBES)
def test_what_a_list_or_an_acl_refuses_is_named_in_each_language(text, category, bounce_type):
    got = explain(text)
    assert (got.category, got.bounce_type) == (category, bounce_type)


# real tuning lines of cfg-r10 (their labels come from the corpus)
REAL = [
    "Message rejeté par correspondance avec une règle de filtrage",
    "Distribuzione del messaggio: autorizzazione negata",
    "Distributie van berichten op deze lijst is niet toegestaan.",
    "Lista desconocida",
    "メッセージをこのリストへ発送できるのは、リストの読者だけです。",
    "这张邮件列表的邮件发行仅限邮件列表订阅者。",
    "Os não membros não podem enviar mensagens para esta lista.",
]
TUNING = {line.text: line for line in corpus.load("tuning")}


@pytest.mark.parametrize("text", [t for t in REAL if t in TUNING])
def test_real_list_server_lines_get_their_cause_and_bounce_type(text):
    line = TUNING[text]
    got = explain(text)
    assert (got.category, got.bounce_type) == (line.category, line.bounce_type)


def test_the_real_lines_are_tuning_lines():
    assert sum(text in TUNING for text in REAL) >= 5


def test_a_cue_that_is_itself_negated_keeps_the_negation_before_it():
    # French "ne ... pas": "ne" before "pas autorisé" is the same negation, not a second one
    verdict = score("Les non-abonnés ne sont pas autorisés à envoyer des messages")
    assert verdict is not None and verdict.category == "policy" and "pas autorisé" in verdict.cues
    # an ordinary cue after a negation still does not count
    plain = score("550 Absender nicht gesperrt, aber unbekannt")
    assert plain is None or "gesperrt" not in plain.cues
