"""One table row per metric, and a JSON file per benchmark under bench/results/."""

from __future__ import annotations

import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Row:
    """One metric: the hub's value, the same-run baseline's, their ratio and the target.

    ``passed`` is None for a figure shown for information, with no target of its own.
    """

    metric: str
    project: float
    baseline: float
    ratio: float
    unit: str
    target: str
    passed: bool | None


def verdict(passed: bool | None) -> str:
    """PASS, FAIL, or 'info' for a row without a target."""
    return "info" if passed is None else "PASS" if passed else "FAIL"


def number(value: float) -> str:
    """A figure for the table: '-' when there is none, fewer decimals as it grows."""
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "inf"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(rows: list[Row]) -> str:
    """The rows as a fixed-width table."""
    lines = [
        f"{'metric':<40} {'hub':>10} {'baseline':>10} {'ratio':>7}  {'target':<12} verdict  unit"
    ]
    for r in rows:
        lines.append(
            f"{r.metric:<40} {number(r.project):>10} {number(r.baseline):>10} "
            f"{number(r.ratio):>7}  {r.target:<12} {verdict(r.passed):<7}  {r.unit}"
        )
    return "\n".join(lines)


def _clean(value: object) -> object:
    # JSON has no NaN or infinity: they are written as null.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def emit(name: str, rows: list[Row], extra: dict[str, object], results: Path | None = None) -> Path:
    """Print the rows and write bench/results/<name>.json; returns the file written."""
    print(table(rows), flush=True)
    folder = results or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "nproc": os.cpu_count(),
        "loadavg_1min": os.getloadavg()[0],
        "python": platform.python_version(),
        "rows": [{**asdict(r), "verdict": verdict(r.passed)} for r in rows],
        **extra,
    }
    path = folder / f"{name}.json"
    path.write_text(json.dumps(_clean(payload), indent=2) + "\n")
    return path
