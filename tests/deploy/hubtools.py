"""Helpers shared by the JupyterHub tests: free ports, configurable-http-proxy, the hub's test
configuration, process clean-up."""
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


def hub_config(tmp: Path, chp: Path, port: int, extra: str = "") -> str:
    """A test hub's configuration: the course's deploy config, then 127.0.0.1 on ``port`` (the
    hub's own and the proxy's API ports free ones), configurable-http-proxy ``chp``, the
    database, cookie secret and pid file in ``tmp``; ``extra`` lines after."""
    return "\n".join([
        "c = get_config()",
        f"load_subconfig({str(ROOT / 'deploy' / 'jupyterhub' / 'jupyterhub_config.py')!r})",
        'c.JupyterHub.ip = "127.0.0.1"',
        f"c.JupyterHub.port = {port}",
        'c.JupyterHub.hub_ip = "127.0.0.1"',
        f"c.JupyterHub.hub_port = {free_port()}",
        f'c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"',
        f"c.ConfigurableHTTPProxy.command = [{str(chp)!r}]",
        f'c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"',
        f'c.JupyterHub.cookie_secret_file = "{tmp}/cookie_secret"',
        f'c.JupyterHub.pid_file = "{tmp}/jupyterhub.pid"',
    ]) + "\n" + extra


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
