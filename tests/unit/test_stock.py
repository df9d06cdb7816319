"""A reply code's own stock text adds no evidence beyond the code (codes/stock.py).

RFC 5321 §4.2: the text after a reply code is for the human user; §4.2.2-4.2.3 give each
code its text ("503 Bad sequence of commands").  RFC 3463 §3 gives each enhanced code its
title ("X.5.1 Invalid command").  The words a server adds to that text name the cause when
they name one; when nothing else is said, the code (with its text) decides as before.
"""
from __future__ import annotations

import pytest

from smtplesson import explain
from smtplesson.codes.registry import BASIC_CODES, ENHANCED_CODES
from smtplesson.codes.stock import stock_phrases, without_stock


def test_phrases_come_from_both_registries() -> None:
    # RFC 5321 §4.2.3 (503) and RFC 3463 §3.6 (X.5.1)
    assert stock_phrases(503, "5.5.1") == ("bad sequence of commands", "invalid command")


def test_placeholders_and_notes_are_not_stock() -> None:
    # "<domain> Service not available, closing transmission channel" (RFC 5321 §4.2.3):
    # the domain is the server's, the rest is stock
    assert stock_phrases(421, None) == ("service not available, closing transmission channel",)
    # 554's connection-opening text is stock of its own (RFC 5321 §4.2.3)
    assert set(stock_phrases(554, None)) == {"transaction failed", "no smtp service here"}
    # "User not local; please try <forward-path>": "please try" is any server's words
    assert stock_phrases(551, None) == ("user not local",)


def test_unknown_codes_have_no_stock_text() -> None:
    assert stock_phrases(599, "5.9.9") == ()
    assert stock_phrases(None, None) == ()


def test_a_text_that_picks_one_of_a_codes_meanings_is_evidence() -> None:
    # 454 "TLS not available / temporary authentication failure" (RFC 3207 §4, RFC 4954 §6),
    # 530 "Authentication required / must issue STARTTLS first" (RFC 4954 §6, RFC 3207 §4)
    assert stock_phrases(454, None) == stock_phrases(530, None) == ()
    assert explain("530 5.7.1 Authentication required to relay").category == "relay-denied"


def test_every_registered_code_of_one_meaning_has_a_phrase() -> None:
    for code, entry in BASIC_CODES.items():
        assert stock_phrases(code, None) or " / " in entry.title, code
    for key in ENHANCED_CODES:
        assert stock_phrases(None, "5" + key[1:]), key


def test_masking_leaves_the_added_words() -> None:
    low = "503 5.5.1 bad sequence of commands (already authenticated)"
    assert without_stock(low, 503, "5.5.1") == "503 5.5.1 ;  (already authenticated)"
    plain = "550 5.7.1 rejected by policy"
    assert without_stock(plain, 550, "5.7.1") is plain  # nothing masked: the same string


@pytest.mark.parametrize(("line", "category"), [
    # the added words name the cause: RFC 4954 §4 (AUTH after AUTH), RFC 3207 §4 (STARTTLS twice)
    ("503 5.5.1 Bad sequence of commands (already authenticated)", "authentication"),
    ("503 Bad sequence of commands: you are already authenticated.", "authentication"),
    ("503 5.5.1 Bad sequence of commands (TLS already in use)", "tls"),
])
def test_added_words_decide(line: str, category: str) -> None:
    assert explain(line).category == category


@pytest.mark.parametrize(("line", "category"), [
    # nothing is added: the code and its own text decide, as without the mask
    ("503 Bad sequence of commands", "syntax"),
    ("421 Service not available, closing transmission channel", "server-shutdown"),
    ("454 4.7.0 Temporary authentication failure", "authentication"),
])
def test_stock_text_alone_keeps_the_codes_meaning(line: str, category: str) -> None:
    assert explain(line).category == category
