"""Files only the hub's own user may read: keys (0600) in directories it creates 0700.

Standard library only, so the offline verifier's imports stay light (decision 18).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

logger = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_directory(directory: Path) -> None:
    """Create ``directory`` and any missing parents with mode 0700; warn if it exists wider."""
    directory = Path(directory)
    missing = []
    for candidate in (directory, *directory.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            created.mkdir(mode=DIR_MODE)
            os.chmod(created, DIR_MODE)  # the umask can only narrow mkdir's mode: make it exact
    if not missing:
        warn_if_shared(directory)


def warn_if_shared(path: Path) -> bool:
    """Log a warning (and return True) if group or others have any access to ``path``."""
    if os.name != "posix":
        return False
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        logger.warning("%s is accessible to other users (mode %04o): chmod go-rwx it", path, mode)
        return True
    return False


def create_private_file(path: Path, data: bytes) -> bool:
    """Atomically create ``path`` (mode 0600) holding ``data``; False if it already exists."""
    path = Path(path)
    private_directory(path.parent)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    # O_EXCL: never follow a planted symlink; 0o600 from the start, so no moment of wider access.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            # A hard link publishes the complete file atomically and, unlike rename, fails if
            # another process created it first, so nobody signs with a key that is then lost.
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:
            os.replace(tmp, path)  # a file system without hard links: rename is still atomic
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_directory(path.parent)
    return True


def create_empty_private_file(path: Path) -> bool:
    """Create an empty ``path`` with mode 0600 if it does not exist; True if it was created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def fsync_directory(directory: Path) -> None:
    """Make a new directory entry durable (where the platform allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not supported here (e.g. Windows); the file itself was synced
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
