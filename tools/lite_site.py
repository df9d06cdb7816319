"""Serve the built JupyterLite site on loopback and drive it in Chromium with every other host blocked.

Shared by the browser test (``tests/browser/test_lite.py``) and the benchmark (``bench/lite.py``):

* :func:`serve` — a static HTTP server for ``build/lite`` on 127.0.0.1 (a free port), with the
  MIME types Pyodide needs (``.wasm``, ``.mjs``);
* :func:`offline` — a Playwright route on a browser context that aborts every request to any
  other origin (and records it), and hands the app to the page as ``window.jupyterapp``
  (JupyterLite's ``exposeAppInBrowser``) so a test can run commands; the published site does not
  expose it;
* :func:`console_url`, :func:`console_output` — the site's Python console (JupyterLite's REPL)
  running one block of code, and the text it printed;
* :func:`open_notebook`, :func:`run_all`, :func:`errors` — a notebook of the site in the one-notebook view.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SITE = Path(__file__).resolve().parents[1] / "build" / "lite"
TYPES = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
         ".json": "application/json", ".whl": "application/octet-stream"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}  # noqa: RUF012

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the test reports what matters
        pass


@contextlib.contextmanager
def serve(folder: Path = SITE) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) while the block runs; yields its base URL."""
    if not (folder / "jupyter-lite.json").exists():
        raise FileNotFoundError(f"no JupyterLite site in {folder}: run make lite")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="lite-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def offline(context: Any, base: str) -> list[str]:
    """Block every request of ``context`` that is not for ``base``; returns the blocked URLs' list."""
    blocked: list[str] = []
    config = f"{base}/jupyter-lite.json"

    def route(r: Any) -> None:
        url = r.request.url
        if not url.startswith(base + "/"):
            blocked.append(url)
            r.abort()
        elif url.split("?")[0] == config:
            response = r.fetch()
            settings = response.json()
            settings["jupyter-config-data"]["exposeAppInBrowser"] = True
            r.fulfill(response=response, body=json.dumps(settings))
        else:
            r.continue_()

    context.route("**/*", route)
    return blocked


def console_url(base: str, code: str) -> str:
    """The site's Python console, which runs ``code`` as soon as its kernel is up."""
    query = urllib.parse.urlencode({"kernel": "python", "toolbar": "1", "code": code})
    return f"{base}/repl/index.html?{query}"


def console_output(page: Any, marker: str, timeout: float) -> str:
    """Wait until the console printed a line containing ``marker``; return all its output text."""
    page.wait_for_function(
        """(marker) => Array.from(document.querySelectorAll('.jp-OutputArea-output'))
                       .some(n => (n.innerText || '').includes(marker))""",
        arg=marker, timeout=timeout * 1000, polling=200)
    return "\n".join(n.inner_text() for n in page.query_selector_all(".jp-OutputArea-output"))


_NOTEBOOK_READY = """(path) => {
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path || !w.sessionContext) return false;
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && w.content && w.content.widgets.length > 0;
}"""

_RUN_ALL_DONE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const kernel = w && w.sessionContext.session && w.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const prompts = Array.from(w.node.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt'));
  if (!prompts.length || prompts.some(p => p.textContent.includes('*'))) return false;
  const outputs = w.content.model.cells;
  for (let i = 0; i < outputs.length; i++) {  // a failed cell stops the run: done
    const cell = outputs.get(i);
    if (cell.type === 'code' && cell.outputs.toJSON().some(o => o.output_type === 'error')) return true;
  }
  return prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

_ERRORS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  const errors = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (const o of cell.outputs.toJSON()) {
      if (o.output_type === 'error') errors.push(`cell ${i + 1}: ${o.ename}: ${o.evalue}`);
      if (o.output_type === 'stream' && o.name === 'stderr') errors.push(`cell ${i + 1}: ${o.text}`);
    }
  }
  return errors;
}"""


def open_notebook(page: Any, base: str, path: str, timeout: float) -> float:
    """Open a notebook of the site; wait until its kernel is idle; return the seconds that took."""
    started = time.perf_counter()
    page.goto(f"{base}/notebooks/index.html?path={urllib.parse.quote(path)}")
    page.wait_for_function(_NOTEBOOK_READY, arg=path, timeout=timeout * 1000, polling=200)
    return time.perf_counter() - started


def run_all(page: Any, timeout: float) -> None:
    """Run every cell of the open notebook; wait until each code cell has run and the kernel is idle."""
    page.evaluate("async () => { await window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(_RUN_ALL_DONE, timeout=timeout * 1000, polling=200)


def errors(page: Any) -> list[str]:
    """Error outputs and anything written to stderr in the open notebook, one line per cell."""
    return list(page.evaluate(_ERRORS))
