"""Lesson 00's set-up check: is everything the course needs in this kernel?"""
from __future__ import annotations

import importlib
import importlib.metadata
import re
import socket
import sys


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _at_least(version: str | None, minimum: tuple[int, ...]) -> bool:
    if version is None:
        return False
    parts = tuple(int(p) for p in re.findall(r"[0-9]+", version)[:len(minimum)])
    return parts >= minimum


def _loopback_works() -> bool:
    """Can this kernel listen on 127.0.0.1 (ephemeral port) and connect to itself?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with socket.create_connection(listener.getsockname(), timeout=2):
            conn, _ = listener.accept()
            conn.close()
    return True


def _environment_rows() -> list[tuple[str, bool, str]]:
    """(what, ok, what to do if not) for everything the course needs."""
    rows = [("Python 3.11 or newer", sys.version_info >= (3, 11),
             f"this kernel runs Python {sys.version_info[0]}.{sys.version_info[1]}: "
             "pick a Python 3.11+ kernel (Kernel → Change Kernel) or ask your instructor")]
    for module, dist, minimum, label in (
        ("aiosmtpd", "aiosmtpd", (1, 4), "aiosmtpd 1.4 or newer (the local SMTP servers)"),
        ("ipywidgets", "ipywidgets", (8, 0), "ipywidgets 8 or newer (the explorer widgets)"),
        ("smtplesson", "smtplesson", (0, 1), "the smtplesson package (this course)"),
    ):
        try:
            importlib.import_module(module)
            ok = _at_least(_version(dist), minimum)
        except Exception:
            ok = False
        rows.append((label, ok, f"install it into this kernel's environment: "
                                f"python -m pip install '{dist}>={'.'.join(map(str, minimum))}' "
                                "(or run `make lab` from the course folder)"))
    lab = _version("jupyterlab")
    rows.append(("JupyterLab 4.1 or newer (draws the Mermaid diagrams)", _at_least(lab, (4, 1)),
                 "not found in this kernel's environment: that is fine if your JupyterHub runs "
                 "JupyterLab 4.1+; otherwise diagrams appear as plain text"))
    try:
        loop_ok = _loopback_works()
    except Exception:
        loop_ok = False
    rows.append(("the kernel can listen on 127.0.0.1 (loopback)", loop_ok,
                 "the local SMTP servers cannot start here (sockets blocked, e.g. JupyterLite "
                 "or a locked-down container): open the course on JupyterHub, Binder or your "
                 "own machine"))
    return rows


def environment() -> bool:
    """Print one line per requirement (✓ or ✗ with what to do); True when all are met."""
    try:
        rows = _environment_rows()
    except Exception as exc:  # pragma: no cover - the rows catch their own failures
        print(f"✗ the environment check itself failed ({type(exc).__name__}); "
              "ask your instructor.")
        return False
    for label, ok, remedy in rows:
        print(f"{'✓' if ok else '✗'} {label}" + ("" if ok else f"\n    → {remedy}"))
    missing = sum(not ok for _, ok, _ in rows)
    if missing:
        print(f"\n{missing} thing{'s' if missing > 1 else ''} missing: fix "
              f"{'them' if missing > 1 else 'it'}, then restart the kernel and run this cell "
              "again.")
    else:
        print("\nEverything is in place: on to the course.")
    return not missing
