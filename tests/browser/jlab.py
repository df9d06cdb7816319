"""A real JupyterLab on loopback, driven by Playwright and Debian's chromium.

Reusable by every browser test (see ``conftest.py`` for the fixtures):

* :class:`JupyterLab` starts ``python -m jupyter lab`` from the current
  interpreter on 127.0.0.1, on a free port, with a random token, a temporary
  HOME (and Jupyter/IPython dirs under it), the project's settings override and
  a temporary root directory holding copies of the notebooks under test.
* :func:`open_notebook`, :func:`run_all`, :func:`wait_idle`,
  :func:`outputs_have_errors`, :func:`screenshot` work on a Playwright page.

Nothing here fetches from the internet: JupyterLab's news and update checks are
off, and chromium runs with background networking disabled.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Test-only settings on top of jupyter/overrides.json: no autosave into the
# temporary copies, and every cell attached to the DOM (no windowing), so
# tests can see every output without scrolling.
TEST_OVERRIDES: dict[str, dict[str, Any]] = {
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def merged_overrides() -> dict[str, dict[str, Any]]:
    """jupyter/overrides.json plus the test-only settings."""
    overrides = json.loads((REPO / "jupyter" / "overrides.json").read_text(encoding="utf-8"))
    for plugin, settings in TEST_OVERRIDES.items():
        overrides.setdefault(plugin, {}).update(settings)
    return overrides


class JupyterLab:
    """One JupyterLab server process with its own temporary HOME and root dir.

    ``notebooks`` maps a destination folder (relative to the root dir) to a
    source folder whose files are copied there, e.g.
    ``{"notebooks": REPO / "notebooks", "browser": REPO / "tests/browser"}``.
    """

    def __init__(self, notebooks: dict[str, Path] | None = None, *, python: str = sys.executable):
        self.python = python
        self.token = secrets.token_hex(16)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._tmp = Path(tempfile.mkdtemp(prefix="smtpl-jlab-"))
        self.home = self._tmp / "home"
        self.root = self._tmp / "root"
        self.log_path = self._tmp / "jupyterlab.log"
        self._notebooks = notebooks or {}

    @property
    def url(self) -> str:
        """Base URL, with a trailing slash."""
        return f"http://127.0.0.1:{self.port}/"

    def lab_url(self, path: str = "") -> str:
        """URL that opens ``path`` (relative to the root dir) in JupyterLab."""
        tree = f"tree/{path}" if path else ""
        return f"{self.url}lab/{tree}?reset&token={self.token}"  # reset: no tabs restored from earlier tests

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API (``path`` like ``"api/sessions"``); the decoded JSON or None."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> int:
        """Shut down every kernel session (between tests); returns how many there were."""
        sessions = self.api("GET", "api/sessions") or []
        for session in sessions:
            self.api("DELETE", f"api/sessions/{session['id']}")
        return len(sessions)

    def environment(self) -> dict[str, str]:
        """The server's environment: everything user-level points into the temp HOME."""
        env = dict(os.environ)
        env.update(
            HOME=str(self.home),
            JUPYTER_CONFIG_DIR=str(self.home / ".jupyter"),
            JUPYTER_DATA_DIR=str(self.home / ".local/share/jupyter"),
            JUPYTER_RUNTIME_DIR=str(self.home / ".local/share/jupyter/runtime"),
            IPYTHONDIR=str(self.home / ".ipython"),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.pop("JUPYTERLAB_DIR", None)
        return env

    def _prepare(self) -> Path:
        """Create HOME, the root dir with the notebooks, and the settings dir."""
        for sub in (".jupyter", ".local/share/jupyter/runtime", ".ipython"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)
        for dest, source in self._notebooks.items():
            ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
            shutil.copytree(source, self.root / dest, ignore=ignore, dirs_exist_ok=True)
        settings = self.home / ".local/share/jupyter/lab/settings"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "overrides.json").write_text(json.dumps(merged_overrides(), indent=2), encoding="utf-8")
        return settings

    def command(self, settings_dir: Path) -> list[str]:
        """The command line that starts the server."""
        cmd = [
            self.python, "-m", "jupyter", "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={self.token}",
            f"--LabApp.app_settings_dir={settings_dir}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd

    def start(self, timeout: float = 60.0) -> JupyterLab:
        """Start the server and wait until its REST API answers (a few tries on port races)."""
        settings = self._prepare()
        last_error = ""
        for _attempt in range(3):
            self.port = free_port()
            log = self.log_path.open("ab")
            self.process = subprocess.Popen(
                self.command(settings), cwd=self.root, env=self.environment(),
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            log.close()
            try:
                self._wait_ready(timeout)
                return self
            except RuntimeError as exc:
                last_error = str(exc)
                self._terminate()
        raise RuntimeError(f"JupyterLab did not start: {last_error}\n{self.log_tail()}")

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"{self.url}api/status?token={self.token}"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"no answer on {self.url} within {timeout:.0f} s")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log (for failure messages)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)  # the server and the kernels it started
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=5)

    def stop(self) -> None:
        """Stop the server and its kernels; remove the temporary dirs. Idempotent."""
        self._terminate()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> JupyterLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- browser helpers

