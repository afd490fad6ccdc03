"""The witness an agency's auditor runs (``livc-hub audit witness``): two histories cannot hide.

It pins the hub's audit key, keeps its own copy of every checkpoint it accepted (NDJSON in its
directory), and for every new checkpoint asks the hub for an RFC 9162 consistency proof from the
latest one it kept, verified here with ``app.audit.merkle``. A checkpoint of the same size with
another root, one that does not extend the latest, or a hub whose log no longer holds the latest
checkpoint, is an inconsistency: the witness reports both sides (sizes, roots, times), keeps the
evidence and exits 3. The hub's consistency proofs carry only hashes, so an agency's auditor may
fetch them.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.audit import merkle
from app.audit.push import append_line
from app.audit.signing import Checkpoint, key_id, public_pem
from app.audit.verify import load_public_key
from app.settings import LOOPBACK


class WitnessError(Exception):
    """Something kept the witness from checking (network, key, files): exit 1."""


class Inconsistent(Exception):
    """The hub showed two histories; ``report`` names both sides."""

    def __init__(self, report: str, evidence: dict[str, object]) -> None:
        super().__init__(report)
        self.report = report
        self.evidence = evidence


_TEXT_FIELDS = ("root_hash", "at", "key_id", "signature")


@dataclass(frozen=True)
class Seen:
    """One signed checkpoint, as the hub lists it."""

    tree_size: int
    root_hash: str
    at: str
    key_id: str
    signature: str

    @classmethod
    def parse(cls, line: str) -> Seen:
        """A checkpoint from one NDJSON line; ValueError if it is not one."""
        item = json.loads(line)
        if not isinstance(item, dict):
            raise ValueError("not an object")
        size, texts = item.get("tree_size"), [item.get(k) for k in _TEXT_FIELDS]
        if type(size) is not int or size < 1:
            raise ValueError("bad tree_size")
        root, at, key, signature = (v if isinstance(v, str) else "" for v in texts)
        if len(root) != 64 or not (at and key and signature):
            raise ValueError("missing fields")
        bytes.fromhex(root)
        return cls(size, root, at, key, signature)

    def line(self) -> str:
        """The same NDJSON line format the hub lists."""
        body = {k: getattr(self, k) for k in self.__dataclass_fields__}
        return json.dumps(body, separators=(",", ":"))

    def describe(self) -> str:
        """Size, root and time, for a report."""
        return f"{self.tree_size} entries, root {self.root_hash}, signed at {self.at}"

    def signed_by(self, key: Ed25519PublicKey) -> bool:
        """True if the pinned key signed exactly this checkpoint."""
        if self.key_id != key_id(key):
            return False
        head = Checkpoint(self.tree_size, self.root_hash, self.at, self.key_id)
        try:
            key.verify(base64.b64decode(str(self.signature), validate=True), head.message())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True


class Hub(Protocol):
    """What the witness asks the hub."""

    def checkpoints(self) -> list[str]:
        """The hub's signed checkpoints, one NDJSON line each."""

    def consistency(self, first: int, second: int) -> dict[str, Any] | None:
        """The proof between two sizes; None if the hub's log is smaller than ``second``."""

    def audit_key(self) -> bytes:
        """The hub's public audit key (PEM)."""


