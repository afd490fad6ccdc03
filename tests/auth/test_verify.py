"""Token verification without HTTP: pinned algorithms, the injected clock, JWKS caching."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jose import jwt

from app.auth import (
    AuthError,
    JwksKeySource,
    LocalIssuer,
    StaticKeySource,
    TokenVerifier,
    VerificationKey,
    hash_secret,
    new_client_secret,
    verify_secret,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def es(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer.load_or_create(
        tmp_path_factory.mktemp("es") / "k.pem", issuer="hub", audience="livc"
    )


@pytest.fixture(scope="module")
def rs(tmp_path_factory: pytest.TempPathFactory) -> LocalIssuer:
    return LocalIssuer.load_or_create(
        tmp_path_factory.mktemp("rs") / "k.pem", issuer="idp", audience="livc", algorithm="RS256"
    )


def verifier(*issuers: LocalIssuer, now: datetime = NOW) -> TokenVerifier:
    return TokenVerifier(
        sources=[i.key_source() for i in issuers],
        issuer=[i.issuer for i in issuers],
        audience="livc",
        leeway_seconds=30,
        now=lambda: now,
    )


def test_valid_tokens_from_both_algorithms(es: LocalIssuer, rs: LocalIssuer) -> None:
    v = verifier(es, rs)
    assert v.verify(es.issue("m1", now=NOW)).subject == "m1"
    claims = v.verify(rs.issue("m2", now=NOW))
    assert claims.subject == "m2"
    assert claims.issuer == "idp"
    assert claims.expires_at == NOW + timedelta(hours=1)


def test_time_claims_use_the_injected_clock_with_leeway(es: LocalIssuer) -> None:
    token = es.issue("m", ttl_seconds=600, now=NOW)
    assert verifier(es, now=NOW + timedelta(seconds=620)).verify(token).subject == "m"
    with pytest.raises(AuthError) as expired:
        verifier(es, now=NOW + timedelta(seconds=700)).verify(token)
    assert expired.value.reason == "expired"
    assert verifier(es, now=NOW - timedelta(seconds=20)).verify(token).subject == "m"
    with pytest.raises(AuthError) as early:
        verifier(es, now=NOW - timedelta(seconds=120)).verify(token)
    assert early.value.reason == "not_yet_valid"


def test_algorithm_is_pinned_per_key(es: LocalIssuer, rs: LocalIssuer) -> None:
    # A key registered under the ES issuer's kid but pinned to RS256: ES256 tokens must fail.
    pinned = VerificationKey(kid=es.kid, algorithm="RS256", jwk=es.public_jwk())
    v = TokenVerifier(
        sources=[StaticKeySource([pinned])], issuer="hub", audience="livc", now=lambda: NOW
    )
    with pytest.raises(AuthError) as err:
        v.verify(es.issue("m", now=NOW))
    assert err.value.reason == "algorithm_not_allowed"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"alg": "none"}, "algorithm_not_allowed"),
        ({"alg": "HS256"}, "algorithm_not_allowed"),
        ({"alg": "ES256"}, "unknown_key"),
        ({"alg": "ES256", "kid": "who"}, "unknown_key"),
    ],
)
def test_header_checks_come_first(es: LocalIssuer, header: dict[str, Any], reason: str) -> None:
    claims = {"iss": "hub", "aud": "livc", "sub": "m", "nbf": 0, "exp": 2**40}
    with pytest.raises(AuthError) as err:
        verifier(es).verify(f"{_b64(header)}.{_b64(claims)}.c2ln")
    assert err.value.reason == reason


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "other"}, "wrong_audience"),
        ({"iss": "evil"}, "wrong_issuer"),
        ({"exp": None}, "missing_claim"),
        ({"nbf": None}, "missing_claim"),
        ({"sub": None}, "missing_claim"),
        ({"exp": "tomorrow"}, "missing_claim"),
    ],
)
def test_claims_are_required_and_checked(
    es: LocalIssuer, tmp_path: Path, claims: dict[str, Any], reason: str
) -> None:
    base = {
        "iss": "hub",
        "aud": "livc",
        "sub": "m",
        "nbf": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 60,
    }
    base.update(claims)
    payload = {k: v for k, v in base.items() if v is not None}
    pem = es._pem
    token = jwt.encode(payload, pem, algorithm="ES256", headers={"kid": es.kid})
    with pytest.raises(AuthError) as err:
        verifier(es).verify(token)
    assert err.value.reason == reason


def test_tampered_and_foreign_signatures_fail(es: LocalIssuer, rs: LocalIssuer) -> None:
    head, _, sig = es.issue("m", now=NOW).split(".")
    forged = {"iss": "hub", "aud": "livc", "sub": "admin", "nbf": 0, "exp": 2**40}
    with pytest.raises(AuthError) as err:
        verifier(es).verify(f"{head}.{_b64(forged)}.{sig}")
    assert err.value.reason == "bad_signature"


@given(st.text(max_size=300))
def test_garbage_only_ever_raises_auth_error(text: str) -> None:
    with pytest.raises(AuthError):
        TokenVerifier(sources=[], issuer="hub", audience="livc").verify(text)


class FakeIdp:
    def __init__(self, issuer: LocalIssuer) -> None:
        self.keys = [issuer.public_jwk()]
        self.calls = 0
        self.down = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.down:
            return httpx.Response(503)
        return httpx.Response(200, json={"keys": self.keys})


def test_jwks_is_cached_refreshed_on_unknown_kid_and_rate_limited(
    rs: LocalIssuer, tmp_path: Path
) -> None:
    idp = FakeIdp(rs)
    clock = [1000.0]
    source = JwksKeySource(
        "https://idp.invalid/jwks",
        client=httpx.Client(transport=httpx.MockTransport(idp.handler)),
        ttl_seconds=300,
        min_refresh_interval=10,
        clock=lambda: clock[0],
    )
    v = TokenVerifier(sources=[source], issuer="idp", audience="livc", now=lambda: NOW)
    for _ in range(5):
        v.verify(rs.issue("m", now=NOW))
    assert idp.calls == 1
    newcomer = LocalIssuer.load_or_create(
        tmp_path / "new.pem", issuer="idp", audience="livc", algorithm="RS256"
    )
    with pytest.raises(AuthError):
        v.verify(newcomer.issue("m", now=NOW))  # unknown, and refreshed too recently
    assert idp.calls == 1
    idp.keys.append(newcomer.public_jwk())
    clock[0] += 11
    assert v.verify(newcomer.issue("m", now=NOW)).subject == "m"  # refreshed on unknown kid
    assert idp.calls == 2
    clock[0] += 301
    v.verify(rs.issue("m", now=NOW))
    assert idp.calls == 3  # stale cache refetched


def test_jwks_unavailable_without_cache(rs: LocalIssuer) -> None:
    idp = FakeIdp(rs)
    idp.down = True
    source = JwksKeySource(
        "https://idp.invalid/jwks", client=httpx.Client(transport=httpx.MockTransport(idp.handler))
    )
    v = TokenVerifier(sources=[source], issuer="idp", audience="livc", now=lambda: NOW)
    with pytest.raises(AuthError) as err:
        v.verify(rs.issue("m", now=NOW))
    assert err.value.reason == "jwks_unavailable"


def test_jwks_skips_weak_and_non_signing_keys(rs: LocalIssuer, es: LocalIssuer) -> None:
    from app.auth.keys import key_from_jwk

    assert key_from_jwk({**rs.public_jwk(), "use": "enc"}) is None
    assert key_from_jwk({**es.public_jwk(), "alg": "RS256"}) is None
    assert key_from_jwk({"kty": "oct", "k": "c2VjcmV0", "kid": "x"}) is None
    weak = {**rs.public_jwk(), "n": base64.urlsafe_b64encode(b"\x01" * 128).decode().rstrip("=")}
    assert key_from_jwk(weak) is None
    key = key_from_jwk({**es.public_jwk(), "d": "private-part"})
    assert key is not None
    assert "d" not in key.jwk


def test_local_issuer_key_is_persisted_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "issuer.pem"
    first = LocalIssuer.load_or_create(path, issuer="hub", audience="livc")
    again = LocalIssuer.load_or_create(path, issuer="hub", audience="livc")
    assert first.kid == again.kid
    assert path.stat().st_mode & 0o777 == 0o600
    assert "d" not in first.public_jwk()
    assert "key=***" in repr(first)


def test_client_secrets_are_hashed_with_argon2id() -> None:
    secret = new_client_secret()
    hashed = hash_secret(secret)
    assert hashed.startswith("$argon2id$")
    assert secret not in hashed
    assert verify_secret(hashed, secret)
    assert not verify_secret(hashed, secret + "x")
    assert not verify_secret("not-a-hash", secret)
