"""JwksKeySource: caching, refresh on an unknown kid, rate limiting, failures, key filtering."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from app.auth import AuthError, JwksKeySource, LocalIssuer
from app.auth.keys import key_from_jwk, keys_from_jwks
from tests.auth.support import (
    IDP,
    JWKS_URL,
    NOW,
    Clock,
    FakeIdp,
    b64,
    claims,
    sign,
    unsigned,
    verifier,
)
from tests.support.timing import deadline


def source_for(fake: FakeIdp, clock: Clock, **kw: Any) -> JwksKeySource:
    return JwksKeySource(
        JWKS_URL,
        client=fake.client(),
        ttl_seconds=kw.pop("ttl_seconds", 300),
        min_refresh_interval=kw.pop("min_refresh_interval", 10),
        clock=clock,
    )


def reason_of(source: JwksKeySource, token: str) -> str:
    with pytest.raises(AuthError) as err:
        verifier(source).verify(token)
    return err.value.reason


def test_the_cache_serves_many_verifications_with_one_fetch(idp: LocalIssuer) -> None:
    fake, clock = FakeIdp(idp), Clock()
    v = verifier(source_for(fake, clock))
    for i in range(25):
        clock.advance(10)  # 250 s in all: within the ttl
        assert v.verify(idp.issue(f"m{i}", now=NOW)).subject == f"m{i}"
    assert fake.calls == 1
    assert fake.timeouts[0] == {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}


def test_an_unknown_kid_triggers_one_refresh(idp: LocalIssuer, idp_next: LocalIssuer) -> None:
    fake, clock = FakeIdp(idp), Clock()
    v = verifier(source_for(fake, clock))
    v.verify(idp.issue("m", now=NOW))
    assert fake.calls == 1
    fake.keys.append(idp_next.public_jwk())  # the IdP rotates in a new key
    clock.advance(11)
    assert v.verify(idp_next.issue("m", now=NOW)).subject == "m"
    assert fake.calls == 2
    assert v.verify(idp_next.issue("m", now=NOW)).subject == "m"
    assert fake.calls == 2


def test_refreshes_on_unknown_kids_are_rate_limited(
    idp: LocalIssuer, idp_next: LocalIssuer
) -> None:
    fake, clock = FakeIdp(idp), Clock()
    source = source_for(fake, clock)
    v = verifier(source)
    v.verify(idp.issue("m", now=NOW))
    # A client spraying made-up kids: at most one fetch per min_refresh_interval.
    for i in range(200):
        clock.advance(0.0625)  # exact in binary: the 10 s boundary falls on one call
        spray = unsigned({"alg": "RS256", "kid": f"spray-{i}"}, claims(iss=IDP), "c2ln")
        with pytest.raises(AuthError) as err:
            v.verify(spray)
        assert err.value.reason == "unknown_key"
    assert fake.calls == 2  # 12.5 s of spraying: the initial fetch and one refresh at t+10
    # A key rotated in during the quiet period is found once the interval has passed.
    fake.keys.append(idp_next.public_jwk())
    token = idp_next.issue("m", now=NOW)
    assert reason_of(source, token) == "unknown_key"
    clock.advance(10)
    assert v.verify(token).subject == "m"
    assert fake.calls == 3


def test_a_stale_cache_is_refetched_after_the_ttl(idp: LocalIssuer) -> None:
    fake, clock = FakeIdp(idp), Clock()
    source = source_for(fake, clock, ttl_seconds=300)
    v = verifier(source)
    v.verify(idp.issue("m", now=NOW))
    clock.advance(299)
    v.verify(idp.issue("m", now=NOW))
    assert fake.calls == 1
    clock.advance(1)
    v.verify(idp.issue("m", now=NOW))
    assert fake.calls == 2
    # A key the IdP withdrew stops verifying once the cache is refreshed.
    fake.keys = []
    clock.advance(300)
    assert reason_of(source, idp.issue("m", now=NOW)) == "unknown_key"
    assert fake.calls == 3


@pytest.mark.parametrize(
    "failure",
    ["503", "404", "connect_error", "timeout", "not_json", "no_keys", "keys_not_a_list", "a_list"],
)
def test_a_failed_first_fetch_is_jwks_unavailable(idp: LocalIssuer, failure: str) -> None:
    fake, clock = FakeIdp(idp), Clock()
    if failure.isdigit():
        fake.status = int(failure)
    elif failure == "connect_error":
        fake.error = httpx.ConnectError("refused")
    elif failure == "timeout":
        fake.error = httpx.ReadTimeout("slow")
    else:
        fake.body = {
            "not_json": b"<html>",
            "no_keys": b"{}",
            "keys_not_a_list": b'{"keys": 5}',
            "a_list": b"[]",
        }[failure]
    source = source_for(fake, clock)
    assert reason_of(source, idp.issue("m", now=NOW)) == "jwks_unavailable"
    source.refresh()  # within min_refresh_interval of the failure: nothing is attempted
    assert fake.calls == 1
    clock.advance(10)
    with pytest.raises(AuthError) as err:
        source.refresh()
    assert err.value.reason == "jwks_unavailable"


def test_an_idp_that_is_down_is_not_hammered(idp: LocalIssuer) -> None:
    fake, clock = FakeIdp(idp), Clock()
    fake.status = 503
    source = source_for(fake, clock)
    for _ in range(50):
        clock.advance(0.0625)
        assert reason_of(source, idp.issue("m", now=NOW)) == "jwks_unavailable"
    assert fake.calls == 1
    fake.status = 200
    clock.advance(10)
    assert verifier(source).verify(idp.issue("m", now=NOW)).subject == "m"
    assert fake.calls == 2


def test_a_failed_refresh_keeps_serving_the_cached_keys(idp: LocalIssuer) -> None:
    fake, clock = FakeIdp(idp), Clock()
    v = verifier(source_for(fake, clock))
    v.verify(idp.issue("m", now=NOW))
    fake.error = httpx.ConnectError("refused")
    clock.advance(301)  # stale: a refetch is attempted, fails, and the old keys still work
    assert v.verify(idp.issue("m", now=NOW)).subject == "m"
    assert fake.calls == 2
    clock.advance(5)  # still stale, but retried only after min_refresh_interval
    v.verify(idp.issue("m", now=NOW))
    assert fake.calls == 2
    clock.advance(5)
    v.verify(idp.issue("m", now=NOW))
    assert fake.calls == 3


def test_other_sources_still_work_while_the_idp_is_down(es: LocalIssuer, idp: LocalIssuer) -> None:
    fake, clock = FakeIdp(idp), Clock()
    fake.status = 500
    jwks = source_for(fake, clock)
    both_orders = [verifier(jwks, es.key_source()), verifier(es.key_source(), jwks)]
    for v in both_orders:
        assert v.verify(es.issue("m", now=NOW)).subject == "m"
        with pytest.raises(AuthError) as err:
            v.verify(idp.issue("m", now=NOW))
        assert err.value.reason == "jwks_unavailable"


def test_refresh_is_rate_limited_too(idp: LocalIssuer) -> None:
    fake, clock = FakeIdp(idp), Clock()
    source = source_for(fake, clock)
    source.refresh()
    source.refresh()
    assert fake.calls == 1
    clock.advance(10)
    source.refresh()
    assert fake.calls == 2
    assert source.get(idp.kid) is not None
    assert fake.calls == 2


def test_concurrent_cold_lookups_fetch_once(idp: LocalIssuer) -> None:
    fake = FakeIdp(idp)
    fake.on_call = lambda: time.sleep(0.05)  # widen the race window
    source = JwksKeySource(JWKS_URL, client=fake.client())
    token = idp.issue("m", now=NOW)
    results: list[str] = []
    barrier = threading.Barrier(16)

    def work() -> None:
        barrier.wait()
        results.append(verifier(source).verify(token).subject)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    until = deadline(10)
    for t in threads:
        t.join(timeout=until.remaining())
    assert results == ["m"] * 16
    assert fake.calls == 1


def test_the_algorithm_is_pinned_from_the_jwk(idp: LocalIssuer, es_pem: bytes) -> None:
    jwk = idp.public_jwk()
    del jwk["alg"]  # inferred from kty: RSA means RS256
    fake = FakeIdp()
    fake.keys = [jwk]
    source = source_for(fake, Clock())
    key = source.get(idp.kid)
    assert key is not None
    assert key.algorithm == "RS256"
    token = sign(es_pem, claims(iss=IDP), alg="ES256", kid=idp.kid)
    assert reason_of(source, token) == "algorithm_not_allowed"


def _p384_jwk() -> dict[str, Any]:
    point = ec.generate_private_key(ec.SECP384R1()).public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-384",
        "kid": "p384",
        "x": b64(point.x.to_bytes(48, "big")),
        "y": b64(point.y.to_bytes(48, "big")),
    }


def test_only_acceptable_signing_keys_are_taken(es: LocalIssuer, idp: LocalIssuer) -> None:
    rsa, ec_ = idp.public_jwk(), es.public_jwk()
    rejected: dict[str, Any] = {
        "use_enc": {**rsa, "use": "enc"},
        "use_junk": {**rsa, "use": 1},
        "alg_rs512": {**rsa, "alg": "RS512"},
        "alg_other_kty": {**ec_, "alg": "RS256"},
        "alg_hs256": {**rsa, "alg": "HS256"},
        "oct": {"kty": "oct", "k": "c2VjcmV0", "kid": "oct", "alg": "HS256"},
        "okp": {"kty": "OKP", "crv": "Ed25519", "x": b64(b"\x01" * 32), "kid": "okp"},
        "p384": _p384_jwk(),
        "weak_rsa": {**rsa, "n": b64(b"\xff" * 128)},
        "private_rsa": {**rsa, "d": b64(b"\x01" * 256)},
        "private_ec": {**ec_, "d": b64(b"\x01" * 32)},
        "no_kid": {k: v for k, v in rsa.items() if k != "kid"},
        "kid_not_text": {**rsa, "kid": 7},
        "no_n": {k: v for k, v in rsa.items() if k != "n"},
        "n_not_base64": {**rsa, "n": "é" * 400},
        "n_number": {**rsa, "n": 12345},
        "off_curve": {**ec_, "y": b64(b"\x01" * 32)},
        "key_ops_sign_only": {**rsa, "key_ops": ["sign"]},
        "key_ops_junk": {**rsa, "key_ops": "verify"},
        "kty_junk": {**rsa, "kty": ["RSA"]},
    }
    for name, jwk in rejected.items():
        assert key_from_jwk(jwk) is None, name
    accepted = key_from_jwk({**rsa, "key_ops": ["verify"], "x5c": ["junk"], "extra": 1})
    assert accepted is not None
    assert dict(accepted.jwk) == rsa  # only the public members, kid, alg and use are kept
    no_use = {k: v for k, v in ec_.items() if k not in ("use", "alg")}
    found = key_from_jwk(no_use)
    assert found is not None
    assert found.algorithm == "ES256"


def test_a_jwks_with_bad_entries_keeps_the_good_ones(es: LocalIssuer, idp: LocalIssuer) -> None:
    fake = FakeIdp()
    fake.keys = [
        "junk",
        5,
        None,
        [],
        {"kty": "RSA"},
        {**idp.public_jwk(), "kid": "bad-n", "n": "!"},
    ]
    fake.keys += [idp.public_jwk(), es.public_jwk()]
    source = source_for(fake, Clock())
    assert source.get(idp.kid) is not None
    assert source.get(es.kid) is not None
    assert verifier(source).verify(idp.issue("m", now=NOW)).issuer == IDP


def test_a_kid_shared_by_two_different_keys_is_dropped(
    es: LocalIssuer, idp: LocalIssuer, idp_next: LocalIssuer
) -> None:
    clash = {**idp_next.public_jwk(), "kid": idp.kid}
    found = keys_from_jwks([idp.public_jwk(), clash, es.public_jwk(), es.public_jwk()])
    assert set(found) == {es.kid}


@pytest.mark.parametrize(
    "url",
    ["http://idp.example/jwks", "ftp://idp.example/jwks", "idp.example/jwks", "https:///jwks"],
)
def test_jwks_must_come_over_https(url: str) -> None:
    with httpx.Client() as client, pytest.raises(ValueError, match="https"):
        JwksKeySource(url, client=client)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/jwks", "http://localhost/jwks", "http://[::1]/jwks"]
)
def test_plain_http_is_allowed_on_loopback(url: str) -> None:
    with httpx.Client() as client:
        assert url in repr(JwksKeySource(url, client=client))


def test_intervals_are_validated() -> None:
    with httpx.Client() as client:
        with pytest.raises(ValueError, match="ttl_seconds"):
            JwksKeySource(JWKS_URL, client=client, ttl_seconds=0)
        with pytest.raises(ValueError, match="min_refresh_interval"):
            JwksKeySource(JWKS_URL, client=client, min_refresh_interval=-1)


def test_an_owned_client_is_closed_and_a_given_one_is_not() -> None:
    given = httpx.Client()
    JwksKeySource(JWKS_URL, client=given).close()
    assert not given.is_closed
    given.close()
    owned = JwksKeySource(JWKS_URL)
    owned.close()
    assert owned._client.is_closed
