"""Bearer-token verification: the header is checked before any key is used.

Order: parse the header; only RS256/ES256; a kid is required and must name a known key; the
header's alg must be the key's pinned alg; then python-jose checks the signature, iss, aud and
the presence of iss/aud/sub; finally this module re-checks every claim itself and judges exp and
nbf with the injected clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final

from jose import jwt
from jose.exceptions import ExpiredSignatureError, JOSEError, JWTClaimsError, JWTError

from app.auth.errors import AuthError
from app.auth.keys import ALLOWED_ALGORITHMS, KeySource, VerificationKey

MAX_TOKEN_LENGTH: Final = 8 * 1024

# What python-jose 3.5 is told (option names as read in jose/jwt.py).
# - exp/nbf/iat are verified here with the injected clock, so jose's wall-clock checks are off.
#   "require_exp"/"require_nbf" are deliberately absent: jose turns every require_X into
#   verify_X, which would switch its wall-clock check back on; presence is enforced in _times.
# - at_hash binds an OIDC ID token to an access token; the hub only receives access tokens.
_JOSE_OPTIONS: Final[Mapping[str, bool]] = MappingProxyType(
    {
        "verify_signature": True,
        "verify_aud": True,
        "verify_iss": True,
        "verify_sub": True,
        "verify_jti": True,
        "verify_exp": False,
        "verify_nbf": False,
        "verify_iat": False,
        "verify_at_hash": False,
        "require_iss": True,
        "require_aud": True,
        "require_sub": True,
    }
)


def _numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    """A NumericDate claim as seconds, None if absent; AuthError if it is not a finite number."""
    value = claims.get(name)
    if value is None:
        return None
    # bool is an int subclass, but "exp": true is no date.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthError("missing_claim", f"the {name} claim is not a number")
    try:
        seconds = float(value)
    except OverflowError:  # JSON integers are unbounded; floats are not
        raise AuthError("malformed", f"the {name} claim is out of range") from None
    if not math.isfinite(seconds):
        raise AuthError("missing_claim", f"the {name} claim is not a number")
    return seconds


def _as_datetime(seconds: float, name: str) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, ValueError, OSError):
        raise AuthError("malformed", f"the {name} claim is out of range") from None


@dataclass(frozen=True)
class Claims:
    """The claims of a verified token that the hub uses."""

    subject: str
    issuer: str
    audience: str
    expires_at: datetime
    issued_at: datetime | None
    token_id: str | None
    raw: Mapping[str, Any] = field(repr=False, hash=False)


class TokenVerifier:
    """Verifies JWTs against key sources, accepted issuers and one audience."""

    def __init__(
        self,
        *,
        sources: Sequence[KeySource],
        issuer: str | Sequence[str],
        audience: str,
        leeway_seconds: int = 30,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if not audience:
            raise ValueError("an audience is required")
        if leeway_seconds < 0:
            raise ValueError("leeway_seconds must not be negative")
        self._sources = tuple(sources)
        self._issuers = (issuer,) if isinstance(issuer, str) else tuple(issuer)
        self._audience = audience
        self._leeway = leeway_seconds
        self._now = now or (lambda: datetime.now(UTC))

    def close(self) -> None:
        """Close what the key sources hold open (a JWKS source's HTTP client)."""
        for source in self._sources:
            close = getattr(source, "close", None)
            if callable(close):
                close()

    def _header(self, token: object) -> Mapping[str, Any]:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise AuthError("malformed", "the token is empty, too long or not text")
        if token.count(".") != 2:
            raise AuthError("malformed", "the token is not a compact JWS")
        try:
            # jose decodes all three segments here, so bad base64 anywhere ends up as malformed.
            header = jwt.get_unverified_header(token)
        except Exception:  # jose promises JWTError; "any error" here means an unreadable token
            raise AuthError("malformed", "the token header cannot be read") from None
        if not isinstance(header, dict):
            raise AuthError("malformed", "the token header is not an object")
        if "crit" in header:
            # RFC 7515 4.1.11: critical extensions we do not implement must be rejected.
            raise AuthError("malformed", "the token uses critical header extensions")
        return header

    def _key(self, header: Mapping[str, Any]) -> VerificationKey:
        algorithm = header.get("alg")
        # The allow-list comes first: "none", HS256 (the RSA-public-key-as-HMAC-secret attack)
        # and everything else never reach a key.
        if not isinstance(algorithm, str) or algorithm not in ALLOWED_ALGORITHMS:
            raise AuthError("algorithm_not_allowed", "only RS256 and ES256 tokens are accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("unknown_key", "the token names no key (kid)")
        unavailable: AuthError | None = None
        for source in self._sources:
            try:
                key = source.get(kid)
            except AuthError as exc:
                # An IdP that is down must not block keys that other sources hold.
                unavailable = exc
                continue
            if key is not None:
                if key.algorithm != algorithm:
                    raise AuthError("algorithm_not_allowed", "the key is pinned to another alg")
                return key
        if unavailable is not None:
            raise unavailable
        raise AuthError("unknown_key", "the token's key is not known")

    def _decode(self, token: str, key: VerificationKey) -> dict[str, Any]:
        try:
            claims = jwt.decode(
                token,
                dict(key.jwk),
                algorithms=[key.algorithm],
                audience=self._audience,
                issuer=list(self._issuers),
                options=dict(_JOSE_OPTIONS),
            )
        except ExpiredSignatureError:
            raise AuthError("expired", "the token has expired") from None
        except JWTClaimsError as exc:
            text = str(exc).lower()
            # jose 3.5 says "Invalid audience", or "Invalid claim format" for an aud that is
            # neither a string nor a list of strings (no other claim raises that message).
            if "audience" in text or "claim format" in text:
                raise AuthError("wrong_audience", "the token is for another audience") from None
            if "issuer" in text:
                raise AuthError("wrong_issuer", "the token is from an unknown issuer") from None
            if "not yet valid" in text:
                raise AuthError("not_yet_valid", "the token is not valid yet") from None
            raise AuthError("missing_claim", "a claim is missing or malformed") from None
        except JWTError as exc:
            text = str(exc)
            if "missing required key" in text:
                raise AuthError("missing_claim", "a required claim is missing") from None
            if "Invalid payload" in text:
                raise AuthError("malformed", "the token claims are not a JSON object") from None
            raise AuthError("bad_signature", "the token signature is not valid") from None
        except (JOSEError, ValueError, TypeError, RecursionError):
            # A key jose cannot use, or claims it cannot parse: never let it escape as a 500.
            raise AuthError("bad_signature", "the token signature is not valid") from None
        if not isinstance(claims, dict):
            raise AuthError("malformed", "the token claims are not an object")
        return claims

    def _check_claims(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        """Re-check iss, aud and sub here, whatever jose's options did; (subject, issuer)."""
        issuer, audience, subject = claims.get("iss"), claims.get("aud"), claims.get("sub")
        if issuer is None or audience is None or subject is None:
            raise AuthError("missing_claim", "iss, aud and sub are required")
        if not isinstance(issuer, str) or issuer not in self._issuers:
            raise AuthError("wrong_issuer", "the token is from an unknown issuer")
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or self._audience not in audiences:
            raise AuthError("wrong_audience", "the token is for another audience")
        if not isinstance(subject, str) or not subject:
            raise AuthError("missing_claim", "the token has no subject")
        return subject, issuer

    def _times(self, claims: Mapping[str, Any]) -> tuple[datetime, datetime | None]:
        exp, nbf = _numeric_date(claims, "exp"), _numeric_date(claims, "nbf")
        if exp is None or nbf is None:
            raise AuthError("missing_claim", "exp and nbf are required")
        current = self._now()
        if current.utcoffset() is None:
            raise ValueError("the verifier's clock must return timezone-aware datetimes")
        now = current.timestamp()
        # RFC 7519: reject "on or after" exp, and before nbf; both give leeway for clock skew.
        if exp <= now - self._leeway:
            raise AuthError("expired", "the token has expired")
        if nbf > now + self._leeway:
            raise AuthError("not_yet_valid", "the token is not valid yet")
        # iat is informational only, so a malformed one is ignored rather than fatal.
        try:
            iat = _numeric_date(claims, "iat")
            issued_at = None if iat is None else _as_datetime(iat, "iat")
        except AuthError:
            issued_at = None
        return _as_datetime(exp, "exp"), issued_at

    def verify(self, token: str) -> Claims:
        """The token's claims if every check passes; AuthError with a reason otherwise."""
        key = self._key(self._header(token))
        claims = self._decode(token, key)
        subject, issuer = self._check_claims(claims)
        expires_at, issued_at = self._times(claims)
        jti = claims.get("jti")
        return Claims(
            subject=subject,
            issuer=issuer,
            audience=self._audience,
            expires_at=expires_at,
            issued_at=issued_at,
            token_id=jti if isinstance(jti, str) else None,
            raw=MappingProxyType(claims),
        )
