"""One table row per metric, and a JSON file per benchmark under bench/results/."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Row:
    """One metric: the project's value, the baseline's, their ratio and the target."""

    metric: str
    project: float
    baseline: float
    ratio: float
    unit: str
    target: str
    passed: bool


def emit(name: str, rows: list[Row], extra: dict[str, object]) -> None:
    """Print the rows and write bench/results/<name>.json."""
    print(f"{'metric':<34} {'project':>12} {'baseline':>12} {'ratio':>9}  target")
    for r in rows:
        verdict = "PASS" if r.passed else "FAIL"
        print(
            f"{r.metric:<34} {r.project:>12.2f} {r.baseline:>12.2f} {r.ratio:>9.2f}  "
            f"{r.target} {verdict}  ({r.unit})"
        )
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "benchmark": name,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "rows": [asdict(r) for r in rows],
        **extra,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
