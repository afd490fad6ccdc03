"""The local keyring file and the master key rules."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from app.crypto import (
    DEMO_MASTER_KEY,
    KeyringError,
    LocalKeyring,
    MasterKeyError,
    generate_master_key,
    master_key_from,
    seal_record,
)

MASTER = b"k" * 32


def _keks(ring: LocalKeyring) -> list[bytes]:
    return [k for versions in ring._keks.values() for k in versions.values()]


def test_file_is_sealed_and_private(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = LocalKeyring.open(path, MASTER, create=True)
    ring.ensure_agency_key("a1")
    ring.rotate("a1")
    raw = path.read_bytes()
    for kek in [*_keks(ring), ring.index_key()]:
        for form in (kek, kek.hex().encode(), base64.b64encode(kek)):
            assert form not in raw
    assert json.loads(raw)["format"] == "livc-keyring/1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_reopened_keyring_has_the_same_keys(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = LocalKeyring.open(path, MASTER, create=True)
    ring.ensure_agency_key("a1")
    sealed = seal_record(
        ring, agency_id="a1", record_kind="note", record_id="n", version=1, fields={"f": "v"}
    )
    again = LocalKeyring.open(path, MASTER)
    assert _keks(again) == _keks(ring)
    assert again.index_key() == ring.index_key()
    from app.crypto import open_record

    assert open_record(again, sealed, record_kind="note", record_id="n", version=1) == {"f": "v"}


def test_wrong_master_key_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    LocalKeyring.open(path, MASTER, create=True)
    with pytest.raises(KeyringError, match="wrong master key"):
        LocalKeyring.open(path, b"x" * 32)
    with pytest.raises(KeyringError):
        LocalKeyring.open(tmp_path / "absent.json", MASTER)
    path.write_text("{not json")
    with pytest.raises(KeyringError):
        LocalKeyring.open(path, MASTER)


def test_two_processes_see_each_others_agencies(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    first = LocalKeyring.open(path, MASTER, create=True)
    second = LocalKeyring.open(path, MASTER)
    first.ensure_agency_key("a1")
    second.ensure_agency_key("a2")
    sealed = seal_record(
        first, agency_id="a1", record_kind="note", record_id="n", version=1, fields={"f": "v"}
    )
    from app.crypto import open_record

    assert open_record(second, sealed, record_kind="note", record_id="n", version=1) == {"f": "v"}
    assert first.current_version("a2") == 1
    assert set(LocalKeyring.open(path, MASTER)._keks) == {"a1", "a2"}


def test_unknown_agency_has_no_key(tmp_path: Path) -> None:
    ring = LocalKeyring.open(tmp_path / "k.json", MASTER, create=True)
    with pytest.raises(KeyringError):
        ring.current_version("nobody")


def test_master_key_rules(tmp_path: Path) -> None:
    good = generate_master_key()
    assert len(master_key_from(good, None, demo=False)) == 32
    assert master_key_from("ab" * 32, None, demo=False) == bytes.fromhex("ab" * 32)
    secret_file = tmp_path / "master"
    secret_file.write_text(good + "\n")
    assert master_key_from(None, secret_file, demo=False) == master_key_from(good, None, demo=False)
    with pytest.raises(MasterKeyError, match="at least"):
        master_key_from(base64.urlsafe_b64encode(b"short").decode(), None, demo=False)
    with pytest.raises(MasterKeyError, match="required outside demo mode"):
        master_key_from(None, None, demo=False)
    assert master_key_from(None, None, demo=True) == DEMO_MASTER_KEY
    demo_text = base64.urlsafe_b64encode(DEMO_MASTER_KEY).decode()
    with pytest.raises(MasterKeyError, match="demo"):
        master_key_from(demo_text, None, demo=False)
    with pytest.raises(MasterKeyError):
        master_key_from(None, tmp_path / "absent", demo=False)
