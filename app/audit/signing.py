"""The hub's audit key (Ed25519) and signed checkpoints (tree heads)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

LOG_ID = "livc-hub-access-log/1"


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
    def load_or_create(cls, path: Path) -> AuditSigner:
        """Load the key; create it atomically on first use (never overwriting one)."""
        path = Path(path)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, pem)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # fails if another process created it first: keep theirs
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 key")
        return cls(key)

    def sign(self, checkpoint: Checkpoint) -> str:
        """The signature of a checkpoint, base64."""
        return base64.b64encode(self._key.sign(checkpoint.message())).decode()
