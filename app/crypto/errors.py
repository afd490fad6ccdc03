"""Crypto errors; messages never carry key material or plaintext."""

from __future__ import annotations


class CryptoError(Exception):
    """Base of every crypto failure."""


class KeyringError(CryptoError):
    """The keyring is missing, corrupt, or sealed with another master key."""


class DecryptionError(CryptoError):
    """A ciphertext did not open: tampered, moved, or its key version is unknown."""


class MasterKeyError(CryptoError):
    """The master key is missing, too short, or the demo key outside demo mode."""
