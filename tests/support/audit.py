"""The offline verifier as an auditor runs it: `livc-hub audit verify` in a process of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.timing import scaled


def run_verifier(export: Path, key: Path, checkpoints: Path) -> subprocess.CompletedProcess[str]:
    """Verify an export against the hub's public key and the checkpoints the auditor kept."""
    args = ["audit", "verify", str(export), "--key", str(key), "--checkpoints", str(checkpoints)]
    return subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        timeout=scaled(120),
        check=False,
    )
