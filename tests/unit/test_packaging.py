"""Packaging in step: version and changelog, one ruff, one list of public names per package."""
from __future__ import annotations

import ast
import importlib
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

import smtplesson

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
MAX_LINES = 600


def test_version_is_the_top_changelog_entry():
    top = re.search(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text("utf-8"), re.M)
    assert top is not None, "CHANGELOG.md has no '## [version]' heading"
    assert PYPROJECT["project"]["version"] == top.group(1)
    assert smtplesson.__version__ == top.group(1), "reinstall: pip install -e ."


def test_pre_commit_and_the_dev_extra_use_one_ruff():
    pinned = [d for d in PYPROJECT["project"]["optional-dependencies"]["dev"] if d.startswith("ruff")]
    assert len(pinned) == 1 and pinned[0].startswith("ruff=="), pinned
    config = (ROOT / ".pre-commit-config.yaml").read_text("utf-8")
    rev = re.search(r"ruff-pre-commit\s*\n\s*rev:\s*v?([\w.]+)", config)
    assert rev is not None and rev.group(1) == pinned[0].removeprefix("ruff=="), rev


def test_ci_runs_lint_types_and_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert re.search(r"^make lint types$", ci, re.M) and re.search(r"^make test$", ci, re.M)


def test_the_command_is_the_cli():
    assert PYPROJECT["project"]["scripts"] == {"smtplesson": "smtplesson.cli:run"}


def _names(package: str) -> tuple[dict[str, str], dict[str, str]]:
    """A package's lazy map (name -> module, _MODULES folded in) and its TYPE_CHECKING imports."""
    tree = ast.parse(resources.files(package).joinpath("__init__.py").read_text("utf-8"))
    lazy: dict[str, str] = {}
    typed: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
            if target in ("_PUBLIC", "_MODULES"):
                value = ast.literal_eval(node.value)
                lazy.update(value if target == "_PUBLIC"
                            else {name: module.rpartition(".")[0] for name, module in value.items()})
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.level == 1, ast.unparse(imp)
                for alias in imp.names:
                    typed[alias.asname or alias.name] = imp.module or ""
    return lazy, typed


@pytest.mark.parametrize("package", ["smtplesson", "smtplesson.server", "smtplesson.relay"])
def test_one_list_of_public_names(package):
    lazy, typed = _names(package)
    assert lazy and lazy == typed, "edit _PUBLIC and the TYPE_CHECKING block together"
    assert sorted(lazy) == importlib.import_module(package).__all__


def test_no_module_over_600_lines():
    big = {str(p.relative_to(ROOT)): n for p in (ROOT / "smtplesson").rglob("*.py")
           if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES}
    assert not big, f"split these (the house limit is {MAX_LINES} lines): {big}"


def test_importing_the_server_configures_no_logging():
    import subprocess
    import sys

    code = ("import logging, smtplesson.server.debug as d; log = logging.getLogger('mail.log');"
            "assert not log.handlers and not log.filters, 'configured at import';"
            "d.quiet_mail_log(); assert log.handlers and log.filters")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
