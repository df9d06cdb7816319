"""The zero-install site (``make lite``) in headless Chromium, served on loopback, offline.

The site is built once per session (``tools/build_lite.py``; its downloads stay cached in
``.cache/lite/``) and served from ``build/lite`` on 127.0.0.1. Every request to any other host
is aborted and recorded: a test fails if the site asked for one. The site's console runs
``import smtplesson``, explains a reply and reads a DSN; both notebooks run from top to bottom,
and the bounce desk reads an ``.eml`` given to its upload button.

Missing build tools (npm, jupyterlite) fail under ``CI`` and skip elsewhere, like chromium.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
START = 300.0  # seconds for a cold Pyodide kernel on a loaded 2-core machine (about 15 s when quiet)
UNKNOWN = "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown"
DSN = (
    "From: MAILER-DAEMON@mx.example.net\nTo: alice@example.org\nMIME-Version: 1.0\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
    "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
    "Final-Recipient: rfc822; dan@example.net\nAction: failed\nStatus: 5.1.1\n"
    f"Diagnostic-Code: smtp; {UNKNOWN.replace('nobody', 'dan')}\n--b--\n")

pytestmark = pytest.mark.lite


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lite_site = _load("lite_site")


def _missing_build_tool() -> str:
    if shutil.which("npm") is None:
        return "npm is missing (Debian: apt-get install -y npm)"
    if importlib.util.find_spec("jupyterlite_core") is None:
        return "jupyterlite-core is not installed (pip install -e '.[test]')"
    return ""


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The site, built now from the working tree, served on loopback; yields its base URL."""
    problem = _missing_build_tool()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the lite site cannot be built under CI: {problem}", pytrace=False)
        pytest.skip(f"lite site not built: {problem}")
    build = subprocess.run([sys.executable, str(REPO / "tools" / "build_lite.py")],
                           capture_output=True, text=True, cwd=REPO)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    with lite_site.serve() as base:
        yield base


@pytest.fixture
def offline_page(browser: Any, site: str) -> Iterator[tuple[Any, list[str]]]:
    """A page of a fresh context that can reach nothing but the site; and the URLs it tried."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(60_000)
    blocked = lite_site.offline(context, site)
    try:
        yield context.new_page(), blocked
    finally:
        context.close()


def _outputs(page: Any) -> str:
    return "\n".join(n.inner_text() for n in page.query_selector_all(".jp-OutputArea-output"))


def test_the_console_imports_smtplesson_explains_a_reply_and_reads_a_dsn(offline_page, site):
    page, blocked = offline_page
    code = "\n".join([
        "import sys, smtplesson",
        f"e = smtplesson.explain({UNKNOWN!r})",
        f"b = smtplesson.read_bounce({DSN!r})",
        "r = b.recipients",
        "print('EXPLAINED', e.code, e.enhanced, e.category, e.bounce_type)",
        "print('BOUNCE', b.kind, len(r), r[0].address, r[0].status, r[0].explanation.bounce_type)",
        "print('LOADED', sorted({m.split('.')[1] for m in sys.modules if m.startswith('smtplesson.')}))",
        "print('ABSENT', [m for m in ('cryptography', 'dkim', 'nacl', 'dns') if m in sys.modules])",
    ])
    page.goto(lite_site.console_url(site, code))
    text = lite_site.console_output(page, "ABSENT", START)
    assert "EXPLAINED 550 5.1.1 mailbox-unknown hard" in text
    assert "BOUNCE dsn 1 dan@example.net 5.1.1 hard" in text
    loaded = text.split("LOADED", 1)[1].splitlines()[0]
    assert "'codes'" in loaded and "'server'" not in loaded and "'relay'" not in loaded  # names load lazily
    assert "ABSENT []" in text
    assert blocked == []


def test_the_bounce_desk_runs_and_reads_an_uploaded_eml(offline_page, site):
    page, blocked = offline_page
    lite_site.open_notebook(page, site, "bounce-desk.ipynb", START)
    lite_site.run_all(page, START)
    assert lite_site.errors(page) == []
    text = _outputs(page)
    assert "bounce · mailbox-unknown · hard" in text
    assert "retry · greylisting · soft" in text
    assert "dan@example.net · 5.2.2 · mailbox-full · soft" in text
    assert "Error displaying widget" not in text
    assert page.locator(".smtpl-explorer").count() == 1
    assert page.locator(".smtpl-codemap-widget .smtpl-map-code").count() > 10

    eml = REPO / "lite" / "files" / "sample-bounce.eml"
    with page.expect_file_chooser() as chooser:  # ipywidgets' FileUpload opens the system's dialog
        page.locator(".smtpl-upload").click()
    chooser.value.set_files(eml)
    card = page.locator(".smtpl-bounce-widget")
    card.filter(has_text="nobody@example.net").wait_for()
    assert "5.1.1" in card.inner_text()

    page.locator(".smtpl-live").click()  # no socket in the browser: it says so instead of failing
    page.locator(".smtpl-live-output").filter(has_text="cannot be shown live in the browser").wait_for()
    assert blocked == []


def test_a_first_conversation_runs_in_memory(offline_page, site):
    page, blocked = offline_page
    lite_site.open_notebook(page, site, "first-conversation.ipynb", START)
    lite_site.run_all(page, START)
    assert lite_site.errors(page) == []
    text = _outputs(page)
    for reply in ("220 mx.example.net", "250-8BITMIME", "354 End data", "250 2.0.0 OK: kept in memory",
                  "221 Bye", "Hello over SMTP — Hi Bob", UNKNOWN, "503 Error: need RCPT command"):
        assert reply in text, reply
    assert page.locator(".smtpl-transcript").count() == 2  # the pictures of both conversations
    assert "mailbox-unknown" in text and "hard" in text  # explain() of the refusal
    assert blocked == []
