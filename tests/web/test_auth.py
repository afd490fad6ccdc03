"""Web sign-in: passwords, sessions, sign-out, CSRF and the cookie (through the front door).

Each rule has a test that fails if the rule is removed.
"""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest

from tests.support.live import LiveHub
from tests.support.web_client import (
    LOGIN_CSRF,
    SESSION,
    Browser,
    altered,
    person,
    signed_in,
    username,
)
from tests.support.world import suspend
from tests.web.conftest import Clock

_ALERT = re.compile(r'role="alert">([^<]*)<')


def _alert(page: str) -> str | None:
    """The error message a page shows (Dutch: the default language)."""
    found = _ALERT.search(page)
    return html.unescape(found.group(1)) if found else None


def test_one_time_password_signs_in_and_must_be_changed_before_anything_else(
    hub: LiveHub,
) -> None:
    who = person(hub)
    browser = Browser(hub)
    answer = browser.sign_in(who.username, who.password)
    assert answer.status_code == 303
    assert browser.session
    # Any page but the password page sends the person to choose a new password first.
    assert browser.get("/ui/login").headers["location"] == "/ui/password"
    token = browser.csrf_of("/ui/password")
    refused = browser.post("/ui/language", {"csrf_token": token, "language": "fr"})
    assert refused.status_code == 303
    assert refused.headers["location"] == "/ui/password"
    changed = browser.post(
        "/ui/password",
        {
            "csrf_token": token,
            "current_password": who.password,
            "new_password": "a long new passphrase",
            "repeat_password": "a long new passphrase",
        },
    )
    assert changed.status_code == 303
    assert browser.get("/ui/login").headers["location"] == "/ui"
    # The one-time password is spent; the new one works.
    assert Browser(hub).sign_in(who.username, who.password).status_code == 401
    assert Browser(hub).sign_in(who.username, "a long new passphrase").status_code == 303


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("short", "Een wachtwoord heeft minstens 12 tekens."),
        ("SAME-AS-USERNAME", "Het wachtwoord mag niet uw gebruikersnaam zijn."),
        ("CURRENT", "Het nieuwe wachtwoord moet verschillen van het huidige."),
    ],
)
def test_a_weak_new_password_is_refused(hub: LiveHub, new: str, reason: str) -> None:
    who = person(hub)
    browser, chosen = signed_in(hub, who)
    new = {"SAME-AS-USERNAME": who.username.upper(), "CURRENT": chosen}.get(new, new)
    token = browser.csrf_of("/ui/password")
    answer = browser.post(
        "/ui/password",
        {
            "csrf_token": token,
            "current_password": chosen,
            "new_password": new,
            "repeat_password": new,
        },
    )
    assert answer.status_code == 422
    assert _alert(answer.text) == reason
    assert Browser(hub).sign_in(who.username, chosen).status_code == 303


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    hub: LiveHub,
) -> None:
    who = person(hub)
    browser, chosen = signed_in(hub, who)
    other = Browser(hub)
    assert other.sign_in(who.username, chosen).status_code == 303
    token = browser.csrf_of("/ui/password")
    form = {"csrf_token": token, "new_password": "x" * 20, "repeat_password": "x" * 20}
    wrong = browser.post("/ui/password", {**form, "current_password": "not the password"})
    assert wrong.status_code == 403
    assert other.get("/ui/password").status_code == 200
    right = browser.post("/ui/password", {**form, "current_password": chosen})
    assert right.status_code == 303
    assert browser.get("/ui/password").status_code == 200  # this session goes on
    assert other.get("/ui/password").headers["location"] == "/ui/login"


def test_wrong_password_and_unknown_user_get_the_same_answer_and_no_session(
    hub: LiveHub,
) -> None:
    who = person(hub)
    wrong, unknown = Browser(hub), Browser(hub)
    a = wrong.sign_in(who.username, "not the password at all")
    b = unknown.sign_in(username(), "not the password at all")
    assert a.status_code == b.status_code == 401
    assert wrong.session is None
    assert unknown.session is None
    assert _alert(a.text) == _alert(b.text) == "De gebruikersnaam of het wachtwoord klopt niet."


def test_an_unknown_user_costs_one_hash_as_a_wrong_password_does(hub: LiveHub) -> None:
    hasher = hub.server.config.app.state.hub.hub.hasher
    calls: list[str] = []
    real = hasher.verify

    async def counting(hashed: str, secret: str) -> bool:
        calls.append(hashed)
        return await real(hashed, secret)

    hasher.verify = counting
    try:
        assert Browser(hub).sign_in(username(), "whatever it is typed").status_code == 401
    finally:
        del hasher.verify
    assert len(calls) == 1
    assert calls[0].startswith("$argon2id$")


