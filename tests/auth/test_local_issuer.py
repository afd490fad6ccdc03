"""LocalIssuer: the key file, the kid (RFC 7638 thumbprint), the tokens and the JWKS it issues."""

from __future__ import annotations

import os
import stat
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from jose import jwt

from app.auth import AuthError, LocalIssuer, StaticKeySource
from app.auth.local_issuer import jwk_thumbprint
from app.db.files import create_private_file
from tests.auth.support import AUDIENCE, HUB, NOW, T, verifier


def test_the_key_is_created_private_persisted_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "issuer.pem"
    first = LocalIssuer.load_or_create(path, issuer=HUB, audience=AUDIENCE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert [p.name for p in path.parent.iterdir()] == ["issuer.pem"]  # no temp files left
    again = LocalIssuer.load_or_create(path, issuer=HUB, audience=AUDIENCE)
    assert again.kid == first.kid
    assert again.public_jwk() == first.public_jwk()
    # A token from before the restart still verifies.
    assert verifier(again.key_source()).verify(first.issue("m", now=NOW)).subject == "m"


def test_the_file_mode_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        LocalIssuer.load_or_create(tmp_path / "k.pem", issuer=HUB, audience=AUDIENCE)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600


def test_an_rs256_issuer(idp: LocalIssuer, idp_path: Path) -> None:
    assert idp.algorithm == "RS256"
    jwk = idp.public_jwk()
    assert (jwk["kty"], jwk["alg"], jwk["e"]) == ("RSA", "RS256", "AQAB")
    assert stat.S_IMODE(idp_path.stat().st_mode) == 0o600
    token = idp.issue("m", now=NOW)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert verifier(idp.key_source()).verify(token).subject == "m"


def test_an_existing_key_of_another_algorithm_is_refused(es: LocalIssuer, es_path: Path) -> None:
    # `es` first: without it, es_path would not exist yet and an RS256 key would be made there.
    with pytest.raises(ValueError, match="ES256 key, not RS256"):
        LocalIssuer.load_or_create(es_path, issuer=HUB, audience=AUDIENCE, algorithm="RS256")


def test_unsupported_algorithms_and_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ES256 or RS256"):
        LocalIssuer.load_or_create(
            tmp_path / "h.pem", issuer=HUB, audience=AUDIENCE, algorithm="HS256"
        )
    assert not (tmp_path / "h.pem").exists()
    (tmp_path / "junk.pem").write_bytes(b"not a key")
    with pytest.raises(ValueError, match="PEM private key"):
        LocalIssuer.load_or_create(tmp_path / "junk.pem", issuer=HUB, audience=AUDIENCE)
    ed = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "ed.pem").write_bytes(ed)
    with pytest.raises(ValueError, match="P-256 or RSA"):
        LocalIssuer.load_or_create(tmp_path / "ed.pem", issuer=HUB, audience=AUDIENCE)


def test_creation_never_overwrites_a_key_that_appeared_meanwhile(
    tmp_path: Path, es_pem: bytes
) -> None:
    path = tmp_path / "k.pem"
    path.write_bytes(es_pem)
    assert not create_private_file(path, b"another key")
    assert path.read_bytes() == es_pem
    assert [p.name for p in tmp_path.iterdir()] == ["k.pem"]


def test_the_kid_is_the_rfc_7638_thumbprint(es: LocalIssuer, idp: LocalIssuer) -> None:
    # The example of RFC 7638, section 3.1.
    rfc_key = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
            "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Q"
            "vzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh"
            "6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
    }
    assert jwk_thumbprint(rfc_key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    for issuer in (es, idp):
        jwk = issuer.public_jwk()
        required = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
        assert issuer.kid == jwk["kid"] == jwk_thumbprint({k: jwk[k] for k in required})


def test_issued_tokens_carry_every_claim_and_header(es: LocalIssuer) -> None:
    token = es.issue("member-9", ttl_seconds=900, extra={"roles": ["analyst"]}, now=NOW)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256"
    assert header["kid"] == es.kid
    body = jwt.get_unverified_claims(token)
    assert body["iss"] == HUB
    assert body["aud"] == AUDIENCE
    assert body["sub"] == "member-9"
    assert body["iat"] == body["nbf"] == T
    assert body["exp"] == T + 900
    assert body["roles"] == ["analyst"]
    assert uuid.UUID(body["jti"]).version == 4
    assert body["jti"] != jwt.get_unverified_claims(es.issue("member-9", now=NOW))["jti"]


def test_issue_rejects_bad_arguments(es: LocalIssuer) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        es.issue("m", now=datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="ttl_seconds"):
        es.issue("m", ttl_seconds=0, now=NOW)
    with pytest.raises(ValueError, match="subject"):
        es.issue("", now=NOW)
    with pytest.raises(ValueError, match="'aud', 'sub'"):
        es.issue("m", extra={"sub": "admin", "aud": "other"}, now=NOW)


def test_the_jwks_publishes_only_the_public_key(es: LocalIssuer) -> None:
    document = es.jwks()
    assert document == {"keys": [es.public_jwk()]}
    (jwk,) = document["keys"]
    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    assert (jwk["alg"], jwk["use"], jwk["kid"]) == ("ES256", "sig", es.kid)
    jwk["kid"] = "changed"  # a copy: the issuer is not affected
    assert es.public_jwk()["kid"] == es.kid
    assert "PRIVATE" not in repr(es)
    assert "key=***" in repr(es)


def test_the_key_source_verifies_only_this_issuer(es: LocalIssuer, idp: LocalIssuer) -> None:
    source = es.key_source()
    assert isinstance(source, StaticKeySource)
    key = source.get(es.kid)
    assert key is not None
    assert key.algorithm == "ES256"
    assert source.get(idp.kid) is None
    source.refresh()
    assert source.get(es.kid) == key


def test_a_token_outlives_nothing_but_its_ttl(es: LocalIssuer) -> None:
    token = es.issue("m", ttl_seconds=60, now=NOW)
    assert verifier(es.key_source(), now=NOW + timedelta(seconds=89)).verify(token)
    with pytest.raises(AuthError, match="expired"):
        verifier(es.key_source(), now=NOW + timedelta(seconds=90)).verify(token)