class HubClient:
    """The hub's audit API, with an auditor's bearer token."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0) -> None:
        self._http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def _get(self, path: str, **params: int) -> httpx.Response:
        try:
            return self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise WitnessError(f"cannot reach the hub ({type(exc).__name__})") from None

    def checkpoints(self) -> list[str]:
        """GET /api/v1/audit/checkpoints."""
        response = self._get("/api/v1/audit/checkpoints")
        if response.status_code != 200:
            raise WitnessError(f"listing checkpoints: HTTP {response.status_code}")
        return response.text.splitlines()

    def consistency(self, first: int, second: int) -> dict[str, Any] | None:
        """GET /api/v1/audit/proofs/consistency (422: the log is smaller than ``second``)."""
        response = self._get("/api/v1/audit/proofs/consistency", **{"from": first, "to": second})
        if response.status_code == 422:
            return None
        if response.status_code != 200:
            raise WitnessError(f"fetching a consistency proof: HTTP {response.status_code}")
        body: dict[str, Any] = response.json()
        return body

    def audit_key(self) -> bytes:
        """GET /.well-known/livc-hub/audit-key."""
        response = self._get("/.well-known/livc-hub/audit-key")
        if response.status_code != 200:
            raise WitnessError(f"fetching the hub's audit key: HTTP {response.status_code}")
        try:
            return str(response.json()["public_key_pem"]).encode()
        except (ValueError, KeyError, TypeError):
            raise WitnessError("the hub's audit key answer is not one") from None


class Store:
    """The witness's own directory: the pinned key, the accepted checkpoints, the evidence."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.key = self.folder / "audit-key.pem"
        self.checkpoints = self.folder / "checkpoints.ndjson"
        self.conflicts = self.folder / "conflicts.ndjson"

    def pinned(self, given: bytes | None, hub: Hub) -> Ed25519PublicKey:
        """The pinned key: kept from the first run (``given``, or fetched from the hub)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        offered = load_public_key(_pem(given)) if given is not None else None
        if self.key.exists():
            pinned = load_public_key(self.key.read_bytes())
            if offered is not None and key_id(offered) != key_id(pinned):
                raise WitnessError(f"--key differs from the key pinned in {self.key}")
            return pinned
        key = offered or load_public_key(hub.audit_key())
        self.key.write_text(public_pem(key))
        return key

    def accepted(self) -> list[Seen]:
        """Every checkpoint accepted so far, in the order accepted."""
        if not self.checkpoints.exists():
            return []
        lines = self.checkpoints.read_text().splitlines()
        return [Seen.parse(line) for line in lines if line.strip()]

    def accept(self, seen: Seen) -> None:
        """Keep one more checkpoint."""
        append_line(str(self.checkpoints), seen.line())

    def keep_evidence(self, evidence: dict[str, object]) -> None:
        """Keep what showed the inconsistency (signed checkpoints prove it to anyone)."""
        append_line(str(self.conflicts), json.dumps(evidence, separators=(",", ":")))


def _pem(raw: bytes) -> bytes:
    if raw.lstrip().startswith(b"{"):  # the JSON of /.well-known/livc-hub/audit-key
        return str(json.loads(raw)["public_key_pem"]).encode()
    return raw


@dataclass(frozen=True)
class Poll:
    """What one poll found."""

    accepted: int
    unsigned: int
    latest: Seen | None


class Witness:
    """Checks that every checkpoint the hub shows extends the ones seen before."""

    def __init__(self, store: Store, key: Ed25519PublicKey, hub: Hub) -> None:
        self.store, self.key, self.hub = store, key, hub

    def poll(self, pushed: Iterable[str] = ()) -> Poll:
        """Take the hub's list and the pushed lines; raise Inconsistent on two histories."""
        found, unsigned = self._signed([*self.hub.checkpoints(), *pushed])
        kept = {s.tree_size: s for s in self.store.accepted()}
        accepted = 0
        for seen in sorted(found, key=lambda s: s.tree_size):
            same = kept.get(seen.tree_size)
            if same is not None:
                if same.root_hash != seen.root_hash:
                    raise _conflict(same, seen, "the same size with two different roots")
                continue
            if kept:
                self._extends(kept[max(kept)], seen)
            self.store.accept(seen)
            kept[seen.tree_size] = seen
            accepted += 1
        latest = kept[max(kept)] if kept else None
        if latest is not None:
            self._still_held(latest)
        return Poll(accepted, unsigned, latest)

    def _signed(self, lines: Sequence[str]) -> tuple[list[Seen], int]:
        found: dict[tuple[int, str], Seen] = {}
        unsigned = 0
        for line in lines:
            if not line.strip():
                continue
            try:
                seen = Seen.parse(line)
            except (ValueError, TypeError):
                unsigned += 1
                continue
            if not seen.signed_by(self.key):
                unsigned += 1
                continue
            found.setdefault((seen.tree_size, seen.root_hash), seen)
        return list(found.values()), unsigned

    def _extends(self, latest: Seen, seen: Seen) -> None:
        old, new = sorted((latest, seen), key=lambda s: s.tree_size)
        proof = self.hub.consistency(old.tree_size, new.tree_size)
        if proof is None:
            raise _conflict(old, new, f"the hub's log now has fewer than {new.tree_size} entries")
        hashes = [bytes.fromhex(h) for h in proof.get("proof", [])]
        roots = (bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash))
        if merkle.verify_consistency(old.tree_size, new.tree_size, *roots, hashes):
            return
        if proof.get("old_root") != old.root_hash:
            why = f"the hub's log no longer holds the first (it gives root {proof.get('old_root')})"
        elif proof.get("new_root") != new.root_hash:
            why = f"the hub's log does not hold the second (it gives root {proof.get('new_root')})"
        else:
            why = "the hub's consistency proof between them does not verify"
        raise _conflict(old, new, f"the second does not extend the first: {why}")

    def _still_held(self, latest: Seen) -> None:
        proof = self.hub.consistency(latest.tree_size, latest.tree_size)
        if proof is None:
            now = f"fewer than {latest.tree_size} entries"
        elif proof.get("old_root") != latest.root_hash:
            now = f"root {proof.get('old_root')} for its first {latest.tree_size} entries"
        else:
            return
        report = "\n".join(
            [
                "INCONSISTENT: the hub's access log no longer holds a checkpoint it signed.",
                f"  kept:     {latest.describe()}",
                f"  hub now:  {now} (at {_now()})",
                "  History this witness had seen was rewritten or cut in the hub's database.",
            ]
        )
        raise Inconsistent(report, _evidence("rewritten", [latest], hub_now=now))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _evidence(kind: str, seen: Sequence[Seen], **more: str) -> dict[str, object]:
    checkpoints = [json.loads(s.line()) for s in seen]
    return {"found_at": _now(), "kind": kind, "checkpoints": checkpoints, **more}