def test_attempts_per_username_are_limited(hub: LiveHub) -> None:
    who = person(hub)
    browser = Browser(hub)
    answers = [browser.sign_in(who.username, f"wrong {i}").status_code for i in range(6)]
    assert answers == [401] * 5 + [429]
    # Even the right password waits now; another username does not.
    limited = browser.sign_in(who.username, who.password)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert Browser(hub).sign_in(username(), "wrong").status_code == 401


def test_a_suspended_member_cannot_sign_in_and_their_session_ends_at_once(hub: LiveHub) -> None:
    who = person(hub)
    browser, chosen = signed_in(hub, who)
    assert browser.get("/ui/password").status_code == 200
    suspend(hub, who.member_id)
    assert browser.get("/ui/password").headers["location"] == "/ui/login"
    assert Browser(hub).sign_in(who.username, chosen).status_code == 401


def test_every_sign_in_gets_a_new_session_and_ends_the_old(hub: LiveHub) -> None:
    who = person(hub)
    browser, chosen = signed_in(hub, who)
    before = browser.session
    assert before
    # A signed-in browser is sent on from the sign-in page; it may still post the form.
    token = Browser(hub).csrf_of("/ui/login")
    browser.cookies[LOGIN_CSRF] = token
    form = {"csrf_token": token, "username": who.username, "password": chosen}
    assert browser.post("/ui/login", form).status_code == 303
    assert browser.session
    assert browser.session != before
    stale = Browser(hub)
    stale.cookies[SESSION] = before
    assert stale.get("/ui/password").headers["location"] == "/ui/login"


def test_a_planted_cookie_is_not_adopted(hub: LiveHub) -> None:
    who = person(hub)
    browser = Browser(hub)
    planted = "planted-" + uuid.uuid4().hex
    browser.cookies[SESSION] = planted
    assert browser.sign_in(who.username, who.password).status_code == 303
    assert browser.session != planted


def test_idle_timeout(hub: LiveHub, clock: Clock) -> None:
    who = person(hub)
    browser, _ = signed_in(hub, who)
    clock.advance(minutes=29)
    assert browser.get("/ui/password").status_code == 200  # and it is seen again now
    clock.advance(minutes=29)
    assert browser.get("/ui/password").status_code == 200
    clock.advance(minutes=30)
    assert browser.get("/ui/password").headers["location"] == "/ui/login"


def test_last_seen_is_written_at_most_once_a_minute(hub: LiveHub, clock: Clock) -> None:
    who = person(hub)
    browser, _ = signed_in(hub, who)
    clock.advance(minutes=29, seconds=30)
    assert browser.get("/ui/password").status_code == 200  # written: seen now
    clock.advance(seconds=59)
    assert browser.get("/ui/password").status_code == 200  # under a minute later: not written
    clock.advance(minutes=29, seconds=30)
    # 29.5 minutes after the last request, but 30.5 after the last write: idle.
    assert browser.get("/ui/password").headers["location"] == "/ui/login"


def test_absolute_timeout(hub: LiveHub, clock: Clock) -> None:
    who = person(hub)
    browser, _ = signed_in(hub, who)
    for _ in range(24):  # busy all day, never idle: 11 h 36 min
        clock.advance(minutes=29)
        assert browser.get("/ui/password").status_code == 200
    clock.advance(minutes=29)  # 12 h 5 min after sign-in
    assert browser.get("/ui/password").headers["location"] == "/ui/login"


