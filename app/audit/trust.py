"""What the hub trusts about its own log: the last tree head it signed, kept outside the database.

Held in memory and in a small JSON file next to the audit key (mode 0600), written atomically
(temporary file, fsync, rename) under an exclusive ``flock``, so the API processes of one machine
share it. Within an epoch the state only moves forward: a larger signed size is never replaced
by a smaller one, and an alarm stays raised. Only an operator's ``livc-hub audit clear-alarm``
starts a new epoch, which may clear the alarm and (with ``--reset``) forget the signed head.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.audit.entry import GENESIS
from app.audit.signing import LOG_ID

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


class StateUnreadable(ValueError):
    """The state file is not one this hub wrote."""


@dataclass(frozen=True)
class SignedHead:
    """A tree head the hub signed, with what it takes to extend it: frontier and last hash."""

    size: int = 0
    root: str = EMPTY_ROOT
    frontier: tuple[str, ...] = ()
    last_hash: str = GENESIS


@dataclass(frozen=True)
class TrustState:
    """The last signed head, the raised alarm (a reason code) if any, and the epoch."""

    key_id: str
    head: SignedHead = field(default_factory=SignedHead)
    alarm: str | None = None
    epoch: int = 0
    log: str = LOG_ID


def disagreement(mine: TrustState, theirs: TrustState | None) -> str | None:
    """A reason code if two states cannot both be true (another key, or in one epoch two
    different heads of one size); None otherwise."""
    if theirs is None:
        return None
    if (mine.key_id, mine.log) != (theirs.key_id, theirs.log):
        return "state_key_mismatch"
    if mine.epoch != theirs.epoch:
        return None
    if mine.head.size == theirs.head.size and mine.head != theirs.head:
        return "state_conflict"
    return None


def merge(mine: TrustState, theirs: TrustState | None) -> TrustState:
    """The later epoch wins whole; within one, the larger head, and any alarm of either."""
    if theirs is None or mine.epoch > theirs.epoch:
        return mine
    if theirs.epoch > mine.epoch:
        return theirs
    head = theirs.head if theirs.head.size > mine.head.size else mine.head
    alarm = mine.alarm or theirs.alarm or disagreement(mine, theirs)
    return replace(mine, head=head, alarm=alarm)


def cleared(state: TrustState, key_id: str, *, reset: bool) -> TrustState:
    """The state after an operator clears the alarm (a new epoch); ``reset`` restarts at 0."""
    head = SignedHead() if reset else state.head
    return TrustState(key_id=key_id, head=head, alarm=None, epoch=state.epoch + 1)


def encode(state: TrustState) -> bytes:
    """The file's bytes."""
    body = {
        "log": state.log,
        "key_id": state.key_id,
        "epoch": state.epoch,
        "tree_size": state.head.size,
        "root_hash": state.head.root,
        "frontier": list(state.head.frontier),
        "last_hash": state.head.last_hash,
        "alarm": state.alarm,
    }
    return json.dumps(body, indent=1).encode() + b"\n"


def _hex(value: object, what: str) -> str:
    if not isinstance(value, str) or len(value) != 64:
        raise StateUnreadable(f"{what} is not a SHA-256 hex digest")
    try:
        bytes.fromhex(value)
    except ValueError:
        raise StateUnreadable(f"{what} is not a SHA-256 hex digest") from None
    return value


def decode(raw: bytes) -> TrustState:
    """Parse and check the file's bytes (a frontier has one node per bit of the size)."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise StateUnreadable("not JSON") from None
    if not isinstance(body, dict):
        raise StateUnreadable("not an object")
    size, epoch, alarm = body.get("tree_size"), body.get("epoch"), body.get("alarm")
    frontier = body.get("frontier")
    if type(size) is not int or size < 0 or type(epoch) is not int or epoch < 0:
        raise StateUnreadable("bad tree_size or epoch")
    if not isinstance(frontier, list) or len(frontier) != size.bit_count():
        raise StateUnreadable("bad frontier")
    if alarm is not None and not (isinstance(alarm, str) and alarm.isidentifier()):
        raise StateUnreadable("bad alarm")
    log, key = body.get("log"), body.get("key_id")
    if not isinstance(log, str) or not isinstance(key, str):
        raise StateUnreadable("bad log or key_id")
    head = SignedHead(
        size=size,
        root=_hex(body.get("root_hash"), "root_hash"),
        frontier=tuple(_hex(h, "frontier") for h in frontier),
        last_hash=_hex(body.get("last_hash"), "last_hash"),
    )
    return TrustState(key_id=key, head=head, alarm=alarm, epoch=epoch, log=log)


class StateFile:
    """The state on disk: read without a lock (renames are atomic), changed under an flock."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = self.path.with_name(self.path.name + ".lock")

    def read(self) -> TrustState | None:
        """The stored state; None if there is no file yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return decode(raw)

    def update(self, change: Callable[[TrustState | None], TrustState]) -> TrustState:
        """Read, change and replace the state as one step among the processes of this machine."""
        with self._locked():
            try:
                current = self.read()
            except StateUnreadable:
                current = None  # the change was decided knowing the file was unreadable
            new = change(current)
            if new != current:
                self._write(new)
            return new

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _write(self, state: TrustState) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(encode(state))
            out.flush()
            os.fsync(out.fileno())
        try:
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a crash
        finally:
            os.close(folder)
