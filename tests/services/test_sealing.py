"""Failed reads of sealed records: each kind of damage gives its own reason, and nothing else.

Database-free: a keyring under tmp_path, records sealed and then damaged as a database writer
could damage them (flip a byte, move a blob, change the key version or the wrapped key).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.crypto import LocalKeyring
from app.services.sealing import (
    DATA_KEY_INVALID,
    FIELD_INVALID,
    KEY_MISSING,
    KEY_VERSION_UNKNOWN,
    UnsealFailed,
    failed_read,
    seal,
    unseal,
)
from tests.crypto.helpers import MASTER

VALUES = {"household": "Gezin-geheim-1", "housing": "Woning-geheim-2", "health": "Gezond-3"}


@pytest.fixture
def keys(tmp_path: Path) -> LocalKeyring:
    ring = LocalKeyring.open(tmp_path / "keyring.json", MASTER, create=True)
    ring.ensure_agency_key("ocmw")
    return ring


def _stored(keys: LocalKeyring, record_id: str = "n1") -> dict[str, Any]:
    key_version, wrapped, blobs = seal(
        keys, agency_id="ocmw", kind="note", record_id=record_id, version=1, values=VALUES
    )
    return {
        "agency_id": "ocmw",
        "kind": "note",
        "record_id": record_id,
        "version": 1,
        "key_version": key_version,
        "wrapped_key": wrapped,
        "blobs": blobs,
    }


def _flip(blob: str) -> str:
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def test_an_undamaged_record_opens(keys: LocalKeyring) -> None:
    assert unseal(keys, **_stored(keys), names=None) == VALUES


Damage = Callable[[LocalKeyring, dict[str, Any]], None]


def _tamper(k: LocalKeyring, r: dict[str, Any]) -> None:
    r["blobs"] = {**r["blobs"], "household": _flip(r["blobs"]["household"])}


def _swap(k: LocalKeyring, r: dict[str, Any]) -> None:
    b = r["blobs"]
    r["blobs"] = {**b, "household": b["housing"], "housing": b["household"]}


def _from_other_row(k: LocalKeyring, r: dict[str, Any]) -> None:
    r["blobs"] = {**r["blobs"], "health": _stored(k, "n2")["blobs"]["health"]}


def _not_base64(k: LocalKeyring, r: dict[str, Any]) -> None:
    r["blobs"] = {**r["blobs"], "housing": "%%%"}


def _whole_row_moved(k: LocalKeyring, r: dict[str, Any]) -> None:
    r["record_id"] = "n2"


def _wrapped_key(k: LocalKeyring, r: dict[str, Any]) -> None:
    r["wrapped_key"] = r["wrapped_key"][:-1] + bytes([r["wrapped_key"][-1] ^ 1])


def _unknown_version(k: LocalKeyring, r: dict[str, Any]) -> None:
    r["key_version"] = 99


def _wrong_version(k: LocalKeyring, r: dict[str, Any]) -> None:
    r["key_version"] = k.rotate("ocmw")


def _no_agency_key(k: LocalKeyring, r: dict[str, Any]) -> None:
    r["agency_id"] = "nobody"


CASES: list[tuple[Damage, str, set[str]]] = [
    (_tamper, FIELD_INVALID, {"household"}),
    (_swap, FIELD_INVALID, {"household", "housing"}),
    (_from_other_row, FIELD_INVALID, {"health"}),
    (_not_base64, FIELD_INVALID, {"housing"}),
    (_whole_row_moved, DATA_KEY_INVALID, set(VALUES)),
    (_wrapped_key, DATA_KEY_INVALID, set(VALUES)),
    (_wrong_version, DATA_KEY_INVALID, set(VALUES)),
    (_unknown_version, KEY_VERSION_UNKNOWN, set(VALUES)),
    (_no_agency_key, KEY_MISSING, set(VALUES)),
]


@pytest.mark.parametrize(
    ("damage", "reason", "fields"), CASES, ids=lambda c: getattr(c, "__name__", None)
)
def test_each_damage_fails_with_its_reason_and_the_fields_concerned(
    keys: LocalKeyring, damage: Damage, reason: str, fields: set[str]
) -> None:
    record = _stored(keys)
    damage(keys, record)
    with pytest.raises(UnsealFailed) as failed:
        unseal(keys, **record, names=None)
    assert failed.value.reason == reason
    assert set(failed.value.fields) == fields
    assert not any(v in repr(failed.value) for v in VALUES.values())


def test_only_the_fields_asked_for_are_opened_and_judged(keys: LocalKeyring) -> None:
    record = _stored(keys)
    _tamper(keys, record)
    assert unseal(keys, **record, names=["housing"]) == {"housing": VALUES["housing"]}


def test_the_failed_read_entry_names_fields_and_reason_only() -> None:
    from app.audit.log import AuditEvent, Outcome

    event = AuditEvent("note:read", Outcome.ALLOW, "", "m", "a", note_id="n1", fields=("x", "y"))
    problem = failed_read(event, UnsealFailed(FIELD_INVALID, ["y"]))
    [entry] = problem.audit
    assert (entry.action, entry.outcome, entry.reason) == ("note:read", "deny", FIELD_INVALID)
    assert (entry.fields, entry.denied, entry.note_id) == ((), ("y",), "n1")
    assert problem.status == 500
    assert problem.type_uri() == "urn:livc-hub:problem:record-unreadable"
