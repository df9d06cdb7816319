"""Build the zero-install site: JupyterLite with the Pyodide kernel, into ``build/lite/``.

Everything comes from PyPI and npm and the site loads nothing from anywhere else:

1. the ``pyodide`` npm package at the version the installed ``jupyterlite-pyodide-kernel``
   pins (the core runtime only: no wheels), fetched with ``npm pack``;
2. the pure-Python wheels the kernel and the lessons need, from PyPI with ``pip download``:
   those Pyodide's own lock lists at the versions it lists, plus :data:`EXTRA` (pinned);
   the kernel's own piplite wheels (``piplite``, ``pyodide-kernel``, the ``ipykernel`` shim)
   come from its labextension; smtplesson's wheel is built from the working tree;
3. Pyodide's ``pyodide-lock.json`` rewritten to list exactly the wheels the site carries, each
   with its own file name and sha256 (PyPI's files differ from Pyodide's builds), and the
   kernel told to load them at start (``loadPyodideOptions.packages``: ``import smtplesson``
   needs no install step) and never to fall back to PyPI;
4. the notebooks of ``lite/`` (MyST Markdown, converted with jupytext) as the site's files;
5. ``jupyter lite build`` with only the kernel's and ipywidgets' front-end extensions.

Downloads stay in ``.cache/lite/`` so the second build is fast. ``make lite`` runs this script.
"""
from __future__ import annotations

import argparse
import email.parser
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "lite"  # the site's notebooks and files
CACHE = ROOT / ".cache" / "lite"
OUTPUT = ROOT / "build" / "lite"

#: Pyodide's lock entries the site carries (with their ``depends``), at the lock's versions
FROM_LOCK = ("micropip", "packaging", "ipython", "jedi", "attrs")
#: packages Pyodide's lock does not list, pinned: name -> version
EXTRA = {
    "comm": "0.2.3",  # pyodide-kernel and ipywidgets
    "ipywidgets": "8.1.9",  # must match the front end: jupyterlab_widgets below
    "aiosmtpd": "1.4.6",  # the in-memory conversation (pyproject pins <1.5)
    "atpublic": "9.0.0",  # aiosmtpd's dependency
}
#: front-end extension of ipywidgets 8.1.9 (same release)
WIDGETS_FRONTEND = ("jupyterlab_widgets", "3.0.17")
#: loaded when the kernel starts: the kernel skips its own piplite installs of these
PRELOAD = ("micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython", "smtplesson")
#: JupyterLite apps in the site: JupyterLab, the one-notebook view, the console (REPL), the file list
APPS = ("lab", "notebooks", "repl", "tree")
PYTHON = "3.14"  # Pyodide 314's Python: the wheels must allow it
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def run(*cmd: str | Path, cwd: Path | None = None) -> None:
    print("  $", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=cwd)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kernel_extension() -> Path:
    """The installed kernel's labextension folder (its front end and its piplite wheels)."""
    folder = Path(sys.prefix, "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension")
    if not (folder / "package.json").exists():
        raise SystemExit(f"jupyterlite-pyodide-kernel is not installed in {sys.prefix}: "
                         "pip install -e '.[test]'")
    return folder


def pyodide_version() -> str:
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

    return str(PYODIDE_VERSION)


def fetch_pyodide(version: str) -> Path:
    """The npm ``pyodide`` package, unpacked once into the cache."""
    folder = CACHE / f"pyodide-{version}"
    if (folder / "pyodide.mjs").exists():
        return folder
    npm = CACHE / "npm"
    npm.mkdir(parents=True, exist_ok=True)
    tarball = npm / f"pyodide-{version}.tgz"
    if not tarball.exists():
        run("npm", "pack", f"pyodide@{version}", "--pack-destination", npm, "--silent", cwd=npm)
    unpacked = Path(tempfile.mkdtemp(dir=CACHE))
    with tarfile.open(tarball) as tar:
        tar.extractall(unpacked, filter="data")
    (unpacked / "package").rename(folder)
    unpacked.rmdir()
    return folder


def lock_closure(packages: dict[str, dict], roots: tuple[str, ...]) -> list[str]:
    """``roots`` and everything they depend on, by the lock's own ``depends``."""
    seen: list[str] = []
    todo = [canonical(r) for r in roots]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.append(name)
            todo.extend(canonical(d) for d in packages[name]["depends"])
    return sorted(seen)


