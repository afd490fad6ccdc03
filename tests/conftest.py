"""Test fixtures: a migrated database per backend, and a real uvicorn serving the hub on 127.0.0.1.

Every test that takes ``hub`` runs twice: on SQLite and on PostgreSQL. PostgreSQL is never skipped:
if the server in LIVC_TEST_DATABASE_URL cannot be reached, the tests fail.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db.files import private_directory
from tests.support.databases import PG_URL, ThrowawayDatabase, create_database
from tests.support.live import LiveHub, start_hub
from tests.support.timing import SCALE_VARIABLE, scale, scaled

RESULTS = Path(__file__).resolve().parent.parent / "var" / "test-results.json"


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThrowawayDatabase]:
    """A fresh, migrated database of each backend for the whole session."""
    db = create_database(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))
    try:
        db.migrate()
        yield db
    finally:
        db.drop()


@pytest.fixture(scope="session")
def hub(database: ThrowawayDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    """The hub, served by uvicorn on 127.0.0.1 against ``database``, with a bootstrapped admin."""
    workdir = tmp_path_factory.mktemp(f"hub-{database.backend}")
    live = start_hub(database, workdir, master_key=secrets.token_urlsafe(32))
    try:
        yield live
    finally:
        live.stop()


def pytest_report_header(config: pytest.Config) -> str:
    """Say which time scale the run's deadlines use."""
    return f"{SCALE_VARIABLE}={scale():g} (every test deadline and the per-test timeout are scaled)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """pytest-timeout's limit from pyproject.toml, scaled like every other test deadline.

    A limit given on the command line (--timeout) or in PYTEST_TIMEOUT is taken as it is, and so is
    a test's own timeout marker.
    """
    if config.getoption("timeout", None) is not None or os.environ.get("PYTEST_TIMEOUT"):
        return
    base = float(config.getini("timeout") or 0)
    if base <= 0:
        return
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(scaled(base)))


_counts = {"postgres_passed": 0, "sqlite_passed": 0, "failed": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count what ran where, so CI can prove the PostgreSQL tests ran.

    Under pytest-xdist the controller sees every worker's reports through this hook too; the
    workers' own counts are never written (``pytest_terminal_summary`` below).
    """
    if report.when != "call":
        return
    if report.passed:
        if "[postgresql" in report.nodeid or "postgresql]" in report.nodeid:
            _counts["postgres_passed"] += 1
        elif "sqlite" in report.nodeid:
            _counts["sqlite_passed"] += 1
    elif report.failed:
        _counts["failed"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print and record the per-backend counts (the controller's, when pytest-xdist runs workers)."""
    if hasattr(terminalreporter.config, "workerinput"):
        return
    terminalreporter.write_line(
        f"LIVC Hub: {_counts['sqlite_passed']} SQLite and {_counts['postgres_passed']} "
        f"PostgreSQL database tests passed (PostgreSQL at {_redacted(PG_URL)})"
    )
    private_directory(RESULTS.parent)  # var/ also holds the demo's keys and database: 0700
    RESULTS.write_text(json.dumps(_counts) + "\n")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


os.environ.setdefault("LIVC_MODE", "development")
