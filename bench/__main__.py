"""`python -m bench [NAME ...]`: run one benchmark, several, or all (BENCH.md)."""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable

# In the order `make bench` runs them: the pure ones first, the long seeding last.
NAMES = ("decide", "verify", "read", "profile", "write", "export", "scale", "postgres", "soak")


def _runner(name: str) -> Callable[[], object]:
    module = importlib.import_module(f"bench.{name}")
    main: Callable[[], object] = module.main
    return main


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all when none is named); one failing does not stop the rest."""
    names = argv or list(NAMES)
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(NAMES)}")
        return 2
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} (BENCH.md: ratios count)")
    broken = []
    for name in names:
        start = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            _runner(name)()
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - report and go on with the next
            print(f"!! {name} did not complete: {exc}", flush=True)
            broken.append(name)
        print(f"   ({name}: {time.monotonic() - start:.0f} s)", flush=True)
    if broken:
        print(f"did not complete: {', '.join(broken)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
