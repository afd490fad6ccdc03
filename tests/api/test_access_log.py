"""The access log: every access and denial is recorded, never a value, and it fails closed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.databases import ThrowawayDatabase
from tests.support.live import LiveHub
from tests.support.world import ok, team


def _entries(db: ThrowawayDatabase, where: str) -> list[dict[str, object]]:
    from sqlalchemy import create_engine, text

    from tests.support.databases import _sync

    engine = create_engine(_sync(db.url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT * FROM access_log WHERE {where} ORDER BY seq"))
            return [dict(r._mapping) for r in rows]
    finally:
        engine.dispose()


def test_a_read_is_logged_with_actor_objects_and_field_names_never_values(hub: LiveHub) -> None:
    t = team(hub)
    value = "Uniek-" + uuid.uuid4().hex
    note = ok(t.note({"summary": value, "health": "x"}), 201)
    rid = "req-" + uuid.uuid4().hex[:8]
    read = t.worker.get(f"/api/v1/notes/{note['id']}", headers={"X-Request-ID": rid})
    assert read.headers["x-request-id"] == rid
    [entry] = _entries(hub.database, f"request_id = '{rid}'")
    assert entry["action"] == "note:read"
    assert entry["decision"] == "allow"
    assert entry["actor_member_id"] == t.worker_id
    assert entry["actor_agency_id"] == t.agency_id
    assert entry["note_id"] == note["id"]
    assert entry["case_id"] == t.case_id
    assert entry["cell_id"] == t.cell_id
    assert entry["subject_id"] == t.subject_id
    fields = (
        entry["fields"] if isinstance(entry["fields"], list) else json.loads(str(entry["fields"]))
    )
    assert fields == ["health", "summary"]
    assert value not in json.dumps(entry, default=str)


def test_a_denial_is_logged_with_its_reason(hub: LiveHub) -> None:
    owner = team(hub)
    note = ok(owner.note(), 201)
    stranger = team(hub, cell_id=owner.cell_id)
    rid = "req-" + uuid.uuid4().hex[:8]
    assert (
        stranger.worker.get(
            f"/api/v1/notes/{note['id']}", headers={"X-Request-ID": rid}
        ).status_code
        == 404
    )
    [entry] = _entries(hub.database, f"request_id = '{rid}'")
    assert entry["decision"] == "deny"
    assert entry["reason"] == "no_rule_allows"
    assert entry["actor_member_id"] == stranger.worker_id
    assert entry["note_id"] == note["id"]
    rid2 = "req-" + uuid.uuid4().hex[:8]
    stranger.worker.get(f"/api/v1/notes/{uuid.uuid4()}", headers={"X-Request-ID": rid2})
    [missing] = _entries(hub.database, f"request_id = '{rid2}'")
    assert missing["decision"] == "deny"
    assert missing["reason"] == "not_found"


@contextmanager
def log_unwritable(db: ThrowawayDatabase) -> Iterator[None]:
    """Make every insert into the access log fail, as a full disk or a revoked grant would."""
    if db.backend == "sqlite":
        db.execute(
            "CREATE TRIGGER block_log BEFORE INSERT ON access_log "
            "BEGIN SELECT RAISE(ABORT, 'access log blocked'); END"
        )
        undo = ["DROP TRIGGER block_log"]
    else:
        db.execute(
            "CREATE FUNCTION block_log() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'access log blocked'; END $$",
            "CREATE TRIGGER block_log BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION block_log()",
        )
        undo = ["DROP TRIGGER block_log ON access_log", "DROP FUNCTION block_log()"]
    try:
        yield
    finally:
        db.execute(*undo)


def test_when_the_log_cannot_be_written_nothing_is_disclosed_or_changed(hub: LiveHub) -> None:
    t = team(hub)
    secret = "Geheim-" + uuid.uuid4().hex
    note = ok(t.note({"summary": secret}), 201)
    worker = t.worker
    with log_unwritable(hub.database):
        read = worker.get(f"/api/v1/notes/{note['id']}")
        assert read.status_code == 503
        assert read.json()["type"] == "urn:livc-hub:problem:audit-unavailable"
        assert secret not in read.text
        written = t.note({"summary": "Mag niet bewaard worden."})
        assert written.status_code == 503
        edit = worker.put(
            f"/api/v1/notes/{note['id']}",
            json={"fields": {"summary": "Nieuw"}},
            headers={"If-Match": note["etag"]},
        )
        assert edit.status_code == 503
        subject = worker.post(
            "/api/v1/subjects", json={"name": "Niemand", "date_of_birth": "2000-01-01"}
        )
        assert subject.status_code == 503
        denied = worker.get(f"/api/v1/notes/{uuid.uuid4()}")
        assert denied.status_code == 503
    notes = ok(worker.get(f"/api/v1/cases/{t.case_id}/notes"))["items"]
    assert [n["id"] for n in notes] == [note["id"]]
    assert ok(worker.get(f"/api/v1/notes/{note['id']}"))["version"] == 1
