"""The printable triage card is what tools/triage_card.py writes from the package's data."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("triage_card", ROOT / "tools" / "triage_card.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_card_is_generated() -> None:
    tool = _tool()
    assert (ROOT / "docs" / "triage-card.md").read_text(encoding="utf-8") == tool.markdown()
    assert (ROOT / "docs" / "triage-card.html").read_text(encoding="utf-8") == tool.page()
    assert (ROOT / "docs" / "queue-key.md").read_text(encoding="utf-8") == tool.queue_key()


def test_card_names_every_action_with_evidence() -> None:
    tool = _tool()
    for action, when, evidence in tool.rows():
        assert when and evidence, action
    assert 'scope="col"' in tool.page() and 'scope="row"' in tool.page()
