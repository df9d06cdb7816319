"""The data files: one comment key, stripped by the loader."""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from smtplesson import _data

pytestmark = pytest.mark.unit

LAYERS = ("codes", "server", "relay")
FILES = sorted((layer, p.name) for layer in LAYERS
               for p in resources.files("smtplesson").joinpath(layer, "data").iterdir()
               if p.name.endswith(".json"))


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


@pytest.mark.parametrize(("layer", "name"), FILES)
def test_comments_use_one_key_and_the_loader_drops_it(layer: str, name: str) -> None:
    raw = json.loads(resources.files("smtplesson").joinpath(layer, "data", name).read_text("utf-8"))
    commentish = {k for k in _keys(raw) if k.startswith("_") or "comment" in k.lower()}
    assert commentish <= {_data.COMMENT}, f"{name}: say it in {_data.COMMENT!r}, not {commentish}"
    assert _data.COMMENT not in _keys(_data.load(layer, name))


@pytest.mark.parametrize(("layer", "name"), FILES)
def test_no_object_names_a_key_twice(layer: str, name: str) -> None:
    """JSON keeps the last of two equal keys without a word: a cue written twice (two merges
    adding it) would hide the first weight."""
    twice: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        twice.extend(sorted({key for key in keys if keys.count(key) > 1}))
        return dict(items)

    json.loads(resources.files("smtplesson").joinpath(layer, "data", name).read_text("utf-8"),
               object_pairs_hook=pairs)
    assert not twice, f"{name}: keys written twice in one object: {twice}"


def test_retry_policy_reads_the_network_data() -> None:
    from smtplesson.relay.queue import RetryPolicy

    policy = RetryPolicy.from_data(_data.load("relay", "network.json")["retry"])
    assert policy.first == 600
    assert RetryPolicy.from_data({"comment": "still accepted", "first": 60}).first == 60
