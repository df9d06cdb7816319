"""Helpers shared by the JupyterHub tests: free ports, configurable-http-proxy, process clean-up."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache"
CHP = CACHE / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"


def free_port() -> int:
    """A currently free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_chp() -> Path:
    """configurable-http-proxy from npm, installed into the git-ignored .cache/chp."""
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n", encoding="utf-8")  # keep the cache out of git
    if CHP.exists():
        return CHP
    if not (shutil.which("npm") and shutil.which("node")):
        if os.environ.get("CI"):
            pytest.fail("node and npm are needed to install configurable-http-proxy")
        pytest.skip("node/npm not found: cannot install configurable-http-proxy")
    subprocess.run(
        ["npm", "install", "--prefix", str(CHP.parents[2]), "--no-audit", "--no-fund",
         "--loglevel=error", "configurable-http-proxy@5"],
        check=True, timeout=300,
    )
    return CHP


def kill_tree(pids: list[int]) -> None:
    """SIGKILL whatever of ``pids`` is still alive."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
