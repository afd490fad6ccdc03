"""Pushing each committed checkpoint to witnesses: files and HTTPS endpoints, in the background.

One worker thread per hub process sends the checkpoint lines in commit order, so a slow or dead
witness never delays or fails a request. A file gets the line appended (O_APPEND, fsync); a URL
gets a POST with a timeout. Each push is tried a bounded number of times; failures are logged by
exception class and witness number only (a URL may carry credentials).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Sequence

import httpx

from app.audit.entry import timestamp
from app.db.models import AuditCheckpoint

logger = logging.getLogger(__name__)

QUEUE_LIMIT = 10_000


def checkpoint_line(row: AuditCheckpoint) -> str:
    """One checkpoint as ``GET /api/v1/audit/checkpoints`` lists it and witnesses keep it."""
    return json.dumps(
        {
            "tree_size": row.tree_size,
            "root_hash": row.root_hash,
            "at": timestamp(row.at),
            "key_id": row.key_id,
            "signature": row.signature,
        },
        separators=(",", ":"),
    )


def append_line(path: str, line: str) -> None:
    """Append one line durably (O_APPEND keeps concurrent writers' lines whole)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


class WitnessPush:
    """Sends checkpoint lines to the configured witnesses from a worker thread."""

    def __init__(
        self,
        targets: Sequence[str],
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.targets = list(targets)
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self._queue: queue.Queue[str | None] = queue.Queue(QUEUE_LIMIT)
        self._worker: threading.Thread | None = None
        self._start = threading.Lock()
        self._at_exit = False

    def push(self, line: str) -> None:
        """Queue a checkpoint line for every witness; never blocks, never raises."""
        if not self.targets:
            return
        with self._start:
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="witness-push", daemon=True)
                self._worker.start()
                if not self._at_exit:
                    atexit.register(self.close)
                    self._at_exit = True
        try:
            self._queue.put_nowait(line)
        except queue.Full:
            logger.error("witness push queue full; a checkpoint was not pushed")

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued (for at most ``timeout`` seconds), then stop the worker."""
        with self._start:
            worker, self._worker = self._worker, None
        if worker is None:
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return
        worker.join(timeout)

    def _run(self) -> None:
        while (line := self._queue.get()) is not None:
            for number, target in enumerate(self.targets, 1):
                self._send(number, target, line)

    def _send(self, number: int, target: str, line: str) -> None:
        for attempt in range(self.attempts):
            try:
                self._deliver(target, line)
                return
            except (OSError, httpx.HTTPError) as exc:
                logger.warning(
                    "witness %d: push failed (%s), attempt %d of %d",
                    number,
                    type(exc).__name__,
                    attempt + 1,
                    self.attempts,
                )
            if attempt + 1 < self.attempts:
                time.sleep(self.backoff * 2**attempt)
        logger.error("witness %d: checkpoint not pushed after %d attempts", number, self.attempts)

    def _deliver(self, target: str, line: str) -> None:
        if "://" not in target:
            append_line(target, line)
            return
        response = httpx.post(
            target,
            content=line.encode(),
            headers={"Content-Type": "application/json"},
            timeout=self.timeout,
        )
        response.raise_for_status()
