"""The explorer and the code map in real JupyterLab, in real (headless) chromium.

Screenshots go to artifacts/ (explorer-552.png, explorer-bounce.png, explorer-live.png,
codemap.png, explorer-dark.png, explorer-bounce-mail.png, explorer-eml.png).
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jlab import JupyterLab, open_notebook, outputs_have_errors, run_all, screenshot

from smtplesson.codes import BASIC_CODES

NOTEBOOK = "browser/explorer.ipynb"
BOUNCES = Path(__file__).parents[1] / "unit" / "data" / "bounces"
BOUNCE = (
    "host mx.example.com[203.0.113.5] said: 550-5.1.1 The email account that you tried to reach "
    "does not exist. Please try double-checking the recipient's email address for typos or "
    "unnecessary spaces. (in reply to RCPT TO command)"
)

_CONTRAST = """(el) => {
  const rgb = (s) => (s.match(/[0-9.]+/g) || []).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const style = getComputedStyle(el);
  const a = lum(rgb(style.color)), b = lum(rgb(style.backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def _explorer(page: Any) -> Any:
    return page.locator(".smtpl-explorer").first


@pytest.fixture(scope="module")
def explorer_page(browser: Any, jlab: JupyterLab) -> Iterator[tuple[Any, list[str]]]:
    """The fixture notebook, opened and run once for this module; also every URL the page requested."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(20_000)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        open_notebook(page, jlab, NOTEBOOK)
        run_all(page)
        yield page, requests
    finally:
        context.close()
        jlab.shutdown_kernels()


def test_explorer_in_jupyterlab(explorer_page: tuple[Any, list[str]]) -> None:
    started = time.monotonic()
    page, requests = explorer_page
    assert not outputs_have_errors(page)
    ex = _explorer(page)
    query = ex.locator(".smtpl-query input")
    card = ex.locator(".smtpl-card-widget")

    # typing a basic code updates the card as the learner types
    query.click()
    query.press_sequentially("552", delay=30)
    code_card = card.locator('.smtpl-code-card[data-code="552"]')
    code_card.wait_for()
    text = code_card.inner_text()
    info = BASIC_CODES[552]
    assert info.title in text and info.reference in text and "permanent negative" in text
    screenshot(page, "explorer-552")

    # keyboard: Tab leaves the input for the class filters
    query.press("Tab")
    assert page.evaluate("document.activeElement.closest('.smtpl-filter') !== null")

    # a pasted bounce line is explained
    query.fill(BOUNCE)
    explained = card.locator('.smtpl-explained[data-code="550"][data-enhanced="5.1.1"]')
    explained.wait_for()
    text = explained.inner_text()
    assert "bounce" in text and "mailbox-unknown" in text and BASIC_CODES[550].title in text
    screenshot(page, "explorer-bounce")

    # "Show me live" runs a real conversation and draws the transcript under the card
    live = ex.locator("button.smtpl-live")
    assert "550" in live.inner_text()
    live.click()
    output = ex.locator(".smtpl-live-output")
    output.locator(".smtpl-transcript").first.wait_for(timeout=20_000)
    shown = output.inner_text()
    assert "550 5.1.1" in shown and "rcpt to" in shown.lower()
    screenshot(page, "explorer-live")

    # Enter in the input also runs it (keyboard only)
    query.fill("")
    query.press_sequentially("421", delay=20)
    card.locator('.smtpl-code-card[data-code="421"]').wait_for()
    query.press("Enter")
    output.locator(".smtpl-transcript").first.wait_for(timeout=20_000)
    assert "421" in output.inner_text()

    # clicking a code in the map opens it in the map's explorer
    cmap = page.locator(".smtpl-codemap-widget").first
    cmap.locator("button.smtpl-map-code", has_text="451").click()
    map_card = cmap.locator('.smtpl-explorer .smtpl-card-widget .smtpl-code-card[data-code="451"]')
    map_card.wait_for()
    assert cmap.locator(".smtpl-explorer .smtpl-query input").input_value() == "451"
    cmap.scroll_into_view_if_needed()
    screenshot(page, "codemap")

    assert not outputs_have_errors(page)
    # nothing fetched from the internet: every request went to the local server
    outside = [u for u in requests
               if urlsplit(u).hostname not in ("127.0.0.1", None) and not u.startswith(("data:", "blob:"))]
    assert not outside, outside[:5]
    assert time.monotonic() - started < 60


def test_a_whole_bounce_pasted_or_opened_shows_its_recipients(
        explorer_page: tuple[Any, list[str]]) -> None:
    page, _requests = explorer_page
    ex = _explorer(page)
    bounce_card = ex.locator(".smtpl-bounce-widget")

    # pasting a whole mail (headers, blank line, body) into the mail box: a card per recipient
    mail = ex.locator(".smtpl-mail textarea")
    mail.fill((BOUNCES / "exim" / "unknown-user-two.eml").read_text())
    cards = bounce_card.locator(".smtpl-bounce-recipient")
    cards.nth(1).wait_for()
    assert cards.count() == 2
    shown = bounce_card.inner_text()
    assert "nobody@unknown-user-two.test" in shown and "ghost@unknown-user-two.test" in shown
    assert "550" in shown and "5.1.1" in shown and "RCPT" in shown
    mail.scroll_into_view_if_needed()
    screenshot(page, "explorer-bounce-mail")

    # opening a saved .eml with the file picker
    with page.expect_file_chooser() as chooser:
        ex.locator(".smtpl-upload").click()
    chooser.value.set_files(str(BOUNCES / "postfix" / "mailbox-full.eml"))
    bounce_card.get_by_text("Read mailbox-full.eml").wait_for()
    shown = bounce_card.inner_text()
    assert "bob@mailbox-full.test" in shown and "5.2.2" in shown
    assert bounce_card.locator(".smtpl-bounce-recipient").count() == 1
    screenshot(page, "explorer-eml")
    assert not outputs_have_errors(page)


def test_cards_readable_in_the_dark_theme(explorer_page: tuple[Any, list[str]]) -> None:
    page, _requests = explorer_page
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    try:
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
        query = _explorer(page).locator(".smtpl-query input")
        query.fill("451")
        card = _explorer(page).locator('.smtpl-code-card[data-code="451"]')
        card.wait_for()
        page.wait_for_timeout(300)  # let the theme's CSS transition settle
        assert card.evaluate(_CONTRAST) >= 4.5
        misreading = card.locator(".smtpl-misreading")
        if misreading.count():
            assert misreading.evaluate(_CONTRAST) >= 4.5
        screenshot(page, "explorer-dark")
    finally:  # the theme is a saved setting: give the next test the light theme back
        page.evaluate(
            "window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
        page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")
