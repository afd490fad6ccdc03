"""A read whose ciphertext does not open, through the running hub on both databases.

Someone with write access to the database (no keys) damages a stored note or subject with raw
SQL. Every read path that decrypts (the exchange view, GET /notes/{id}, a note version, a
subject's identifiers) must answer the `record-unreadable` problem, disclose nothing of the
record, and leave exactly one entry for the request in the access log: the read, denied, with
the failure's reason and the field names concerned, written after the rollback.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.crypto import LocalKeyring, master_key_from
from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.world import member, ok, unique

PROBLEM = "urn:livc-hub:problem:record-unreadable"


def _key(hub: LiveHub, row_id: str) -> str:
    # Uuid columns: 32 hex digits on SQLite, the native type (which reads either) on PostgreSQL.
    return row_id.replace("-", "") if hub.database.backend == "sqlite" else row_id


def _json(value: object) -> dict[str, str]:
    return json.loads(value) if isinstance(value, str) else dict(value)  # type: ignore[call-overload]


def _flip(blob: str) -> str:
    raw = bytearray(base64.b64decode(blob))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


class Rows:
    """Raw SQL on one note version, as a database writer without keys would run it."""

    def __init__(self, hub: LiveHub, note_id: str, version: int = 1) -> None:
        self.hub, self.where = hub, f"note_id = '{_key(hub, note_id)}' AND version = {version}"

    def sealed(self) -> dict[str, str]:
        return _json(
            self.hub.database.scalar(f"SELECT sealed FROM note_versions WHERE {self.where}")
        )

    def set_sealed(self, blobs: dict[str, str]) -> None:
        text = json.dumps(blobs).replace("'", "''")
        self.hub.database.execute(f"UPDATE note_versions SET sealed = '{text}' WHERE {self.where}")

    def set(self, assignment: str) -> None:
        self.hub.database.execute(f"UPDATE note_versions SET {assignment} WHERE {self.where}")


# Each damage: what it does to the OCMW note's first version, the reason and the fields.
Damage = Callable[[Casework, Rows], None]


def _tampered(w: Casework, rows: Rows) -> None:
    blobs = rows.sealed()
    rows.set_sealed({**blobs, "household": _flip(blobs["household"])})


def _moved_to_another_field(w: Casework, rows: Rows) -> None:
    blobs = rows.sealed()
    rows.set_sealed({**blobs, "household": blobs["housing"], "housing": blobs["household"]})


def _moved_from_another_row(w: Casework, rows: Rows) -> None:
    other = Rows(w.hub, w.ids["second_note"]).sealed()
    rows.set_sealed({**rows.sealed(), "household": other["household"]})


def _whole_row_moved(w: Casework, rows: Rows) -> None:
    other = f"note_id = '{_key(w.hub, w.ids['second_note'])}' AND version = 1"
    rows.set(
        f"wrapped_key = (SELECT wrapped_key FROM note_versions WHERE {other}), "
        f"key_version = (SELECT key_version FROM note_versions WHERE {other})"
    )


def _missing_key_version(w: Casework, rows: Rows) -> None:
    rows.set("key_version = 99")


def _wrong_key_version(w: Casework, rows: Rows) -> None:
    # The agency's key is rotated (as an operator would); the row then claims the new version.
    settings = w.hub.settings.keys
    assert settings.master_key is not None
    master = master_key_from(settings.master_key.get_secret_value(), None, demo=False)
    ring = LocalKeyring.open(settings.keyring_path, master)
    rows.set(f"key_version = {ring.rotate(w.ids['ocmw'])}")


ALL = {"household", "housing", "health", "psych"}
DAMAGES: dict[str, tuple[Damage, str, set[str]]] = {
    "tampered": (_tampered, "decrypt_field_invalid", {"household"}),
    "moved_field": (_moved_to_another_field, "decrypt_field_invalid", {"household", "housing"}),
    "moved_row": (_moved_from_another_row, "decrypt_field_invalid", {"household"}),
    "moved_key": (_whole_row_moved, "decrypt_data_key_invalid", ALL),
    "wrong_key_version": (_wrong_key_version, "decrypt_data_key_invalid", ALL),
    "missing_key_version": (_missing_key_version, "decrypt_key_version_unknown", ALL),
}


def _world(hub: LiveHub) -> Casework:
    """The cast, with the OCMW note shared with Pieter and a second OCMW note to steal from."""
    w = casework(hub)
    template_id = ok(w.as_("sofie").get(f"/api/v1/notes/{w.ids['ocmw_note']}"))["template_id"]
    w.ids["second_note"] = ok(
        w.as_("sofie").post(
            f"/api/v1/cases/{w.ids['case']}/notes",
            json={
                "template_id": template_id,
                "fields": {"household": unique("Ander"), "housing": "x"},
            },
        ),
        201,
    )["id"]
    w.release("sofie", "ocmw_note", fields=["household", "housing", "health"])
    w.grant(member="pieter", field="household")
    w.grant(member="pieter", field="housing")
    w.grant(member="sofie", field="household")
    w.grant(member="sofie", field="health")
    w.ids["auditor"] = member(hub, w.ids["stad"], "hub_auditor")
    return w


def _entries_of(w: Casework, rid: str, **params: str) -> list[dict[str, Any]]:
    auditor = w.hub.client(w.ids["auditor"])
    page = ok(auditor.get("/api/v1/audit/entries", params={**params, "limit": 200}))
    return [e for e in page["items"] if e["request_id"] == rid]


def _unreadable(r: httpx.Response, w: Casework) -> None:
    assert r.status_code == 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"] == PROBLEM
    assert problem["request_id"]
    for value in w.values.values():
        assert value not in r.text
    for name in ALL:  # not even which fields failed: that is for the auditor
        assert name not in r.text


def _failed_read(
    w: Casework, r: httpx.Response, action: str, who: str, reason: str, fields: set[str]
) -> dict[str, Any]:
    rid = r.json()["request_id"]
    [entry] = _entries_of(w, rid, member=w.ids[who])  # the rolled-back allow entry is gone
    assert (entry["action"], entry["decision"], entry["reason"]) == (action, "deny", reason)
    assert entry["fields"] == []
    assert {d.rsplit("/", 1)[-1] for d in entry["denied"]} == fields
    assert entry["note"] == w.ids["ocmw_note"]
    for value in w.values.values():
        assert value not in json.dumps(entry)
    return entry


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_note_is_a_logged_failed_read_on_every_path(hub: LiveHub, damage: str) -> None:
    w = _world(hub)
    assert w.seen("pieter") == {k: w.values[k] for k in ("household", "housing")}
    rows = Rows(hub, w.ids["ocmw_note"])
    before = rows.sealed()
    make, reason, fields = DAMAGES[damage]
    make(w, rows)
    note = f"/api/v1/notes/{w.ids['ocmw_note']}"
    # The owner's reads: the current version and the version by number.
    for path in (note, f"{note}/versions/1"):
        r = w.as_("sofie").get(path)
        _unreadable(r, w)
        _failed_read(w, r, "note:read", "sofie", reason, fields)
    # The exchange view of a participant (only the fields granted to them are opened).
    r = w.as_("pieter").get(f"{w.x}/view")
    _unreadable(r, w)
    granted = {"household", "housing"}
    entry = _failed_read(w, r, "exchange:view", "pieter", reason, fields & granted)
    assert entry["exchange"] == w.ids["exchange"]
    # The other note was not damaged and still opens; metadata reads still work.
    ok(w.as_("sofie").get(f"/api/v1/notes/{w.ids['second_note']}"))
    assert len(ok(w.as_("sofie").get(f"{note}/versions"))) == 1
    if damage == "tampered":
        rows.set_sealed(before)
        assert ok(w.as_("sofie").get(note))["fields"]["household"] == w.values["household"]


def test_a_view_opens_only_the_granted_fields_and_fails_only_on_them(hub: LiveHub) -> None:
    w = _world(hub)
    rows = Rows(hub, w.ids["ocmw_note"])
    blobs = rows.sealed()
    rows.set_sealed({**blobs, "health": _flip(blobs["health"])})  # granted to Sofie only
    assert w.seen("pieter") == {k: w.values[k] for k in ("household", "housing")}
    r = w.as_("sofie").get(f"{w.x}/view")
    _unreadable(r, w)
    _failed_read(w, r, "exchange:view", "sofie", "decrypt_field_invalid", {"health"})


def test_a_damaged_subject_identifier_is_a_logged_failed_read(hub: LiveHub) -> None:
    w = _world(hub)
    subject = ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))["subject_id"]
    path = f"/api/v1/subjects/{subject}"
    name = ok(w.as_("sofie").get(path))["name"]
    where = f"id = '{_key(hub, subject)}'"
    blobs = _json(hub.database.scalar(f"SELECT sealed FROM subjects WHERE {where}"))
    text = json.dumps({**blobs, "name": _flip(blobs["name"])})
    hub.database.execute(f"UPDATE subjects SET sealed = '{text}' WHERE {where}")
    r = w.as_("sofie").get(path)
    assert r.status_code == 500, r.text
    assert r.json()["type"] == PROBLEM
    assert name not in r.text
    assert "1999-03-04" not in r.text
    [entry] = _entries_of(w, r.json()["request_id"], member=w.ids["sofie"])
    assert (entry["action"], entry["decision"]) == ("subject:read", "deny")
    assert (entry["reason"], entry["denied"], entry["fields"]) == (
        "decrypt_field_invalid",
        ["name"],
        [],
    )
    assert entry["subject"] == subject
    assert name not in json.dumps(entry)
