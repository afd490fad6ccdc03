"""Progress bars on stderr for the long operations (verifying an export), only at a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

EVERY = 1 << 14  # lines between two updates: the bar must not slow the verifier down


@contextmanager
def lines_with_progress(
    source: BinaryIO, total: int, what: str, *, show: bool | None = None
) -> Iterator[Iterable[bytes]]:
    """The lines of ``source`` as they are, with a bar of the bytes read when stderr is a
    terminal (or ``show``); otherwise ``source`` itself, untouched."""
    if not (sys.stderr.isatty() if show is None else show):
        yield source
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True, force_terminal=show),
        transient=True,
    )

    def lines() -> Iterator[bytes]:
        done = 0
        for count, line in enumerate(source, 1):
            done += len(line)
            if count % EVERY == 0:
                bar.update(task, completed=done)
            yield line
        bar.update(task, completed=done)

    with bar:
        task = bar.add_task(what, total=total)
        yield lines()
