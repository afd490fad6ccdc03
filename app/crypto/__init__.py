"""Envelope encryption, key providers and blind indexes (no framework, no database)."""

from app.crypto.blind_index import blind_index, normalise
from app.crypto.envelope import SealedRecord, open_record, seal_record
from app.crypto.errors import CryptoError, DecryptionError, KeyringError, MasterKeyError
from app.crypto.local import LocalKeyring
from app.crypto.master import DEMO_MASTER_KEY, generate_master_key, master_key_from
from app.crypto.provider import KeyProvider, WrappedKey

__all__ = [
    "DEMO_MASTER_KEY",
    "CryptoError",
    "DecryptionError",
    "KeyProvider",
    "KeyringError",
    "LocalKeyring",
    "MasterKeyError",
    "SealedRecord",
    "WrappedKey",
    "blind_index",
    "generate_master_key",
    "master_key_from",
    "normalise",
    "open_record",
    "seal_record",
]