def download(pins: dict[str, str], wheels: Path) -> dict[str, Path]:
    """``name -> wheel`` for each pinned pure-Python wheel, downloaded from PyPI once."""
    wheels.mkdir(parents=True, exist_ok=True)

    def find(name: str, version: str) -> Path | None:
        stem = re.sub(r"[-_.]+", "_", name).lower()
        for whl in wheels.glob("*.whl"):
            dist, ver = whl.name.split("-")[:2]
            if dist.lower().replace(".", "_") == stem and ver == version:
                return whl
        return None

    missing = [f"{n}=={v}" for n, v in pins.items() if find(n, v) is None]
    if missing:
        run(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
            "--platform", "any", "--python-version", PYTHON, "--implementation", "py",
            "--dest", wheels, *missing)
    found = {n: find(n, v) for n, v in pins.items()}
    absent = [n for n, whl in found.items() if whl is None]
    if absent:
        raise SystemExit(f"no pure-Python wheel on PyPI for {absent}")
    return {canonical(n): whl for n, whl in found.items() if whl is not None}


def build_own_wheel(dest: Path) -> Path:
    """smtplesson's wheel from the working tree (built from a copy: no build/ in the tree)."""
    src = CACHE / "src"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "smtplesson", src / "smtplesson",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for old in dest.glob("smtplesson-*.whl"):
        old.unlink()
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", dest, src)
    [wheel] = dest.glob("smtplesson-*.whl")
    return wheel


def wheel_metadata(wheel: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, top-level import names, unconditional requirements) of a wheel."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(zf.read(meta_name).decode("utf-8"))
    tops = sorted({n.split("/")[0].removesuffix(".py") for n in names
                   if not n.split("/")[0].endswith((".dist-info", ".data"))
                   and (n.endswith("/__init__.py") or ("/" not in n and n.endswith(".py")))})
    requires = [canonical(re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0])
                for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r]
    return meta["Name"], meta["Version"], tops, requires


def lock_entry(wheel: Path, depends: list[str], *, imports: list[str] | None = None) -> dict:
    name, version, tops, _ = wheel_metadata(wheel)
    return {
        "name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
        "sha256": sha256(wheel), "package_type": "package",
        "imports": imports if imports is not None else tops,
        "depends": sorted(depends), "unvendored_tests": False,
    }


