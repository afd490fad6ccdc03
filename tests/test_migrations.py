"""Stairway: every revision upgrades, downgrades and upgrades again, on both databases."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory

from tests.support.databases import ThrowawayDatabase, create_database


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_stairway(backend: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    db: ThrowawayDatabase = create_database(backend, tmp_path_factory.mktemp(f"stairway-{backend}"))
    try:
        script = ScriptDirectory.from_config(db.alembic())
        revisions = list(reversed(list(script.walk_revisions())))
        assert revisions, "no migrations found"
        for revision in revisions:
            db.migrate(revision.revision)
            db.downgrade(revision.down_revision or "base")
            db.migrate(revision.revision)
        assert db.scalar("SELECT count(*) FROM access_log") == 0
    finally:
        db.drop()


def test_migration_files_are_date_stamped() -> None:
    from pathlib import Path

    versions = Path(__file__).resolve().parents[1] / "migrations" / "versions"
    names = [p.name for p in versions.glob("*.py")]
    assert names
    assert all(n[:8].isdigit() and n[8] == "_" for n in names), names
