"""Real-browser tests: Debian's Chromium driven by Playwright, and what the tests check with it.

Nothing is downloaded when the tests run: the browser is the Debian package (``apt-get install -y
chromium``; its path in LIVC_TEST_CHROMIUM, default /usr/bin/chromium), never one fetched by
``playwright install``; axe-core is vendored under tests/support/vendor/axe/. A missing browser
fails the tests with the command that installs it: browser tests are never skipped.

Every wait has a deadline from the suite's one time setting (tests/support/timing.py).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    ElementHandle,
    Locator,
    Page,
    ViewportSize,
)

from tests.support.timing import scaled

CHROMIUM_VARIABLE = "LIVC_TEST_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"

ROOT = Path(__file__).resolve().parent.parent.parent
# Screenshots and traces; gitignored, kept by CI as the run's artefacts.
RESULTS = ROOT / "test-results"
AXE = Path(__file__).resolve().parent / "vendor" / "axe" / "axe.min.js"

# The two screens the web client is made for (issue 12: a laptop and a tablet).
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
TABLET: ViewportSize = {"width": 820, "height": 1180}

# The languages of the web client, as the browser announces them.
LOCALES = ("nl-BE", "fr-BE")
ACCEPT_LANGUAGE = {"nl-BE": "nl-BE,nl;q=0.9", "fr-BE": "fr-BE,fr;q=0.9"}


class BrowserMissing(RuntimeError):
    """The Chromium the browser tests drive is not installed where the setting says."""


def chromium_path() -> Path:
    """Debian's Chromium, or LIVC_TEST_CHROMIUM; fails (never skips) with how to install it."""
    configured = os.environ.get(CHROMIUM_VARIABLE, "").strip() or DEFAULT_CHROMIUM
    found = shutil.which(configured)
    if found is None:
        raise BrowserMissing(
            f"the browser tests need Chromium at {configured!r} ({CHROMIUM_VARIABLE}), and it is "
            "not there. Install Debian's package as root: `apt-get update && apt-get install -y "
            "chromium fonts-dejavu-core fonts-liberation` (.ci/run does this itself), or point "
            f"{CHROMIUM_VARIABLE} at a Chromium binary. Never `playwright install`: the tests use "
            "no downloaded browser."
        )
    return Path(found)


def launch_arguments() -> list[str]:
    """Chromium's flags: its sandbox cannot run as root (CI and these machines run as root)."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


def milliseconds(seconds: float) -> float:
    """A deadline for Playwright (milliseconds), scaled like every other test deadline."""
    return scaled(seconds) * 1000


def context_options(locale: str, viewport: ViewportSize) -> dict[str, Any]:
    """new_context() arguments for a language and a screen."""
    if locale not in ACCEPT_LANGUAGE:
        raise ValueError(f"locale must be one of {LOCALES}, not {locale!r}")
    return {
        "locale": locale,
        "timezone_id": "Europe/Brussels",
        "viewport": viewport,
        "extra_http_headers": {"Accept-Language": ACCEPT_LANGUAGE[locale]},
    }


# --- Screenshots --------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-\[\]]+", "_", text).strip("_") or "test"


def results_directory(nodeid: str | None = None) -> Path:
    """test-results/<test>/ for a pytest node id (default: the test running now)."""
    if nodeid is None:
        current = os.environ.get("PYTEST_CURRENT_TEST", "")
        nodeid = current.rsplit(" ", 1)[0] if current else "outside-a-test"
    path, _, name = nodeid.partition("::")
    stem = Path(path).stem
    return RESULTS / _slug(f"{stem}__{name}" if name else stem)


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot to test-results/<test>/<name>.png; returns its path."""
    target = results_directory() / f"{_slug(name)}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True, animations="disabled")
    return target


# --- What the page logs -------------------------------------------------------------------------


@dataclass
class ConsoleWatch:
    """Uncaught script errors and Content-Security-Policy refusals of a page.

    The web client runs under a strict CSP: an inline style or script the browser refuses does not
    show as an error in the HTML, only here. The ``page`` fixture fails a test that leaves any.
    """

    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def attach(self, page: Page) -> ConsoleWatch:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._add(f"uncaught script error: {error}"))
        return self

    def allow(self, pattern: str) -> None:
        """Accept messages matching ``pattern`` (a regular expression) in this test."""
        self.allowed.append(re.compile(pattern))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and (
            "Content Security Policy" in message.text or "Refused to" in message.text
        ):
            self._add(f"CSP refusal: {message.text}")

    def _add(self, text: str) -> None:
        if not any(p.search(text) for p in self.allowed):
            self.problems.append(text)

    def check(self) -> None:
        """Fail with every problem seen so far."""
        if self.problems:
            raise AssertionError("the page logged problems:\n  " + "\n  ".join(self.problems))


