"""Blind indexes: deterministic, normalised, separated per kind and per index key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.crypto import LocalKeyring, blind_index, normalise
from tests.crypto.helpers import MASTER


def test_deterministic_hex(keyring: LocalKeyring) -> None:
    a = blind_index(keyring, "nrn", "85073003328")
    assert a == blind_index(keyring, "nrn", "85073003328")
    assert len(a) == 64
    assert int(a, 16) >= 0


def test_the_index_key_survives_a_reopen(tmp_path: Path, keyring: LocalKeyring) -> None:
    before = blind_index(keyring, "nrn", "85073003328")
    again = LocalKeyring.open(tmp_path / "keyring.json", MASTER)
    assert blind_index(again, "nrn", "85073003328") == before


@pytest.mark.parametrize(
    "written", ["85.07.30-033.28", " 85 07 30 033 28 ", "85073003328", "８５０７３００３３２８"]
)
def test_nrn_normalisation(keyring: LocalKeyring, written: str) -> None:
    assert normalise("nrn", written) == "85073003328"
    assert blind_index(keyring, "nrn", written) == blind_index(keyring, "nrn", "85073003328")


@pytest.mark.parametrize(
    "written",
    ["Jan  PEETERS|2001-01-01", " jan peeters|2001-01-01 ", "JAN\tPeeters|2001-01-01"],
)
def test_name_dob_normalisation(keyring: LocalKeyring, written: str) -> None:
    assert normalise("name_dob", written) == "jan peeters|2001-01-01"
    assert blind_index(keyring, "name_dob", written) == blind_index(
        keyring, "name_dob", "jan peeters|2001-01-01"
    )


def test_name_folding_is_unicode_aware() -> None:
    assert normalise("name_dob", "STRASSE") == normalise("name_dob", "Straße")
    # NFKC: the "ﬁ" ligature and the precomposed é match their plain spellings.
    assert normalise("name_dob", "ﬁlip") == "filip"
    assert normalise("name_dob", "e\u0301lise") == normalise("name_dob", "\u00e9lise")


def test_different_people_differ(keyring: LocalKeyring) -> None:
    assert blind_index(keyring, "nrn", "85073003328") != blind_index(keyring, "nrn", "85073003329")


def test_differs_per_kind(keyring: LocalKeyring) -> None:
    assert blind_index(keyring, "nrn", "85073003328") != blind_index(
        keyring, "name_dob", "85073003328"
    )


def test_differs_per_index_key(tmp_path: Path, keyring: LocalKeyring) -> None:
    other = LocalKeyring.open(tmp_path / "other.json", MASTER, create=True)
    assert blind_index(other, "nrn", "85073003328") != blind_index(keyring, "nrn", "85073003328")


def test_the_index_is_not_the_value(keyring: LocalKeyring) -> None:
    index = blind_index(keyring, "nrn", "85073003328")
    assert "85073003328" not in index
    assert b"85073003328".hex() not in index


def test_an_unknown_kind_is_refused(keyring: LocalKeyring) -> None:
    with pytest.raises(ValueError, match="unknown blind index kind"):
        blind_index(keyring, "email", "a@b.c")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(["nrn", "name_dob"]), st.text(st.characters(exclude_categories=())))
def test_normalisation_is_idempotent(keyring: LocalKeyring, kind: str, value: str) -> None:
    once = normalise(kind, value)
    assert normalise(kind, once) == once
    assert blind_index(keyring, kind, once) == blind_index(keyring, kind, value)
