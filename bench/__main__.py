"""`python -m bench [NAME]`: run one benchmark or all (BENCH.md)."""

from __future__ import annotations

import sys

from bench import decide, export, verify

BENCHMARKS = {"decide": decide.main, "verify": verify.main, "export": export.main}


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all when none is named)."""
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        print(f"== {name}")
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
