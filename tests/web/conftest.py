"""Fixtures of the web tests: a clock the test moves (sessions expire without sleeping)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.live import LiveHub


@dataclass
class Clock:
    """The web client's clock, moved by the test."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(hub: LiveHub) -> Iterator[Clock]:
    """Replace the running hub's web clock for one test."""
    app = hub.server.config.app
    moved = Clock(datetime.now(UTC))
    app.state.web_clock = moved
    try:
        yield moved
    finally:
        del app.state.web_clock