def test_logout_ends_this_session_only(hub: LiveHub) -> None:
    who = person(hub)
    browser, chosen = signed_in(hub, who)
    other = Browser(hub)
    assert other.sign_in(who.username, chosen).status_code == 303
    kept = browser.session
    token = browser.csrf_of("/ui/password")
    answer = browser.post("/ui/logout", {"csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/signed-out"
    assert browser.session is None
    replay = Browser(hub)
    replay.cookies[SESSION] = kept or ""
    assert replay.get("/ui/password").headers["location"] == "/ui/login"
    assert other.get("/ui/password").status_code == 200


def test_logout_everywhere_ends_every_session_of_the_member(hub: LiveHub) -> None:
    who = person(hub)
    browser, chosen = signed_in(hub, who)
    other = Browser(hub)
    assert other.sign_in(who.username, chosen).status_code == 303
    someone_else, _ = signed_in(hub, person(hub))
    token = browser.csrf_of("/ui/password")
    assert browser.post("/ui/logout-everywhere", {"csrf_token": token}).status_code == 303
    assert other.get("/ui/password").headers["location"] == "/ui/login"
    assert someone_else.get("/ui/password").status_code == 200


@pytest.mark.parametrize("case", ["missing", "wrong", "other_session", "foreign_origin"])
def test_a_form_without_the_session_csrf_token_or_from_elsewhere_is_refused(
    hub: LiveHub, case: str
) -> None:
    who = person(hub)
    browser, _ = signed_in(hub, who)
    token = browser.csrf_of("/ui/password")
    other, _ = signed_in(hub, person(hub))
    data: dict[str, Any] = {
        "missing": {},
        "wrong": {"csrf_token": altered(token)},
        "other_session": {"csrf_token": other.csrf_of("/ui/password")},
        "foreign_origin": {"csrf_token": token},
    }[case]
    origin = "https://evil.example" if case == "foreign_origin" else ""
    answer = browser.post("/ui/logout", data, origin=origin)
    assert answer.status_code == 403
    assert browser.get("/ui/password").status_code == 200  # still signed in


def test_the_origin_check_falls_back_to_the_referer_and_refuses_neither(hub: LiveHub) -> None:
    who = person(hub)
    browser, _ = signed_in(hub, who)
    token = browser.csrf_of("/ui/password")
    foreign = {"Referer": "https://evil.example/ui/password"}
    answer = browser.post(
        "/ui/language", {"csrf_token": token, "language": "nl"}, origin=None, headers=foreign
    )
    assert answer.status_code == 403
    bare = browser.post("/ui/language", {"csrf_token": token, "language": "nl"}, origin=None)
    assert bare.status_code == 403
    own = {"Referer": f"{hub.base_url}/ui/password"}
    answer = browser.post(
        "/ui/language", {"csrf_token": token, "language": "fr"}, origin="null", headers=own
    )
    assert answer.status_code == 303


@pytest.mark.parametrize("case", ["no_cookie", "mismatch", "foreign_origin"])
def test_the_sign_in_form_is_protected_by_its_double_submit_cookie(hub: LiveHub, case: str) -> None:
    who = person(hub)
    browser = Browser(hub)
    token = browser.csrf_of("/ui/login")
    if case == "no_cookie":
        browser.cookies.pop(LOGIN_CSRF)
    data = {"csrf_token": token, "username": who.username, "password": who.password}
    if case == "mismatch":
        data["csrf_token"] = altered(token)
    origin = "https://evil.example" if case == "foreign_origin" else ""
    answer = browser.post("/ui/login", data, origin=origin)
    assert answer.status_code == 403
    assert browser.session is None


def test_cookie_attributes(hub: LiveHub) -> None:
    who = person(hub)
    browser = Browser(hub)
    browser.sign_in(who.username, who.password)
    header = next(c for c in browser.set_cookies if c.startswith(f"{SESSION}="))
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert {"secure", "httponly", "samesite", "path"} <= attributes
    assert "samesite=strict" in header.lower()
    assert "path=/" in header.lower()
    assert "domain" not in attributes
    assert "max-age" not in attributes
    login_csrf = next(c for c in browser.set_cookies if c.startswith(f"{LOGIN_CSRF}="))
    assert "httponly" in login_csrf.lower()
    assert "samesite=strict" in login_csrf.lower()


def test_ui_pages_carry_the_security_headers(hub: LiveHub) -> None:
    page = Browser(hub).get("/ui/login")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"


def test_password_sign_in_can_be_switched_off(hub: LiveHub) -> None:
    who = person(hub)
    web = hub.server.config.app.state.hub.settings.web
    browser = Browser(hub)
    token = browser.csrf_of("/ui/login")
    web.local_login = False
    try:
        page = browser.get("/ui/login")
        assert 'name="password"' not in page.text
        form = {"csrf_token": token, "username": who.username, "password": who.password}
        answer = browser.post("/ui/login", form)
    finally:
        web.local_login = None
    assert answer.status_code == 404
    assert browser.session is None


def test_attempts_per_address_are_limited_whatever_the_username(hub: LiveHub) -> None:
    from app.api.throttle import Throttle

    guards = hub.server.config.app.state.hub.guards
    saved = guards.throttle
    guards.throttle = Throttle(
        "memory://",
        {"login_address": "3/minute", "login_username": "100/minute", "password_member": "9/hour"},
    )
    try:
        answers = [Browser(hub).sign_in(username(), "wrong").status_code for _ in range(4)]
    finally:
        guards.throttle = saved
    assert answers == [401, 401, 401, 429]
