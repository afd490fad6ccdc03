"""ID tokens of the identity provider (OpenID Connect Core 3.1.3.7), checked with python-jose.

The signature with a key of the provider's JWKS (RS256 or ES256 only), then iss, aud (our client
id), azp when several audiences, exp and iat with the injected clock, and the nonce of this
sign-in. The token came straight from the token endpoint over TLS (or the loopback), as the
code flow has it.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jose import jwt
from jose.exceptions import JOSEError

from app.auth.errors import AuthError
from app.auth.keys import ALLOWED_ALGORITHMS


def verify_id_token(
    token: str,
    jwks: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: datetime,
    leeway_seconds: int = 60,
) -> dict[str, Any]:
    """The ID token's claims if every check passes; AuthError with a reason otherwise."""
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError:
        raise AuthError("malformed", "the ID token cannot be read") from None
    algorithm = header.get("alg")
    if algorithm not in ALLOWED_ALGORITHMS:
        raise AuthError("algorithm_not_allowed", "the ID token is not RS256 or ES256")
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict) and "d" not in k]
    kid = header.get("kid")
    if kid is not None:
        keys = [k for k in keys if k.get("kid") == kid]
    if not keys:
        raise AuthError("unknown_key", "the ID token's key is not in the provider's JWKS")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            {"keys": keys},
            algorithms=[algorithm],
            audience=client_id,
            issuer=issuer,
            options={"verify_exp": False, "verify_iat": False, "verify_at_hash": False},
        )
    except JOSEError:
        raise AuthError("bad_signature", "the ID token was refused") from None
    _check(claims, client_id=client_id, nonce=nonce, now=now, leeway=leeway_seconds)
    return claims


def _check(
    claims: Mapping[str, Any], *, client_id: str, nonce: str, now: datetime, leeway: int
) -> None:
    audiences = claims.get("aud")
    if isinstance(audiences, list) and len(audiences) > 1 and claims.get("azp") != client_id:
        raise AuthError("wrong_audience", "the ID token was issued to another party")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise AuthError("missing_claim", "exp and iat are required")
    seconds = now.timestamp()
    if exp <= seconds - leeway:
        raise AuthError("expired", "the ID token has expired")
    if iat > seconds + leeway:
        raise AuthError("not_yet_valid", "the ID token was issued in the future")
    given = claims.get("nonce")
    if not isinstance(given, str) or not hmac.compare_digest(given, nonce):
        raise AuthError("wrong_nonce", "the ID token is not for this sign-in")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise AuthError("missing_claim", "the ID token has no subject")
