"""The one time scale of the test suite (tests/support/timing.py) and the pytest-timeout limit."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from tests.support.timing import (
    SCALE_VARIABLE,
    Deadline,
    WaitTimeout,
    deadline,
    http_timeout,
    scale,
    scaled,
    wait_until,
)


def test_the_scale_defaults_to_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SCALE_VARIABLE, raising=False)
    assert scale() == 1.0
    monkeypatch.setenv(SCALE_VARIABLE, " ")
    assert scale() == 1.0


def test_every_deadline_is_multiplied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SCALE_VARIABLE, "2.5")
    assert scaled(30) == 75.0
    assert deadline(4).seconds == 10.0
    assert http_timeout(10) == httpx.Timeout(25.0)


@pytest.mark.parametrize("raw", ["0", "-1", "fast", "nan", "inf"])
def test_a_scale_that_is_not_a_positive_number_is_refused(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(SCALE_VARIABLE, raw)
    with pytest.raises(ValueError, match=SCALE_VARIABLE):
        scaled(1)


def test_wait_until_returns_the_first_truthy_answer() -> None:
    answers = iter([None, 0, "", "ready", "later"])
    assert wait_until(lambda: next(answers), "an answer", 5, interval=0) == "ready"


def test_wait_until_gives_up_at_the_scaled_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SCALE_VARIABLE, "0.1")
    polls: list[float] = []
    started = time.monotonic()
    with pytest.raises(
        WaitTimeout, match=r"the impossible after 0\.2 s \(LIVC_TEST_TIME_SCALE=0\.1"
    ):
        wait_until(lambda: polls.append(time.monotonic()), "the impossible", 2)
    assert 0.2 <= time.monotonic() - started < 1.5
    assert len(polls) >= 3, "it polls, it does not sleep through the deadline"


def test_wait_until_stops_at_once_when_the_predicate_raises() -> None:
    def dead() -> bool:
        raise RuntimeError("the server exited")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="exited"):
        wait_until(dead, "a dead server", 60)
    assert time.monotonic() - started < 1


def test_a_deadline_counts_down() -> None:
    until = deadline(5)  # 5 s times the scale in force
    assert scaled(4) < until.remaining() <= scaled(5)
    assert not until.expired
    passed = Deadline(5, time.monotonic() - 0.001)
    assert passed.remaining() == 0.0
    assert passed.expired


def test_the_per_test_timeout_is_the_scaled_pyproject_limit(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("timeout")
    explicit = request.config.getoption("timeout") is not None or os.environ.get("PYTEST_TIMEOUT")
    if explicit:
        assert marker is None, "a limit given on the command line is taken as it is"
    else:
        assert marker is not None
        assert marker.args == (scaled(float(request.config.getini("timeout"))),)
