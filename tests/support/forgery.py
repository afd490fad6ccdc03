"""The attacker of the tamper tests: write access to the database, and maybe the signing key.

They know the format: an edited entry gets its hash and leaf recomputed, the chain after it is
re-linked, the head row (size, last hash, frontier) is made to match, and the checkpoints that
would betray the edit are deleted. With the key they also sign fresh checkpoints and, being on
the host, write the hub's state file to match.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit.entry import canonical, entry_hash, leaf
from app.audit.merkle import Frontier
from app.audit.signing import AuditSigner, Checkpoint
from app.audit.trust import SignedHead, StateFile, TrustState
from tests.support.databases import ThrowawayDatabase

# Another helper's SQLite triggers refuse UPDATE and DELETE on the log tables; an attacker with
# the database file drops them first (harmless before they exist).
TRIGGERS = (
    "access_log_no_update",
    "access_log_no_delete",
    "audit_checkpoints_no_update",
    "audit_checkpoints_no_delete",
)


def export(auditor: httpx.Client) -> list[dict[str, Any]]:
    """The whole log as a hub auditor exports it (the export's own entry is the last)."""
    with auditor.stream("GET", "/api/v1/audit/export") as r:
        assert r.status_code == 200
        body = b"".join(r.iter_bytes()).decode()
    return [json.loads(line) for line in body.splitlines()]


def tamper(db: ThrowawayDatabase, *statements: str) -> None:
    """Raw SQL as the attacker runs it, past the SQLite triggers that guard the log tables."""
    drop = [f"DROP TRIGGER IF EXISTS {t}" for t in TRIGGERS] if db.backend == "sqlite" else []
    db.execute(*drop, *statements)


def _head_sql(entries: list[dict[str, Any]]) -> str:
    frontier = Frontier()
    for entry in entries:
        frontier.append(leaf(canonical(entry)))
    nodes = json.dumps([n.hex() for n in frontier.nodes])
    last = entries[-1]["hash"]
    return (
        f"UPDATE audit_head SET size = {len(entries)}, last_hash = '{last}', frontier = '{nodes}'"
        " WHERE id = 1"
    )


def rewrite(
    db: ThrowawayDatabase, entries: list[dict[str, Any]], at: int, reason: str
) -> list[dict[str, Any]]:
    """Edit entry ``at``'s reason, rehash it and everything after it, fix the head, and delete
    the checkpoints that cover it. Returns the forged log."""
    forged = [dict(e) for e in entries]
    forged[at]["reason"] = reason
    statements = [f"UPDATE access_log SET reason = '{reason}' WHERE position = {at}"]
    prev = forged[at]["prev"]
    for entry in forged[at:]:
        entry["prev"] = prev
        data = canonical(entry)
        entry["hash"] = prev = entry_hash(data)
        statements.append(
            f"UPDATE access_log SET prev_hash = '{entry['prev']}', entry_hash = '{entry['hash']}',"
            f" leaf_hash = '{leaf(data).hex()}' WHERE position = {entry['seq']}"
        )
    statements.append(f"DELETE FROM audit_checkpoints WHERE tree_size > {at}")
    statements.append(_head_sql(forged))
    tamper(db, *statements)
    return forged


def cut_tail(db: ThrowawayDatabase, entries: list[dict[str, Any]], keep: int) -> None:
    """Delete the entries from ``keep`` on and their checkpoints; rewind the head."""
    tamper(
        db,
        f"DELETE FROM access_log WHERE position >= {keep}",
        f"DELETE FROM audit_checkpoints WHERE tree_size > {keep}",
        _head_sql(entries[:keep]),
    )


def stolen_signer(key_path: Path) -> AuditSigner:
    """The hub's audit key, read from its file by someone on the host."""
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return AuditSigner(key)


def forge_checkpoint(
    db: ThrowawayDatabase, signer: AuditSigner, entries: list[dict[str, Any]], size: int
) -> dict[str, Any]:
    """Sign the first ``size`` forged entries with the stolen key and store the checkpoint."""
    frontier = Frontier()
    for entry in entries[:size]:
        frontier.append(leaf(canonical(entry)))
    root = frontier.root().hex()
    at = "2026-12-01T10:00:00.000000Z"
    head = Checkpoint(size, root, at, signer.key_id)
    signature = signer.sign(head)
    stored = "2026-12-01 10:00:00.000000" if db.backend == "sqlite" else "2026-12-01 10:00:00+00"
    tamper(
        db,
        f"DELETE FROM audit_checkpoints WHERE tree_size = {size}",
        "INSERT INTO audit_checkpoints (tree_size, root_hash, at, key_id, signature) VALUES"
        f" ({size}, '{root}', '{stored}', '{signer.key_id}', '{signature}')",
    )
    return {"tree_size": size, "root_hash": root, "at": at, "key_id": signer.key_id}


def forge_state(path: Path, signer: AuditSigner, entries: list[dict[str, Any]]) -> None:
    """Replace the hub's state file with one that trusts the forged log."""
    frontier = Frontier()
    for entry in entries:
        frontier.append(leaf(canonical(entry)))
    head = SignedHead(
        len(entries),
        frontier.root().hex(),
        tuple(n.hex() for n in frontier.nodes),
        entries[-1]["hash"],
    )
    path.unlink(missing_ok=True)
    StateFile(path).update(lambda _: TrustState(key_id=signer.key_id, head=head))
