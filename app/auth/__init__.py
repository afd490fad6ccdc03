"""Authentication: the only module that speaks to python-jose."""

from app.auth.errors import AuthError
from app.auth.keys import JwksKeySource, KeySource, StaticKeySource, VerificationKey
from app.auth.local_issuer import LocalIssuer
from app.auth.secrets import (
    SecretHasher,
    hash_secret,
    new_client_id,
    new_client_secret,
    verify_secret,
)
from app.auth.verify import Claims, TokenVerifier

__all__ = [
    "AuthError",
    "Claims",
    "JwksKeySource",
    "KeySource",
    "LocalIssuer",
    "SecretHasher",
    "StaticKeySource",
    "TokenVerifier",
    "VerificationKey",
    "hash_secret",
    "new_client_id",
    "new_client_secret",
    "verify_secret",
]
