"""The instructor's view: self-checks record attempts (only when asked) and a class report over a
synthetic class of 60 names the misconceptions, completion and who is stuck."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from smtplesson import check
from smtplesson.cli import main
from smtplesson.course import record
from smtplesson.course.report import class_report

pytestmark = pytest.mark.unit

RIGHT_05 = {"A": ("hard", True), "B": ("soft", False), "C": ("block", False), "D": ("soft", False),
            "E": ("none", False)}
RIGHT_04 = {key: case.answer for key, case in check.lesson_04.RETRY_OR_ACT.items()}
WRONG_E = "sender" if RIGHT_04["E"] == "time" else "time"  # a full mailbox only needs time


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SMTPLESSON_RECORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    monkeypatch.setattr(record, "_counts", {})


def _lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / record.FILE).read_text().splitlines()]


def test_nothing_is_recorded_unless_asked(tmp_path: Path) -> None:
    assert check.bounce_types(RIGHT_05)
    assert not list(tmp_path.rglob(record.FILE))


def test_an_attempt_is_recorded_with_its_items_and_prints_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = {**RIGHT_05, "C": ("hard", True)}
    check.bounce_types(wrong)
    unrecorded = capsys.readouterr().out
    monkeypatch.setenv("SMTPLESSON_RECORD", "1")
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    assert not check.bounce_types(wrong)
    assert capsys.readouterr().out == unrecorded  # recording changes nothing a learner sees
    assert check.bounce_types(RIGHT_05)
    lines = _lines(tmp_path / "home" / ".local" / "share" / "smtplesson")
    whole = [line for line in lines if line["item"] is None]
    assert [(w["attempt"], w["right"]) for w in whole] == [(1, False), (2, True)]
    c = next(line for line in lines if line["item"] == "C" and line["attempt"] == 1)
    assert c["learner"] == "ada" and c["lesson"] == "05" and c["exercise"] == "bounce_types"
    assert (c["answer"], c["expected"], c["right"]) == ("hard", "block", False)
    assert c["text"].startswith("MAIL FROM · Action: failed · Status: 5.7.25")


def test_an_unwritable_folder_never_breaks_a_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SMTPLESSON_RECORD", str(blocker / "sub"))
    assert check.bounce_types(RIGHT_05)


def _synthetic_class(monkeypatch: pytest.MonkeyPatch, root: Path, size: int = 60) -> None:
    """60 learners: two thirds read Gmail's 5.7.25 PTR refusal as a hard bounce at first,
    a quarter think a full mailbox needs the sender to act, and five never get lesson 04 right."""
    for n in range(size):
        monkeypatch.setenv("SMTPLESSON_RECORD", str(root / f"learner{n:02d}"))
        monkeypatch.setenv("JUPYTERHUB_USER", f"learner{n:02d}")
        monkeypatch.setattr(record, "_counts", {})
        if n % 3 != 0:
            check.bounce_types({**RIGHT_05, "C": ("hard", True)})
        check.bounce_types(RIGHT_05)
        if n < 5:
            for _ in range(3):
                check.retry_or_act({**RIGHT_04, "E": WRONG_E})
        elif n < 15:
            check.retry_or_act({**RIGHT_04, "E": WRONG_E})
            check.retry_or_act(RIGHT_04)
        else:
            check.retry_or_act(RIGHT_04)


def test_the_class_report_names_misconceptions_completion_and_who_is_stuck(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _synthetic_class(monkeypatch, tmp_path / "class")
    with (tmp_path / "class" / "learner00" / record.FILE).open("a") as out:
        out.write("garbage\n{}\n")
    report = class_report([tmp_path / "class"])
    assert len(report.learners) == 60 and report.skipped == 2
    top = report.misconceptions()
    c = next(m for m in top if (m.exercise, m.item) == ("bounce_types", "C"))
    assert (c.answer, c.expected, c.learners, c.of) == ("hard", "block", 40, 60)
    assert "5.7.25" in str(c) and "40 of 60 said 'hard', not 'block'" in str(c)
    e = next(m for m in top if (m.exercise, m.item) == ("retry_or_act", "E"))
    assert (e.answer, e.learners) == (WRONG_E, 15)
    assert top.index(c) < top.index(e)  # the most shared first
    completion = report.completion()
    assert completion["05"] == (60, 60) and completion["04"] == (55, 60)
    assert [(p.learner, p.exercise, p.attempts) for p in report.stuck()] == [
        (f"learner{n:02d}", "retry_or_act", 3) for n in range(5)]
    text = report.text()
    assert "Class report: 60 learners (2 unreadable lines skipped)" in text
    assert "learner03: retry_or_act (lesson 04), 3 attempts" in text


def test_the_command_prints_the_report_and_writes_csv(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _synthetic_class(monkeypatch, tmp_path / "class", size=6)
    out_csv = tmp_path / "class.csv"
    assert main(["class-report", str(tmp_path / "class"), "--csv", str(out_csv)]) == 0
    assert "Class report: 6 learners" in capsys.readouterr().out
    rows = list(csv.DictReader(out_csv.read_text().splitlines()))
    assert len(rows) == 12 and {r["exercise"] for r in rows} == {"bounce_types", "retry_or_act"}
    assert main(["class-report", str(tmp_path / "nothing-here")]) == 2
