"""Sign-in through the identity provider (a fake one on 127.0.0.1): code flow, PKCE, state, nonce."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from tests.support.fake_idp import CLIENT_ID, CLIENT_SECRET, FakeIdp
from tests.support.live import LiveHub
from tests.support.timing import http_timeout
from tests.support.web_client import Browser, person


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeIdp]:
    provider = FakeIdp().start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def oidc(hub: LiveHub, idp: FakeIdp) -> Iterator[FakeIdp]:
    """The running hub, configured for the fake provider for one test."""
    web = hub.server.config.app.state.hub.settings.web
    saved = web.model_dump()
    web.oidc_issuer = idp.base_url
    web.oidc_client_id = CLIENT_ID
    web.oidc_client_secret = SecretStr(CLIENT_SECRET)
    web.oidc_redirect_url = f"{hub.base_url}/ui/login/oidc/callback"
    idp.nonce_override = None
    idp.extra_claims = {}
    try:
        yield idp
    finally:
        for name, value in saved.items():
            setattr(web, name, value)


def _to_provider(browser: Browser) -> str:
    start = browser.get("/ui/login/oidc")
    assert start.status_code == 303, start.text[:300]
    return start.headers["location"]


def _back_from_provider(url: str) -> str:
    with httpx.Client(timeout=http_timeout()) as client:
        answer = client.get(url)
    assert answer.status_code == 303
    back = urlsplit(answer.headers["location"])
    return f"{back.path}?{back.query}"


def test_happy_path_with_pkce_state_and_nonce(hub: LiveHub, oidc: FakeIdp) -> None:
    who = person(hub)
    oidc.subject = who.member_id
    browser = Browser(hub)
    url = _to_provider(browser)
    sent = parse_qs(urlsplit(url).query)
    assert sent["code_challenge_method"] == ["S256"]
    assert sent["response_type"] == ["code"]
    assert all(sent[k][0] for k in ("state", "nonce", "code_challenge"))
    oidc_cookie = next(c for c in browser.set_cookies if c.startswith("__Host-livc_oidc="))
    assert "samesite=lax" in oidc_cookie.lower()
    assert "httponly" in oidc_cookie.lower()
    landed = browser.get(_back_from_provider(url))
    assert landed.status_code == 200, landed.text[:300]
    assert landed.headers["refresh"] == "0;url=/ui"
    assert browser.session
    assert browser.get("/ui/password").status_code == 200
    # The hub sent the verifier whose S256 challenge it had sent.
    assert oidc.token_requests[-1]["code_verifier"]


def _fails(browser: Browser, path: str) -> None:
    answer = browser.get(path)
    assert answer.status_code == 400
    assert browser.session is None


def test_a_tampered_state_is_refused(hub: LiveHub, oidc: FakeIdp) -> None:
    oidc.subject = person(hub).member_id
    browser = Browser(hub)
    path = _back_from_provider(_to_provider(browser))
    _fails(browser, path.replace("state=", "state=x"))


def test_a_callback_in_another_browser_is_refused(hub: LiveHub, oidc: FakeIdp) -> None:
    # Login CSRF: someone else's callback URL does not sign this browser in.
    oidc.subject = person(hub).member_id
    path = _back_from_provider(_to_provider(Browser(hub)))
    _fails(Browser(hub), path)


def test_a_replayed_state_is_refused(hub: LiveHub, oidc: FakeIdp) -> None:
    oidc.subject = person(hub).member_id
    browser = Browser(hub)
    url = _to_provider(browser)
    cookie = browser.cookies["__Host-livc_oidc"]
    path = _back_from_provider(url)
    assert browser.get(path).status_code == 200
    replay = Browser(hub)
    replay.cookies["__Host-livc_oidc"] = cookie
    _fails(replay, path)


def test_a_wrong_nonce_is_refused(hub: LiveHub, oidc: FakeIdp) -> None:
    oidc.subject = person(hub).member_id
    oidc.nonce_override = "a nonce of another sign-in"
    browser = Browser(hub)
    _fails(browser, _back_from_provider(_to_provider(browser)))


def test_the_pkce_verifier_is_checked(hub: LiveHub, oidc: FakeIdp) -> None:
    oidc.subject = person(hub).member_id
    browser = Browser(hub)
    path = _back_from_provider(_to_provider(browser))
    hub.database.execute(
        "UPDATE oidc_logins SET code_verifier = 'not-the-verifier-of-the-challenge'"
    )
    _fails(browser, path)
    assert oidc.token_requests[-1]["code_verifier"] == "not-the-verifier-of-the-challenge"


def test_an_unknown_or_suspended_member_is_not_signed_in(hub: LiveHub, oidc: FakeIdp) -> None:
    from tests.support.world import suspend

    who = person(hub)
    suspend(hub, who.member_id)
    for subject in (who.member_id, "not-a-member"):
        oidc.subject = subject
        browser = Browser(hub)
        _fails(browser, _back_from_provider(_to_provider(browser)))


def test_the_username_claim_can_name_the_member(hub: LiveHub, oidc: FakeIdp) -> None:
    web = hub.server.config.app.state.hub.settings.web
    web.oidc_member_claim = "preferred_username"
    who = person(hub)
    oidc.subject = "idp-subject-123"
    oidc.extra_claims = {"preferred_username": who.username.upper()}
    browser = Browser(hub)
    assert browser.get(_back_from_provider(_to_provider(browser))).status_code == 200
    assert browser.session
