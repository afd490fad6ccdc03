"""Fixtures of the real-browser tests: one headless Chromium per test module, a fresh context (its
own cookies, language and screen) and page per test, and the live hub of tests/conftest.py.

- ``locale`` runs a test in Dutch and in French (nl-BE, fr-BE); parametrize ``locale`` to pin one.
- ``viewport`` is the laptop screen; parametrize it with ``TABLET`` for the tablet.
- ``page`` fails its test if the page logged an uncaught script error or a Content-Security-Policy
  refusal (``console.allow(...)`` accepts one), and saves ``failure.png`` when the test failed.
- The browser tests run on SQLite only (docs/decisions.md 175): what a page shows comes from the
  public API, whose answers are tested on both databases; LIVC_BROWSER_BACKENDS=sqlite,postgresql
  runs them on PostgreSQL too.

Timing: the start of Playwright and Chromium (once per module) and what the fixtures add to each test are printed at the
end of the run.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from tests.support.browser import (
    LAPTOP,
    LOCALES,
    ConsoleWatch,
    chromium_path,
    context_options,
    launch_arguments,
    milliseconds,
    shot,
)

BACKENDS_VARIABLE = "LIVC_BROWSER_BACKENDS"
_HERE = os.path.dirname(__file__)
_REPORT = pytest.StashKey[pytest.TestReport]()


@dataclass
class _Timing:
    """What the browser fixtures cost: the launch once, then each test's context and page."""

    driver: list[float] = field(default_factory=list)
    launch: list[float] = field(default_factory=list)
    per_test: list[float] = field(default_factory=list)


_TIMING = _Timing()


def _in_here(item: pytest.Item) -> bool:
    return str(item.path).startswith(_HERE + os.sep)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the browser tests, and leave out their PostgreSQL runs unless asked for."""
    wanted = {
        b.strip() for b in os.environ.get(BACKENDS_VARIABLE, "sqlite").split(",") if b.strip()
    }
    kept, dropped = [], []
    for item in items:
        if _in_here(item):
            item.add_marker(pytest.mark.browser)
            callspec = getattr(item, "callspec", None)
            backend = callspec.params.get("database") if callspec is not None else None
            if backend is not None and backend not in wanted:
                dropped.append(item)
                continue
        kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep the call's report, so that ``page`` knows at teardown whether the test failed."""
    report = yield
    if report.when == "call":
        item.stash[_REPORT] = report
    return report


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver (shipped in the wheel; it downloads nothing), for one test module.

    Not for the session: while the sync API is started, this thread counts as running an event
    loop, and every ``asyncio.run`` in it fails ("cannot be called from a running event loop") -
    in the browser tests and in any test run after them. Inside a browser test module, run
    coroutines with tests/support/live.py ``run_coroutine`` (a thread of their own).
    """
    started = time.perf_counter()
    with sync_playwright() as driver:
        _TIMING.driver.append(time.perf_counter() - started)
        expect.set_options(timeout=milliseconds(10))
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; a missing browser fails the tests (never skips them)."""
    executable = chromium_path()
    started = time.perf_counter()
    launched = playwright.chromium.launch(
        executable_path=str(executable),
        headless=True,
        args=launch_arguments(),
        timeout=milliseconds(30),
    )
    _TIMING.launch.append(time.perf_counter() - started)
    try:
        yield launched
    finally:
        launched.close()


@pytest.fixture(params=LOCALES)
def locale(request: pytest.FixtureRequest) -> str:
    """The browser's language: each test runs in Dutch and in French."""
    value: str = request.param
    return value


@pytest.fixture
def viewport() -> ViewportSize:
    """The screen: a laptop unless the test parametrizes ``viewport`` (say with TABLET)."""
    return LAPTOP


@pytest.fixture
def new_context(
    browser: Browser, locale: str, viewport: ViewportSize
) -> Iterator[Callable[..., BrowserContext]]:
    """Make more browser contexts (another person at another screen), closed after the test.

    ``new_context(locale="fr-BE", viewport=TABLET, headers={...})``; every argument optional.
    """
    made: list[BrowserContext] = []
    spent = 0.0

    def make(
        *,
        locale: str = locale,
        viewport: ViewportSize = viewport,
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> BrowserContext:
        nonlocal spent
        started = time.perf_counter()
        settings = context_options(locale, viewport)
        settings["extra_http_headers"] = {**settings["extra_http_headers"], **(headers or {})}
        context = browser.new_context(**settings, **options)
        context.set_default_timeout(milliseconds(10))
        context.set_default_navigation_timeout(milliseconds(20))
        made.append(context)
        spent += time.perf_counter() - started
        return context

    yield make
    started = time.perf_counter()
    for context in made:
        context.close()
    if made:
        _TIMING.per_test.append(spent + time.perf_counter() - started)


@pytest.fixture
def console() -> ConsoleWatch:
    """The uncaught script errors and CSP refusals of ``page``."""
    return ConsoleWatch()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    """The test's browser context, in ``locale`` on ``viewport`` (``context.set_extra_http_headers``
    replaces the Accept-Language header: see tests/support/browser.py ``use_token``)."""
    return new_context()


@pytest.fixture
def page(
    request: pytest.FixtureRequest, context: BrowserContext, console: ConsoleWatch
) -> Iterator[Page]:
    """A page of ``context``; fails the test on a script error or a CSP refusal, and saves
    failure.png when the test failed."""
    opened = context.new_page()
    console.attach(opened)
    yield opened
    report = request.node.stash.get(_REPORT, None)
    if report is not None and report.failed:
        # Best effort: the page may be gone with what made the test fail, which says it better.
        with contextlib.suppress(Exception):
            shot(opened, "failure")
    else:
        console.check()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What the browser fixtures cost in this run."""
    if not _TIMING.launch:
        return
    driver, launch = _TIMING.driver, _TIMING.launch
    line = (
        f"Browser tests: {len(launch)} module(s), each starting Playwright's driver "
        f"({sum(driver) / len(driver):.2f} s on average) and Chromium "
        f"({sum(launch) / len(launch):.2f} s)"
    )
    if _TIMING.per_test:
        mean = sum(_TIMING.per_test) / len(_TIMING.per_test)
        line += (
            f"; a context and page added {mean * 1000:.0f} ms per test on average "
            f"(max {max(_TIMING.per_test) * 1000:.0f} ms, {len(_TIMING.per_test)} tests)"
        )
    terminalreporter.write_line(line)
