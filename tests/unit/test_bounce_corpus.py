"""The corpus of real bounce mails (tests/corpus/bounces/): every mail indexed with its origin and
licence, split by whole families with the frozen rule, none from the reserved Sisimai corpus, and
the tuning mails read as frozen after review (a regression in the reader fails here)."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "mining"))
from bounce_corpus import reading  # noqa: E402
from corpus_split import split_of  # noqa: E402

CORPUS = ROOT / "tests" / "corpus" / "bounces"
INDEX = [json.loads(row) for row in (CORPUS / "index.jsonl").read_text().splitlines()]
EXPECTED: dict[str, list[list[object]]] = json.loads((CORPUS / "tuning" / "expected.json").read_text())


def test_every_mail_is_indexed_with_its_origin_and_licence():
    files = {str(p.relative_to(CORPUS)) for split in ("tuning", "heldout")
             for p in (CORPUS / split).glob("*/*")}
    assert files == {row["file"] for row in INDEX}
    assert len(files) >= 350
    assert all(row["origin"] and row["licence"] and row["source_id"] for row in INDEX)


def test_the_split_is_the_frozen_rule_by_whole_family():
    for row in INDEX:
        assert row["split"] == split_of(row["source_id"]) == row["file"].split("/")[0]
    tuning = {row["source_id"] for row in INDEX if row["split"] == "tuning"}
    heldout = {row["source_id"] for row in INDEX if row["split"] == "heldout"}
    assert not tuning & heldout
    assert len(heldout) >= len(tuning | heldout) // 5


def test_no_mail_comes_from_the_reserved_sisimai_corpus():
    for row in INDEX:
        assert not re.search(r"(lhost|rhost|email)-.*\.eml$|set-of-emails|sisimai", row["origin"], re.I)
        assert not re.search(rb"sisimai|bouncehammer", (CORPUS / row["file"]).read_bytes(), re.I)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tuning_mails_are_read_as_reviewed(name):
    assert reading(CORPUS / "tuning" / name) == EXPECTED[name]


def test_every_tuning_mail_has_a_frozen_reading():
    assert set(EXPECTED) == {str(p.relative_to(CORPUS / "tuning")) for p in (CORPUS / "tuning").glob("*/*")}
