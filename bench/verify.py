"""`verify`: offline verification of an audit export (hash chain + Merkle root + signatures).

Baseline: coreutils `sha256sum` over the same export file (the ceiling of hashing the log).
The export is synthetic but made with the hub's own entry code, with a checkpoint every 1,000
entries. Interleaved rounds; medians reported.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit.entry import GENESIS, canonical, entry_hash, leaf, timestamp
from app.audit.merkle import Frontier
from app.audit.signing import AuditSigner, Checkpoint
from app.audit.verify import verify
from bench.report import Row, emit

SIZE = int(os.environ.get("LIVC_BENCH_VERIFY_SIZE", "200000"))
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def make_export(folder: Path, size: int, signer: AuditSigner) -> tuple[Path, Path]:
    """Write an export of ``size`` entries and its checkpoints; return both paths."""
    export, heads = folder / "export.ndjson", folder / "checkpoints.ndjson"
    frontier, prev = Frontier(), GENESIS
    with export.open("w") as out, heads.open("w") as cp:
        for i in range(size):
            entry: dict[str, object] = {
                "seq": i,
                "at": timestamp(T0 + timedelta(milliseconds=i)),
                "actor": f"m{i % 97}",
                "actor_agency": f"a{i % 7}",
                "action": "exchange:view",
                "decision": "allow",
                "reason": "need_to_know",
                "cell": "c1",
                "case": f"case{i % 500}",
                "subject": f"s{i % 500}",
                "exchange": f"x{i % 50}",
                "note": None,
                "object": None,
                "fields": ["n1/1/household", "n1/1/housing"],
                "denied": ["n1/1/health=secrecy_regime"],
                "purpose": "Casusoverleg",
                "request_id": f"r{i}",
                "prev": prev,
            }
            data = canonical(entry)
            prev = entry_hash(data)
            frontier.append(leaf(data))
            out.write(json.dumps({**entry, "hash": prev}, separators=(",", ":")) + "\n")
            if (i + 1) % 1000 == 0 or i == size - 1:
                head = Checkpoint(i + 1, frontier.root().hex(), timestamp(T0), signer.key_id)
                cp.write(
                    json.dumps(
                        {
                            "tree_size": i + 1,
                            "root_hash": head.root_hash,
                            "at": head.at,
                            "key_id": head.key_id,
                            "signature": signer.sign(head),
                        }
                    )
                    + "\n"
                )
    return export, heads


def main(rounds: int = 3) -> None:
    """Time the verifier and sha256sum on the same file, interleaved."""
    signer = AuditSigner(Ed25519PrivateKey.generate())
    sha256sum = shutil.which("sha256sum")
    with tempfile.TemporaryDirectory() as tmp:
        export, heads = make_export(Path(tmp), SIZE, signer)
        ours, theirs = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            argv = [sha256sum or "sha256sum", str(export)]
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - fixed argv
            theirs.append(SIZE / (time.perf_counter() - start))
            start = time.perf_counter()
            with export.open() as e, heads.open() as h:
                report = verify(e, signer.public, h)
            ours.append(SIZE / (time.perf_counter() - start))
            if not report.ok:
                raise SystemExit(f"verify: the synthetic export did not verify: {report.problems}")
        size_mb = export.stat().st_size / 1e6
    p, b = statistics.median(ours), statistics.median(theirs)
    emit(
        "verify",
        [
            Row(
                "verify entries/s",
                p,
                b,
                p / b,
                "entries per second; ratio = ours/sha256sum",
                ">= 300,000/s",
                p >= 300_000,
            ),
        ],
        {
            "entries": SIZE,
            "export_mb": round(size_mb, 1),
            "rounds": rounds,
            "project_per_s": ours,
            "baseline_per_s": theirs,
        },
    )
