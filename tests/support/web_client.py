"""A browser as the web tests need one: cookies kept by hand (httpx's jar will not send a Secure
cookie over plain HTTP, and a test must see every attribute), Origin sent on every POST, and
redirects not followed."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import httpx

from tests.support.live import LiveHub
from tests.support.timing import http_timeout
from tests.support.world import (
    agency,
    agency_admins,
    approve,
    ok,
    second_hub_admin,
    unique,
)

SESSION = "__Host-livc_session"
LOGIN_CSRF = "__Host-livc_login_csrf"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """One browser profile against a live hub."""

    hub: LiveHub
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookies: list[str] = field(default_factory=list)
    origin: str | None = None

    def __post_init__(self) -> None:
        self.client = httpx.Client(
            base_url=self.hub.base_url, timeout=http_timeout(), follow_redirects=False
        )
        self.hub.clients.append(self.client)
        if self.origin is None:
            self.origin = self.hub.base_url

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            self.set_cookies.append(header)
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or not morsel.value.strip('"'):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        self.client.cookies.clear()
        return response

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET with the browser's cookies."""
        headers = self._headers(kwargs.pop("headers", None))
        return self._keep(self.client.get(path, headers=headers, **kwargs))

    def post(
        self, path: str, data: dict[str, str], *, origin: str | None = "", **kwargs: Any
    ) -> httpx.Response:
        """POST a form with the browser's cookies and Origin (``origin=None``: none sent)."""
        extra = dict(kwargs.pop("headers", None) or {})
        sent = self.origin if origin == "" else origin
        if sent is not None:
            extra["Origin"] = sent
        return self._keep(self.client.post(path, data=data, headers=self._headers(extra), **kwargs))

    def csrf_of(self, path: str) -> str:
        """The CSRF token in the form of a page."""
        page = self.get(path)
        assert page.status_code == 200, (page.status_code, page.text[:300])
        match = _CSRF.search(page.text)
        assert match, page.text[:500]
        return match.group(1)

    def sign_in(self, username: str, password: str) -> httpx.Response:
        """Fill in the sign-in form."""
        token = self.csrf_of("/ui/login")
        return self.post(
            "/ui/login", {"csrf_token": token, "username": username, "password": password}
        )

    @property
    def session(self) -> str | None:
        """The session cookie's value, if the browser holds one."""
        return self.cookies.get(SESSION)


@dataclass(frozen=True)
class Person:
    """A member with a username and a one-time password, and their agency's two admins."""

    member_id: str
    username: str
    password: str
    agency_id: str
    admins: tuple[str, str]


def altered(token: str) -> str:
    """``token`` with its first character changed: always a different token of the same shape."""
    first = "A" if token[0] != "A" else "B"
    return first + token[1:]


def username() -> str:
    """A username no other test uses."""
    return f"user.{uuid.uuid4().hex[:10]}"


def person(hub: LiveHub, *roles: str, agency_id: str | None = None) -> Person:
    """A new active member with a username and a one-time password (four-eyes twice)."""
    agency_id = agency_id or agency(hub)
    first, second = agency_admins(hub, agency_id)
    name = username()
    body = {
        "display_name": unique("Person"),
        "roles": list(roles or ("case_worker",)),
        "username": name,
    }
    created = ok(hub.client(first).post(f"/api/v1/agencies/{agency_id}/members", json=body), 201)
    approve(hub.client(second), created["proposal"]["id"])
    password = one_time_password(hub, created["id"], agency_id)
    return Person(created["id"], name, password, agency_id, (first, second))


def one_time_password(hub: LiveHub, member_id: str, agency_id: str | None = None) -> str:
    """Give a member who has a username a one-time password as production does: one admin
    proposes the reset (POST /api/v1/members/{id}/password-reset), a second approves it and is
    shown the password once. The member must change it at the first sign-in (/ui/password).

    ``agency_id``: the member's agency, whose two admins do it; None for a hub-level member (a hub
    auditor, say), reset by the hub admin and approved by the second hub admin.
    """
    if agency_id is None:
        proposer, approver = hub.admin, hub.client(second_hub_admin(hub))
    else:
        first, second = agency_admins(hub, agency_id)
        proposer, approver = hub.client(first), hub.client(second)
    reset = ok(proposer.post(f"/api/v1/members/{member_id}/password-reset"), 201)
    password: str = approve(approver, reset["id"])["initial_password"]
    return password


def signed_in(hub: LiveHub, who: Person, new_password: str | None = None) -> tuple[Browser, str]:
    """A browser where ``who`` signed in and chose a new password; and that password."""
    browser = Browser(hub)
    assert browser.sign_in(who.username, who.password).status_code == 303
    chosen = new_password or f"chosen-{uuid.uuid4().hex}"
    token = browser.csrf_of("/ui/password")
    answer = browser.post(
        "/ui/password",
        {
            "csrf_token": token,
            "current_password": who.password,
            "new_password": chosen,
            "repeat_password": chosen,
        },
    )
    assert answer.status_code == 303, answer.text[:500]
    return browser, chosen
