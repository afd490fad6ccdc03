"""The hub's audit key (Ed25519) and signed checkpoints (tree heads)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.db.files import create_private_file, warn_if_shared

logger = logging.getLogger(__name__)

LOG_ID = "livc-hub-access-log/1"


class AuditKeyMissing(FileNotFoundError):
    """The audit signing key file does not exist (and may not be created here)."""


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: how many entries, their Merkle root, when, and by which key."""

    tree_size: int
    root_hash: str
    at: str
    key_id: str

    def message(self) -> bytes:
        """The signed bytes (RFC 8785 of the head and the log's name)."""
        return rfc8785.dumps(
            {
                "log": LOG_ID,
                "tree_size": self.tree_size,
                "root_hash": self.root_hash,
                "at": self.at,
                "key_id": self.key_id,
            }
        )


def key_id(public: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: names the key in checkpoints."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(public: Ed25519PublicKey) -> str:
    """The public key as PEM (SubjectPublicKeyInfo)."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


class AuditSigner:
    """Signs checkpoints with a private key kept in a 0600 file."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public = key.public_key()
        self.key_id = key_id(self.public)

    def __repr__(self) -> str:
        return f"AuditSigner(key_id={self.key_id!r}, key=***)"

    @classmethod
    def load(cls, path: Path) -> AuditSigner:
        """Load the key from ``path``; never create it."""
        path = Path(path)
        try:
            pem = path.read_bytes()
        except FileNotFoundError:
            raise AuditKeyMissing(
                f"the audit signing key {path} does not exist; in production keys are never "
                "created implicitly: create them with `livc-hub keys init`"
            ) from None
        warn_if_shared(path)
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 key")
        return cls(key)

    @classmethod
    def create(cls, path: Path) -> AuditSigner:
        """Create a new key at ``path`` (0600, in a 0700 directory); refuse if one exists."""
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        if not create_private_file(Path(path), pem):
            raise FileExistsError(f"{path} already exists; it was not overwritten")
        return cls(key)

    @classmethod
    def load_or_create(cls, path: Path) -> AuditSigner:
        """Load the key; create it atomically on first use (development and demo only)."""
        path = Path(path)
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another process won: use its key
                signer = cls.create(path)
                logger.warning(
                    "created the audit signing key %s (key id %s); production never creates "
                    "keys implicitly: there, run `livc-hub keys init`",
                    path,
                    signer.key_id,
                )
                return signer
        return cls.load(path)

    def sign(self, checkpoint: Checkpoint) -> str:
        """The signature of a checkpoint, base64."""
        return base64.b64encode(self._key.sign(checkpoint.message())).decode()
