"""Widget-state tests (no browser): the explorer, the code map and the transcript viewer."""
from __future__ import annotations

import re
import time
from html import escape
from statistics import median
from types import SimpleNamespace

import pytest

from smtplesson import widgets
from smtplesson.codes import BASIC_CODES, ENHANCED_CODES, STRUCTURE, lookup
from smtplesson.views.palette import CLASS_STYLE

BOUNCE = (
    "host mx.example.com[203.0.113.5] said: 550-5.1.1 The email account that you tried to reach "
    "does not exist. Please try double-checking the recipient's email address for typos or "
    "unnecessary spaces. (in reply to RCPT TO command)"
)


class FakeTranscript:
    """Stands in for demo()'s Transcript where only the wiring is under test."""

    def __init__(self, code: int) -> None:
        self.code = code

    def _repr_html_(self) -> str:
        return f'<div class="fake-transcript">RCPT TO answered {self.code}</div>'


@pytest.fixture
def ex() -> widgets.Explorer:
    return widgets.explorer()


@pytest.fixture
def fake_demo(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Replace demo() by a fast fake; returns the list of codes it was called with."""
    import smtplesson.server.demos

    calls: list[int] = []

    def demo(code: int, **_options: object) -> FakeTranscript:
        calls.append(code)
        return FakeTranscript(code)

    monkeypatch.setattr(smtplesson.server.demos, "demo", demo)
    return calls


def card_text(ex: widgets.Explorer) -> str:
    """The card's visible text, roughly (tags removed, entities decoded)."""
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", " ", ex.card.value))


def match_labels(ex: widgets.Explorer) -> list[str]:
    return [b.description for b in ex.matches.children]


# --------------------------------------------------------------------------- the card


def test_typing_552_shows_its_full_card(ex: widgets.Explorer) -> None:
    info = BASIC_CODES[552]
    ex.query.value = "552"
    html, text = ex.card.value, card_text(ex)
    assert 'data-code="552"' in html
    for part in (info.title, info.meaning, info.action, info.reference, "permanent negative"):
        assert part in text, part
    for command in info.commands:
        assert command in text
    for code in info.enhanced:
        assert code in text
    if info.misreading:
        assert "Common misreading" in text and info.misreading in text
    assert ex.live_code == 552 and not ex.live_button.disabled
    assert "552" in ex.live_button.description


@pytest.mark.parametrize("code", sorted(BASIC_CODES))
def test_every_basic_code_has_a_labelled_card(ex: widgets.Explorer, code: int) -> None:
    info = BASIC_CODES[code]
    ex.query.value = str(code)
    text = card_text(ex)
    assert f'data-code="{code}"' in ex.card.value
    assert info.title in text and info.reference in text
    assert CLASS_STYLE[code // 100].label in text  # the class in words, not colour alone


def test_misreading_is_shown_when_the_registry_has_one(ex: widgets.Explorer) -> None:
    with_note = [c for c in BASIC_CODES.values() if c.misreading]
    without = [c for c in BASIC_CODES.values() if not c.misreading]
    assert with_note, "the registry should correct the vendor article somewhere"
    ex.query.value = str(with_note[0].code)
    assert "smtpl-misreading" in ex.card.value
    if without:
        ex.query.value = str(without[0].code)
        assert "smtpl-misreading" not in ex.card.value


def test_enhanced_code_card_and_its_basic_codes(ex: widgets.Explorer) -> None:
    ex.query.value = "5.2.2"
    info = ENHANCED_CODES["X.2.2"]
    assert 'data-code="5.2.2"' in ex.card.value
    assert info.title in card_text(ex)
    expected = [e for e in lookup("5.2.2") if isinstance(e.code, int)]
    assert ex.live_code == expected[0].code
    assert any(str(expected[0].code) in label for label in match_labels(ex))


def test_class_free_enhanced_code(ex: widgets.Explorer) -> None:
    ex.query.value = "X.1.1"
    assert "smtpl-enhanced-card" in ex.card.value
    assert ENHANCED_CODES["X.1.1"].title in card_text(ex)


@pytest.mark.parametrize("words", ["greylisting", "mailbox full", "too many recipients"])
def test_words_show_the_best_lookup_match_first(ex: widgets.Explorer, words: str) -> None:
    found = lookup(words)
    assert found, f"the registry should know {words!r}"
    ex.query.value = words
    assert f'data-code="{found[0].code}"' in ex.card.value
    assert len(ex.matches.children) == min(len(found) - 1, widgets.MATCH_SLOTS)


def test_a_pasted_bounce_is_explained(ex: widgets.Explorer) -> None:
    from smtplesson.codes.explanation import explain

    expected = explain(BOUNCE)
    assert expected.found and expected.code == 550 and expected.enhanced == "5.1.1"
    ex.query.value = BOUNCE
    html, text = ex.card.value, card_text(ex)
    assert "smtpl-explanation" in html
    assert f'data-category="{expected.category}"' in html
    assert f'data-outcome="{expected.outcome}"' in html
    assert expected.advice in text and expected.summary in text
    assert BASIC_CODES[550].title in text  # the code's own card follows the explanation
    assert ex.live_code == 550


def test_inconsistency_notes_are_shown(ex: widgets.Explorer) -> None:
    from smtplesson.codes.explanation import explain

    line = "450 5.1.1 <bob@example.net>: Recipient address rejected: User unknown"
    expected = explain(line)
    ex.query.value = line
    for note in expected.notes:
        assert escape(note) in ex.card.value
    assert expected.notes, "a 4xx with a 5.x.x enhanced code should carry a note"


# --------------------------------------------------------------------------- matches and filters


def test_clicking_a_match_shows_it_and_keeps_the_query(ex: widgets.Explorer) -> None:
    ex.query.value = "mailbox full"
    first = ex.current
    button = ex.matches.children[0]
    target = button._entry
    button.click()
    assert ex.query.value == "mailbox full"
    assert ex.current is target
    assert f'data-code="{target.code}"' in ex.card.value
    assert any(str(first.code) in label for label in match_labels(ex))  # the previous one is now listed


def test_filters_hide_classes(ex: widgets.Explorer) -> None:
    ex.query.value = "mailbox"
    classes = {widgets._entry_class(e).pop() for e in ex.results if isinstance(e.code, int)}
    assert {4, 5} <= classes, "a broad query should match both 4xx and 5xx codes"
    ex.filter_buttons[4].value = False
    assert ex.filter_buttons[4].icon == ""
    assert not any(isinstance(e.code, int) and e.code // 100 == 4 for e in ex.results)
    for button in ex.filter_buttons.values():
        button.value = False
    assert "smtpl-message" in ex.card.value and "other classes" in card_text(ex)
    assert ex.live_button.disabled
    ex.filter_buttons[5].value = True
    assert ex.results and all(5 in widgets._entry_class(e) for e in ex.results)


def test_filter_labels_name_the_class() -> None:
    ex = widgets.explorer()
    for digit, button in ex.filter_buttons.items():
        assert CLASS_STYLE[digit].short in button.description
        assert CLASS_STYLE[digit].label in button.tooltip


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "Type a code"),
        ("   ", "Type a code"),
        ("999", "not an SMTP reply code"),
        ("123", "not an SMTP reply code"),
        ("abc", "Nothing matches"),
        ("5.99.99", "not a registered enhanced status code"),
        ("\x00\x07\x1b", "Only control or unreadable characters"),
        ("55\x002", "1 control or unreadable character ignored"),
        ("x" * 10_240, "10,240 characters"),
        ("\ud800", "unreadable characters"),
    ],
)
def test_bad_input_gets_a_kind_message(ex: widgets.Explorer, raw: str, expected: str) -> None:
    ex.query.value = raw
    text = card_text(ex)
    assert expected in text
    assert "Traceback" not in text and "Sorry" not in text


