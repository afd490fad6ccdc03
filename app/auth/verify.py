"""Bearer-token verification: the header is checked before any key is used.

Order: parse the header; only RS256/ES256; a kid is required and must name a known key; the
header's alg must be the key's pinned alg; then python-jose checks the signature, iss, aud and
the required claims, and the injected clock checks exp and nbf.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jose import jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError, JWTError

from app.auth.errors import AuthError
from app.auth.keys import ALLOWED_ALGORITHMS, KeySource, VerificationKey

MAX_TOKEN = 8192
# exp and nbf are required too, but checked by _times with the injected clock: python-jose turns
# "require_exp" into a wall-clock check of its own.
_REQUIRED = ("iss", "aud", "sub")


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Claims:
    """The claims of a verified token that the hub uses."""

    subject: str
    issuer: str
    audience: str
    expires_at: datetime
    issued_at: datetime | None
    token_id: str | None
    raw: Mapping[str, Any] = field(repr=False)


class TokenVerifier:
    """Verifies JWTs against key sources, issuers and one audience."""

    def __init__(
        self,
        *,
        sources: Sequence[KeySource],
        issuer: str | Sequence[str],
        audience: str,
        leeway_seconds: int = 30,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._sources = tuple(sources)
        self._issuers = (issuer,) if isinstance(issuer, str) else tuple(issuer)
        self._audience = audience
        self._leeway = leeway_seconds
        self._now = now or (lambda: datetime.now(UTC))

    def _header(self, token: str) -> Mapping[str, Any]:
        if not token or len(token) > MAX_TOKEN or token.count(".") != 2:
            raise AuthError("malformed", "the token is not a compact JWS")
        try:
            header = jwt.get_unverified_header(token)
        except JWTError:
            raise AuthError("malformed", "the token header cannot be read") from None
        if not isinstance(header, dict):
            raise AuthError("malformed", "the token header is not an object")
        return header

    def _key(self, header: Mapping[str, Any]) -> VerificationKey:
        algorithm = header.get("alg")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise AuthError("algorithm_not_allowed", "only RS256 and ES256 tokens are accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("unknown_key", "the token names no key (kid)")
        for source in self._sources:
            key = source.get(kid)
            if key is not None:
                if key.algorithm != algorithm:
                    raise AuthError("algorithm_not_allowed", "the key is pinned to another alg")
                return key
        raise AuthError("unknown_key", "the token's key is not known")

    def _decode(self, token: str, key: VerificationKey) -> dict[str, Any]:
        options = {
            "verify_exp": False,  # checked below with the injected clock
            "verify_nbf": False,
            "verify_iat": False,
            **{f"require_{claim}": True for claim in _REQUIRED},
        }
        try:
            claims = jwt.decode(
                token,
                dict(key.jwk),
                algorithms=[key.algorithm],
                audience=self._audience,
                issuer=list(self._issuers),
                options=options,
            )
        except ExpiredSignatureError:
            raise AuthError("expired", "the token has expired") from None
        except JWTClaimsError as exc:
            text = str(exc).lower()
            if "audience" in text:
                raise AuthError("wrong_audience", "the token is for another audience") from None
            if "issuer" in text:
                raise AuthError("wrong_issuer", "the token is from an unknown issuer") from None
            raise AuthError("missing_claim", "a claim is missing or malformed") from None
        except JWTError as exc:
            if "missing required key" in str(exc):
                raise AuthError("missing_claim", "a required claim is missing") from None
            raise AuthError("bad_signature", "the token signature is not valid") from None
        if not isinstance(claims, dict):
            raise AuthError("malformed", "the token claims are not an object")
        return claims

    def _times(self, claims: Mapping[str, Any]) -> tuple[datetime, datetime | None]:
        exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
        if not (_integer(exp) and _integer(nbf)):
            raise AuthError("missing_claim", "exp and nbf must be integers")
        assert isinstance(exp, int)  # noqa: S101 - narrowed for mypy
        assert isinstance(nbf, int)  # noqa: S101
        now = self._now().timestamp()
        if exp <= now - self._leeway:
            raise AuthError("expired", "the token has expired")
        if nbf > now + self._leeway:
            raise AuthError("not_yet_valid", "the token is not valid yet")
        issued = datetime.fromtimestamp(iat, UTC) if isinstance(iat, int) else None
        return datetime.fromtimestamp(exp, UTC), issued

    def verify(self, token: str) -> Claims:
        """The token's claims if every check passes; AuthError with a reason otherwise."""
        key = self._key(self._header(token))
        claims = self._decode(token, key)
        expires_at, issued_at = self._times(claims)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise AuthError("missing_claim", "the token has no subject")
        jti = claims.get("jti")
        return Claims(
            subject=subject,
            issuer=str(claims["iss"]),
            audience=self._audience,
            expires_at=expires_at,
            issued_at=issued_at,
            token_id=jti if isinstance(jti, str) else None,
            raw=claims,
        )
