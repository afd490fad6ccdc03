"""Envelope encryption: the tests every such package needs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.crypto import (
    DecryptionError,
    KeyringError,
    LocalKeyring,
    SealedRecord,
    WrappedKey,
    open_record,
    seal_record,
)
from app.crypto.envelope import _record_aad
from tests.crypto.helpers import all_keys, leaks


def examples(n: int) -> settings:
    """Hypothesis settings for tests that reuse the (read-only here) keyring fixture."""
    # No deadline: a slow CI disk must not turn into a flaky failure.
    return settings(
        max_examples=n, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )


# Any str, lone surrogates included: a JSON body can carry "\ud800".
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)


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


@examples(200)
@given(st.dictionaries(st.text(max_size=20), ANY_TEXT, max_size=8))
def test_round_trip(keyring: LocalKeyring, fields: dict[str, str]) -> None:
    sealed = seal(keyring, fields)
    assert (sealed.agency_id, sealed.key_version) == ("ocmw", 1)
    assert set(sealed.fields) == set(fields)
    assert open_(keyring, sealed) == fields


def test_round_trip_of_empty_and_unicode_values(keyring: LocalKeyring) -> None:
    fields = {"empty": "", "nl": "Jürgen – signalement ✓", "emoji": "🙂", "rtl": "مرحبا"}
    assert open_(keyring, seal(keyring, fields)) == fields


def test_only_the_named_fields_are_opened(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "1", "b": "2", "c": "3"})
    assert open_(keyring, sealed, names=["b"]) == {"b": "2"}
    assert open_(keyring, sealed, names=[]) == {}


def test_a_missing_name_is_a_decryption_error(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "1"})
    with pytest.raises(DecryptionError):
        open_(keyring, sealed, names=["a", "nope"])


def test_names_as_a_bare_string_is_refused(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "1"})
    with pytest.raises(TypeError):
        open_(keyring, sealed, names="a")


def test_sealing_for_an_agency_without_a_key_fails(keyring: LocalKeyring) -> None:
    with pytest.raises(KeyringError):
        seal(keyring, {"a": "1"}, agency_id="nobody")


def test_fresh_data_key_and_nonces_every_time(keyring: LocalKeyring) -> None:
    one, two = seal(keyring, {"a": "same"}), seal(keyring, {"a": "same"})
    assert one.wrapped_key != two.wrapped_key
    assert one.fields["a"] != two.fields["a"]
    records = [seal(keyring, {"a": "x", "b": "x"}) for _ in range(100)]
    nonces = {blob[1:13] for r in records for blob in r.fields.values()}
    assert len(nonces) == 200
    assert len({r.wrapped_key[:12] for r in records}) == 100


def test_blob_layout(keyring: LocalKeyring) -> None:
    blob = seal(keyring, {"a": "abc"}).fields["a"]
    # Format byte, 12-byte nonce, ciphertext as long as the plaintext, 16-byte tag.
    assert blob[:1] == b"\x01"
    assert len(blob) == 1 + 12 + 3 + 16


@pytest.mark.parametrize(
    "context",
    [{"record_id": "n2"}, {"version": 2}, {"record_kind": "subject"}],
    ids=["other-record", "other-version", "other-kind"],
)
def test_wrong_context_fails(keyring: LocalKeyring, context: dict[str, object]) -> None:
    sealed = seal(keyring, {"a": "x"})
    with pytest.raises(DecryptionError):
        open_(keyring, sealed, **context)


def test_a_ciphertext_moved_to_another_field_fails(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "x", "b": "y"})
    swapped = replace(sealed, fields={"a": sealed.fields["b"], "b": sealed.fields["a"]})
    for name in ("a", "b"):
        with pytest.raises(DecryptionError):
            open_(keyring, swapped, names=[name])


def test_a_ciphertext_moved_to_another_record_fails(keyring: LocalKeyring) -> None:
    mine = seal(keyring, {"a": "x"}, record_id="n1")
    other = seal(keyring, {"a": "y"}, record_id="n2")
    # The other record's own wrapped key, with my ciphertext grafted in.
    grafted = replace(other, fields={"a": mine.fields["a"]})
    with pytest.raises(DecryptionError):
        open_(keyring, grafted, record_id="n2")


def test_a_ciphertext_moved_to_another_version_fails(keyring: LocalKeyring) -> None:
    v1 = seal(keyring, {"a": "x"}, version=1)
    v2 = seal(keyring, {"a": "y"}, version=2)
    with pytest.raises(DecryptionError):
        open_(keyring, replace(v2, fields=v1.fields), version=2)


def test_a_record_claimed_for_another_agency_fails(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "x"})
    with pytest.raises(DecryptionError):
        open_(keyring, replace(sealed, agency_id="police"))


@examples(200)
@given(st.data())
def test_any_flipped_bit_fails(keyring: LocalKeyring, data: st.DataObject) -> None:
    sealed = seal(keyring, {"a": "vertrouwelijk"})
    target = data.draw(st.sampled_from(["field", "wrapped"]))
    blob = bytearray(sealed.fields["a"] if target == "field" else sealed.wrapped_key)
    index = data.draw(st.integers(0, len(blob) - 1))
    blob[index] ^= 1 << data.draw(st.integers(0, 7))
    if target == "field":
        tampered = replace(sealed, fields={"a": bytes(blob)})
    else:
        tampered = replace(sealed, wrapped_key=bytes(blob))
    with pytest.raises(DecryptionError):
        open_(keyring, tampered)


@examples(50)
@given(st.data())
def test_truncated_ciphertexts_fail(keyring: LocalKeyring, data: st.DataObject) -> None:
    sealed = seal(keyring, {"a": "vertrouwelijk"})
    blob = sealed.fields["a"]
    cut = data.draw(st.integers(0, len(blob) - 1))
    with pytest.raises(DecryptionError):
        open_(keyring, replace(sealed, fields={"a": blob[:cut]}))
    with pytest.raises(DecryptionError):
        open_(keyring, replace(sealed, wrapped_key=sealed.wrapped_key[:cut]))


@pytest.mark.parametrize("byte", [b"\x00", b"\x02", b"\xff"])
def test_an_unknown_format_byte_fails(keyring: LocalKeyring, byte: bytes) -> None:
    sealed = seal(keyring, {"a": "x"})
    with pytest.raises(DecryptionError):
        open_(keyring, replace(sealed, fields={"a": byte + sealed.fields["a"][1:]}))


@pytest.mark.parametrize("version", [0, 2, 99, -1])
def test_unknown_key_version_fails(keyring: LocalKeyring, version: int) -> None:
    sealed = seal(keyring, {"a": "x"})
    with pytest.raises(DecryptionError):
        open_(keyring, replace(sealed, key_version=version))


def test_rotation_seals_with_the_new_version_and_old_records_still_open(
    keyring: LocalKeyring,
) -> None:
    old = seal(keyring, {"a": "x"})
    assert keyring.rotate("ocmw") == 2
    assert keyring.current_version("ocmw") == 2
    new = seal(keyring, {"a": "y"})
    assert (old.key_version, new.key_version) == (1, 2)
    assert open_(keyring, old) == {"a": "x"}
    assert open_(keyring, new) == {"a": "y"}
    # The version is bound too: a v2 record claimed as v1 does not open.
    with pytest.raises(DecryptionError):
        open_(keyring, replace(new, key_version=1))
    assert seal(keyring, {"a": "z"}, agency_id="police").key_version == 1


def test_repr_never_shows_keys_or_plaintext(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"geheim-veld": "geheime-waarde"})
    wrapped = WrappedKey(sealed.agency_id, sealed.key_version, sealed.wrapped_key)
    texts = [repr(sealed), str(sealed), repr(wrapped), str(wrapped), repr(keyring)]
    secrets = [sealed.wrapped_key, *sealed.fields.values(), *all_keys(keyring)]
    for text in texts:
        assert "geheime-waarde" not in text
        assert leaks(text, secrets) == []
        assert "***" in text
    assert repr(wrapped) == "WrappedKey(agency='ocmw', version=1, wrapped=***)"
    assert repr(sealed) == "SealedRecord(agency='ocmw', version=1, fields=['geheim-veld'], ***)"


def test_the_data_key_is_never_in_the_sealed_record(keyring: LocalKeyring) -> None:
    sealed = seal(keyring, {"a": "x"})
    wrapped = WrappedKey(sealed.agency_id, sealed.key_version, sealed.wrapped_key)
    data_key = keyring.unwrap(wrapped, _record_aad("note", "n1", 1))
    assert len(data_key) == 32
    for blob in [sealed.wrapped_key, *sealed.fields.values()]:
        assert data_key not in blob
