"""Fixtures for browser tests: one JupyterLab and one chromium per session.

Use in a test module of this folder::

    from jlab import open_notebook, run_all, wait_idle, outputs_have_errors, screenshot

    def test_something(jlab, page):
        open_notebook(page, jlab, "notebooks/01-first-conversation.ipynb")
        run_all(page)
        assert not outputs_have_errors(page)

The root dir of the server holds copies of ``notebooks/`` (as ``notebooks/``)
and of this folder (as ``browser/``), so tests never modify committed files.

Chromium policy: when ``/usr/bin/chromium`` is missing the tests fail if the
environment variable ``CI`` is set, and are skipped (with the reason) otherwise.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from jlab import CHROMIUM, REPO, JupyterLab, launch_chromium


def require_browser() -> None:
    """Fail (under CI) or skip (elsewhere) when chromium or Playwright is missing."""
    problem = ""
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (Debian: apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the Python package playwright is not installed"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {problem}", pytrace=False)
        pytest.skip(f"browser test skipped: {problem}")


@pytest.fixture(scope="session")
def jlab() -> Iterator[JupyterLab]:
    """A running JupyterLab on 127.0.0.1 (stopped at the end of the session)."""
    require_browser()
    folders = {"browser": REPO / "tests" / "browser"}
    if (REPO / "notebooks").is_dir():
        folders["notebooks"] = REPO / "notebooks"
    lab = JupyterLab(folders)
    try:
        lab.start()
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium through Playwright, per test module.

    Playwright's sync API keeps an event loop running in the main thread while it is open;
    closing it with the module lets later tests (nbclient, JupyterHub) use asyncio.run().
    """
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, jlab: JupyterLab) -> Iterator[Any]:
    """A fresh browser page (own context) per test; its kernels are shut down afterwards."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
        jlab.shutdown_kernels()
