"""The local keyring file: sealed, private, atomic, shared safely by threads and processes."""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from app.crypto import (
    DecryptionError,
    KeyringError,
    LocalKeyring,
    MasterKeyError,
    SealedRecord,
    WrappedKey,
    open_record,
    seal_record,
)
from tests.crypto.helpers import MASTER, all_keys, leaks
from tests.support.timing import deadline, scaled

WRONG_MASTER = b"w" * 32
PROCESSES, ROUNDS = 4, 10


def _seal(ring: LocalKeyring, agency: str = "a1") -> SealedRecord:
    return seal_record(
        ring, agency_id=agency, record_kind="note", record_id="n", version=1, fields={"f": "v"}
    )


def _opens(ring: LocalKeyring, sealed: SealedRecord) -> dict[str, str]:
    return open_record(ring, sealed, record_kind="note", record_id="n", version=1)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_file_never_holds_a_key_in_clear(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = LocalKeyring.open(path, MASTER, create=True)
    for agency in ("a1", "a2", "a3"):
        ring.ensure_agency_key(agency)
    ring.rotate("a1")
    ring.index_key()
    keys = all_keys(ring)
    assert len(keys) == 5
    raw = path.read_bytes()
    assert leaks(raw.decode("latin-1"), keys) == []
    assert leaks(raw.decode("latin-1"), [MASTER]) == []
    for key in keys:
        assert key not in raw
    outer = json.loads(raw)
    assert set(outer) == {"format", "salt", "nonce", "sealed"}
    assert outer["format"] == "livc-keyring/1"


def test_every_change_reseals_with_a_fresh_nonce(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = LocalKeyring.open(path, MASTER, create=True)
    seen = [json.loads(path.read_text())["nonce"]]
    for change in (lambda: ring.ensure_agency_key("a1"), lambda: ring.rotate("a1"), ring.index_key):
        change()
        seen.append(json.loads(path.read_text())["nonce"])
    assert len(set(seen)) == 4


def test_the_file_is_private_and_no_temp_files_remain(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    old_umask = os.umask(0o000)
    try:
        ring = LocalKeyring.open(path, MASTER, create=True)
        assert _mode(path) == 0o600
        ring.ensure_agency_key("a1")
        ring.rotate("a1")
        ring.index_key()
    finally:
        os.umask(old_umask)
    assert _mode(path) == 0o600
    assert _mode(tmp_path / "keyring.json.lock") == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.json", "keyring.json.lock"]


def test_create_makes_missing_directories(tmp_path: Path) -> None:
    path = tmp_path / "var" / "keys" / "keyring.json"
    LocalKeyring.open(path, MASTER, create=True).ensure_agency_key("a1")
    assert LocalKeyring.open(path, MASTER).current_version("a1") == 1


def test_reopened_keyring_has_the_same_keys(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = LocalKeyring.open(path, MASTER, create=True)
    ring.ensure_agency_key("a1")
    ring.rotate("a1")
    ring.ensure_agency_key("a2")
    sealed = _seal(ring)
    again = LocalKeyring.open(path, MASTER)
    assert all_keys(again) == all_keys(ring)
    assert again.index_key() == ring.index_key()
    assert again.current_version("a1") == 2
    assert _opens(again, sealed) == {"f": "v"}
    # create=True on an existing file opens it, it does not start over.
    assert all_keys(LocalKeyring.open(path, MASTER, create=True)) == all_keys(ring)


def test_the_index_key_is_32_bytes_and_stable(tmp_path: Path) -> None:
    ring = LocalKeyring.open(tmp_path / "keyring.json", MASTER, create=True)
    key = ring.index_key()
    assert len(key) == 32
    assert ring.index_key() == key


def test_wrong_master_key(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    LocalKeyring.open(path, MASTER, create=True).ensure_agency_key("a1")
    with pytest.raises(KeyringError, match="wrong master key or corrupted file"):
        LocalKeyring.open(path, WRONG_MASTER)


def test_missing_file_without_create(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="no keyring"):
        LocalKeyring.open(tmp_path / "absent.json", MASTER)
    with pytest.raises(KeyringError, match="no keyring"):
        LocalKeyring.open(tmp_path / "no-dir" / "absent.json", MASTER)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        "{}",
        '{"format": "livc-keyring/1", "salt": "!!", "nonce": "", "sealed": ""}',
        '{"format": "livc-keyring/1", "salt": 1, "nonce": 2, "sealed": 3}',
    ],
)
def test_corrupted_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "keyring.json"
    path.write_text(content)
    with pytest.raises(KeyringError, match="cannot open keyring"):
        LocalKeyring.open(path, MASTER)


def test_a_flipped_byte_in_the_sealed_keys_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    LocalKeyring.open(path, MASTER, create=True).ensure_agency_key("a1")
    outer = json.loads(path.read_text())
    sealed = bytearray(base64.b64decode(outer["sealed"]))
    sealed[5] ^= 1
    outer["sealed"] = base64.b64encode(bytes(sealed)).decode()
    path.write_text(json.dumps(outer))
    with pytest.raises(KeyringError, match="wrong master key or corrupted file"):
        LocalKeyring.open(path, MASTER)


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    LocalKeyring.open(path, MASTER, create=True)
    outer = json.loads(path.read_text())
    outer["format"] = "livc-keyring/9"
    path.write_text(json.dumps(outer))
    with pytest.raises(KeyringError, match="unknown keyring format"):
        LocalKeyring.open(path, MASTER)


def test_a_short_master_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError):
        LocalKeyring.open(tmp_path / "keyring.json", b"x" * 31, create=True)


def test_agencies_and_versions(tmp_path: Path) -> None:
    ring = LocalKeyring.open(tmp_path / "keyring.json", MASTER, create=True)
    with pytest.raises(KeyringError, match="no key"):
        ring.current_version("nobody")
    with pytest.raises(KeyringError, match="no key"):
        ring.rotate("nobody")
    assert ring.ensure_agency_key("a1") == 1
    assert ring.ensure_agency_key("a1") == 1
    assert ring.rotate("a1") == 2
    assert ring.rotate("a1") == 3
    assert ring.ensure_agency_key("a1") == 3
    assert ring.current_version("a1") == 3


def test_wrap_binds_agency_version_and_context(keyring: LocalKeyring) -> None:
    data_key = os.urandom(32)
    wrapped = keyring.wrap("ocmw", data_key, b"ctx")
    assert (wrapped.agency_id, wrapped.key_version) == ("ocmw", 1)
    assert keyring.unwrap(wrapped, b"ctx") == data_key
    keyring.rotate("ocmw")
    assert keyring.unwrap(wrapped, b"ctx") == data_key
    for bad, aad in [
        (wrapped, b"other"),
        (WrappedKey("police", 1, wrapped.wrapped), b"ctx"),
        (WrappedKey("ocmw", 2, wrapped.wrapped), b"ctx"),
        (WrappedKey("ocmw", 7, wrapped.wrapped), b"ctx"),
        (WrappedKey("nobody", 1, wrapped.wrapped), b"ctx"),
        (WrappedKey("ocmw", 1, b""), b"ctx"),
    ]:
        with pytest.raises(DecryptionError):
            keyring.unwrap(bad, aad)


def test_a_wrapped_key_is_bound_to_agency_and_version_even_under_one_kek(
    keyring: LocalKeyring,
) -> None:
    # White-box: give "police" v1 and "ocmw" v2 the very KEK of "ocmw" v1, so only the
    # associated data can tell the wrapped keys apart.
    kek = keyring._contents.keks["ocmw"][1]
    keyring._contents = keyring._contents.with_kek("police", 1, kek).with_kek("ocmw", 2, kek)
    police = keyring.wrap("police", os.urandom(32), b"ctx")
    ocmw_v2 = keyring.wrap("ocmw", os.urandom(32), b"ctx")
    assert ocmw_v2.key_version == 2
    assert keyring.unwrap(police, b"ctx")
    assert keyring.unwrap(ocmw_v2, b"ctx")
    for moved in (
        WrappedKey("ocmw", 1, police.wrapped),
        WrappedKey("ocmw", 1, ocmw_v2.wrapped),
        WrappedKey("police", 1, ocmw_v2.wrapped),
    ):
        with pytest.raises(DecryptionError):
            keyring.unwrap(moved, b"ctx")


def test_wrap_refuses_a_data_key_of_the_wrong_size(keyring: LocalKeyring) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        keyring.wrap("ocmw", b"k" * 16, b"")


def test_repr_hides_every_key(keyring: LocalKeyring) -> None:
    keyring.index_key()
    text = repr(keyring) + str(keyring)
    assert leaks(text, [*all_keys(keyring), MASTER]) == []
    assert "***" in text


def test_a_failed_write_changes_nothing(
    tmp_path: Path, keyring: LocalKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keyring.json"
    before = path.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        keyring.rotate("ocmw")
    with pytest.raises(OSError, match="disk full"):
        keyring.ensure_agency_key("new")
    monkeypatch.undo()
    # A key that never reached the disk must not seal anything.
    assert keyring.current_version("ocmw") == 1
    with pytest.raises(KeyringError):
        keyring.current_version("new")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.json", "keyring.json.lock"]


def test_two_instances_see_each_others_changes(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    first = LocalKeyring.open(path, MASTER, create=True)
    second = LocalKeyring.open(path, MASTER)
    first.ensure_agency_key("a1")
    second.ensure_agency_key("a2")
    sealed = _seal(first, "a1")
    assert _opens(second, sealed) == {"f": "v"}
    assert first.current_version("a2") == 1
    # A rotation in one process is used by the other's next seal.
    assert second.rotate("a1") == 2
    after = _seal(first, "a1")
    assert after.key_version == 2
    assert _opens(second, after) == {"f": "v"}
    assert first.index_key() == second.index_key()
    assert set(LocalKeyring.open(path, MASTER)._contents.keks) == {"a1", "a2"}


def test_threads_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    rings = [LocalKeyring.open(path, MASTER, create=True) for _ in range(2)]
    rings[0].ensure_agency_key("shared")

    def work(i: int) -> None:
        ring = rings[i % 2]
        ring.ensure_agency_key(f"t{i}")
        ring.rotate("shared")
        sealed = _seal(ring, "shared")
        assert _opens(rings[(i + 1) % 2], sealed) == {"f": "v"}

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(16)))
    final = LocalKeyring.open(path, MASTER)
    assert set(final._contents.keks) == {"shared", *(f"t{i}" for i in range(16))}
    assert final.current_version("shared") == 17
    assert len(set(all_keys(final))) == len(all_keys(final))


def _process_worker(path: str, n: int, start: Barrier) -> None:
    ring = LocalKeyring.open(Path(path), MASTER)
    start.wait(timeout=scaled(30))
    for j in range(ROUNDS):
        ring.ensure_agency_key(f"p{n}-{j}")
        ring.rotate("shared")
    ring.index_key()


def test_processes_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    LocalKeyring.open(path, MASTER, create=True).ensure_agency_key("shared")
    context = multiprocessing.get_context("spawn")
    # All workers are released together, so their read-modify-write cycles really overlap.
    start = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=_process_worker, args=(str(path), n, start))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    until = deadline(60)
    for worker in workers:
        worker.join(timeout=until.remaining())
        assert worker.exitcode == 0
    final = LocalKeyring.open(path, MASTER)
    expected = {"shared", *(f"p{n}-{j}" for n in range(PROCESSES) for j in range(ROUNDS))}
    assert set(final._contents.keks) == expected
    assert final.current_version("shared") == 1 + PROCESSES * ROUNDS
    assert final._contents.index is not None
