"""Start a learner's Jupyter server with the course in their home folder.

JupyterHub runs this (``Spawner.cmd``) as the learner, with the course
environment's Python. It copies the course's ``notebooks/`` into
``~/$SMTPLESSON_COURSE_DIR/notebooks`` -- only files the learner does not have
yet, so their work is never overwritten and a deleted notebook comes back
fresh at the next start (the same rule nbgitpuller follows). Solutions
(``notebooks/solutions/``) and checkpoints are never copied. Then it replaces
itself with ``jupyterhub-singleuser`` and every argument it was given.

Run by hand to restore missing notebooks without restarting:
``python start_singleuser.py --copy-only``.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SKIP_DIRS = {"solutions", ".ipynb_checkpoints", "__pycache__"}


def course_files(source: Path) -> list[Path]:
    """Files under ``source/notebooks`` that learners get, relative to ``source``."""
    root = source / "notebooks"
    if not root.is_dir():
        return []
    return sorted(
        path.relative_to(source)
        for path in root.rglob("*")
        if path.is_file() and not SKIP_DIRS.intersection(path.relative_to(root).parts)
    )


def copy_course(source: Path, dest: Path) -> list[Path]:
    """Copy the course files missing from ``dest``; return those copied (relative paths)."""
    copied = []
    for rel in course_files(source):
        target = dest / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, target)
        copied.append(rel)
    return copied


def main(argv: list[str]) -> None:
    """Copy the course (when a source is configured), then exec the single-user server."""
    source = os.environ.get("SMTPLESSON_COURSE_SOURCE", "")
    dest = Path.home() / os.environ.get("SMTPLESSON_COURSE_DIR", "smtplesson")
    if source:
        try:
            copy_course(Path(source), dest)
        except OSError as err:  # a learner must still get a server
            print(f"smtplesson: could not copy the course: {err}", file=sys.stderr)
    if argv[:1] == ["--copy-only"]:
        return
    singleuser = os.environ.get("SMTPLESSON_SINGLEUSER") or str(
        Path(sys.executable).with_name("jupyterhub-singleuser")
    )
    os.execv(singleuser, [singleuser, *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
