"""No plaintext personal value reaches the database or a log.

A unique marker goes into every field that can hold one (text, and subject identifiers); unique
values go into date and integer fields. Then the database files (SQLite with its WAL) or a
PostgreSQL dump, and every log record captured meanwhile (SQL logging switched on), are searched.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy.engine import make_url

from tests.support.live import LiveHub
from tests.support.timing import scaled
from tests.support.world import ok, team


def _nrn() -> str:
    # A valid national register number for someone born 1987-06-05 (check digit: 97 - n mod 97).
    base = 870605000 + int(uuid.uuid4().int % 997)
    return f"{base:09d}{97 - base % 97:02d}"


def _database_bytes(hub: LiveHub) -> bytes:
    db = hub.database
    if db.backend == "sqlite":
        assert db.path is not None
        files = [db.path, db.path.with_name(db.path.name + "-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to scan the PostgreSQL database"
    url = make_url(db.url)
    result = subprocess.run(  # noqa: S603 - fixed argv, our own test database
        [
            pg_dump,
            "--no-owner",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.database or "",
        ],
        capture_output=True,
        check=True,
        timeout=scaled(120),
    )
    return result.stdout


def test_markers_are_found_nowhere_in_the_database_or_the_logs(
    hub: LiveHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        tag = uuid.uuid4().hex
        markers = {
            "summary": f"MARKER-summary-{tag}",
            "health": f"MARKER-health-{tag}",
            "intel": f"MARKER-intel-{tag}",
            "name": f"MARKER-name-{tag}",
        }
        visits = 700_000_000 + int(uuid.uuid4().int % 99_999_999)
        nrn = _nrn()
        t = team(hub)
        subject = ok(
            t.worker.post(
                "/api/v1/subjects",
                json={
                    "name": markers["name"],
                    "date_of_birth": "1987-06-05",
                    "national_register_number": nrn,
                },
            ),
            201,
        )
        assert (
            ok(t.worker.get(f"/api/v1/subjects/{subject['id']}"))["national_register_number"] == nrn
        )
        note = ok(
            t.note(
                {
                    "summary": markers["summary"],
                    "health": markers["health"],
                    "intel": markers["intel"],
                    "next_contact": "1911-11-11",
                    "visits": visits,
                }
            ),
            201,
        )
        edited = ok(
            t.worker.put(
                f"/api/v1/notes/{note['id']}",
                headers={"If-Match": note["etag"]},
                json={"fields": {"summary": markers["summary"] + "-v2"}},
            )
        )
        assert (
            ok(t.worker.get(f"/api/v1/notes/{note['id']}/versions/1"))["fields"]["visits"] == visits
        )
        assert edited["version"] == 2
        stored = _database_bytes(hub)
        logs = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
        for value in [*markers.values(), str(visits), nrn, "1911-11-11", "1987-06-05"]:
            assert value.encode() not in stored, f"{value} found in the database"
            assert value not in logs, f"{value} found in the logs"
        assert any("sqlalchemy" in r.name for r in caplog.records), "SQL logging was not captured"
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