# --- Accessibility ------------------------------------------------------------------------------

# What fails a test: axe's two highest impacts (missing labels, contrast, empty headings, ...).
FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA plus axe's best practices (landmarks, one main, heading order).
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")

_axe_source: str | None = None


def _axe() -> str:
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE.read_text(encoding="utf-8")
    return _axe_source


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on a page, with where."""

    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]
    summaries: tuple[str, ...]

    def describe(self) -> str:
        lines = [f"[{self.impact}] {self.rule}: {self.help} ({self.help_url})"]
        for target, summary in zip(self.targets, self.summaries, strict=True):
            lines.append(f"    at {target}")
            for detail in summary.splitlines():
                if detail.strip():
                    lines.append(f"       {detail.strip()}")
        return "\n".join(lines)


def axe_violations(
    page: Page, *, tags: Sequence[str] = AXE_TAGS, disable: Sequence[str] = ()
) -> list[Violation]:
    """Every axe violation on the page as it is now (all impacts).

    The source is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    does not govern: the page keeps its real CSP (no ``bypass_csp``), so what the test sees is
    what a user's browser does.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe())
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable},
    }
    raw = page.evaluate(
        "async (options) => JSON.stringify((await axe.run(document, options)).violations)", options
    )
    found = []
    for v in json.loads(raw):
        nodes = v.get("nodes", [])
        found.append(
            Violation(
                rule=v["id"],
                impact=v.get("impact") or "minor",
                help=v["help"],
                help_url=v["helpUrl"],
                targets=tuple(" ".join(map(str, n.get("target", []))) for n in nodes),
                summaries=tuple(n.get("failureSummary", "") for n in nodes),
            )
        )
    return found


def check_accessibility(
    page: Page,
    *,
    impacts: Sequence[str] = FAILING_IMPACTS,
    disable: Sequence[str] = (),
) -> list[Violation]:
    """Fail on axe violations of ``impacts`` (serious and critical), printed rule by rule.

    Returns the lesser ones (moderate, minor), which a test may print or assert on. ``disable``
    names rules to leave out, each with a reason in the calling test.
    """
    violations = axe_violations(page, disable=disable)
    failing = [v for v in violations if v.impact in impacts]
    if failing:
        raise AssertionError(
            f"axe-core found {len(failing)} accessibility violation(s) on {page.url}:\n"
            + "\n".join(v.describe() for v in failing)
        )
    return [v for v in violations if v.impact not in impacts]


# --- Keyboard -----------------------------------------------------------------------------------

# What the focused element is and whether the focus shows: an outline (Chromium's own focus ring is
# outline-style "auto"), a box shadow, or a border or background different from unfocused.
_FOCUSED = """
() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  const again = window.__livcTabbed.has(e);
  window.__livcTabbed.add(e);
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow !== 'none';
  const text = (e.getAttribute('aria-label') || e.innerText || e.value || '').trim();
  return {
    tag: e.tagName.toLowerCase(),
    id: e.id || '',
    name: e.getAttribute('name') || '',
    text: text.slice(0, 40),
    visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden',
    ring: outline || shadow,
    focusVisible: e.matches(':focus-visible'),
    again,
  };
}
"""


@dataclass(frozen=True)
class FocusStop:
    """One element the Tab key reached."""

    tag: str
    id: str
    name: str
    text: str
    visible: bool
    ring: bool
    focus_visible: bool

    def __str__(self) -> str:
        ident = f"#{self.id}" if self.id else (f"[name={self.name}]" if self.name else "")
        return f"<{self.tag}{ident}> {self.text!r}"


# Where the Tab key starts: the top of the page. Blurring the focused element is not enough: the
# browser keeps it as the starting point (a field with autofocus would be skipped), so focus a
# stand-in at the top of <body> and remove it, which leaves the starting point there.
_TO_THE_TOP = """
() => {
  if (document.activeElement) document.activeElement.blur();
  window.__livcTabbed = new WeakSet();
  const top = document.createElement('span');
  top.tabIndex = -1;
  document.body.prepend(top);
  top.focus();
  top.remove();
}
"""