def launch_chromium(playwright: Any, **options: Any) -> Any:
    """Debian's chromium, headless, with no background networking."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, **options
    )


_APP_READY = "() => !!(window.jupyterapp && window.jupyterapp.shell)"

_NOTEBOOK_READY = """(path) => {
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path || !w.sessionContext) return false;
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && w.content && w.content.widgets.length > 0;
}"""

_IDLE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || !w.sessionContext) return false;
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  if (w.sessionContext.pendingInput) return false;
  const prompts = w.node.querySelectorAll('.jp-InputArea-prompt');
  return !Array.from(prompts).some(p => p.textContent.includes('*'));
}"""

_RUN_ALL = """async () => {
  const app = window.jupyterapp;
  await app.commands.execute('notebook:run-all-cells');
}"""

_ERRORS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const problems = [];
  if (!w || !w.content || !w.content.model) return ['no notebook is open'];
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    const outputs = cell.outputs.toJSON();
    for (const out of outputs) {
      if (out.output_type === 'error') {
        problems.push(`cell ${i + 1}: ${out.ename}: ${out.evalue}`);
      }
    }
  }
  const markers = ['Error displaying widget', 'Error rendering', 'Traceback (most recent call last)'];
  w.node.querySelectorAll('.jp-OutputArea-output').forEach((node) => {
    const text = node.innerText || '';
    for (const m of markers) {
      if (text.includes(m)) problems.push(`rendered output contains "${m}": ${text.slice(0, 200)}`);
    }
  });
  return problems;
}"""


def open_notebook(page: Any, lab: JupyterLab, path: str, timeout: float = 60.0) -> None:
    """Open ``path`` (relative to the root dir) and wait until its kernel is idle.

    A "select kernel" dialog, if one appears, is accepted with the default kernel.
    """
    page.goto(lab.lab_url(path))
    page.wait_for_function(_APP_READY, timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(_NOTEBOOK_READY, path):
            return
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count():
            dialog.first.click()
        page.wait_for_timeout(100)
    raise TimeoutError(f"notebook {path} did not become ready within {timeout:.0f} s")


def wait_idle(page: Any, timeout: float = 60.0) -> None:
    """Wait until the current notebook's kernel is idle and no cell is queued or running."""
    page.wait_for_function(_IDLE, timeout=timeout * 1000, polling=100)


def run_all(page: Any, timeout: float = 60.0) -> None:
    """Run every cell of the current notebook and wait until it is done."""
    page.evaluate(_RUN_ALL)
    wait_idle(page, timeout)


def outputs_have_errors(page: Any) -> list[str]:
    """Problems in the current notebook: error outputs, widget render errors, tracebacks.

    Returns an empty list when there are none (so ``assert not outputs_have_errors(page)``
    prints every problem on failure).
    """
    return list(page.evaluate(_ERRORS))


def screenshot(page: Any, name: str, **options: Any) -> Path:
    """Save a PNG under artifacts/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **options)
    return path
