"""Every deadline a test waits on, from one setting: LIVC_TEST_TIME_SCALE multiplies them all.

A loaded or slow machine sets the factor (say 3) and the same tests take longer instead of failing.
Tests never sleep to wait for something to be ready: they poll a predicate until a deadline.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

SCALE_VARIABLE = "LIVC_TEST_TIME_SCALE"

T = TypeVar("T")


def scale() -> float:
    """The factor from LIVC_TEST_TIME_SCALE (default 1); a value that is not a positive number fails."""
    raw = os.environ.get(SCALE_VARIABLE, "").strip()
    if not raw:
        return 1.0
    try:
        factor = float(raw)
    except ValueError:
        factor = math.nan
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"{SCALE_VARIABLE} must be a positive number, not {raw!r}")
    return factor


def scaled(seconds: float) -> float:
    """A duration a test allows on an idle machine, times the scale factor."""
    return seconds * scale()


def http_timeout(seconds: float = 30) -> httpx.Timeout:
    """An httpx timeout for talking to a hub under test (connect, read, write and pool)."""
    return httpx.Timeout(scaled(seconds))


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock, ``seconds`` (already scaled) from when it was made."""

    seconds: float
    ends: float

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.ends - time.monotonic())

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() >= self.ends


def deadline(seconds: float) -> Deadline:
    """A deadline ``seconds`` from now, scaled by the factor."""
    allowed = scaled(seconds)
    return Deadline(allowed, time.monotonic() + allowed)


class WaitTimeout(AssertionError):
    """What a test waited for did not happen within its (scaled) deadline."""


def wait_until(
    predicate: Callable[[], T],
    what: str,
    seconds: float,
    *,
    interval: float = 0.02,
    max_interval: float = 0.5,
) -> T:
    """Poll ``predicate`` until it returns something truthy, and return that; fail at the deadline.

    ``seconds`` is the allowance on an idle machine; it is scaled. The pause between polls starts at
    ``interval`` and doubles up to ``max_interval``. An exception from the predicate propagates at
    once (a server process that died is not worth waiting for).
    """
    until = deadline(seconds)
    pause = interval
    while True:
        result = predicate()
        if result:
            return result
        if until.expired:
            raise WaitTimeout(
                f"gave up waiting for {what} after {until.seconds:.1f} s "
                f"({SCALE_VARIABLE}={scale():g}; raise it on a loaded machine)"
            )
        time.sleep(min(pause, until.remaining()))
        pause = min(pause * 2, max_interval)
