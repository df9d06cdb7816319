"""The ``>>>`` examples in the package's docstrings run, and show what they say."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import smtplesson.bounces
import smtplesson.codes
import smtplesson.relay
import smtplesson.server

PACKAGES = (smtplesson.codes, smtplesson.bounces, smtplesson.server, smtplesson.relay)
MODULES = sorted(
    [p.__name__ for p in PACKAGES]
    + [m.name for p in PACKAGES for m in pkgutil.walk_packages(p.__path__, p.__name__ + ".")])


@pytest.mark.unit
def test_docstring_examples_run():
    attempted = {}
    failures = []
    for name in MODULES:
        module = importlib.import_module(name)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
        attempted[name] = result.attempted
        if result.failed:
            failures.append(name)
    assert failures == []
    assert attempted["smtplesson.server.rules"] >= 3
    assert attempted["smtplesson.bounces"] >= 2
