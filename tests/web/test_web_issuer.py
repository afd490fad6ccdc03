"""The web issuer: an in-memory P-256 key whose 60-second tokens the API accepts."""

from __future__ import annotations

import uuid

import pytest
from jose import jwt

from app.api.app import build_auth
from app.auth import AuthError, LocalIssuer
from app.settings import AuthSettings, ServerSettings, Settings, WebSettings
from app.web.session import WEB_ISSUER, WEB_TOKEN_TTL_SECONDS, new_issuer
from tests.support.live import LiveHub
from tests.support.web_client import person


def test_page_tokens_are_short_and_accepted_by_the_api(hub: LiveHub) -> None:
    who = person(hub)
    issuer = hub.server.config.app.state.hub.web_issuer
    assert isinstance(issuer, LocalIssuer)
    assert issuer.issuer == WEB_ISSUER
    token = issuer.issue(who.member_id, ttl_seconds=WEB_TOKEN_TTL_SECONDS)
    claims = jwt.get_unverified_claims(token)
    assert claims["exp"] - claims["iat"] == 60
    assert claims["iss"] == "livc-hub-web"
    me = hub.client(token=token).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["member_id"] == who.member_id


def test_each_process_makes_its_own_key_and_writes_none(tmp_path: object) -> None:
    settings = Settings(auth=AuthSettings(local_issuer_enabled=False))
    a, b = new_issuer(settings), new_issuer(settings)
    assert a.kid != b.kid
    verifier, _, _ = build_auth(settings, web_issuer=a)
    assert verifier.verify(a.issue(str(uuid.uuid4()))).issuer == WEB_ISSUER
    with pytest.raises(AuthError):
        verifier.verify(b.issue(str(uuid.uuid4())))  # another process's key is not trusted
    # Without the web issuer, its tokens are refused.
    alone, _, _ = build_auth(settings)
    with pytest.raises(AuthError):
        alone.verify(a.issue(str(uuid.uuid4())))


def test_a_cookie_without_secure_is_refused_unless_the_hub_listens_on_the_loopback() -> None:
    loose = WebSettings(cookie_secure=False)
    Settings(web=loose, server=ServerSettings(host="127.0.0.1")).check_web()
    with pytest.raises(ValueError, match="loopback"):
        Settings(web=loose, server=ServerSettings(host="0.0.0.0")).check_web()  # noqa: S104
    Settings(server=ServerSettings(host="0.0.0.0")).check_web()  # noqa: S104


def test_local_sign_in_is_off_by_default_in_production_only() -> None:
    from app.settings import Mode

    assert Settings(server=ServerSettings(mode=Mode.DEMO)).web_local_login
    assert Settings(server=ServerSettings(mode=Mode.DEVELOPMENT)).web_local_login
    assert not Settings(server=ServerSettings(mode=Mode.PRODUCTION)).web_local_login
    on = Settings(server=ServerSettings(mode=Mode.PRODUCTION), web=WebSettings(local_login=True))
    assert on.web_local_login


def test_the_identity_provider_is_reached_over_https_or_the_loopback_only() -> None:
    WebSettings(oidc_issuer="https://idp.example")
    WebSettings(oidc_issuer="http://127.0.0.1:9000")
    with pytest.raises(ValueError, match="https"):
        WebSettings(oidc_issuer="http://idp.example")
