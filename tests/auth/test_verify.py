"""TokenVerifier: the header checks, pinned algorithms, claim checks and the injected clock."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jose import jws

from app.auth import (
    AuthError,
    JwksKeySource,
    LocalIssuer,
    StaticKeySource,
    TokenVerifier,
    VerificationKey,
)
from app.auth.verify import MAX_TOKEN_LENGTH
from tests.auth.support import (
    AUDIENCE,
    HUB,
    IDP,
    JWKS_URL,
    NOW,
    FakeIdp,
    T,
    b64,
    b64json,
    claims,
    sign,
    unsigned,
    verifier,
)


def reason_of(v: TokenVerifier, token: Any) -> str:
    with pytest.raises(AuthError) as err:
        v.verify(token)
    return err.value.reason


# --- accepted -------------------------------------------------------------------------------


def test_a_valid_es256_token_from_the_local_issuer_is_accepted(es: LocalIssuer) -> None:
    token = es.issue("member-1", ttl_seconds=600, extra={"scope": "notes:read"}, now=NOW)
    got = verifier(es.key_source()).verify(token)
    assert got.subject == "member-1"
    assert got.issuer == HUB
    assert got.audience == AUDIENCE
    assert got.expires_at == NOW + timedelta(seconds=600)
    assert got.issued_at == NOW
    assert got.token_id is not None
    uuid.UUID(got.token_id)
    assert got.raw["scope"] == "notes:read"
    with pytest.raises(TypeError):
        got.raw["sub"] = "admin"  # type: ignore[index]


def test_a_valid_rs256_token_from_a_jwks_source_is_accepted(idp: LocalIssuer) -> None:
    fake = FakeIdp(idp)
    source = JwksKeySource(JWKS_URL, client=fake.client())
    got = verifier(source).verify(idp.issue("member-2", now=NOW))
    assert (got.subject, got.issuer) == ("member-2", IDP)
    assert got.expires_at == NOW + timedelta(hours=1)


def test_several_sources_and_issuers(es: LocalIssuer, idp: LocalIssuer) -> None:
    v = verifier(es.key_source(), idp.key_source())
    assert v.verify(es.issue("a", now=NOW)).issuer == HUB
    assert v.verify(idp.issue("b", now=NOW)).issuer == IDP
    # A key is only good for the issuers the verifier accepts.
    assert reason_of(verifier(idp.key_source(), issuer=HUB), idp.issue("b", now=NOW)) == (
        "wrong_issuer"
    )


def test_an_audience_list_containing_ours_is_accepted(es: LocalIssuer, es_pem: bytes) -> None:
    token = sign(es_pem, claims(aud=["other", AUDIENCE]), alg="ES256", kid=es.kid)
    assert verifier(es.key_source()).verify(token).audience == AUDIENCE


def test_optional_claims_may_be_absent_or_odd(es: LocalIssuer, es_pem: bytes) -> None:
    v = verifier(es.key_source())
    bare = v.verify(sign(es_pem, claims(iat=None, jti=None), alg="ES256", kid=es.kid))
    assert (bare.issued_at, bare.token_id) == (None, None)
    # iat is informational: a malformed one is ignored, not trusted.
    odd = v.verify(sign(es_pem, claims(iat=10**30), alg="ES256", kid=es.kid))
    assert odd.issued_at is None
    # RFC 7519 NumericDates may be fractional.
    frac = v.verify(sign(es_pem, claims(exp=T + 600.5), alg="ES256", kid=es.kid))
    assert frac.expires_at == NOW + timedelta(seconds=600.5)


# --- the clock and the leeway ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("exp_offset", "reason"),
    [(-3600, "expired"), (-30, "expired"), (-29, None), (0, None), (1, None)],
)
def test_expiry_honours_the_leeway(
    es: LocalIssuer, es_pem: bytes, exp_offset: int, reason: str | None
) -> None:
    token = sign(es_pem, claims(nbf=T - 7200, exp=T + exp_offset), alg="ES256", kid=es.kid)
    v = verifier(es.key_source(), leeway=30)
    if reason is None:
        assert v.verify(token).expires_at == NOW + timedelta(seconds=exp_offset)
    else:
        assert reason_of(v, token) == reason


@pytest.mark.parametrize(
    ("nbf_offset", "reason"),
    [(3600, "not_yet_valid"), (31, "not_yet_valid"), (30, None), (0, None)],
)
def test_not_before_honours_the_leeway(
    es: LocalIssuer, es_pem: bytes, nbf_offset: int, reason: str | None
) -> None:
    token = sign(es_pem, claims(nbf=T + nbf_offset, exp=T + 7200), alg="ES256", kid=es.kid)
    v = verifier(es.key_source(), leeway=30)
    if reason is None:
        assert v.verify(token).subject == "member-1"
    else:
        assert reason_of(v, token) == reason


def test_without_leeway_exp_is_exclusive(es: LocalIssuer, es_pem: bytes) -> None:
    v = verifier(es.key_source(), leeway=0)
    assert reason_of(v, sign(es_pem, claims(exp=T), alg="ES256", kid=es.kid)) == "expired"
    assert v.verify(sign(es_pem, claims(exp=T + 1), alg="ES256", kid=es.kid))


def test_the_injected_clock_is_authoritative(es: LocalIssuer) -> None:
    # Issued and checked in 2001: python-jose's own wall-clock check would call it expired.
    then = datetime(2001, 1, 1, 12, 0, tzinfo=UTC)
    old = es.issue("m", ttl_seconds=60, now=then)
    assert verifier(es.key_source(), now=then + timedelta(seconds=30)).verify(old).subject == "m"
    assert reason_of(verifier(es.key_source()), old) == "expired"
    # Issued in 2100: python-jose would call it not yet valid.
    later = datetime(2100, 1, 1, tzinfo=UTC)
    future = es.issue("m", now=later)
    assert verifier(es.key_source(), now=later).verify(future).subject == "m"
    assert reason_of(verifier(es.key_source()), future) == "not_yet_valid"


def test_the_default_clock_is_the_wall_clock(es: LocalIssuer) -> None:
    v = TokenVerifier(sources=[es.key_source()], issuer=HUB, audience=AUDIENCE)
    assert v.verify(es.issue("m")).subject == "m"
    assert reason_of(v, es.issue("m", now=datetime.now(UTC) - timedelta(hours=2))) == "expired"


# --- header attacks -------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_alg_none_is_rejected(es: LocalIssuer, alg: str) -> None:
    token = unsigned({"alg": alg, "typ": "JWT", "kid": es.kid}, claims())
    assert token.endswith(".")
    assert reason_of(verifier(es.key_source()), token) == "algorithm_not_allowed"


def _hs256(secret: bytes, header: dict[str, Any], body: dict[str, Any]) -> str:
    signing_input = f"{b64json(header)}.{b64json(body)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def test_hs256_signed_with_the_rsa_public_key_is_rejected(idp: LocalIssuer, idp_pem: bytes) -> None:
    # The classic key confusion: HMAC keyed with the verifier's public key PEM.
    private = serialization.load_pem_private_key(idp_pem, password=None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    body = claims(iss=IDP, sub="admin")
    forged = _hs256(public_pem, {"alg": "HS256", "typ": "JWT", "kid": idp.kid}, body)
    assert reason_of(verifier(idp.key_source()), forged) == "algorithm_not_allowed"
    # Also when the attacker uses the JWK's bytes as the secret.
    forged_jwk = _hs256(idp.public_jwk()["n"].encode(), {"alg": "HS256", "kid": idp.kid}, body)
    assert reason_of(verifier(idp.key_source()), forged_jwk) == "algorithm_not_allowed"


@pytest.mark.parametrize("alg", ["HS256", "HS512", "RS512", "PS256", "ES384", "ES512", "EdDSA"])
def test_algorithms_outside_the_allow_list_are_rejected(es: LocalIssuer, alg: str) -> None:
    token = unsigned({"alg": alg, "kid": es.kid}, claims(), b64(b"x" * 64))
    assert reason_of(verifier(es.key_source()), token) == "algorithm_not_allowed"


def test_rs256_header_on_an_es256_pinned_key_is_rejected(es: LocalIssuer, idp_pem: bytes) -> None:
    token = sign(idp_pem, claims(), alg="RS256", kid=es.kid)
    assert reason_of(verifier(es.key_source()), token) == "algorithm_not_allowed"


def test_es256_header_on_an_rs256_pinned_key_is_rejected(idp: LocalIssuer, es_pem: bytes) -> None:
    token = sign(es_pem, claims(iss=IDP), alg="ES256", kid=idp.kid)
    assert reason_of(verifier(idp.key_source()), token) == "algorithm_not_allowed"


def test_unknown_kid_is_rejected(es: LocalIssuer, es_pem: bytes) -> None:
    token = sign(es_pem, claims(), alg="ES256", kid="not-a-key-we-know")
    assert reason_of(verifier(es.key_source()), token) == "unknown_key"
    assert reason_of(verifier(), es.issue("m", now=NOW)) == "unknown_key"


@pytest.mark.parametrize("kid", [None, "", 42, ["k"], {"kid": "k"}])
def test_missing_or_non_string_kid_is_rejected(es: LocalIssuer, es_pem: bytes, kid: Any) -> None:
    header = {} if kid is None else {"kid": kid}
    token = sign(es_pem, claims(), alg="ES256", kid=None, header=header)
    assert reason_of(verifier(es.key_source()), token) == "unknown_key"


def test_critical_header_extensions_are_rejected(es: LocalIssuer, es_pem: bytes) -> None:
    token = sign(es_pem, claims(), alg="ES256", kid=es.kid, header={"crit": ["exp"], "exp": 1})
    assert reason_of(verifier(es.key_source()), token) == "malformed"


# --- signatures -----------------------------------------------------------------------------


def test_a_tampered_payload_is_rejected(es: LocalIssuer) -> None:
    head, _, sig = es.issue("member-1", now=NOW).split(".")
    forged = f"{head}.{b64json(claims(sub='admin'))}.{sig}"
    assert reason_of(verifier(es.key_source()), forged) == "bad_signature"


def test_a_signature_by_another_key_under_our_kid_is_rejected(
    es: LocalIssuer, tmp_path: Any
) -> None:
    rogue = LocalIssuer.load_or_create(tmp_path / "rogue.pem", issuer=HUB, audience=AUDIENCE)
    rogue_pem = (tmp_path / "rogue.pem").read_bytes()
    token = sign(rogue_pem, claims(), alg="ES256", kid=es.kid)
    assert rogue.kid != es.kid
    assert reason_of(verifier(es.key_source()), token) == "bad_signature"


@pytest.mark.parametrize("signature", ["", "AAAA", b64(b"\x00" * 64), b64(b"\x00" * 63)])
def test_bad_signature_bytes_are_rejected(es: LocalIssuer, signature: str) -> None:
    head, body, _ = es.issue("m", now=NOW).split(".")
    assert reason_of(verifier(es.key_source()), f"{head}.{body}.{signature}") == "bad_signature"


def test_a_signed_payload_that_is_not_a_claim_set_is_malformed(
    es: LocalIssuer, es_pem: bytes
) -> None:
    for payload in (b"[1, 2]", b"not json", b"\xff\xfe"):
        token = str(jws.sign(payload, es_pem.decode(), headers={"kid": es.kid}, algorithm="ES256"))
        assert reason_of(verifier(es.key_source()), token) == "malformed"


# --- claims ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"aud": "another-service"}, "wrong_audience"),
        ({"aud": ["another-service"]}, "wrong_audience"),
        ({"aud": []}, "wrong_audience"),
        ({"aud": 42}, "wrong_audience"),
        ({"iss": "https://evil.example"}, "wrong_issuer"),
        ({"iss": 42}, "wrong_issuer"),
        ({"exp": None}, "missing_claim"),
        ({"nbf": None}, "missing_claim"),
        ({"sub": None}, "missing_claim"),
        ({"iss": None}, "missing_claim"),
        ({"aud": None}, "missing_claim"),
        ({"sub": ""}, "missing_claim"),
        ({"sub": 42}, "missing_claim"),
        ({"exp": "tomorrow"}, "missing_claim"),
        ({"exp": True}, "missing_claim"),
        ({"nbf": [T]}, "missing_claim"),
        ({"jti": 7}, "missing_claim"),
        ({"exp": 10**400}, "malformed"),
        ({"exp": 1e300}, "malformed"),
    ],
)
def test_claims_are_required_and_checked(
    es: LocalIssuer, es_pem: bytes, over: dict[str, Any], reason: str
) -> None:
    body = claims(**over)
    for name, value in over.items():
        if value is None:
            assert name not in body
    token = sign(es_pem, body, alg="ES256", kid=es.kid)
    assert reason_of(verifier(es.key_source()), token) == reason


def test_errors_never_quote_the_token(es: LocalIssuer, es_pem: bytes) -> None:
    body = claims(sub="secret-subject-x", aud="secret-audience-y")
    token = sign(es_pem, body, alg="ES256", kid=es.kid)
    with pytest.raises(AuthError) as err:
        verifier(es.key_source()).verify(token)
    text = f"{err.value} {err.value!r}"
    assert "secret-" not in text
    assert token not in text
    assert err.value.__cause__ is None
    assert err.value.__suppress_context__


# --- malformed input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        "not.a.token",
        "a.b",
        "a.b.c.d",
        "..",
        "eyJ.eyJ.x",
        f"{b64(b'[1]')}.{b64json({})}.",
        f"{b64(b'not json')}.{b64json({})}.",
        f"{b64(b'null')}.{b64json({})}.",
        f"{b64(b'[' * 3000 + b']' * 3000)}.{b64json({})}.",
        f"{b64json({'alg': 'ES256', 'kid': 'k'})}.{b64json({})}.a",
        "é.é.é",
        "\x00.\x00.\x00",
    ],
)
def test_garbage_is_malformed(es: LocalIssuer, token: str) -> None:
    assert reason_of(verifier(es.key_source()), token) == "malformed"


@pytest.mark.parametrize("token", [None, b"a.b.c", 42])
def test_non_text_is_malformed(es: LocalIssuer, token: Any) -> None:
    assert reason_of(verifier(es.key_source()), token) == "malformed"


@pytest.mark.parametrize("alg", [["ES256"], {"a": 1}, 256, None, True])
def test_a_non_string_alg_is_not_allowed(es: LocalIssuer, alg: Any) -> None:
    token = unsigned({"alg": alg, "kid": es.kid}, claims(), "c2ln")
    assert reason_of(verifier(es.key_source()), token) == "algorithm_not_allowed"


def test_tokens_over_8_kib_are_malformed(es: LocalIssuer) -> None:
    v = verifier(es.key_source())
    fits = es.issue("m", extra={"pad": "x" * 5000}, now=NOW)
    assert len(fits) <= MAX_TOKEN_LENGTH
    assert v.verify(fits).subject == "m"
    too_big = es.issue("m", extra={"pad": "x" * 7000}, now=NOW)
    assert len(too_big) > MAX_TOKEN_LENGTH
    assert reason_of(v, too_big) == "malformed"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text_only_ever_raises_auth_error(text: str) -> None:
    with pytest.raises(AuthError):
        TokenVerifier(sources=[], issuer=HUB, audience=AUDIENCE, now=lambda: NOW).verify(text)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.dictionaries(
        st.sampled_from(["alg", "kid", "typ", "crit", "jku", "x5u"]), json_values, max_size=4
    ),
    body=json_values,
    signature=st.binary(max_size=80),
)
def test_arbitrary_segments_only_ever_raise_auth_error(
    es: LocalIssuer, header: dict[str, Any], body: Any, signature: bytes
) -> None:
    token = unsigned(header, body, b64(signature))
    with pytest.raises(AuthError):
        verifier(es.key_source()).verify(token)


numeric_or_junk = st.integers(T - 10**6, T + 10**6) | json_values


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "iss": st.sampled_from([HUB, IDP]) | json_values,
            "aud": st.sampled_from([AUDIENCE, [AUDIENCE, "x"]]) | json_values,
            "sub": st.text(max_size=8) | json_values,
            "exp": numeric_or_junk,
            "nbf": numeric_or_junk,
            "iat": numeric_or_junk,
            "jti": json_values,
            "at_hash": json_values,
        },
    )
)
def test_validly_signed_arbitrary_claims_verify_or_raise_auth_error(
    es: LocalIssuer, es_pem: bytes, body: dict[str, Any]
) -> None:
    # Even a trusted signer's odd claims must never surface as anything but AuthError.
    token = sign(es_pem, body, alg="ES256", kid=es.kid)
    try:
        got = verifier(es.key_source()).verify(token)
    except AuthError:
        return
    assert got.subject == body["sub"]
    assert got.issuer in (HUB, IDP)
    assert got.expires_at.timestamp() > T - 30


# --- configuration --------------------------------------------------------------------------


def test_verifier_configuration_is_validated(es: LocalIssuer) -> None:
    with pytest.raises(ValueError, match="audience"):
        TokenVerifier(sources=[], issuer=HUB, audience="")
    with pytest.raises(ValueError, match="leeway"):
        TokenVerifier(sources=[], issuer=HUB, audience=AUDIENCE, leeway_seconds=-1)
    naive = TokenVerifier(
        sources=[es.key_source()],
        issuer=HUB,
        audience=AUDIENCE,
        now=lambda: datetime(2026, 11, 25, 9, 0),  # noqa: DTZ001 - the point of the test
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        naive.verify(es.issue("m", now=NOW))


def test_verification_keys_are_validated(es: LocalIssuer, idp: LocalIssuer) -> None:
    with pytest.raises(ValueError, match="RS256 and ES256"):
        VerificationKey("k", "HS256", {"kty": "oct", "k": "c2VjcmV0"})
    with pytest.raises(ValueError, match="kty"):
        VerificationKey("k", "RS256", es.public_jwk())
    with pytest.raises(ValueError, match="private"):
        VerificationKey("k", "ES256", {**es.public_jwk(), "d": "AAAA"})
    with pytest.raises(ValueError, match="kid"):
        VerificationKey("", "ES256", es.public_jwk())
    off_curve = {**es.public_jwk(), "y": b64(b"\x01" * 32)}
    with pytest.raises(ValueError):  # noqa: PT011 - cryptography's wording is its own
        VerificationKey("k", "ES256", off_curve)
    with pytest.raises(ValueError, match="2048"):
        VerificationKey("k", "RS256", {**idp.public_jwk(), "n": b64(b"\xff" * 128)})


def test_a_key_cannot_be_mutated_after_validation(es: LocalIssuer) -> None:
    jwk = es.public_jwk()
    key = VerificationKey(es.kid, "ES256", jwk)
    jwk["kty"] = "oct"
    assert key.jwk["kty"] == "EC"
    with pytest.raises(TypeError):
        key.jwk["kty"] = "oct"  # type: ignore[index]
    assert "jwk" not in repr(key)


def test_a_static_source_refuses_two_keys_under_one_kid(es: LocalIssuer, tmp_path: Any) -> None:
    other = LocalIssuer.load_or_create(tmp_path / "o.pem", issuer=HUB, audience=AUDIENCE)
    same = VerificationKey(es.kid, "ES256", es.public_jwk())
    assert StaticKeySource([same, same]).get(es.kid) == same
    with pytest.raises(ValueError, match="share the kid"):
        StaticKeySource([same, VerificationKey(es.kid, "ES256", other.public_jwk())])
