"""Client secrets: argon2id hashes, constant answers for wrong secrets, fresh ids and secrets."""

from __future__ import annotations

import pytest

from app.auth import hash_secret, new_client_id, new_client_secret, verify_secret

SECRET = "s3cret-Zk8v"


@pytest.fixture(scope="module")
def hashed() -> str:
    # argon2id is deliberately slow: hash once for the module.
    return hash_secret(SECRET)


def test_hash_and_verify_round_trip(hashed: str) -> None:
    assert verify_secret(hashed, SECRET)
    fresh = new_client_secret()
    assert verify_secret(hash_secret(fresh), fresh)


def test_the_hash_is_argon2id_salted_and_not_the_secret(hashed: str) -> None:
    assert hashed.startswith("$argon2id$")
    assert SECRET not in hashed
    assert hash_secret(SECRET) != hashed  # a fresh salt each time


@pytest.mark.parametrize("wrong", ["", "s3cret-Zk8V", SECRET + " ", SECRET[:-1]])
def test_a_wrong_secret_is_false(hashed: str, wrong: str) -> None:
    assert not verify_secret(hashed, wrong)


@pytest.mark.parametrize(
    "bad_hash",
    ["", "not-a-hash", "$argon2id$", "$argon2id$v=19$m=65536,t=3,p=4$AAAA$AAAA", SECRET],
)
def test_an_invalid_hash_is_false_not_an_exception(bad_hash: str) -> None:
    assert not verify_secret(bad_hash, SECRET)


def test_new_secrets_and_ids_are_fresh() -> None:
    secrets = {new_client_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(len(s) >= 43 for s in secrets)  # 32 random bytes, base64url
    ids = {new_client_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(i.startswith("svc-") for i in ids)
    assert new_client_id("ocmw").startswith("ocmw-")
