"""The credentials file of the people's commands, without a hub."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from livc_hub_client import BearerToken, RefreshedTokens, RefreshingBearer

from app.cli import session
from app.cli.common import CliError, Exit


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("LIVC_HUB_URL", raising=False)
    return tmp_path / "livc-hub"


def test_a_folder_left_open_is_closed_and_the_file_is_private(config: Path) -> None:
    config.mkdir(mode=0o755)
    config.chmod(0o755)
    first = session.Credential("bearer", token="token-one")
    session.store("http://127.0.0.1:9", first)
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    assert stat.S_IMODE((config / "credentials.json").stat().st_mode) == 0o600
    assert [p.name for p in config.iterdir()] == ["credentials.json"]  # no temporary file left
    assert session.signed_in(None) == ("http://127.0.0.1:9", first)


def test_one_credential_per_hub_and_never_another_hubs(config: Path) -> None:
    one = session.Credential("bearer", token="token-one")
    two = session.Credential("client_credentials", client_id="svc", client_secret="s3cret")
    session.store("http://127.0.0.1:9", one)
    session.store("https://hub.example.be", two)
    assert session.signed_in(None) == ("https://hub.example.be", two)  # the last one signed in
    assert session.signed_in("http://127.0.0.1:9/") == ("http://127.0.0.1:9", one)
    with pytest.raises(CliError) as refused:
        session.signed_in("https://other.example.be")
    assert refused.value.code == Exit.NOT_SIGNED_IN
    assert "s3cret" not in two.describe()
    assert "svc" in two.describe()
    assert "s3cret" not in repr(two)
    assert "token-one" not in repr(one)
    assert session.forget(None) == "https://hub.example.be"
    assert session.signed_in(None) == ("http://127.0.0.1:9", one)
    assert session.forget(None) == "http://127.0.0.1:9"
    assert not (config / "credentials.json").exists()
    assert session.forget(None) is None


@pytest.mark.parametrize(
    "url", ["http://hub.example.be", "ftp://127.0.0.1", "", "http://10.0.0.1:8000"]
)
def test_a_hub_url_is_https_or_this_machine(url: str) -> None:
    with pytest.raises(CliError) as refused:
        session.hub_url(url)
    assert refused.value.code == Exit.USAGE


IDP = "https://idp.example.be"


def _person(**changes: object) -> session.Credential:
    fields: dict[str, object] = {
        "token": "access-one",
        "refresh_token": "refresh-one",
        "issuer": IDP,
        "client_id": "livc-cli",
        "token_url": f"{IDP}/token",
        "expires_at": 1_900_000_000.0,
    }
    fields.update(changes)
    return session.Credential("bearer", **fields)  # type: ignore[arg-type]


def test_only_a_token_the_provider_can_renew_is_renewed() -> None:
    hub = "https://hub.example.be"
    assert isinstance(_person().auth(hub), RefreshingBearer)
    assert isinstance(_person().auth(hub, renew=False), BearerToken)
    for missing in ("refresh_token", "token_url", "client_id"):
        assert isinstance(_person(**{missing: None}).auth(hub), BearerToken)
    assert "refresh-one" not in repr(_person()) + repr(_person().auth(hub))


def test_renewed_tokens_replace_the_old_ones_and_keep_the_default(config: Path) -> None:
    hub, other = "https://hub.example.be", "http://127.0.0.1:9"
    session.store(hub, _person())
    session.store(other, session.Credential("bearer", token="token-two"))
    session.renewed(hub, _person(), RefreshedTokens("access-two", "refresh-two", 1_900_000_300.0))
    assert session.signed_in(hub) == (
        hub,
        _person(token="access-two", refresh_token="refresh-two", expires_at=1_900_000_300.0),
    )
    assert session.signed_in(None)[0] == other  # the default hub stays
    assert stat.S_IMODE((config / "credentials.json").stat().st_mode) == 0o600
    # An expiry the provider did not give is dropped, not kept from the old token.
    session.renewed(hub, _person(), RefreshedTokens("access-three", "refresh-two", None))
    assert session.signed_in(hub)[1].expires_at is None


def test_renewed_tokens_are_not_written_after_a_logout_or_another_sign_in(config: Path) -> None:
    hub = "https://hub.example.be"
    tokens = RefreshedTokens("access-two", "refresh-two", None)
    session.store(hub, _person())
    session.forget(hub)
    session.renewed(hub, _person(), tokens)
    assert not (config / "credentials.json").exists()
    elsewhere = _person(issuer="https://another-idp.example.be")
    session.store(hub, elsewhere)
    session.renewed(hub, _person(), tokens)
    assert session.signed_in(hub)[1] == elsewhere


def test_a_token_answer_says_when_it_expires() -> None:
    assert session.expires_at({"expires_in": 300}, now=1000.0) == 1300.0
    assert session.expires_at({"expires_in": "60"}, now=1000.0) == 1060.0
    for answer in ({}, {"expires_in": True}, {"expires_in": "soon"}, {"expires_in": -5}):
        assert session.expires_at(answer, now=1000.0) is None
