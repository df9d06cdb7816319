"""The package's data files: JSON beside the layer that reads it (``smtplesson/<layer>/data/``),
reviewed like code.

A data file says why it is written the way it is in ``"_comment"`` keys (a string or a
list of strings, in any object); :func:`load` drops them, so no code has to.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

COMMENT = "_comment"


def load(layer: str, name: str) -> Any:
    """Read one JSON file from a layer's data folder, e.g. ``load("codes", "basic_codes.json")``."""
    text = resources.files("smtplesson").joinpath(layer, "data", name).read_text("utf-8")
    return json.loads(text, object_hook=_without_comment)


def _without_comment(obj: dict[str, Any]) -> dict[str, Any]:
    obj.pop(COMMENT, None)
    return obj
