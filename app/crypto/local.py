"""The local keyring: agencies' KEKs in one file, sealed by the master key (embedded default).

File: ``{"format", "salt", "nonce", "sealed"}``; ``sealed`` is AES-256-GCM over the JSON of the
keys, under a key derived from the master key with HKDF-SHA256. Every change re-seals with a
fresh nonce and replaces the file atomically; a lock file serialises processes.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.crypto.errors import DecryptionError, KeyringError
from app.crypto.provider import WrappedKey

FORMAT = "livc-keyring/1"
_INFO = b"livc-hub keyring v1"
_NONCE = 12


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


def _wrap_aad(agency_id: str, version: int, aad: bytes) -> bytes:
    # Binds a wrapped key to its agency and KEK version as well as the caller's context.
    head = json.dumps([FORMAT, "wrap", agency_id, version], separators=(",", ":")).encode()
    return len(head).to_bytes(4, "big") + head + aad


class LocalKeyring:
    """KeyProvider backed by a master-key-sealed file."""

    def __init__(self, path: Path, master_key: bytes) -> None:
        self._path = path
        self._master = master_key
        self._lock = threading.Lock()
        self._keks: dict[str, dict[int, bytes]] = {}
        self._index: bytes | None = None

    def __repr__(self) -> str:
        return f"LocalKeyring(path={str(self._path)!r}, agencies={len(self._keks)}, keys=***)"

    @classmethod
    def open(cls, path: Path, master_key: bytes, *, create: bool = False) -> LocalKeyring:
        """Open (or with ``create``, start) a keyring file."""
        keyring = cls(Path(path), master_key)
        with keyring._locked():
            if keyring._path.exists():
                keyring._load()
            elif create:
                keyring._index = secrets.token_bytes(32)
                keyring._save()
            else:
                raise KeyringError(f"no keyring at {keyring._path}")
        return keyring

    # -- file handling -------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            lock_path = self._path.with_name(self._path.name + ".lock")
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    def _seal_key(self, salt: bytes) -> AESGCM:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO)
        return AESGCM(hkdf.derive(self._master))

    def _load(self) -> None:
        try:
            outer = json.loads(self._path.read_text())
            if outer.get("format") != FORMAT:
                raise KeyringError("unknown keyring format")
            aead = self._seal_key(_unb64(outer["salt"]))
            inner = aead.decrypt(_unb64(outer["nonce"]), _unb64(outer["sealed"]), FORMAT.encode())
            data: dict[str, Any] = json.loads(inner)
        except (InvalidTag, ValueError, KeyError, TypeError, OSError):
            raise KeyringError("cannot open keyring: wrong master key or corrupted file") from None
        self._keks = {
            agency: {int(v): _unb64(k) for v, k in versions.items()}
            for agency, versions in data["keks"].items()
        }
        self._index = _unb64(data["index"]) if data.get("index") else None

    def _save(self) -> None:
        inner = json.dumps(
            {
                "keks": {
                    a: {str(v): _b64(k) for v, k in vs.items()} for a, vs in self._keks.items()
                },
                "index": _b64(self._index) if self._index else None,
            }
        ).encode()
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(_NONCE)
        sealed = self._seal_key(salt).encrypt(nonce, inner, FORMAT.encode())
        outer = {"format": FORMAT, "salt": _b64(salt), "nonce": _b64(nonce), "sealed": _b64(sealed)}
        tmp = self._path.with_name(f".{self._path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, json.dumps(outer).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self._path)
        dir_fd = os.open(self._path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _kek(self, agency_id: str, version: int) -> bytes | None:
        found = self._keks.get(agency_id, {}).get(version)
        if found is None:
            # Another process may have created or rotated the key since we loaded.
            with self._locked():
                self._load()
            found = self._keks.get(agency_id, {}).get(version)
        return found

    # -- KeyProvider ---------------------------------------------------------------------

    def ensure_agency_key(self, agency_id: str) -> int:
        """Create the agency's KEK v1 if missing; return its current version."""
        if agency_id in self._keks:
            return max(self._keks[agency_id])
        with self._locked():
            self._load()
            if agency_id not in self._keks:
                self._keks[agency_id] = {1: secrets.token_bytes(32)}
                self._save()
            return max(self._keks[agency_id])

    def current_version(self, agency_id: str) -> int:
        """The agency's current KEK version."""
        if agency_id not in self._keks:
            with self._locked():
                self._load()
        if agency_id not in self._keks:
            raise KeyringError("this agency has no key")
        return max(self._keks[agency_id])

    def wrap(self, agency_id: str, data_key: bytes, aad: bytes) -> WrappedKey:
        """Wrap a data key with the agency's current KEK (AES-256-GCM, fresh nonce)."""
        version = self.current_version(agency_id)
        kek = self._keks[agency_id][version]
        nonce = secrets.token_bytes(_NONCE)
        body = AESGCM(kek).encrypt(nonce, data_key, _wrap_aad(agency_id, version, aad))
        return WrappedKey(agency_id=agency_id, key_version=version, wrapped=nonce + body)

    def unwrap(self, wrapped: WrappedKey, aad: bytes) -> bytes:
        """Unwrap a data key; DecryptionError on an unknown version or a failed tag."""
        kek = self._kek(wrapped.agency_id, wrapped.key_version)
        if kek is None:
            raise DecryptionError("unknown key version")
        nonce, body = wrapped.wrapped[:_NONCE], wrapped.wrapped[_NONCE:]
        try:
            return AESGCM(kek).decrypt(
                nonce, body, _wrap_aad(wrapped.agency_id, wrapped.key_version, aad)
            )
        except (InvalidTag, ValueError):
            raise DecryptionError("the data key did not unwrap") from None

    def rotate(self, agency_id: str) -> int:
        """A new KEK version for the agency; older versions stay for unwrapping."""
        with self._locked():
            self._load()
            versions = self._keks.setdefault(agency_id, {})
            version = max(versions, default=0) + 1
            versions[version] = secrets.token_bytes(32)
            self._save()
            return version

    def index_key(self) -> bytes:
        """The blind-index key, created on first use."""
        if self._index is None:
            with self._locked():
                self._load()
                if self._index is None:
                    self._index = secrets.token_bytes(32)
                    self._save()
        assert self._index is not None  # noqa: S101 - set just above
        return self._index
