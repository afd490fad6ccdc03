"""The credentials file of the people's commands, without a hub."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

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
