"""The queue shift's tickets (notebook 10) and the lab's mysteries (08): novel, keyed, drawable.

A ticket or a mystery is only a test of transfer if no lesson shows it: these tests scan every
lesson 00-08 (source, learner and solution notebooks with their outputs) for each ticket's
evidence and for each reply line in it, and for each lab mystery's reply in the lessons 00-07.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from smtplesson import check
from smtplesson.course import lab as lab_module
from smtplesson.course.queue import ACTIONS, KINDS, Shift, draw, tickets

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
TICKETS = tickets()
#: an SMTP reply with an enhanced code, up to "(in reply to", a quote or the end of the line
REPLY = re.compile(r"\b[245]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\b([^\n\"]*?)(?=\(in reply to|\"|'(?=\s|$|\))|$)",
                   re.MULTILINE)
IP = re.compile(r"\[?\b\d{1,3}(?:\.\d{1,3}){3}\b\]?|\[?[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\]?")


def _norm(text: str) -> str:
    text = IP.sub("[ip]", text.lower())
    text = re.sub(r"\b[245]\d\d[ -](?=[245]\.\d)", "", text)  # Gmail/Postfix continuation prefixes
    return " ".join(text.split())


def _lesson_text(numbers: range) -> str:
    parts = []
    for number in numbers:
        for src in (NOTEBOOKS / "src").glob(f"{number:02d}-*.md"):
            parts.append(src.read_text(encoding="utf-8"))
        for path in [*NOTEBOOKS.glob(f"{number:02d}-*.ipynb"),
                     *(NOTEBOOKS / "solutions").glob(f"{number:02d}-*.ipynb")]:
            for cell in nbformat.read(path, as_version=4).cells:
                parts.append(cell.source)
                for out in cell.get("outputs", []):
                    parts.append(out.get("text", ""))
                    parts.extend(v for v in out.get("data", {}).values() if isinstance(v, str))
    return _norm("\n".join(parts))


def replies(text: str) -> list[str]:
    """The reply lines in a text (normalised), long enough to be recognisable."""
    out = [_norm(m.group(0)) for m in REPLY.finditer(text)]
    return [r for r in out if len(r) >= 24]


@pytest.fixture(scope="module")
def lessons() -> str:
    return _lesson_text(range(0, 9))


def test_the_pool_is_big_and_varied() -> None:
    assert len(TICKETS) >= 40
    kinds = {t.kind for t in TICKETS}
    assert kinds == set(KINDS) and len(kinds) >= 6
    for kind in KINDS:
        assert sum(t.kind == kind for t in TICKETS) >= 3, kind
    assert len({t.id for t in TICKETS}) == len(TICKETS)
    assert {t.action for t in TICKETS} == set(ACTIONS), "every action is the right one somewhere"


@pytest.mark.parametrize("ticket", TICKETS, ids=[t.id for t in TICKETS])
def test_each_ticket_is_keyed_and_sourced(ticket) -> None:
    assert ticket.action in ACTIONS and set(ticket.also) <= set(ACTIONS)
    assert ticket.tokens and all(tok.lower() in ticket.evidence.lower() for tok in ticket.tokens)
    assert ticket.evidence_right(ticket.tokens[0])
    assert not ticket.missing_facts(ticket.model), "the model reply has every fact"
    assert set(ticket.facts) == {"who", "why", "do"}
    assert re.search(r"https?://|RFC \d+|Postfix|Exim|qmail|sendmail|Gmail|Exchange", ticket.source)
    assert ticket.hint and ticket.why


@pytest.mark.parametrize("ticket", TICKETS, ids=[t.id for t in TICKETS])
def test_no_lesson_shows_a_ticket(ticket, lessons: str) -> None:
    assert _norm(ticket.evidence) not in lessons
    for reply in replies(ticket.evidence):
        assert reply not in lessons, f"a lesson 00-08 shows {ticket.id}'s reply: {reply}"


def test_a_reply_that_does_not_say_whether_to_suppress_fails() -> None:
    hard = next(t for t in TICKETS if t.suppress is True)
    block = next(t for t in TICKETS if t.suppress is False)
    assert "suppress" in block.missing_facts("The server refused it. Remove the address.")
    assert "suppress" in hard.missing_facts("The server refused it. Do not remove the address.")


def test_draws_are_per_learner_stable_and_cover_every_kind() -> None:
    first, again, other = draw("ann"), draw("ann"), draw("bo")
    assert [t.id for t in first] == [t.id for t in again]
    assert [t.id for t in first] != [t.id for t in other]
    for name in ("ann", "bo", "learner", "chidi", "dana"):
        drawn = draw(name)
        assert 12 <= len(drawn) <= 15 and len({t.id for t in drawn}) == len(drawn)
        assert {t.kind for t in drawn} == set(KINDS)
    assert len(draw("ann", 15)) == 15


def _run(func, *args):
    import io
    from contextlib import redirect_stdout
    buf = io.StringIO()
    with redirect_stdout(buf):
        ok = func(*args)
    return ok, buf.getvalue()


def test_no_feedback_until_every_ticket_is_answered() -> None:
    shift = Shift("ann")
    answers = shift.model_answers()
    answers[2] = {"action": "suppress", "evidence": "x", "reply": "wrong"}
    del answers[5]
    ok, text = _run(check.queue_shift, answers, shift)
    assert not ok and "11 of 12" in text and "ticket 2" not in text


def test_a_hint_only_from_the_second_wrong_try() -> None:
    shift = Shift("ann")
    answers = shift.model_answers()
    wrong = next(a for a in ACTIONS if not shift.ticket(3).action_right(a))
    answers[3] = {**answers[3], "action": wrong}
    ok, first = _run(check.queue_shift, answers, shift)
    assert not ok and "ticket 3" in first and "Hint:" not in first
    assert "Score per skill: action 11/12 · evidence 12/12 · reply 12/12" in first
    ok, second = _run(check.queue_shift, answers, shift)
    assert "Hint: " + shift.ticket(3).hint in second


def test_the_model_answers_close_every_shift() -> None:
    for name in ("ann", "bo", "learner"):
        shift = Shift(name)
        ok, text = _run(check.queue_shift, shift.model_answers(), shift)
        assert ok, text


# --------------------------------------------------------------------------- the lab


def test_no_lab_mystery_is_a_lesson_item() -> None:
    shown = _lesson_text(range(0, 8))
    for number in lab_module.MYSTERIES:
        for text in lab_module.mystery_replies(number):
            for reply in replies(text) or [_norm(text)]:
                assert reply not in shown, f"mystery {number} is shown in a lesson: {reply}"


def test_no_lab_mystery_is_a_ticket() -> None:
    pool = _norm("\n".join(t.evidence for t in TICKETS))
    for number in lab_module.MYSTERIES:
        for text in lab_module.mystery_replies(number):
            for reply in replies(text):
                assert reply not in pool, f"mystery {number} is also a ticket"


def test_the_lab_asks_for_varied_commands() -> None:
    commands = [key["command"] for key in lab_module.KEY.values()]
    assert len(set(commands)) >= 4 and "not shown" in commands
    assert {"CONNECT", "MAIL FROM", "END-OF-DATA"} <= set(commands)


def test_lab_helpers_find_their_files_from_any_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMTPLESSON_BOUNCES", raising=False)
    assert lab_module.bounce_file("postfix-unknown-user").human_text
    assert lab_module.mta_bounces() and lab_module.provider_bounces()
    assert "(#5.1.1)" in lab_module.Lab().bounce(6).human_text


def test_the_first_output_names_postfix_once() -> None:
    """Review N10: the first read_bounce a learner sees said 'Postfix: Postfix:'."""
    from smtplesson import read_bounce

    text = str(read_bounce(lab_module.bounce_file("postfix-unknown-user").path))
    assert "Postfix: Postfix:" not in text and "Postfix: the recipient" in text


def test_the_relay_gives_up_as_postfix_writes_it() -> None:
    """Review N14: on expiry Postfix keeps the last transient status (4.4.1 for no answer)."""
    from smtplesson import MailNetwork, read_bounce

    with MailNetwork(retry={"lifetime": 3600}) as net:
        net.send("alice@example.com", "frank@example.org")  # its MX refuses connections
        report = read_bounce(net.dsns("alice@example.com")[0])
        frank = next(r for r in report.recipients if r.address == "frank@example.org")
        assert (frank.action, frank.status) == ("failed", "4.4.1")
