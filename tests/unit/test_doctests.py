"""The ``>>>`` examples in the server package's docstrings run, and show what they say."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import smtplesson.server

MODULES = sorted(m.name for m in pkgutil.walk_packages(smtplesson.server.__path__,
                                                      "smtplesson.server."))


@pytest.mark.unit
def test_server_docstring_examples_run():
    attempted = 0
    failures = []
    for name in MODULES:
        module = importlib.import_module(name)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
        attempted += result.attempted
        if result.failed:
            failures.append(name)
    assert failures == []
    assert attempted >= 3  # smtplesson.server.rules has examples at least
