"""Authentication errors with stable reason codes; messages never quote the token."""

from __future__ import annotations


class AuthError(Exception):
    """A token or credential was rejected; ``reason`` is a stable machine code."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or reason.replace("_", " "))
        self.reason = reason
