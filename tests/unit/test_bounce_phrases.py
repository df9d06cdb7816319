"""``bounces.phrases``: text lower-cased gives the answers of ``re.IGNORECASE`` wherever
:func:`foldable` says so: checked on every code point, and on texts that mix ASCII, accents,
other scripts and the three letters the two read apart."""
from __future__ import annotations

import re
import string
import sys

from hypothesis import example, given
from hypothesis import strategies as st

from smtplesson.bounces import readers, rfc3464
from smtplesson.bounces.phrases import APART, Folded, Phrases, foldable, lower, may_match

#: every code point but the surrogates
CHARS = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
EVERY = "".join(CHARS)


def test_lower_and_ignorecase_read_every_other_code_point_alike():
    # each code point stays one, but for the first of APART
    assert [c for c in CHARS if len(c.lower()) != 1] == [APART[0]]
    lowered = "".join(c if c in APART else c.lower() for c in CHARS)
    apart = {EVERY.index(c) for c in APART}
    # the classes a pattern may use keep their members (their complements too: \W, [^a-z]; \b by \w)
    for cls in (r"\w", r"\s", r"\d", "[a-z]"):
        found = {m.start() for m in re.finditer(cls, EVERY, re.I)}
        assert found - apart == {m.start() for m in re.finditer(cls, lowered)} - apart, cls
    # an ASCII letter, with re.IGNORECASE, matches what it matches lower-cased (the code points
    # it matches, [a-z] with re.IGNORECASE matches: just above, lower-cased into [a-z])
    for at in {m.start() for m in re.finditer("[a-z]", EVERY, re.I)} - apart:
        assert [a for a in string.ascii_lowercase if re.fullmatch(a, EVERY[at], re.I)] == [lowered[at]]
    assert not foldable("Istanbul \u0130stanbul") and not foldable("d\u0131\u017f")
    assert foldable("Grüße, Ωμέγα, 東京")


ALPHABET = st.sampled_from(list("aAiIsSkK -:.@é\u00c9ßΣσςДд東\u212a\u1c80") + list(APART))
PHRASES = Phrases("mail system at host", "Will keep trying", "über", "Служба")
FIELD = Folded(r"^[ \t]*(final-recipient|status)[ \t]*:[ \t]*(.*)", re.M)
FOLDED_NON_ASCII = Folded(r"(?:generierender server:|формирующий сервер:)\s*([\w.-]+\w)")
ANCHORED = Folded(r"(?:generierender server:|формирующий сервер:)\s*([\w.-]+\w)", anchors="ф")


@given(st.lists(st.one_of(ALPHABET, st.sampled_from(["Mail System at HOST", "will keep TRYING", "ÜBER",
                                                    "СЛУЖБА", "Final-Recipient: ", "\nSTATUS:", "\n",
                                                    "Generierender Server: ", "ФОРМИРУЮЩИЙ СЕРВЕР: "])),
                max_size=30).map("".join))
@example("MAIL \u017fYSTEM AT HOST")
@example("\u00e9 MAIL SYSTEM AT HOST")
@example("\u6771 MAIL SYSTEM AT HOST")
@example("\u6771 WILL \u212aEEP TRYING")
@example("é ФОРМИРУЮЩИЙ СЕРВЕР: mx.example")
@example("é Ф\u1c82РМИРУЮЩИЙ СЕРВЕР: mx.example")  # U+1C82: a Cyrillic o for re.IGNORECASE
@example("a\n\u017fTATUS: 5.1.1")
@example("F\u0131NAL-RECIPIENT: x")
@example("\u0130 Final-Recipient: b")
def test_the_fast_answers_are_ignorecases(text):
    low = text.lower()
    assert PHRASES.search(text) == (PHRASES.pattern.search(text) is not None)
    assert PHRASES.search(text, low) == (PHRASES.pattern.search(text) is not None)
    for folded in (FIELD, FOLDED_NON_ASCII, ANCHORED):
        pattern, searched = folded.target(text)
        fast = [(m.span(1), m.span(2) if m.re.groups > 1 else None) for m in pattern.finditer(searched)]
        slow = [(m.span(1), m.span(2) if m.re.groups > 1 else None) for m in folded.folded.finditer(text)]
        assert fast == slow
        needles = ("final-recipient", "status") if folded is FIELD \
            else ("generierender server:", "формирующий сервер:")
        if slow:
            assert may_match(text, low, needles)


@given(st.text(st.characters(max_codepoint=0x17F)))
def test_lower_is_str_lower(text):
    assert lower(text) == text.lower()
    assert lower("".join(map(chr, range(256)))) == "".join(map(chr, range(256))).lower()


def test_anchors_are_matched_by_their_two_cases_only():
    anchored = [readers._REPORTING, ANCHORED]
    for folded in anchored:
        for anchor in folded.anchors:
            assert {m.group() for m in re.finditer(re.escape(anchor), EVERY, re.I)} == \
                {anchor.lower(), anchor.upper()}, anchor
    # each mark that is not ASCII holds an anchor
    for mark in readers._REPORTING_MARKS:
        assert mark.isascii() or any(anchor in mark for anchor in readers._REPORTING.anchors), mark


def test_the_field_names_part_holds_what_ignorecase_reads_for_each_letter():
    # rfc3464._MARK_PART: each letter's class is what re.IGNORECASE matches it with
    pattern = rfc3464._MARK_PART.pattern
    classes = re.findall(r"\[([^]]+)\]", pattern)
    assert pattern.startswith("-") and len(classes) == len("recipient")
    for letter, members in zip("recipient", classes, strict=True):
        assert set(re.findall(letter, EVERY, re.I)) == set(members), letter
    assert all(phrase.endswith("-recipient") for phrase in rfc3464._MARK.phrases)


MARK_PIECES = ["Final-Recipient", "ORIGINAL-RECIPIENT", "-rec\u0131pient", "F\u0130NAL-REC\u0130P\u0130ENT",
               "-", "ipient"]


@given(st.lists(st.one_of(ALPHABET, st.sampled_from(MARK_PIECES)), max_size=20).map("".join))
def test_a_text_without_the_part_has_no_field_name(text):
    if rfc3464._MARK_PART.search(text) is None:
        assert not rfc3464._MARK.search(text)