def test_control_characters_inside_a_code_are_dropped(ex: widgets.Explorer) -> None:
    ex.query.value = "55\x002"
    assert 'data-code="552"' in ex.card.value


def test_a_partial_code_shows_the_codes_it_starts(ex: widgets.Explorer) -> None:
    ex.query.value = "55"
    assert "550" in card_text(ex)
    assert [b.description.split()[1] for b in ex.matches.children] == [
        "551", "552", "553", "554", "555", "556"]
    ex.query.value = "59"
    assert "keep typing" in card_text(ex)


def test_html_in_the_input_is_escaped(ex: widgets.Explorer) -> None:
    ex.query.value = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
    assert "<script>" not in ex.card.value and "<img" not in ex.card.value
    ex.query.value = "550 5.1.1 <script>alert(1)</script> user unknown"
    assert "<script>" not in ex.card.value


def test_ten_kilobytes_of_log_are_quick(ex: widgets.Explorer) -> None:
    blob = ("Oct  3 10:00:01 mx postfix/smtp[123]: to=<a@example.net>, status=deferred "
            "(host said: 451 4.7.1 Greylisted, try again)\n") * 80
    start = time.process_time()  # CPU time: other processes on a busy machine do not count
    ex.query.value = blob
    assert time.process_time() - start < 0.5
    assert "characters" in card_text(ex)


