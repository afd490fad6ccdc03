"""A fuzz run against openapi.yaml: no 5xx, every error a problem, every answer as documented.

2,000 requests or more per database (LIVC_TEST_FUZZ_EXAMPLES may ask for more, never fewer), from a
fixed seed (LIVC_TEST_FUZZ_SEED to explore others), sent by callers of every role to a hub of its
own: the fuzzer changes members, cells and exchanges at random, which must not leak into the hub
the other tests share. How a run works is in tests/support/fuzz.py.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.support.databases import create_database
from tests.support.fuzz import FuzzRun, FuzzWorld, load_schema, seed_world
from tests.support.live import start_hub
from tests.support.timing import scaled

EXAMPLES = max(2000, int(os.environ.get("LIVC_TEST_FUZZ_EXAMPLES", "2000")))
SEED = int(os.environ.get("LIVC_TEST_FUZZ_SEED", "20260109"))


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def fuzz_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzWorld]:
    """A hub of its own on a fresh database of each backend, with a small world seeded."""
    db = create_database(request.param, tmp_path_factory.mktemp(f"fuzz-db-{request.param}"))
    try:
        db.migrate()
        hub = start_hub(
            db,
            tmp_path_factory.mktemp(f"fuzz-hub-{request.param}"),
            master_key=secrets.token_urlsafe(32),
        )
        try:
            yield seed_world(hub)
        finally:
            hub.stop()
    finally:
        db.drop()


@pytest.mark.fuzz
@pytest.mark.timeout(scaled(900))
def test_generated_requests_of_every_role_get_no_5xx_and_documented_answers(
    fuzz_world: FuzzWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    run = FuzzRun(fuzz_world, load_schema())

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(data=st.data())
    def one_request(data: st.DataObject) -> None:
        run.example(data)

    started = time.monotonic()
    with run.log.attach():
        one_request()
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nfuzz [{fuzz_world.hub.database.backend}]: {run.sent} requests in {elapsed:.1f} s "
            f"({run.sent / elapsed:.0f}/s), seed {SEED}, statuses {dict(sorted(run.statuses.items()))}"
        )
        if os.environ.get("LIVC_TEST_FUZZ_VERBOSE"):
            print(run.coverage())
    assert run.sent >= EXAMPLES, f"only {run.sent} requests were generated"
    if run.findings:
        pytest.fail(run.report(), pytrace=False)
