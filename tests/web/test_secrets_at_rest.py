"""A reader of the database files finds no session token and no password in clear."""

from __future__ import annotations

import hashlib

from tests.api.test_no_plaintext import _database_bytes
from tests.support.live import LiveHub
from tests.support.web_client import Browser, person, signed_in


def test_the_database_holds_no_session_token_and_no_password(hub: LiveHub) -> None:
    who = person(hub)
    browser, chosen = signed_in(hub, who)
    other = Browser(hub)
    assert other.sign_in(who.username, chosen).status_code == 303
    tokens = [browser.session, other.session]
    assert all(tokens)
    disk = _database_bytes(hub)
    for secret in [*tokens, who.password, chosen]:
        assert secret is not None
        assert secret.encode() not in disk
    # What is there instead: the tokens' SHA-256, and argon2id hashes.
    for token in tokens:
        assert token is not None
        assert hashlib.sha256(token.encode()).hexdigest().encode() in disk
    assert b"$argon2id$" in disk
