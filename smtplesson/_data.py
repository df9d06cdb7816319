"""The package's data files: JSON under ``smtplesson/data/``, reviewed like code."""
from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load(name: str) -> Any:
    """Read one JSON file from the package's data folder, e.g. ``load("basic_codes.json")``."""
    return json.loads(resources.files("smtplesson").joinpath("data", name).read_text("utf-8"))