def assemble_pyodide(core: Path, wheels: dict[str, Path], lock_deps: dict[str, list[str]],
                     dest: Path) -> dict[str, dict]:
    """The site's Pyodide: the npm runtime, the wheels, and a lock that lists exactly them."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for item in core.iterdir():
        if item.suffix in (".whl", ".map", ".ts") or item.name in ("README.md", "package.json") \
                or item.name.startswith("console"):
            continue
        shutil.copy2(item, dest / item.name)
    original = json.loads((core / "pyodide-lock.json").read_text())
    entries: dict[str, dict] = {}
    for name, wheel in sorted(wheels.items()):
        shutil.copy2(wheel, dest / wheel.name)
        if name in lock_deps:
            kept = original["packages"][name]
            entry = lock_entry(wheel, lock_deps[name], imports=kept["imports"])
            entry["name"] = kept["name"]
        else:
            _, _, _, requires = wheel_metadata(wheel)
            entry = lock_entry(wheel, [r for r in requires if r in wheels])
        entries[name] = entry
    lock = {"info": original["info"], "packages": entries}
    (dest / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return entries


def stage_notebooks(stage: Path) -> list[Path]:
    """``lite/*.md`` as notebooks for the Pyodide kernel; other files of ``lite/files`` as they are."""
    import jupytext

    content = stage / "content"
    shutil.rmtree(content, ignore_errors=True)
    content.mkdir(parents=True)
    written = []
    for source in sorted(SOURCES.glob("*.md")):
        notebook = jupytext.read(source)
        notebook.metadata["kernelspec"] = {"name": "python", "display_name": "Python (Pyodide)",
                                           "language": "python"}
        notebook.metadata.pop("jupytext", None)
        target = content / f"{source.stem}.ipynb"
        jupytext.write(notebook, target)
        written.append(target)
    files = SOURCES / "files"
    if files.is_dir():
        shutil.copytree(files, content, dirs_exist_ok=True)
    return written


def site_config(stage: Path) -> None:
    """``jupyter-lite.json`` (the kernel's settings) and the settings overrides of the site."""
    kernel = {"loadPyodideOptions": {"packages": list(PRELOAD)}, "disablePyPIFallback": True}
    config = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "smtplesson lite", "litePluginSettings": {KERNEL_PLUGIN: kernel}}}
    (stage / "jupyter-lite.json").write_text(json.dumps(config, indent=2) + "\n")
    overrides = {
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
        # every cell in the page, not only those scrolled into view: the browser's find sees them all
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    }
    (stage / "overrides.json").write_text(json.dumps(overrides, indent=2) + "\n")


def check_site(output: Path, preload: tuple[str, ...]) -> None:
    """The built site points its kernel at its own Pyodide, whose lock has every preloaded package."""
    settings = json.loads((output / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = settings["litePluginSettings"][KERNEL_PLUGIN]
    if not kernel.get("pyodideUrl", "").startswith("./"):
        raise SystemExit(f"the kernel would load Pyodide from {kernel.get('pyodideUrl')!r}")
    pyodide = output / kernel["pyodideUrl"]
    lock = json.loads((pyodide.parent / "pyodide-lock.json").read_text())["packages"]
    for name, entry in lock.items():
        wheel = pyodide.parent / entry["file_name"]
        if not wheel.exists() or sha256(wheel) != entry["sha256"]:
            raise SystemExit(f"lock entry {name}: {wheel.name} missing or its sha256 differs")
    absent = [p for p in preload if canonical(p) not in lock]
    if absent:
        raise SystemExit(f"preloaded but not in the lock: {absent}")


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build(output: Path) -> Path:
    started = time.perf_counter()
    CACHE.mkdir(parents=True, exist_ok=True)
    version = pyodide_version()
    print(f"* Pyodide {version} (the version jupyterlite-pyodide-kernel pins), from npm")
    core = fetch_pyodide(version)
    packages = json.loads((core / "pyodide-lock.json").read_text())["packages"]
    from_lock = lock_closure(packages, FROM_LOCK)
    lock_deps = {n: [canonical(d) for d in packages[n]["depends"]] for n in from_lock}
    pins = {n: packages[n]["version"] for n in from_lock} | EXTRA
    print(f"* {len(pins)} wheels from PyPI (cached in {CACHE.relative_to(ROOT)}/wheels)")
    wheels = download(pins, CACHE / "wheels")
    frontend = download(dict([WIDGETS_FRONTEND]), CACHE / "wheels")[canonical(WIDGETS_FRONTEND[0])]
    kernel = kernel_extension()
    for whl in sorted((kernel / "static" / "pypi").glob("*.whl")):
        name = canonical(whl.name.split("-")[0])
        if name != "widgetsnbextension":  # a shim for ipywidgets' dependency; nothing imports it
            wheels[name] = whl
    print("* smtplesson's wheel from the working tree")
    wheels["smtplesson"] = build_own_wheel(CACHE / "own")
    stage = CACHE / "stage"
    stage.mkdir(exist_ok=True)
    entries = assemble_pyodide(core, wheels, lock_deps, stage / "static" / "pyodide")
    notebooks = stage_notebooks(stage)
    site_config(stage)
    not_carried = sorted(set(wheel_metadata(wheels["smtplesson"])[3]) - set(entries))
    print(f"* lock: {len(entries)} packages; smtplesson's requirements not carried: {not_carried}")
    shutil.rmtree(output, ignore_errors=True)
    (stage / ".jupyterlite.doit.db").unlink(missing_ok=True)  # its tasks would skip the new output
    cmd: list[str | Path] = [sys.executable, "-m", "jupyter", "lite", "build", "--lite-dir", stage,
           "--output-dir", output, "--contents", stage / "content", "--ignore-sys-prefix",
           "--no-sourcemaps", "--no-unused-shared-packages",
           "--settings-overrides", stage / "overrides.json",
           "--LiteBuildConfig.federated_extensions", kernel,
           "--LiteBuildConfig.federated_extensions", frontend]
    for app in APPS:
        cmd += ["--apps", app]
    run(*cmd, cwd=stage)
    check_site(output, PRELOAD)
    mb = size_of(output) / 1e6
    print(f"* {output}: {mb:.1f} MB, {len(notebooks)} notebooks, "
          f"built in {time.perf_counter() - started:.0f} s")
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where the site goes")
    build(parser.parse_args().output.resolve())


if __name__ == "__main__":
    main()
