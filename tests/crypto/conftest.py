"""Fixtures for the crypto tests: a fresh keyring file under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.crypto import LocalKeyring
from tests.crypto.helpers import MASTER


@pytest.fixture
def keyring(tmp_path: Path) -> LocalKeyring:
    """A keyring with two agencies, "ocmw" and "police", at key version 1."""
    ring = LocalKeyring.open(tmp_path / "keyring.json", MASTER, create=True)
    ring.ensure_agency_key("ocmw")
    ring.ensure_agency_key("police")
    return ring
