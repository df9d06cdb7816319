"""tools/build_lite.py: the Pyodide lock the site carries lists exactly its wheels, with their own hashes."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("build_lite", ROOT / "tools" / "build_lite.py")
assert _spec is not None and _spec.loader is not None
build_lite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_lite)

INFO = {"abi_version": "2026_0", "arch": "wasm32", "platform": "emscripten_5_0_3", "python": "3.14.2"}


def _wheel(folder: Path, name: str, version: str, files: dict[str, str], requires: list[str]) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as zf:
        for file, text in files.items():
            zf.writestr(file, text)
        zf.writestr(f"{name}-{version}.dist-info/METADATA", meta)
    return path


def _core(folder: Path) -> Path:
    folder.mkdir()
    for name in ("pyodide.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "README.md", "package.json",
                 "console.html", "pyodide.mjs.map"):
        (folder / name).write_text(name)
    entry = {"name": "micropip", "version": "0.11.1", "file_name": "micropip-0.11.1-py3-none-any.whl",
             "sha256": "0" * 64, "depends": ["packaging"], "imports": ["micropip"],
             "install_dir": "site", "package_type": "package", "unvendored_tests": False}
    packaging = {**entry, "name": "packaging", "version": "26.1", "depends": [], "imports": ["packaging"],
                 "file_name": "packaging-26.1-py3-none-any.whl"}
    numpy = {**entry, "name": "numpy", "depends": [], "imports": ["numpy"]}
    lock = {"info": INFO, "packages": {"micropip": entry, "packaging": packaging, "numpy": numpy}}
    (folder / "pyodide-lock.json").write_text(json.dumps(lock))
    return folder


def test_the_lock_lists_exactly_the_carried_wheels_with_their_own_sha256(tmp_path):
    core = _core(tmp_path / "core")
    packages = json.loads((core / "pyodide-lock.json").read_text())["packages"]
    assert build_lite.lock_closure(packages, ("micropip",)) == ["micropip", "packaging"]
    wheels = {
        "micropip": _wheel(tmp_path, "micropip", "0.11.1", {"micropip/__init__.py": ""}, []),
        "packaging": _wheel(tmp_path, "packaging", "26.1", {"packaging/__init__.py": ""}, []),
        "demo-lesson": _wheel(tmp_path, "demo_lesson", "1.0",
                              {"demo_lesson/__init__.py": "", "helper.py": ""},
                              ["Micropip>=0.10", "cryptography>=42", 'pytest; extra == "test"']),
    }
    site = tmp_path / "site"
    entries = build_lite.assemble_pyodide(core, wheels, {"micropip": ["packaging"], "packaging": []}, site)

    lock = json.loads((site / "pyodide-lock.json").read_text())
    assert lock["info"] == INFO  # the runtime's own description is kept
    assert sorted(lock["packages"]) == ["demo-lesson", "micropip", "packaging"] == sorted(entries)
    for entry in lock["packages"].values():
        wheel = site / entry["file_name"]
        assert entry["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest() != "0" * 64
    assert lock["packages"]["micropip"]["depends"] == ["packaging"]
    demo = lock["packages"]["demo-lesson"]
    assert demo["depends"] == ["micropip"]  # carried requirements only; extras never
    assert demo["imports"] == ["demo_lesson", "helper"]
    assert sorted(p.name for p in site.iterdir() if not p.name.endswith(".whl")) == [
        "pyodide-lock.json", "pyodide.asm.wasm", "pyodide.mjs", "python_stdlib.zip"]