def _conflict(first: Seen, second: Seen, why: str) -> Inconsistent:
    report = "\n".join(
        [
            "INCONSISTENT: two checkpoints signed by the hub do not show one history.",
            f"  first:   {first.describe()}",
            f"  second:  {second.describe()}",
            f"  Why: {why}.",
        ]
    )
    return Inconsistent(report, _evidence("conflict", [first, second], why=why))


def run(witness: Witness, *, pushed: Path | None, polls: int, interval: float, out: Any) -> int:
    """Poll ``polls`` times; 0 if all is consistent, 3 on an inconsistency (reported)."""
    for number in range(polls):
        if number:
            time.sleep(interval)
        lines = pushed.read_text().splitlines() if pushed and pushed.exists() else []
        try:
            result = witness.poll(lines)
        except Inconsistent as found:
            witness.store.keep_evidence(found.evidence)
            print(found.report, file=out)
            print(f"  Evidence kept in {witness.store.conflicts}.", file=out)
            return 3
        latest = result.latest.describe() if result.latest else "none yet"
        print(f"witness: {result.accepted} new checkpoint(s) accepted; latest: {latest}", file=out)
        if result.unsigned:
            raise WitnessError(
                f"{result.unsigned} checkpoint line(s) not signed by the pinned key were ignored"
            )
    return 0


def token_from(path: Path | None) -> str:
    """The auditor's bearer token: a file, or LIVC_WITNESS_TOKEN."""
    token = path.read_text().strip() if path else os.environ.get("LIVC_WITNESS_TOKEN", "").strip()
    if not token:
        raise WitnessError("an auditor token is needed: --token-file or LIVC_WITNESS_TOKEN")
    return token


def hub_url(value: str) -> str:
    """The hub's base URL: https://, or http:// on the loopback (tests)."""
    url = urlsplit(value)
    if url.scheme == "https" and url.hostname or url.scheme == "http" and url.hostname in LOOPBACK:
        return value.rstrip("/")
    raise WitnessError("--hub must be an https:// URL (http:// only on the loopback)")
