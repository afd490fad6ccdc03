"""The web client in tests: a browser-like httpx client holding a real web session.

The session is opened in the hub's database as a sign-in opens it (app/services/web_sessions),
so the pages see exactly what a signed-in person's browser sends; the sign-in form itself is
tested in tests/web/test_auth.py.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from html.parser import HTMLParser

import httpx

from app.db.engine import make_async_engine, make_sessionmaker
from app.services import web_sessions
from app.web.session import cookie_name, lifetimes
from tests.support.live import LiveHub, run_coroutine
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
        cookies.set(cookie_name(hub.settings, "livc_lang"), lang)
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
    """The cookie of a new web session of the member (for an httpx client or a browser context).

    ``name`` is kept for callers that named the person; the page shows the member's own name.
    """
    token = run_coroutine(_open(hub, uuid.UUID(member_id)))
    return {cookie_name(hub.settings): token}


async def _open(hub: LiveHub, member_id: uuid.UUID) -> str:
    engine = make_async_engine(hub.settings.database)
    try:
        async with make_sessionmaker(engine)() as db, db.begin():
            return await web_sessions.open_session(
                db,
                member_id,
                method="local",
                language=None,
                now=datetime.now(UTC),
                lifetimes=lifetimes(hub.settings),
            )
    finally:
        await engine.dispose()


def csrf(client: httpx.Client) -> str:
    """The CSRF token a page's forms carry for this client's session."""
    for key, value in client.cookies.items():
        if key.endswith("livc_session"):
            return web_sessions.csrf_token(value)
    return ""


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
