"""The web client in tests: a browser-like httpx client signed in through the stand-in session."""

from __future__ import annotations

import re
import secrets
from html.parser import HTMLParser

import httpx

from app.web.session import CSRF_COOKIE, LANGUAGE_COOKIE, SESSION_COOKIE
from tests.support.live import LiveHub
from tests.support.timing import http_timeout


def web_client(
    hub: LiveHub, member_id: str | None = None, *, lang: str | None = None, name: str = ""
) -> httpx.Client:
    """A client with the session cookies of ``member_id`` (anonymous if None), same-origin."""
    cookies = httpx.Cookies()
    if member_id is not None:
        for key, value in session_cookies(hub, member_id, name=name).items():
            cookies.set(key, value)
    if lang is not None:
        cookies.set(LANGUAGE_COOKIE, lang)
    client = httpx.Client(
        base_url=hub.base_url,
        cookies=cookies,
        headers={"Origin": hub.base_url},
        timeout=http_timeout(),
        follow_redirects=False,
    )
    hub.clients.append(client)
    return client


def session_cookies(hub: LiveHub, member_id: str, *, name: str = "") -> dict[str, str]:
    """The stand-in session's cookies for a member (for a browser context, say)."""
    token = hub.token(member_id, ttl_seconds=900, extra={"name": name} if name else None)
    return {SESSION_COOKIE: token, CSRF_COOKIE: secrets.token_urlsafe(24)}


def csrf(client: httpx.Client) -> str:
    """The CSRF token a page's forms carry for this client."""
    return str(client.cookies.get(CSRF_COOKIE))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.parts.append(data)


def text_of(html: str) -> str:
    """The visible text of a page, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def title_of(html: str) -> str:
    """The page's <title>."""
    parser = _Text()
    parser.feed(html)
    return parser.title.strip()
