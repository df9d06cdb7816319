"""environment.yml (Binder, conda) and pyproject.toml name the same dependencies."""
from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]

# conda-forge package name -> PyPI name, where the two differ.
CONDA_TO_PYPI: dict[str, str] = {}
# conda entries that are tooling, not dependencies of the package.
CONDA_TOOLING = {"python", "pip"}
# Conda match spec: name, optional version spec (">=1.4", "=3.11", "3.11.*").
CONDA_SPEC = re.compile(r"^\s*(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<spec>[<>=!~][^#\s]*)?\s*$")


def load_environment() -> dict:
    """The parsed environment.yml."""
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def load_project() -> dict:
    """The [project] table of pyproject.toml."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def conda_specs(env: dict) -> dict[str, str]:
    """Conda dependencies as {canonical PyPI name: version spec}."""
    specs = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            continue
        match = CONDA_SPEC.match(str(dep))
        assert match, f"environment.yml: cannot read the conda spec {dep!r}"
        name = match["name"].lower()
        specs[canonicalize_name(CONDA_TO_PYPI.get(name, name))] = match["spec"] or ""
    return specs


def pip_section(env: dict) -> list[str]:
    """The entries of the pip: block ([] when there is none)."""
    blocks = [dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict) and "pip" in dep]
    assert len(blocks) <= 1, "environment.yml has more than one pip: block"
    return [str(line).strip() for line in (blocks[0] if blocks else [])]


def project_specs(project: dict) -> dict[str, str]:
    """pyproject.toml runtime dependencies as {canonical name: specifier}."""
    out = {}
    for line in project["dependencies"]:
        req = Requirement(line)
        out[canonicalize_name(req.name)] = str(req.specifier)
    return out


def python_version(env: dict) -> Version:
    """The Python version environment.yml pins (``python=3.11``)."""
    for dep in env["dependencies"]:
        if isinstance(dep, str) and re.match(r"^python\s*[=<>]", dep):
            return Version(re.sub(r"^python\s*=*\s*", "", dep).rstrip(".*"))
    pytest.fail("environment.yml does not pin a Python version (e.g. python=3.11)")


def test_conda_channel_is_conda_forge_only() -> None:
    assert load_environment()["channels"] == ["conda-forge"]


def test_same_runtime_dependencies_and_lower_bounds() -> None:
    env = {k: v for k, v in conda_specs(load_environment()).items() if k not in CONDA_TOOLING}
    project = project_specs(load_project())
    assert set(env) == set(project), (
        f"only in environment.yml: {sorted(set(env) - set(project))}; "
        f"only in pyproject.toml: {sorted(set(project) - set(env))}"
    )
    for name, spec in project.items():
        assert SpecifierSet(env[name]) == SpecifierSet(spec), (
            f"{name}: environment.yml says {env[name]!r}, pyproject.toml says {spec!r}"
        )


def test_pip_section_installs_the_package_itself_and_nothing_else() -> None:
    # repo2docker copies the repository in first when a pip line is a local path.
    assert pip_section(load_environment()) in (["."], ["-e ."])


def test_python_version_satisfies_requires_python() -> None:
    version = python_version(load_environment())
    requires = SpecifierSet(load_project()["requires-python"])
    assert version in requires, f"environment.yml python {version} is outside {requires}"


def test_postbuild_installs_the_jupyterlab_settings_override(tmp_path: Path) -> None:
    post = ROOT / "postBuild"
    assert post.stat().st_mode & 0o111, "postBuild must be executable for repo2docker"
    # repo2docker runs it from the repository with the environment's python on PATH
    shim = tmp_path / "bin" / "python"
    shim.parent.mkdir()
    shim.write_text(f"#!/bin/sh\necho {tmp_path / 'env'}\n", encoding="utf-8")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{shim.parent}:{os.environ['PATH']}"}
    subprocess.run([str(post)], cwd=ROOT, env=env, check=True, timeout=30)
    installed = tmp_path / "env" / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(installed.read_text()) == json.loads((ROOT / "jupyter" / "overrides.json").read_text())


@pytest.mark.parametrize(
    ("text", "expected"),
    [("aiosmtpd>=1.4.4", {"aiosmtpd": ">=1.4.4"}), ("Jupyter_Lab", {"jupyter-lab": ""})],
)
def test_conda_spec_reader(text: str, expected: dict[str, str]) -> None:
    assert conda_specs({"dependencies": [text, {"pip": ["."]}]}) == expected
