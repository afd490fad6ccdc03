"""Tampering as someone with the database itself would: first take the log's guards off.

On SQLite, triggers (migration 0007) refuse UPDATE and DELETE on the log tables; whoever holds
the file can drop them, and so do these helpers. On PostgreSQL the tests tamper through the
superuser URL (``ThrowawayDatabase.url``), which the app role's grants do not restrict.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.databases import ThrowawayDatabase

GUARDS = (
    "access_log_no_update",
    "access_log_no_delete",
    "audit_checkpoints_no_update",
    "audit_checkpoints_no_delete",
)


def unguard(db: ThrowawayDatabase) -> list[str]:
    """Drop the SQLite log triggers; return their SQL so ``reguard`` can put them back."""
    if db.backend != "sqlite":
        return []
    names = ", ".join(f"'{name}'" for name in GUARDS)
    saved = db.rows(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})"
    )  # noqa: S608 - fixed names
    if saved:
        db.execute(*(f"DROP TRIGGER {name}" for name, _ in saved))
    return [str(sql) for _, sql in saved]


def reguard(db: ThrowawayDatabase, saved: list[str]) -> None:
    """Recreate the triggers ``unguard`` dropped."""
    if saved:
        db.execute(*saved)


@contextmanager
def unguarded(db: ThrowawayDatabase) -> Iterator[None]:
    """The log's SQLite triggers are off inside the block and back on after it."""
    saved = unguard(db)
    try:
        yield
    finally:
        reguard(db, saved)