def test_a_failing_model_becomes_a_message(ex: widgets.Explorer, monkeypatch: pytest.MonkeyPatch) -> None:
    import smtplesson.codes.search

    def broken(_query: str) -> list[object]:
        raise RuntimeError("registry on fire")

    monkeypatch.setattr(smtplesson.codes.search, "lookup", broken)
    ex.query.value = "552"  # must not raise
    assert "something went wrong" in card_text(ex) and "registry on fire" in card_text(ex)


# --------------------------------------------------------------------------- show me live


def test_show_me_live_runs_demo_and_shows_the_transcript(ex: widgets.Explorer, fake_demo: list[int]) -> None:
    ex.query.value = "552"
    ex.live_button.click()
    assert fake_demo == [552]
    assert "fake-transcript" in ex.live_output.value
    assert not ex.live_button.disabled
    ex.query.value = "451"
    assert ex.live_output.value == ""  # an old transcript never sits under a new card


def test_enter_in_the_input_runs_the_live_demo(ex: widgets.Explorer, fake_demo: list[int]) -> None:
    ex.query.value = "421"
    ex.query._handle_custom_msg({"event": "submit"}, [])
    assert fake_demo == [421]
    ex.query.value = "abc"
    ex.query._handle_custom_msg({"event": "submit"}, [])
    assert fake_demo == [421]  # nothing to show: Enter does nothing


def test_live_button_disabled_without_a_code(ex: widgets.Explorer) -> None:
    assert ex.live_button.disabled
    ex.query.value = "999"
    assert ex.live_button.disabled and ex.live_code is None


def test_demo_unavailable_is_a_plain_message(ex: widgets.Explorer, monkeypatch: pytest.MonkeyPatch) -> None:
    import smtplesson.server.demos

    def unavailable(code: int, **_options: object) -> None:
        raise smtplesson.server.demos.DemoUnavailable(f"{code} needs a real network")

    monkeypatch.setattr(smtplesson.server.demos, "demo", unavailable)
    ex.query.value = "552"
    ex.live_button.click()
    assert "cannot be shown live" in ex.live_output.value and "needs a real network" in ex.live_output.value


def test_demo_crash_is_a_plain_message(ex: widgets.Explorer, monkeypatch: pytest.MonkeyPatch) -> None:
    import smtplesson.server.demos

    def crash(code: int, **_options: object) -> None:
        raise OSError("no loopback")

    monkeypatch.setattr(smtplesson.server.demos, "demo", crash)
    ex.query.value = "552"
    ex.live_button.click()
    assert "did not work" in ex.live_output.value and "no loopback" in ex.live_output.value
    assert not ex.live_button.disabled


def test_show_me_live_for_real() -> None:
    """A real conversation with a local DebugServer, shown under the card."""
    from smtplesson.server.demos import demo

    ex = widgets.explorer("550")
    ex.live_button.click()
    expected = demo(550)
    assert "550" in ex.live_output.value
    assert any(line.code == 550 for line in expected.lines)
    assert type(expected)._repr_html_ is not None and "smtpl-message" not in ex.live_output.value


# --------------------------------------------------------------------------- code map


