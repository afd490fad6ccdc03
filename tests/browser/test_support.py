"""The browser helpers themselves: each check fails on a page that breaks its rule (so a passing
check on a product page means something), and a missing browser fails with how to install it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route

from tests.support import browser
from tests.support.browser import (
    TABLET,
    BrowserMissing,
    ConsoleWatch,
    check_accessibility,
    check_fits,
    check_keyboard_focus,
    chromium_path,
    shot,
    tab_through,
)
from tests.support.live import run_coroutine

GOOD = """<!DOCTYPE html><html lang="nl"><head><title>Proef</title></head><body>
<header><nav><a href="#a">Start</a></nav></header>
<main><h1>Proef</h1>
<form><label for="name">Naam</label><input id="name" name="name">
<button type="submit">Bewaren</button></form></main></body></html>"""


POLICY = "default-src 'none'; style-src 'self'"


def _serve(page: Page, html: str, css: str = "") -> None:
    """Show ``html`` at http://ui.test/ under the web client's kind of Content-Security-Policy,
    with ``css`` as its one style sheet (/style.css)."""
    html = html.replace("</head>", '<link rel="stylesheet" href="/style.css"></head>')

    def fulfil(route: Route) -> None:
        if route.request.url.endswith("/style.css"):
            route.fulfill(status=200, body=css, headers={"Content-Type": "text/css"})
            return
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": POLICY}
        route.fulfill(status=200, body=html, headers=headers)

    page.route("http://ui.test/**", fulfil)
    page.goto("http://ui.test/")


def test_a_missing_browser_fails_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(browser.CHROMIUM_VARIABLE, "/nonexistent/chromium")
    with pytest.raises(BrowserMissing, match="apt-get install -y chromium"):
        chromium_path()
    monkeypatch.delenv(browser.CHROMIUM_VARIABLE)
    assert chromium_path() == Path(browser.DEFAULT_CHROMIUM)


@pytest.mark.parametrize("locale", ["nl-BE"])
def test_a_clean_page_passes_every_check(page: Page) -> None:
    _serve(page, GOOD)
    assert check_accessibility(page) == []
    stops = check_keyboard_focus(
        page, [page.get_by_role("link"), page.get_by_label("Naam"), page.get_by_role("button")]
    )
    assert [s.tag for s in stops] == ["a", "input", "button"]
    path = shot(page, "clean page")
    assert path.parent.name == "test_support__test_a_clean_page_passes_every_check[nl-BE]"
    assert path.name == "clean_page.png"
    assert path.stat().st_size > 0


@pytest.mark.parametrize("locale", ["fr-BE"])
def test_axe_fails_on_a_missing_label_and_poor_contrast(page: Page) -> None:
    bad = GOOD.replace('<label for="name">Naam</label>', "").replace(
        "<h1>Proef</h1>", '<h1>Proef</h1><p class="faint">Te licht</p>'
    )
    _serve(page, bad, ".faint { color: #ccc; background: #fff; }")
    with pytest.raises(AssertionError) as failure:
        check_accessibility(page)
    text = str(failure.value)
    assert "[critical] label" in text
    assert "[serious] color-contrast" in text
    assert "input#name" in text or "#name" in text


@pytest.mark.parametrize("locale", ["nl-BE"])
def test_the_focus_check_fails_where_the_focus_does_not_show(page: Page) -> None:
    _serve(page, GOOD, "button:focus { outline: none; }")
    with pytest.raises(AssertionError, match=r"focus does not show.*<button> 'Bewaren'"):
        check_keyboard_focus(page)


@pytest.mark.parametrize("locale", ["nl-BE"])
def test_the_focus_check_fails_when_a_control_is_out_of_reach(page: Page) -> None:
    _serve(page, GOOD.replace('<button type="submit">', '<button type="submit" tabindex="-1">'))
    with pytest.raises(AssertionError, match="never reached"):
        check_keyboard_focus(page, [page.get_by_role("button")])
    assert [s.tag for s in tab_through(page)] == ["a", "input"]


@pytest.mark.parametrize("locale", ["nl-BE"])
def test_a_refused_inline_style_is_reported(page: Page, console: ConsoleWatch) -> None:
    _serve(page, GOOD.replace("<h1>", '<h1 style="color: red">'))
    assert any("CSP refusal" in p for p in console.problems), console.problems
    with pytest.raises(AssertionError, match="the page logged problems"):
        console.check()
    console.problems.clear()  # seen; the page fixture would otherwise fail the test


@pytest.mark.parametrize("viewport", [TABLET], ids=["tablet"])
@pytest.mark.parametrize("locale", ["fr-BE"])
def test_the_context_has_the_language_and_screen_asked_for(page: Page) -> None:
    _serve(page, GOOD)
    assert page.evaluate("() => navigator.language") == "fr-BE"
    assert page.evaluate("() => [innerWidth, innerHeight]") == [820, 1180]
    assert page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone") == (
        "Europe/Brussels"
    )


async def _answer() -> str:
    return "answered"


@pytest.mark.parametrize("locale", ["nl-BE"])
def test_coroutines_run_in_a_thread_of_their_own_while_playwright_runs(page: Page) -> None:
    # Playwright's sync API keeps an event loop running in this thread: asyncio.run refuses.
    coroutine = _answer()
    with pytest.raises(RuntimeError, match="running event loop"):
        asyncio.run(coroutine)
    coroutine.close()
    assert run_coroutine(_answer()) == "answered"


@pytest.mark.parametrize("viewport", [TABLET], ids=["tablet"])
@pytest.mark.parametrize("locale", ["nl-BE"])
def test_the_fit_check_names_what_sticks_out_on_a_tablet(page: Page) -> None:
    _serve(page, GOOD)
    check_fits(page)
    _serve(
        page,
        GOOD.replace("<h1>", '<table class="wide"><tr><td>x</td></tr></table><h1>'),
        ".wide { width: 1200px; }",
    )
    with pytest.raises(
        AssertionError, match=r"1[0-9]{3} px wide on a 8[0-9]{2} px screen.*table.wide"
    ):
        check_fits(page)
