"""Envelope encryption: the tests every such package needs."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.crypto import (
    DecryptionError,
    LocalKeyring,
    SealedRecord,
    blind_index,
    open_record,
    seal_record,
)

MASTER = b"m" * 32


@pytest.fixture
def keyring(tmp_path: Path) -> LocalKeyring:
    ring = LocalKeyring.open(tmp_path / "keyring.json", MASTER, create=True)
    ring.ensure_agency_key("ocmw")
    ring.ensure_agency_key("police")
    return ring


def seal(ring: LocalKeyring, fields: dict[str, str], **over: object) -> SealedRecord:
    args: dict[str, object] = {
        "agency_id": "ocmw",
        "record_kind": "note",
        "record_id": "n1",
        "version": 1,
        "fields": fields,
    }
    args.update(over)
    return seal_record(ring, **args)  # type: ignore[arg-type]


def open_(ring: LocalKeyring, sealed: SealedRecord, **over: object) -> dict[str, str]:
    args: dict[str, object] = {"record_kind": "note", "record_id": "n1", "version": 1}
    args.update(over)
    return open_record(ring, sealed, **args)  # type: ignore[arg-type]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=300), max_size=8))
def test_round_trip(keyring: LocalKeyring, fields: dict[str, str]) -> None:
    assert open_(keyring, seal(keyring, fields)) == fields


def test_only_the_named_fields_are_opened(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "1", "b": "2", "c": "3"})
    assert open_(keyring, sealed, names=["b"]) == {"b": "2"}
    with pytest.raises(DecryptionError):
        open_(keyring, sealed, names=["nope"])


def test_fresh_data_key_and_nonces_every_time(keyring: LocalKeyring) -> None:
    one, two = seal(keyring, {"a": "same"}), seal(keyring, {"a": "same"})
    assert one.wrapped_key != two.wrapped_key
    assert one.fields["a"] != two.fields["a"]
    nonces = {seal(keyring, {"a": "x"}).fields["a"][1:13] for _ in range(200)}
    assert len(nonces) == 200


@pytest.mark.parametrize(
    "context",
    [{"record_id": "n2"}, {"version": 2}, {"record_kind": "subject"}],
)
def test_wrong_context_fails(keyring: LocalKeyring, context: dict[str, object]) -> None:
    sealed = seal(keyring, {"a": "x"})
    with pytest.raises(DecryptionError):
        open_(keyring, sealed, **context)


def test_a_ciphertext_moved_to_another_field_fails(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "x", "b": "y"})
    swapped = SealedRecord(
        sealed.agency_id,
        sealed.key_version,
        sealed.wrapped_key,
        {"a": sealed.fields["b"], "b": sealed.fields["a"]},
    )
    with pytest.raises(DecryptionError):
        open_(keyring, swapped, names=["a"])


def test_a_record_claimed_for_another_agency_fails(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "x"})
    moved = SealedRecord("police", sealed.key_version, sealed.wrapped_key, sealed.fields)
    with pytest.raises(DecryptionError):
        open_(keyring, moved)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_flipped_bit_fails(keyring: LocalKeyring, data: st.DataObject) -> None:
    sealed = seal(keyring, {"a": "vertrouwelijk"})
    target = data.draw(st.sampled_from(["field", "wrapped"]))
    blob = bytearray(sealed.fields["a"] if target == "field" else sealed.wrapped_key)
    index = data.draw(st.integers(0, len(blob) - 1))
    blob[index] ^= 1 << data.draw(st.integers(0, 7))
    if target == "field":
        tampered = SealedRecord(
            sealed.agency_id, sealed.key_version, sealed.wrapped_key, {"a": bytes(blob)}
        )
    else:
        tampered = SealedRecord(sealed.agency_id, sealed.key_version, bytes(blob), sealed.fields)
    with pytest.raises(DecryptionError):
        open_(keyring, tampered)


def test_unknown_key_version_fails(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "x"})
    future = SealedRecord(sealed.agency_id, 99, sealed.wrapped_key, sealed.fields)
    with pytest.raises(DecryptionError):
        open_(keyring, future)


def test_rotation_seals_with_the_new_version_and_old_records_still_open(
    keyring: LocalKeyring,
) -> None:
    old = seal(keyring, {"a": "x"})
    assert keyring.rotate("ocmw") == 2
    new = seal(keyring, {"a": "y"})
    assert (old.key_version, new.key_version) == (1, 2)
    assert open_(keyring, old) == {"a": "x"}
    assert open_(keyring, new) == {"a": "y"}


def test_repr_never_shows_keys_or_plaintext(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "geheime-waarde"})
    text = repr(sealed) + repr(keyring)
    assert "geheime-waarde" not in text
    for secret in (sealed.wrapped_key, sealed.fields["a"]):
        for form in (repr(secret), secret.hex(), base64.b64encode(secret).decode()):
            assert form not in text


def test_blind_index_is_deterministic_normalised_and_keyed(
    tmp_path: Path, keyring: LocalKeyring
) -> None:
    a = blind_index(keyring, "nrn", "85.07.30-033.28")
    assert a == blind_index(keyring, "nrn", "85073003328")
    assert blind_index(keyring, "name_dob", "Jan  PEETERS|2001-01-01") == blind_index(
        keyring, "name_dob", "jan peeters|2001-01-01"
    )
    assert a != blind_index(keyring, "name_dob", "85073003328")
    other = LocalKeyring.open(tmp_path / "other.json", MASTER, create=True)
    assert blind_index(other, "nrn", "85073003328") != a
    assert len(a) == 64