def _walk(page: Page, targets: Sequence[ElementHandle], limit: int) -> list[tuple[FocusStop, int]]:
    """Tab from the top of the page until the focus leaves it or comes round again; each stop
    with the index of the target it is in ``targets`` (-1 if none)."""
    page.evaluate(_TO_THE_TOP)
    walked: list[tuple[FocusStop, int]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(_FOCUSED)
        if info is None:
            break
        stop = FocusStop(
            tag=info["tag"],
            id=info["id"],
            name=info["name"],
            text=info["text"],
            visible=info["visible"],
            ring=info["ring"],
            focus_visible=info["focusVisible"],
        )
        if info["again"]:  # the focus came round again (two "Sign out" buttons are two stops)
            break
        index = -1
        if targets:
            index = page.evaluate(
                "(els) => els.findIndex(e => e === document.activeElement)", list(targets)
            )
        walked.append((stop, index))
    return walked


def tab_through(page: Page, *, limit: int = 80) -> list[FocusStop]:
    """The elements the Tab key reaches from the top of the page, in order."""
    return [stop for stop, _ in _walk(page, (), limit)]


def check_keyboard_focus(
    page: Page, must_reach: Sequence[Locator] = (), *, limit: int = 80
) -> list[FocusStop]:
    """Tab through the page: the focus must reach every control in ``must_reach`` (in that order)
    and show wherever it lands (a visible element with an outline or shadow, :focus-visible).

    Returns the stops, in order, for a test to assert more on.
    """
    targets = [locator.element_handle(timeout=milliseconds(10)) for locator in must_reach]
    walked = _walk(page, targets, limit)
    problems: list[str] = []
    for stop, _ in walked:
        if not stop.visible:
            problems.append(f"focus on an invisible element: {stop}")
        elif not (stop.ring and stop.focus_visible):
            problems.append(f"focus does not show (no outline or shadow): {stop}")
    reached = [index for _, index in walked if index >= 0]
    missed = [str(must_reach[i]) for i in range(len(targets)) if i not in reached]
    if missed:
        problems.append("the Tab key never reached: " + ", ".join(missed))
    elif reached != sorted(reached):
        problems.append(f"the Tab key reached the controls out of order: {reached}")
    if problems:
        stops = " -> ".join(str(stop) for stop, _ in walked)
        raise AssertionError(
            f"keyboard focus on {page.url}:\n  " + "\n  ".join(problems) + f"\n  stops: {stops}"
        )
    return [stop for stop, _ in walked]


# --- Signing in ---------------------------------------------------------------------------------


def use_token(context: BrowserContext, locale: str, token: str) -> None:
    """Send a bearer token with every request of the context (for the API's own pages, such as
    the printable diagnosis), keeping the context's Accept-Language."""
    context.set_extra_http_headers(
        {"Accept-Language": ACCEPT_LANGUAGE[locale], "Authorization": f"Bearer {token}"}
    )


def set_cookies(context: BrowserContext, base_url: str, cookies: dict[str, str]) -> None:
    """Put cookies for ``base_url`` in the context (a session made outside the browser).

    As the hub sets them: a ``__Host-`` cookie is Secure with Path=/ and no Domain attribute
    (Chromium keeps Secure cookies on loopback; over CDP it takes them by host and path only).
    """
    host = urlsplit(base_url).hostname or "127.0.0.1"
    context.add_cookies(
        [
            {
                "name": k,
                "value": v,
                "domain": host,
                "path": "/",
                "secure": k.startswith("__Host-"),
                "httpOnly": True,
                "sameSite": "Strict",
            }
            for k, v in cookies.items()
        ]
    )


class SignInFailed(AssertionError):
    """The sign-in form came back instead of letting the member in."""


def sign_in(
    page: Page, base_url: str, username: str, password: str, *, login_path: str = "/ui/login"
) -> None:
    """Sign in through the web client's own form, as a person would: open the sign-in page, type
    the username and password into the fields named ``username`` and ``password``, press the
    form's button, and wait to be let in (the browser leaves the sign-in page).

    Fails with the page's alert (the wrong password message, say) if the form comes back.
    """
    page.goto(base_url + login_path)
    form = page.locator("form").filter(has=page.locator("input[name='password']"))
    form.locator("input[name='username']").fill(username)
    form.locator("input[name='password']").fill(password)
    with page.expect_navigation():
        form.locator("[type='submit']").first.click()
    if page.url.split("?", 1)[0].rstrip("/").endswith(login_path.rstrip("/")):
        alerts = page.get_by_role("alert").all_inner_texts()
        raise SignInFailed(
            f"sign-in as {username!r} was refused: {' '.join(alerts) or 'no message shown'}"
        )


PASSWORD_PATH = "/ui/password"


def change_password(page: Page, current: str, new: str) -> None:
    """Choose a new password on the page that asks for one (/ui/password; a first sign-in with a
    one-time password lands there): type the current password and the new one twice, press the
    form's button, and wait to leave the page. Fails with the page's alert if it comes back."""
    form = page.locator("form").filter(has=page.locator("input[name='new_password']"))
    form.locator("input[name='current_password']").fill(current)
    form.locator("input[name='new_password']").fill(new)
    form.locator("input[name='repeat_password']").fill(new)
    with page.expect_navigation():
        form.locator("[type='submit']").first.click()
    if page.url.split("?", 1)[0].rstrip("/").endswith(PASSWORD_PATH):
        alerts = page.get_by_role("alert").all_inner_texts()
        raise AssertionError(f"the new password was refused: {' '.join(alerts) or 'no message'}")


def first_sign_in(page: Page, base_url: str, username: str, one_time: str) -> str:
    """Sign in through the form with a one-time password, as a member's first sign-in goes: the
    web client sends them to /ui/password, where they choose their own. Returns that password."""
    sign_in(page, base_url, username, one_time)
    if not page.url.split("?", 1)[0].endswith(PASSWORD_PATH):
        raise AssertionError(f"a one-time password should lead to {PASSWORD_PATH}, not {page.url}")
    chosen = f"own-{secrets.token_urlsafe(12)}"
    change_password(page, one_time, chosen)
    return chosen


def submit(page: Page, button: Locator) -> None:
    """Press a form's button and wait for the page the form leads to (POST, 303, GET)."""
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state("load")


def switch_language(page: Page, language: str) -> None:
    """Press the header's language switch (a POST form with the CSRF token: a button named
    ``language`` with the value ``nl`` or ``fr``) and check the page came back in it."""
    switch = page.locator(f"form button[name='language'][value='{language}']").first
    submit(page, switch)
    shown = page.locator("html").get_attribute("lang")
    if shown is None or not shown.startswith(language):
        raise AssertionError(f"asked for {language!r}, the page is in {shown!r} ({page.url})")


_TABLE = """
(table) => {
  const clean = (e) => e.innerText.replace(/\\s+/g, ' ').trim();
  const head = table.tHead ? [...table.tHead.rows].pop() : null;
  const bodies = table.tBodies.length ? [...table.tBodies] : [table];
  let rows = bodies.flatMap((b) => [...b.rows]);
  let headers = head ? [...head.cells].map(clean) : null;
  if (!headers && rows.length && [...rows[0].cells].every((c) => c.tagName === 'TH')) {
    headers = [...rows[0].cells].map(clean);
    rows = rows.slice(1);
  }
  return {headers, rows: rows.map((r) => [...r.cells].map(clean))};
}
"""


def table_cells(table: Locator) -> tuple[list[str] | None, list[list[str]]]:
    """A table's column headers (the last row of <thead>, or a first row of <th> only; None if
    neither) and its body rows, each cell's visible text with white space collapsed."""
    found = table.evaluate(_TABLE)
    return found["headers"], found["rows"]


def table_rows(table: Locator) -> list[dict[str, str]]:
    """A table's body rows as dictionaries keyed by column header (visible text; a checkbox
    cell's text is its label's text, so read checkbox states with Locator.is_checked)."""
    headers, rows = table_cells(table)
    if headers is None:
        raise AssertionError("the table has no column headers to key its rows by")
    out = []
    for row in rows:
        if len(row) != len(headers):
            raise AssertionError(f"a row of {len(row)} cells under {len(headers)} headers: {row}")
        out.append(dict(zip(headers, row, strict=True)))
    return out


@dataclass
class History:
    """Every URL the page's main frame went to, and every title it showed, in order.

    Issue 12: no personal data in URLs, page titles or the browser history. ``check_private``
    fails if any of them contains one of the given strings (a name, a date of birth, ...).
    """

    urls: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> History:
        def navigated(frame: Any) -> None:
            if frame == page.main_frame:
                self.urls.append(frame.url)

        page.on("framenavigated", navigated)
        page.on("load", lambda loaded: self.titles.append(loaded.title()))
        return self

    def check_private(self, *personal: str) -> None:
        leaks = [
            f"{kind} {text!r} contains {p!r}"
            for kind, texts in (
                ("URL", [unquote_plus(u) for u in self.urls]),
                ("title", self.titles),
            )
            for text in texts
            for p in personal
            if p and p.casefold() in text.casefold()
        ]
        if leaks:
            raise AssertionError("personal data in the browser history:\n  " + "\n  ".join(leaks))


_OVERFLOW = """
() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter((e) => e.getBoundingClientRect().right > width + 1)
    .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 1)
    .slice(0, 5)
    .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
      + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : ''));
  return {scroll: document.documentElement.scrollWidth, width, wide};
}
"""


def check_fits(page: Page) -> None:
    """The page fits the screen's width: no sideways scrolling of the whole page (a table may
    scroll inside a container of its own). Names the first elements that stick out."""
    found = page.evaluate(_OVERFLOW)
    if found["scroll"] > found["width"]:
        raise AssertionError(
            f"the page is {found['scroll']} px wide on a {found['width']} px screen ({page.url}); "
            f"sticking out: {', '.join(found['wide']) or 'unknown'}"
        )
