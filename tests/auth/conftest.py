"""Keys shared by the auth tests: generated once per session (RSA generation is slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.auth import LocalIssuer
from tests.auth.support import AUDIENCE, HUB, IDP


@pytest.fixture(scope="session")
def es_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("es") / "issuer.pem"


@pytest.fixture(scope="session")
def es(es_path: Path) -> LocalIssuer:
    """The hub's local ES256 issuer."""
    return LocalIssuer.load_or_create(es_path, issuer=HUB, audience=AUDIENCE)


@pytest.fixture(scope="session")
def es_pem(es: LocalIssuer, es_path: Path) -> bytes:
    return es_path.read_bytes()


@pytest.fixture(scope="session")
def idp_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("idp") / "idp.pem"


@pytest.fixture(scope="session")
def idp(idp_path: Path) -> LocalIssuer:
    """An external identity provider signing RS256 (published through a JWKS)."""
    return LocalIssuer.load_or_create(idp_path, issuer=IDP, audience=AUDIENCE, algorithm="RS256")


@pytest.fixture(scope="session")
def idp_pem(idp: LocalIssuer, idp_path: Path) -> bytes:
    return idp_path.read_bytes()


@pytest.fixture(scope="session")
def idp_next(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    """The identity provider's next key, after a rotation."""
    return LocalIssuer.load_or_create(
        tmp_path_factory.mktemp("idp-next") / "idp.pem",
        issuer=IDP,
        audience=AUDIENCE,
        algorithm="RS256",
    )
