"""A connection named beside what happened to it, and authentication named beside a negation
(codes/data/lexicon.json "pairs" and "negation_keeps", session 8): real lines of the tuning split
of tests/corpus/ (lang-r8.jsonl: mail clients' and agents' translated send errors), and sentences
written here to show what does not pair.  Never a held-out line."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import corpus

from smtplesson import explain
from smtplesson.codes.lexicon import may_find, score

TUNING = {line.text: line for line in corpus.load("tuning")}

# a connection (subject) and what happened to it (state), in either order, a place or a host between
PAIRED = [
    "Verbindung zu %s:%d schlug fehl.",  # de
    "Verbindung durch Gegenseite getrennt.",
    "La connexion vers %s:%d a échoué.",  # fr
    "la connexion a été fermée prématurément",
    "Venció la conexión a %s",  # es: the state first
    "Connessione con %s:%d fallita",  # it
    "Verbinding maken met %s:%d mislukt.",  # nl
    "Anslutning till %s:%d misslyckades.",  # sv
    "Forbindelsen til %s:%d mislykkedes.",  # da
    "Yhdistäminen kohteeseen %s:%d epäonnistui",  # fi
    "Připojení k %s:%d selhalo.",  # cs
    "Połączenie z %s przekroczyło czas oczekiwania",  # pl
    "Соединение с %s:%d прошло неудачно.",  # ru
    "連線至 %s：%d 失敗",  # zh (full-width colon)
    "已喪失對伺服器的連線。",  # the state before the subject
]


@pytest.mark.parametrize("text", PAIRED)
def test_a_connection_and_what_happened_to_it_name_a_network_fault(text):
    line = TUNING[text]  # a real tuning line
    assert (line.category, line.bounce_type) == ("network", "soft")
    got = explain(text)
    assert (got.category, got.bounce_type) == ("network", "soft")
    verdict = score(text)
    assert verdict is not None and verdict.confident and not verdict.strong


@pytest.mark.parametrize("text", [
    "Dieser Server unterstützt keine Authentifizierung",  # de, kmailtransport
    "le serveur ne supporte pas l'authentification",  # fr, msmtp
    "servern stöder inte autentisering",  # sv, msmtp
    "Pas d'authentificateurs disponibles",  # fr, mutt
])
def test_authentication_named_after_a_negation_is_still_the_cause(text):
    assert TUNING[text].category == "authentication"
    got = explain(text)
    assert (got.category, got.bounce_type) == ("authentication", "block")


@pytest.mark.parametrize("text", [
    "554 Transaktion fehlgeschlagen",  # a state without a connection: the reply names nothing
    "554 La transaction a échoué",
    "Zustellung fehlgeschlagen",
    "Verbindung hergestellt. Zustellung fehlgeschlagen.",  # another sentence
    "Die Verbindung wird vom Server beendet",  # a server closing it is not in the states
])
def test_a_subject_or_a_state_alone_names_no_network_fault(text):
    assert explain(text).category != "network"


def test_a_pair_never_outweighs_a_cue_that_names_the_cause():
    # the translation says "connection" for "mail action"; the exceeded space is the cause
    text = "552 Polecenie połączenia zostało przerwane: przekroczona przestrzeń dyskowa"
    assert TUNING[text].category == "mailbox-full"
    assert explain(text).category == "mailbox-full"
    assert explain("Verbindung abgebrochen: Authentifizierung fehlgeschlagen").category == "authentication"


def test_the_quick_search_knows_the_ascii_subjects():
    # ASCII text: the quick test (may_find, silence.py) must not call it silent
    assert may_find("verbindung zu mx.example:25 schlug fehl")
    got = explain("Verbindung zu mx.example:25 schlug fehl")
    assert (got.category, got.bounce_type) == ("network", "soft")


@pytest.mark.parametrize("text", [
    "Nachricht hat mehr als {} Empfänger",  # de, Mailman 3
    "El mensaje tiene más de {} destinatarios",  # es
    "消息有超过 {} 个收件人",  # zh
    "des emails vers plus de 2400 destinataires ont été envoyés depuis cette adresse email sur la "
    "période de référence",  # fr, a host's help page
])
def test_more_than_so_many_recipients_is_a_recipient_limit(text):
    assert TUNING[text].category == "rate-limit"
    got = explain(text)
    assert (got.category, got.bounce_type) == ("rate-limit", "soft")


@pytest.mark.parametrize(("text", "category"), [
    ("Die Nachricht hat mehr als 50 Empfänger", "rate-limit"),
    ("Die Nachricht an mehr als einen Empfänger ist zugestellt worden. Empfänger unbekannt",
     "mailbox-unknown"),
    ("La casella ha superato il limite consentito", "mailbox-full"),
    ("Le destinataire n'existe pas", "mailbox-unknown"),  # recipients without 'more than'
])
def test_recipient_and_mailbox_pairs_written_here(text, category):
    assert explain(text).category == category
