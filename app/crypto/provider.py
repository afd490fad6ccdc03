"""The key-provider interface: wrap and unwrap data keys, never hand out a key-encryption key.

The local keyring implements it now; a PKCS#11 (HSM) provider, whose keys are not extractable,
implements the same protocol later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class WrappedKey:
    """A data key wrapped by one agency's key-encryption key of one version."""

    agency_id: str
    key_version: int
    wrapped: bytes

    def __repr__(self) -> str:
        return f"WrappedKey(agency={self.agency_id!r}, version={self.key_version}, wrapped=***)"


class KeyProvider(Protocol):
    """Where agencies' key-encryption keys live."""

    def ensure_agency_key(self, agency_id: str) -> int:
        """Create the agency's KEK v1 if missing; return its current version."""
        ...

    def current_version(self, agency_id: str) -> int:
        """The agency's current KEK version; KeyringError if it has none."""
        ...

    def wrap(self, agency_id: str, data_key: bytes, aad: bytes) -> WrappedKey:
        """Wrap a data key with the agency's current KEK."""
        ...

    def unwrap(self, wrapped: WrappedKey, aad: bytes) -> bytes:
        """Unwrap; DecryptionError if the version is unknown or the tag fails."""
        ...

    def rotate(self, agency_id: str) -> int:
        """Create a new KEK version (older ones stay for unwrapping); return it."""
        ...

    def index_key(self) -> bytes:
        """The hub-wide 32-byte key for blind indexes."""
        ...