def test_code_map_has_every_basic_code_labelled() -> None:
    cmap = widgets.code_map()
    assert set(cmap.buttons) == set(BASIC_CODES)
    for code, button in cmap.buttons.items():
        style = CLASS_STYLE[code // 100]
        assert str(code) in button.description and style.symbol in button.description
        assert style.label in button.tooltip and BASIC_CODES[code].title in button.tooltip
        assert button.style.button_color == style.bg


def test_code_map_groups_by_class_and_second_digit() -> None:
    cmap = widgets.code_map()
    seconds = sorted({int(d) for d in STRUCTURE["second_digit"]} | {c // 10 % 10 for c in BASIC_CODES})
    headers = cmap.grid.children[1 : 1 + len(seconds)]
    for digit, header in zip(seconds, headers, strict=True):
        assert f"x{digit}z" in header.value and STRUCTURE["second_digit"][str(digit)]["name"] in header.value
    width = 1 + len(seconds)
    rows = [cmap.grid.children[i : i + width] for i in range(width, len(cmap.grid.children), width)]
    assert len(rows) == len(CLASS_STYLE)
    for first, row in zip(sorted(CLASS_STYLE), rows, strict=True):
        assert CLASS_STYLE[first].label in row[0].value
        for second, cell in zip(seconds, row[1:], strict=True):
            codes = sorted(int(b.description.split()[1]) for b in cell.children)
            assert codes == sorted(c for c in BASIC_CODES if c // 100 == first and c // 10 % 10 == second)


def test_clicking_the_map_opens_the_code_in_its_explorer() -> None:
    cmap = widgets.code_map()
    assert cmap.explorer in cmap.children
    cmap.buttons[451].click()
    assert cmap.explorer.query.value == "451"
    assert 'data-code="451"' in cmap.explorer.card.value


def test_code_map_linked_to_an_existing_explorer(ex: widgets.Explorer) -> None:
    cmap = widgets.code_map(ex)
    assert ex not in cmap.children  # not embedded twice
    cmap.buttons[552].click()
    assert ex.query.value == "552" and 'data-code="552"' in ex.card.value


# --------------------------------------------------------------------------- transcript viewer


def test_transcript_viewer_steps_through_a_real_session() -> None:
    from smtplesson.server.demos import demo

    transcript = demo(250)
    viewer = widgets.transcript_viewer(transcript)
    total = len(transcript.lines)
    assert viewer.step.max == total and viewer.step.value == total
    full = viewer.picture.value
    assert full and "smtpl-message" not in full
    viewer.step.value = 1
    first = viewer.picture.value
    assert first != full and len(first) < len(full)
    assert transcript.lines[0].text[:3] in first  # the greeting
    assert "221" not in first and "221" in full  # ...but not the goodbye yet


def test_transcript_viewer_survives_a_bad_object() -> None:
    viewer = widgets.transcript_viewer(SimpleNamespace(lines=()))  # no _repr_html_
    assert "cannot be shown" in viewer.picture.value


# --------------------------------------------------------------------------- speed (kernel side)


def test_an_update_is_fast_in_the_kernel(ex: widgets.Explorer) -> None:
    inputs = [str(c) for c in BASIC_CODES] + ["5.1.1", "greylisting", "mailbox full", BOUNCE]
    times = []
    for text in inputs * 3:
        ex.query.value = ""
        start = time.process_time()  # CPU time: other processes on a busy machine do not count
        ex.query.value = text
        times.append(time.process_time() - start)
    assert median(times) < 0.02, f"median {median(times) * 1000:.1f} ms of CPU per update"


# --------------------------------------------------------------------------- whole bounce mails
BOUNCES = __import__("pathlib").Path(__file__).parents[1] / "unit" / "data" / "bounces"


def test_a_pasted_bounce_mail_shows_a_card_per_recipient(ex: widgets.Explorer) -> None:
    ex.mail.value = (BOUNCES / "exim" / "unknown-user-two.eml").read_text()
    assert ex.bounce.kind == "dsn" and ex.bounce.format == "exim"
    html = ex.bounce_card.value
    assert html.count("smtpl-bounce-recipient") == 2
    assert "nobody@unknown-user-two.test" in html and "ghost@unknown-user-two.test" in html
    ex.mail.value = ""
    assert ex.bounce is None and ex.bounce_card.value == ""


def test_an_uploaded_eml_is_read(ex: widgets.Explorer) -> None:
    import datetime

    content = (BOUNCES / "documented" / "gmail-address-not-found.eml").read_bytes()
    ex.upload.value = ({"name": "gmail.eml", "type": "message/rfc822", "size": len(content),
                        "content": memoryview(content), "last_modified": datetime.datetime.now()},)
    assert ex.bounce.format == "gmail"
    assert "gmail.eml" in ex.bounce_card.value and "musaib.example@gmail.com" in ex.bounce_card.value


def test_a_whole_mail_in_the_lookup_box_is_read_as_a_bounce(ex: widgets.Explorer) -> None:
    ex.query.value = (BOUNCES / "postfix" / "mailbox-full.eml").read_text()
    assert "whole mail" in ex.card.value
    assert ex.bounce.recipients[0].status == "5.2.2"


def test_ordinary_mail_and_garbage_say_so(ex: widgets.Explorer) -> None:
    ex.mail.value = "From: a@example.org\nSubject: hi\n\nhello"
    assert ex.bounce.kind == "not-a-bounce" and "Not a bounce" in ex.bounce_card.value
    ex.show_bounce(b"\x00\xff" * 5000)
    assert "binary" in ex.bounce_card.value
