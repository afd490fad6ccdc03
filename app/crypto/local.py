"""The local keyring: agencies' KEKs in one file, sealed under a key derived from the master key.

File: ``{"format", "salt", "nonce", "sealed"}``; ``sealed`` is AES-256-GCM over the JSON of the
keys, under a key derived from the master key with HKDF-SHA256. Every change re-seals with a
fresh salt and nonce and replaces the file atomically. A sibling ``.lock`` file (``flock``)
serialises read-modify-write across processes; a ``threading.Lock`` guards the in-memory copy.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.crypto.errors import DecryptionError, KeyringError, MasterKeyError
from app.crypto.provider import WrappedKey

FORMAT = "livc-keyring/1"
KEY_BYTES = 32
_INFO = b"livc-hub keyring v1"
_NONCE = 12
_SALT = 16
_CORRUPT = "cannot open keyring: wrong master key or corrupted file"

_T = TypeVar("_T")
# Identifies one version of the file: every save is a new inode with a larger size.
_Signature = tuple[int, int, int, int]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _signature(st: os.stat_result) -> _Signature:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _wrap_aad(agency_id: str, version: int, aad: bytes) -> bytes:
    # Binds a wrapped key to its agency and KEK version as well as the caller's context. The
    # header is length-prefixed JSON: "a|b" joins would let an agency id absorb the version.
    head = json.dumps([FORMAT, "wrap", agency_id, version], separators=(",", ":")).encode()
    return len(head).to_bytes(4, "big") + head + aad


@dataclass(frozen=True, repr=False)
class _Contents:
    """An immutable snapshot of the keys; changes build a new one, so readers never see a half."""

    keks: Mapping[str, Mapping[int, bytes]]
    index: bytes | None

    def with_kek(self, agency_id: str, version: int, kek: bytes) -> _Contents:
        keks = {a: dict(vs) for a, vs in self.keks.items()}
        keks.setdefault(agency_id, {})[version] = kek
        return _Contents(keks, self.index)

    def latest(self, agency_id: str) -> int | None:
        versions = self.keks.get(agency_id)
        return max(versions) if versions else None

    def to_json(self) -> bytes:
        keks = {a: {str(v): _b64(k) for v, k in vs.items()} for a, vs in self.keks.items()}
        index = _b64(self.index) if self.index is not None else None
        return json.dumps({"keks": keks, "index": index}).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> _Contents:
        data: dict[str, Any] = json.loads(raw)
        keks = {
            str(agency): {int(v): _key(k) for v, k in versions.items()}
            for agency, versions in data["keks"].items()
        }
        index = data.get("index")
        return cls(keks, _key(index) if index is not None else None)


def _key(text: str) -> bytes:
    key = _unb64(text)
    if len(key) != KEY_BYTES:
        raise ValueError("a stored key has the wrong length")
    return key


class LocalKeyring:
    """KeyProvider backed by a master-key-sealed file; open it with ``LocalKeyring.open``."""

    def __init__(self, path: Path, master_key: bytes) -> None:
        """An empty, unloaded keyring; ``open`` is the way to get a usable one."""
        if len(master_key) < KEY_BYTES:
            raise MasterKeyError(f"the master key must be at least {KEY_BYTES} bytes")
        self._path = Path(path)
        self._lock_path = self._path.with_name(self._path.name + ".lock")
        self._master = master_key
        self._lock = threading.Lock()
        self._contents = _Contents({}, None)
        self._signature: _Signature | None = None

    def __repr__(self) -> str:
        return (
            f"LocalKeyring(path={str(self._path)!r}, agencies={len(self._contents.keks)}, keys=***)"
        )

    @classmethod
    def open(cls, path: Path, master_key: bytes, *, create: bool = False) -> LocalKeyring:
        """Open a keyring file; with ``create``, start an empty one if it does not exist."""
        keyring = cls(path, master_key)
        if create:
            keyring._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        elif not keyring._path.exists():
            raise KeyringError(f"no keyring at {keyring._path}")
        with keyring._lock, keyring._file_locked():
            if create and not keyring._path.exists():
                keyring._signature = keyring._write(keyring._contents)
            else:
                keyring._contents, keyring._signature = keyring._read()
        return keyring

    # -- the file --------------------------------------------------------------------------

    @contextmanager
    def _file_locked(self) -> Iterator[None]:
        try:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            raise KeyringError(f"cannot lock the keyring at {self._path}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            # Closing the descriptor releases the flock.
            os.close(fd)

    def _seal_key(self, salt: bytes) -> AESGCM:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=_INFO)
        return AESGCM(hkdf.derive(self._master))

    def _read(self) -> tuple[_Contents, _Signature]:
        try:
            with self._path.open("rb") as file:
                signature = _signature(os.fstat(file.fileno()))
                raw = file.read()
        except FileNotFoundError:
            raise KeyringError(f"no keyring at {self._path}") from None
        except OSError:
            raise KeyringError(f"cannot read the keyring at {self._path}") from None
        return self._unseal(raw), signature

    def _unseal(self, raw: bytes) -> _Contents:
        try:
            outer = json.loads(raw)
            if outer["format"] != FORMAT:
                raise KeyringError("unknown keyring format")
            aead = self._seal_key(_unb64(outer["salt"]))
            inner = aead.decrypt(_unb64(outer["nonce"]), _unb64(outer["sealed"]), FORMAT.encode())
            return _Contents.from_json(inner)
        except (InvalidTag, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            raise KeyringError(_CORRUPT) from None

    def _write(self, contents: _Contents) -> _Signature:
        salt, nonce = secrets.token_bytes(_SALT), secrets.token_bytes(_NONCE)
        sealed = self._seal_key(salt).encrypt(nonce, contents.to_json(), FORMAT.encode())
        outer = {"format": FORMAT, "salt": _b64(salt), "nonce": _b64(nonce), "sealed": _b64(sealed)}
        tmp = self._path.with_name(f".{self._path.name}.{secrets.token_hex(8)}.tmp")
        try:
            signature = self._write_file(tmp, json.dumps(outer).encode())
            os.replace(tmp, self._path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._fsync_directory()
        return signature

    @staticmethod
    def _write_file(tmp: Path, data: bytes) -> _Signature:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            # The umask can only narrow the mode; fchmod makes 0o600 exact whatever it is.
            os.fchmod(file.fileno(), 0o600)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
            return _signature(os.fstat(file.fileno()))

    def _fsync_directory(self) -> None:
        # Makes the rename itself durable, not only the new file's bytes.
        dir_fd = os.open(self._path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    # -- the in-memory copy ----------------------------------------------------------------

    def _snapshot(self, *, force: bool = False) -> _Contents:
        """The current keys, reloaded first if another process changed the file (or ``force``)."""
        with self._lock:
            try:
                changed = _signature(self._path.stat()) != self._signature
            except FileNotFoundError:
                # A vanished file is reported by the next change; reads keep the known keys.
                return self._contents
            if force or changed:
                self._contents, self._signature = self._read()
            return self._contents

    def _change(self, change: Callable[[_Contents], tuple[_Contents, _T]]) -> _T:
        """Reload, apply ``change``, write if it changed anything, then publish it in memory."""
        with self._lock, self._file_locked():
            current, signature = self._read()
            updated, result = change(current)
            if updated is not current:
                # Written before it is used: a key that never reached the disk must seal nothing.
                signature = self._write(updated)
            self._contents, self._signature = updated, signature
            return result

    # -- KeyProvider -----------------------------------------------------------------------

    def ensure_agency_key(self, agency_id: str) -> int:
        """Create the agency's KEK v1 if missing; return its current version."""
        latest = self._snapshot().latest(agency_id)
        if latest is not None:
            return latest

        def add(contents: _Contents) -> tuple[_Contents, int]:
            found = contents.latest(agency_id)
            if found is not None:
                return contents, found
            return contents.with_kek(agency_id, 1, os.urandom(KEY_BYTES)), 1

        return self._change(add)

    def current_version(self, agency_id: str) -> int:
        """The agency's current KEK version; KeyringError if it has none."""
        return self._current(agency_id)[0]

    def _current(self, agency_id: str) -> tuple[int, bytes]:
        # Version and KEK come from one snapshot, so a concurrent reload cannot split them.
        for force in (False, True):
            contents = self._snapshot(force=force)
            latest = contents.latest(agency_id)
            if latest is not None:
                return latest, contents.keks[agency_id][latest]
        raise KeyringError("this agency has no key")

    def wrap(self, agency_id: str, data_key: bytes, aad: bytes) -> WrappedKey:
        """Wrap a 32-byte data key with the agency's current KEK (AES-256-GCM, fresh nonce)."""
        if len(data_key) != KEY_BYTES:
            raise ValueError(f"a data key must be {KEY_BYTES} bytes")
        version, kek = self._current(agency_id)
        nonce = secrets.token_bytes(_NONCE)
        body = AESGCM(kek).encrypt(nonce, data_key, _wrap_aad(agency_id, version, aad))
        return WrappedKey(agency_id=agency_id, key_version=version, wrapped=nonce + body)

    def unwrap(self, wrapped: WrappedKey, aad: bytes) -> bytes:
        """Unwrap a data key; DecryptionError on an unknown version or a failed tag."""
        kek = self._kek(wrapped.agency_id, wrapped.key_version)
        nonce, body = wrapped.wrapped[:_NONCE], wrapped.wrapped[_NONCE:]
        try:
            return AESGCM(kek).decrypt(
                nonce, body, _wrap_aad(wrapped.agency_id, wrapped.key_version, aad)
            )
        except (InvalidTag, ValueError):
            raise DecryptionError("the data key did not unwrap") from None

    def _kek(self, agency_id: str, version: int) -> bytes:
        for force in (False, True):
            found = self._snapshot(force=force).keks.get(agency_id, {}).get(version)
            if found is not None:
                return found
        raise DecryptionError("unknown key version")

    def rotate(self, agency_id: str) -> int:
        """A new KEK version for the agency; older versions stay for unwrapping."""

        def add(contents: _Contents) -> tuple[_Contents, int]:
            latest = contents.latest(agency_id)
            if latest is None:
                raise KeyringError("this agency has no key")
            return contents.with_kek(agency_id, latest + 1, os.urandom(KEY_BYTES)), latest + 1

        return self._change(add)

    def index_key(self) -> bytes:
        """The hub-wide blind-index key, created and persisted on first use."""
        index = self._snapshot().index
        if index is not None:
            return index

        def add(contents: _Contents) -> tuple[_Contents, bytes]:
            if contents.index is not None:
                return contents, contents.index
            key = os.urandom(KEY_BYTES)
            return _Contents(contents.keks, key), key

        return self._change(add)
