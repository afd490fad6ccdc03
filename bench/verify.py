"""`verify`: offline verification of an audit export (hash chain + Merkle root + signatures).

Baseline (BENCH.md): Python's hashlib, one SHA-256 per line of the same export file, read the
same way (binary, 1 MiB buffer). The export is synthetic but made with the hub's own entry
code, with a checkpoint every 1,000 entries, in two layouts of the same entries: the export layout
(``entry.export_line``: each line is the canonical bytes plus the hash, verified as given) and
today's hub export (keys in FIELDS order, rebuilt from content by the verifier). Interleaved
rounds; medians of the per-round figures and ratios.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit.entry import GENESIS, canonical, entry_hash, export_line, leaf, timestamp
from app.audit.merkle import Frontier
from app.audit.signing import AuditSigner, Checkpoint
from app.audit.verify import verify
from bench.report import Row, emit

SIZE = int(os.environ.get("LIVC_BENCH_VERIFY_SIZE", "200000"))
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TARGET = 300_000
BUFFER = 1 << 20  # both read the file the same way, with a buffer that saves a read per 15 lines


def _entry(i: int, prev: str) -> dict[str, object]:
    return {
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
        "owners": [f"a{i % 7}", "a9"] if i % 10 else [],  # most entries name their owners
        "count": None,
    }


def _checkpoint(size: int, frontier: Frontier, signer: AuditSigner) -> str:
    head = Checkpoint(size, frontier.root().hex(), timestamp(T0), signer.key_id)
    signed = {**head.__dict__, "signature": signer.sign(head)}
    return json.dumps(signed) + "\n"


def make_export(folder: Path, size: int, signer: AuditSigner) -> tuple[Path, Path, Path]:
    """Write ``size`` entries in both layouts and their checkpoints; return the three paths."""
    export, legacy = folder / "export.ndjson", folder / "legacy.ndjson"
    heads = folder / "checkpoints.ndjson"
    frontier, prev = Frontier(), GENESIS
    with export.open("wb") as out, legacy.open("w") as old, heads.open("w") as cp:
        for i in range(size):
            entry = _entry(i, prev)
            data = canonical(entry)
            digest = entry_hash(data)
            frontier.append(leaf(data))
            out.write(export_line(entry, digest))
            item = {**entry, "hash": digest}  # as GET /api/v1/audit/export writes it today
            old.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
            prev = digest
            if (i + 1) % 1000 == 0 or i == size - 1:
                cp.write(_checkpoint(i + 1, frontier, signer))
    return export, legacy, heads


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    # Entries per second of wall time and of this process's CPU time: on a shared machine the
    # second says what the code costs when another process takes the core away.
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return SIZE / (time.perf_counter() - wall), SIZE / (time.process_time() - cpu)


def _hashlib(path: Path) -> None:
    sha = hashlib.sha256
    with path.open("rb", buffering=BUFFER) as f:
        for line in f:
            sha(line).digest()


def _verifier(path: Path, heads: Path, signer: AuditSigner) -> None:
    with path.open("rb", buffering=BUFFER) as e, heads.open() as h:
        report = verify(e, signer.public, h)
    if not report.ok or report.entries != SIZE:
        raise SystemExit(f"verify: the synthetic export did not verify: {report.problems}")


def _row(metric: str, ours: list[float], base: list[float], target: str) -> Row:
    p, b = statistics.median(ours), statistics.median(base)
    ratio = statistics.median(o / t for o, t in zip(ours, base, strict=True))
    unit = "entries per second; ratio = verifier / hashlib one SHA-256 per line, same file"
    return Row(metric, p, b, ratio, unit, target, p >= TARGET)


def main(rounds: int = 3) -> None:
    """Time the verifier and hashlib on the same files, interleaved."""
    signer = AuditSigner(Ed25519PrivateKey.generate())
    figures: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        export, legacy, heads = make_export(Path(tmp), SIZE, signer)
        runs: dict[str, Callable[[], None]] = {
            "hashlib_export": lambda: _hashlib(export),
            "verify_export": lambda: _verifier(export, heads, signer),
            "hashlib_legacy": lambda: _hashlib(legacy),
            "verify_legacy": lambda: _verifier(legacy, heads, signer),
        }
        for _ in range(rounds):
            for name, run in runs.items():
                wall, busy = _timed(run)
                figures.setdefault(name, []).append(wall)
                cpu.setdefault(name, []).append(busy)
        sizes = {"export_mb": export.stat().st_size / 1e6, "legacy_mb": legacy.stat().st_size / 1e6}
    emit(
        "verify",
        [
            _row(
                "verify entries/s (export layout)",
                figures["verify_export"],
                figures["hashlib_export"],
                ">= 300,000/s",
            ),
            _row(
                "verify entries/s (today's export)",
                figures["verify_legacy"],
                figures["hashlib_legacy"],
                ">= 300,000/s (rebuilt from content)",
            ),
        ],
        {
            "entries": SIZE,
            **{k: round(v, 1) for k, v in sizes.items()},
            "rounds": rounds,
            **{f"{name}_per_s": values for name, values in figures.items()},
            **{f"{name}_per_cpu_s": values for name, values in cpu.items()},
            "note": "2 cores, shared with other sessions: absolute figures vary, ratios less",
        },
    )
