"""The master key rules: where it comes from, how long it must be, and the demo key."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from app.crypto import DEMO_MASTER_KEY, MasterKeyError, generate_master_key, master_key_from


def test_generated_keys_are_fresh_base64url_32_bytes() -> None:
    one, two = generate_master_key(), generate_master_key()
    assert one != two
    assert set(one) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert master_key_from(one, None, demo=False) == base64.urlsafe_b64decode(one + "=")
    assert len(master_key_from(one, None, demo=False)) == 32


def test_hex_and_padded_base64url_are_accepted() -> None:
    raw = bytes(range(32))
    assert master_key_from(raw.hex(), None, demo=False) == raw
    assert master_key_from(raw.hex().upper(), None, demo=False) == raw
    assert master_key_from(base64.urlsafe_b64encode(raw).decode(), None, demo=False) == raw
    longer = bytes(range(48))
    assert master_key_from(longer.hex(), None, demo=False) == longer


def test_from_a_file_with_whitespace(tmp_path: Path) -> None:
    good = generate_master_key()
    secret_file = tmp_path / "master"
    secret_file.write_text(f"  {good}\n")
    assert master_key_from(None, secret_file, demo=False) == master_key_from(good, None, demo=False)


def test_the_value_wins_over_the_file(tmp_path: Path) -> None:
    good = generate_master_key()
    assert master_key_from(good, tmp_path / "absent", demo=False) == master_key_from(
        good, None, demo=False
    )


@pytest.mark.parametrize(
    "value",
    [base64.urlsafe_b64encode(b"short").decode(), (b"x" * 31).hex(), "", "   "],
    ids=["b64-5", "hex-31", "empty", "blank"],
)
def test_too_short_is_refused(value: str) -> None:
    with pytest.raises(MasterKeyError, match="at least 32 bytes"):
        master_key_from(value, None, demo=True)


def test_garbage_is_refused_without_echoing_it() -> None:
    garbage = generate_master_key()[:-4] + "$%!"
    with pytest.raises(MasterKeyError) as caught:
        master_key_from(garbage, None, demo=False)
    assert garbage not in str(caught.value)


def test_missing_outside_demo_is_refused() -> None:
    with pytest.raises(MasterKeyError, match="required outside demo mode"):
        master_key_from(None, None, demo=False)


def test_missing_in_demo_gives_the_demo_key() -> None:
    assert master_key_from(None, None, demo=True) == DEMO_MASTER_KEY
    assert len(DEMO_MASTER_KEY) >= 32


@pytest.mark.parametrize(
    "encode", [lambda k: base64.urlsafe_b64encode(k).decode(), bytes.hex], ids=["b64url", "hex"]
)
def test_the_demo_key_is_refused_outside_demo(tmp_path: Path, encode: object) -> None:
    text = encode(DEMO_MASTER_KEY)  # type: ignore[operator]
    with pytest.raises(MasterKeyError, match="demo"):
        master_key_from(text, None, demo=False)
    secret_file = tmp_path / "master"
    secret_file.write_text(text)
    with pytest.raises(MasterKeyError, match="demo"):
        master_key_from(None, secret_file, demo=False)
    assert master_key_from(text, None, demo=True) == DEMO_MASTER_KEY


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="cannot read"):
        master_key_from(None, tmp_path / "absent", demo=False)
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe" * 40)
    with pytest.raises(MasterKeyError, match="cannot read"):
        master_key_from(None, binary, demo=False)


@pytest.mark.parametrize("n", [16, 31])
def test_short_hex_is_not_misread_as_longer_base64(n: int) -> None:
    with pytest.raises(MasterKeyError, match="at least 32 bytes"):
        master_key_from(os.urandom(n).hex(), None, demo=False)
