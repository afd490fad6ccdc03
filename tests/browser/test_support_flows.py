"""The flow helpers (sign in through the form, switch language, read a table, watch the history)
against a small stand-in of the web client on 127.0.0.1: the same cookies (``__Host-``, Secure,
HttpOnly, SameSite=Strict), POST forms answered with 303 and a strict Content-Security-Policy."""

from __future__ import annotations

import html
import secrets
import threading
from collections.abc import Iterator
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.support.browser import (
    History,
    SignInFailed,
    check_accessibility,
    sign_in,
    switch_language,
    table_cells,
    table_rows,
)
from tests.support.timing import scaled

PAGE = """<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
</head><body><header><form method="post" action="/ui/language">
<button type="submit" name="language" value="nl">NL</button>
<button type="submit" name="language" value="fr">FR</button></form></header>
<main><h1>{title}</h1>{body}</main></body></html>"""
LOGIN = """<form method="post" action="/ui/login">{alert}
<label for="username">{user}</label><input id="username" name="username">
<label for="password">{word}</label><input id="password" name="password" type="password">
<button type="submit">{go}</button></form>"""
TABLE = """<table><caption>{caption}</caption><thead><tr><th scope="col">{who}</th>
<th scope="col">{what}</th></tr></thead><tbody>
<tr><th scope="row">{p} 1</th><td>  Naam,
 voornaam </td></tr><tr><th scope="row">{p} 2</th><td></td></tr></tbody></table>"""
WORDS = {
    "nl": {"user": "Gebruikersnaam", "word": "Wachtwoord", "go": "Aanmelden", "who": "Deelnemer",
           "what": "Veld", "p": "Deelnemer", "caption": "Toegang", "home": "Overzicht",
           "wrong": "Onbekende gebruikersnaam of verkeerd wachtwoord."},
    "fr": {"user": "Nom d'utilisateur", "word": "Mot de passe", "go": "Se connecter",
           "who": "Participant", "what": "Champ", "p": "Participant", "caption": "Accès",
           "home": "Aperçu", "wrong": "Nom d'utilisateur inconnu ou mot de passe erroné."},
}  # fmt: skip
PASSWORD = secrets.token_urlsafe(12)


class _StandIn(BaseHTTPRequestHandler):
    sessions: set[str] = set()
    # What the browser sent with each POST: the headers a CSRF check may rely on.
    posted: list[dict[str, str | None]] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass

    def _cookies(self) -> dict[str, str]:
        jar = SimpleCookie(self.headers.get("Cookie", ""))
        return {k: v.value for k, v in jar.items()}

    def _lang(self) -> str:
        chosen = self._cookies().get("__Host-lang")
        if chosen is None:
            chosen = "fr" if self.headers.get("Accept-Language", "").startswith("fr") else "nl"
        return chosen

    def _page(self, title: str, body: str) -> None:
        text = PAGE.format(lang=self._lang(), title=html.escape(title), body=body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", "default-src 'none'; form-action 'self'")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def _see_other(self, where: str, cookie: str | None = None) -> None:
        self.send_response(303)
        self.send_header("Location", where)
        if cookie:
            self.send_header("Set-Cookie", f"{cookie}; Secure; HttpOnly; Path=/; SameSite=Strict")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _login(self, alert: str = "") -> None:
        w = WORDS[self._lang()]
        self._page(w["go"], LOGIN.format(alert=alert, **w))

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/ui/login":
            self._login()
        elif self._cookies().get("__Host-session") in self.sessions:
            self._page(WORDS[self._lang()]["home"], TABLE.format(**WORDS[self._lang()]))
        else:
            self._see_other("/ui/login")

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        names = ("Origin", "Referer", "Sec-Fetch-Site")
        self.posted.append({name: self.headers.get(name) for name in names})
        if self.path == "/ui/login":
            if form.get("username") == "sofie" and form.get("password") == PASSWORD:
                token = secrets.token_urlsafe(16)
                self.sessions.add(token)
                self._see_other("/ui", f"__Host-session={token}")
            else:
                self._login(f'<p role="alert">{WORDS[self._lang()]["wrong"]}</p>')
        elif self.path == "/ui/language":
            self._see_other("/ui", f"__Host-lang={form.get('language', 'nl')}")
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def stand_in() -> Iterator[str]:
    """The stand-in, served on a free port of 127.0.0.1 for this module."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, name="livc-test-stand-in", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=scaled(10))


@pytest.mark.parametrize("locale", ["nl-BE"])
def test_sign_in_through_the_form_keeps_the_secure_cookie_on_loopback(
    page: Page, context: BrowserContext, stand_in: str
) -> None:
    history = History().attach(page)
    sign_in(page, stand_in, "sofie", PASSWORD)
    assert page.url == f"{stand_in}/ui"
    # Chromium keeps __Host- (Secure) cookies from plain http://127.0.0.1: the web client's
    # cookies need not be made insecure for browser tests.
    cookie = {c["name"]: c for c in context.cookies()}["__Host-session"]
    assert cookie["secure"]
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert table_rows(page.get_by_role("table", name="Toegang")) == [
        {"Deelnemer": "Deelnemer 1", "Veld": "Naam, voornaam"},
        {"Deelnemer": "Deelnemer 2", "Veld": ""},
    ]
    headers, rows = table_cells(page.locator("table"))
    assert headers == ["Deelnemer", "Veld"]
    assert len(rows) == 2
    check_accessibility(page)
    history.check_private("Peeters")
    with pytest.raises(AssertionError, match="URL .* contains '/ui/login'"):
        history.check_private("/ui/login")
    assert history.titles[-1] == "Overzicht"


@pytest.mark.parametrize("locale", ["fr-BE"])
def test_a_refused_sign_in_says_why(page: Page, stand_in: str) -> None:
    with pytest.raises(SignInFailed, match="mot de passe erroné"):
        sign_in(page, stand_in, "sofie", "not the password")


@pytest.mark.parametrize("locale", ["nl-BE"])
def test_switching_language_through_the_header_form(page: Page, stand_in: str) -> None:
    sign_in(page, stand_in, "sofie", PASSWORD)
    switch_language(page, "fr")
    assert page.title() == "Aperçu"
    assert table_rows(page.get_by_role("table", name="Accès"))[0]["Participant"] == (
        "Participant 1"
    )
    switch_language(page, "nl")
    assert page.title() == "Overzicht"


@pytest.mark.parametrize("locale", ["nl-BE"])
def test_a_form_post_under_no_referrer_carries_origin_null(page: Page, stand_in: str) -> None:
    # What the web client's CSRF check receives from a real browser: under the pages'
    # Referrer-Policy no-referrer, Chromium sends a same-origin form POST with "Origin: null" and
    # no Referer (the Fetch standard's origin serialisation), but with "Sec-Fetch-Site:
    # same-origin". A check that requires Origin or Referer to name the hub refuses every form.
    _StandIn.posted.clear()
    sign_in(page, stand_in, "sofie", PASSWORD)
    switch_language(page, "fr")
    assert _StandIn.posted == [
        {"Origin": "null", "Referer": None, "Sec-Fetch-Site": "same-origin"},
        {"Origin": "null", "Referer": None, "Sec-Fetch-Site": "same-origin"},
    ]
