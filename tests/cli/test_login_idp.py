"""``livc-hub login --browser`` and ``--device`` at the identity provider, end to end.

A stand-in provider (tests/support/cli_idp.py) serves discovery, authorize, token, device and
JWKS on 127.0.0.1 and signs real ES256 tokens; a second worker of the test hub trusts its JWKS
and names it in ``/.well-known/oauth-protected-resource``. The "browser" is an HTTP client in a
thread: it opens the authorization URL the command gives it and follows the provider's redirect
to the command's loopback listener, as a browser would.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.cli import browser as browser_flow
from app.cli import device as device_flow
from app.cli import main
from tests.support.cli_idp import CLI_CLIENT, StandInIdp, hub_trusting
from tests.support.live import LiveHub
from tests.support.timing import http_timeout, scaled
from tests.support.world import agency, member


@pytest.fixture(scope="module")
def idp() -> Iterator[StandInIdp]:
    provider = StandInIdp().start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="module")
def idp_hub(hub: LiveHub, idp: StandInIdp) -> Iterator[LiveHub]:
    worker = hub_trusting(hub, idp)
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def provider(idp: StandInIdp, idp_hub: LiveHub) -> StandInIdp:
    """The provider, signing in a new case worker of the hub."""
    idp.reset(member(idp_hub, agency(idp_hub), "case_worker"))
    return idp


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("COLUMNS", "400")  # the authorization URL on one line
    for name in ("LIVC_HUB_URL", "LIVC_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return config / "livc-hub"


@dataclass
class Browser:
    """Opens what the command opens: follows the redirects to the loopback listener."""

    visits: bool = True
    opened: list[str] = field(default_factory=list)
    pages: list[httpx.Response] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def open(self, url: str) -> bool:
        self.opened.append(url)
        if self.visits:
            thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
            thread.start()
            self.threads.append(thread)
        return True

    def _visit(self, url: str) -> None:
        with httpx.Client(follow_redirects=True, timeout=http_timeout()) as client:
            self.pages.append(client.get(url))

    def page(self) -> httpx.Response:
        for thread in self.threads:
            thread.join(scaled(30))
        assert len(self.pages) == 1
        return self.pages[0]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Browser:
    person = Browser()
    monkeypatch.setattr(browser_flow, "OPEN", person.open)
    return person


def run(args: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def stored(config: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((config / "credentials.json").read_text())
    return data


def test_browser_sign_in_stores_the_providers_token_and_it_works(
    provider: StandInIdp,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["login", "--hub", idp_hub.base_url, "--browser", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out) == {
        "hub": idp_hub.base_url,
        "member_id": provider.subject,
        "roles": ["case_worker"],
    }
    # The request: a public client with PKCE S256, a state, a nonce, a loopback redirect.
    [asked] = provider.authorize_requests
    assert asked["client_id"] == CLI_CLIENT
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) == 43
    assert len(asked["state"]) >= 32
    assert len(asked["nonce"]) >= 32
    redirect = urlsplit(asked["redirect_uri"])
    assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1", "/callback")
    assert "openid" in asked["scope"].split()
    [exchanged] = provider.token_requests
    assert exchanged["grant_type"] == "authorization_code"
    assert exchanged["code_verifier"]
    # The page opened is the one printed.
    [opened] = browser.opened
    assert opened in err
    assert parse_qs(urlsplit(opened).query)["state"] == [asked["state"]]
    # The browser is told to close the window, in Dutch and French, under a strict CSP.
    page = browser.page()
    assert page.status_code == 200
    assert "venster sluiten" in page.text
    assert "fermer cette fenêtre" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "form-action 'none'" in csp
    assert page.headers["referrer-policy"] == "no-referrer"
    style = re.search(r"<style>(.*?)</style>", page.text)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp  # the one style, and nothing else, may apply
    # Stored like every credential, with what renews it.
    credential = stored(config)["hubs"][idp_hub.base_url]
    assert credential["kind"] == "bearer"
    assert credential["issuer"] == provider.base_url
    assert credential["client_id"] == CLI_CLIENT
    assert credential["token_url"] == f"{provider.base_url}/token"
    assert credential["refresh_token"]
    assert abs(credential["expires_at"] - (time.time() + 300)) < scaled(60)
    assert all(credential[s] not in err + out for s in ("token", "refresh_token"))
    who_code, who, _ = run(["whoami", "--json"], capsys)
    assert who_code == 0
    assert json.loads(who)["member_id"] == provider.subject
    assert len(provider.token_requests) == 1  # a valid token is not renewed


def test_a_denied_sign_in_exits_4_and_stores_nothing(
    provider: StandInIdp,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider.deny = True
    code, _, err = run(["login", "--hub", idp_hub.base_url, "--browser"], capsys)
    assert code == 4
    assert "denied" in err
    assert "aanmelding is niet gelukt" in browser.page().text
    assert provider.token_requests == []
    assert not (config / "credentials.json").exists()


def test_an_answer_for_another_sign_in_exits_3_and_no_code_is_exchanged(
    provider: StandInIdp,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider.forge_state = True
    code, _, err = run(["login", "--hub", idp_hub.base_url, "--browser"], capsys)
    assert code == 3
    assert "state mismatch" in err
    assert provider.token_requests == []
    # The right state, but the answer says another provider issued the code (RFC 9207).
    provider.forge_state, provider.other_iss = False, True
    code, _, err = run(["login", "--hub", idp_hub.base_url, "--browser"], capsys)
    assert code == 3
    assert "another identity provider" in err
    assert provider.token_requests == []
    assert not (config / "credentials.json").exists()


def test_an_id_token_of_another_sign_in_exits_3(
    provider: StandInIdp,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider.wrong_nonce = True
    code, _, err = run(["login", "--hub", idp_hub.base_url, "--browser"], capsys)
    assert code == 3
    assert "ID token was refused (wrong_nonce)" in err
    assert not (config / "credentials.json").exists()


def test_nobody_signing_in_in_time_exits_3(
    provider: StandInIdp,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    browser.visits = False  # the page is opened, and left alone
    monkeypatch.setattr(browser_flow, "TIMEOUT", 0.2)
    code, _, err = run(["login", "--hub", idp_hub.base_url, "--browser"], capsys)
    assert code == 3
    assert "no sign-in within 0.2 seconds" in err
    assert len(browser.opened) == 1
    assert not (config / "credentials.json").exists()


def test_a_provider_that_is_down_exits_8(
    provider: StandInIdp,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider.down = True
    code, _, err = run(["login", "--hub", idp_hub.base_url, "--browser"], capsys)
    assert code == 8
    assert "identity provider is unavailable" in err
    assert browser.opened == []
    with socket.socket() as closed:  # an issuer on this machine that nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    args = ["--browser", "--issuer", f"http://127.0.0.1:{port}"]
    code, _, err = run(["login", "--hub", idp_hub.base_url, *args], capsys)
    assert code == 8
    assert "identity provider is unavailable" in err
    assert not (config / "credentials.json").exists()


def test_a_subject_that_is_no_member_exits_3_and_stores_nothing(
    provider: StandInIdp,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider.subject = str(uuid.uuid4())  # signed by the provider, but nobody at the hub
    code, _, err = run(["login", "--hub", idp_hub.base_url, "--browser"], capsys)
    assert code == 3
    assert "subject (sub) must be your member id" in err
    assert not (config / "credentials.json").exists()


def test_issuer_and_client_id_override_discovery(
    provider: StandInIdp,
    hub: LiveHub,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # --issuer skips the hub's metadata, so the client id is the command's to give.
    args = ["--browser", "--issuer", provider.base_url, "--client-id", CLI_CLIENT]
    code, _, err = run(["login", "--hub", idp_hub.base_url, *args], capsys)
    assert code == 0, err
    assert stored(config)["hubs"][idp_hub.base_url]["issuer"] == provider.base_url
    assert provider.authorize_requests[-1]["client_id"] == CLI_CLIENT
    # Plain http to another machine would carry the code in the clear: refused before anything.
    args = ["--browser", "--issuer", "http://idp.example.org"]
    code, _, err = run(["login", "--hub", hub.base_url, *args], capsys)
    assert code == 2
    assert "--issuer must be an https:// URL" in err


def test_device_goes_to_the_provider_when_it_offers_the_grant(
    provider: StandInIdp,
    idp_hub: LiveHub,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider.device = True
    slept: list[float] = []
    monkeypatch.setattr(device_flow, "WAIT", device_flow.Waiting(sleep=slept.append))
    code, _, err = run(["login", "--hub", idp_hub.base_url, "--device"], capsys)
    assert code == 0, err
    assert f"{provider.base_url}/activate" in err
    assert "WDJB-MJHT" in err
    assert slept == [1, 1]  # the provider's interval; the first poll was still pending
    credential = stored(config)["hubs"][idp_hub.base_url]
    assert credential["issuer"] == provider.base_url
    assert credential["refresh_token"]
    assert credential["expires_at"] > time.time()
    provider.reset(provider.subject)
    provider.device, provider.deny = True, True
    code, _, err = run(["login", "--hub", idp_hub.base_url, "--device"], capsys)
    assert code == 4
    assert "denied" in err


def _signed_in(
    provider: StandInIdp, idp_hub: LiveHub, config: Path, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    code, _, err = run(["login", "--hub", idp_hub.base_url, "--browser"], capsys)
    assert code == 0, err
    provider.token_requests.clear()
    credential: dict[str, Any] = stored(config)["hubs"][idp_hub.base_url]
    return credential


def _store(config: Path, hub: str, drop: Sequence[str] = (), **changes: Any) -> None:
    """Let time pass in the credentials file: what a token stored long ago looks like."""
    data = stored(config)
    for name in drop:
        del data["hubs"][hub][name]
    data["hubs"][hub].update(changes)
    (config / "credentials.json").write_text(json.dumps(data))


def test_an_expired_token_is_renewed_with_the_refresh_token_and_stored(
    provider: StandInIdp,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _signed_in(provider, idp_hub, config, capsys)
    # An hour later: the hub refuses the access token (401); when it expires was not kept.
    expired = provider.expired(provider.subject)
    _store(config, idp_hub.base_url, drop=["expires_at"], token=expired)
    code, out, err = run(["exchanges", "list", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out) == []
    [renewal] = provider.token_requests
    assert renewal == {
        "grant_type": "refresh_token",
        "refresh_token": before["refresh_token"],
        "client_id": CLI_CLIENT,
    }
    after = stored(config)
    renewed = after["hubs"][idp_hub.base_url]
    # The new access token and the rotated refresh token, in place of the old ones.
    assert renewed["token"] not in (before["token"], expired)
    assert renewed["refresh_token"] != before["refresh_token"]
    assert renewed["refresh_token"] in provider.refresh_tokens
    assert renewed["expires_at"] > time.time()
    assert {
        k: v for k, v in renewed.items() if k not in ("token", "refresh_token", "expires_at")
    } == {k: v for k, v in before.items() if k not in ("token", "refresh_token", "expires_at")}
    assert after["default"] == idp_hub.base_url
    assert (config / "credentials.json").stat().st_mode & 0o777 == 0o600
    assert all(secret not in out + err for secret in renewed.values() if len(str(secret)) > 20)
    # The next command uses the stored token: nothing renewed.
    code, _, err = run(["whoami", "--json"], capsys)
    assert code == 0, err
    assert len(provider.token_requests) == 1


def test_a_token_about_to_expire_is_renewed_before_it_is_sent(
    provider: StandInIdp,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider.access_ttl = 20  # less than the 30 s the command renews ahead
    before = _signed_in(provider, idp_hub, config, capsys)
    assert before["expires_at"] < time.time() + 21
    provider.access_ttl = 300
    code, _, err = run(["whoami", "--json"], capsys)
    assert code == 0, err
    assert [r["grant_type"] for r in provider.token_requests] == ["refresh_token"]
    renewed = stored(config)["hubs"][idp_hub.base_url]
    assert renewed["expires_at"] > time.time() + 200
    assert renewed["refresh_token"] != before["refresh_token"]


def test_a_refused_renewal_exits_3_and_says_sign_in_again(
    provider: StandInIdp,
    idp_hub: LiveHub,
    browser: Browser,
    config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _signed_in(provider, idp_hub, config, capsys)
    _store(config, idp_hub.base_url, token=provider.expired(provider.subject))
    provider.refuse_refresh = True  # the refresh token was revoked, or is too old
    before = stored(config)
    code, out, err = run(["exchanges", "list"], capsys)
    assert code == 3
    assert "refused to renew the token (invalid_grant): sign in again" in err
    assert "livc-hub login" in err
    credential = before["hubs"][idp_hub.base_url]
    assert credential["token"] not in out + err
    assert credential["refresh_token"] not in out + err
    assert stored(config) == before  # nothing renewed, nothing stored
