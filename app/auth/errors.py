"""Authentication errors with stable reason codes; messages never quote the token."""

from __future__ import annotations

from typing import Final, Literal, get_args

AuthReason = Literal[
    "malformed",
    "algorithm_not_allowed",
    "unknown_key",
    "bad_signature",
    "expired",
    "not_yet_valid",
    "wrong_audience",
    "wrong_issuer",
    "missing_claim",
    "jwks_unavailable",
    "wrong_nonce",  # an OpenID Connect ID token for another sign-in
]
AUTH_REASONS: Final[frozenset[str]] = frozenset(get_args(AuthReason))


class AuthError(Exception):
    """A token or credential was rejected; ``reason`` is a stable machine code."""

    reason: str

    def __init__(self, reason: AuthReason, message: str | None = None) -> None:
        super().__init__(message or reason.replace("_", " "))
        self.reason = reason
