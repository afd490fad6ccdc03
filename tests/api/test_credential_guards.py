"""The token endpoint under attack: attempt limits, a flood, and failures aggregated in the log.

Each test runs its own hub, on a fresh database of each backend, with the settings it needs
given as LIVC_ environment variables while the hub is built.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.databases import ThrowawayDatabase, _sync, create_database
from tests.support.live import LiveHub, start_hub

DEADLINE = 60.0
OPEN = "100000/minute"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThrowawayDatabase]:
    """A database of its own (a hub bootstraps its own hub admin, and there is only one)."""
    db = create_database(request.param, tmp_path_factory.mktemp(f"guards-{request.param}"))
    try:
        db.migrate()
        yield db
    finally:
        db.drop()


@contextmanager
def guarded_hub(
    database: ThrowawayDatabase, tmp_path_factory: pytest.TempPathFactory, **env: str
) -> Iterator[LiveHub]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(f"LIVC_{name}", value)
        live = start_hub(
            database, tmp_path_factory.mktemp("guarded"), master_key=secrets.token_urlsafe(32)
        )
    try:
        yield live
    finally:
        live.stop()


def guess(client: httpx.Client, client_id: str, request_id: str | None = None) -> httpx.Response:
    headers = {"X-Request-ID": request_id} if request_id else {}
    return client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"},
        headers=headers,
    )


def entries(hub: LiveHub, tag: str) -> list[tuple[str, int | None, str]]:
    """(reason, count, request id) of the log entries of requests tagged ``tag``, in order."""
    engine = create_engine(_sync(hub.database.url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT reason, count, request_id FROM access_log"
                    " WHERE request_id LIKE :tag ORDER BY seq"
                ),
                {"tag": f"{tag}%"},
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1], r[2]) for r in rows]


def poll(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_attempts_are_limited_per_client_id_then_per_address(
    fresh: ThrowawayDatabase, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with (
        guarded_hub(
            fresh,
            tmp_path_factory,
            RATE_LIMIT_TOKEN_PER_CLIENT="3/minute",
            RATE_LIMIT_TOKEN_PER_ADDRESS="8/minute",
        ) as hub,
        httpx.Client(base_url=hub.base_url) as client,
    ):
        target = f"svc-{uuid.uuid4().hex[:8]}"
        assert [guess(client, target).status_code for _ in range(3)] == [401, 401, 401]
        refused = guess(client, target)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "urn:livc-hub:problem:too-many-requests"
        assert refused.json()["limit"] == "token_client"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["cache-control"] == "no-store"
        # Other client ids from the same address: the address has used 4 of its 8 attempts.
        others = [guess(client, f"svc-{uuid.uuid4().hex[:8]}").status_code for _ in range(4)]
        assert others == [401] * 4
        by_address = guess(client, f"svc-{uuid.uuid4().hex[:8]}")
        assert by_address.status_code == 429
        assert by_address.json()["limit"] == "token_address"
        assert 1 <= int(by_address.headers["retry-after"]) <= 60


def test_a_flood_of_bad_credentials_leaves_the_hub_answering(
    fresh: ThrowawayDatabase, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with guarded_hub(
        fresh,
        tmp_path_factory,
        RATE_LIMIT_TOKEN_PER_CLIENT=OPEN,
        RATE_LIMIT_TOKEN_PER_ADDRESS=OPEN,
        AUTH_HASH_CONCURRENCY="1",
    ) as hub:
        tag = f"flood-{uuid.uuid4().hex[:8]}-"
        done = threading.Event()

        def attacker(n: int) -> list[int]:
            with httpx.Client(base_url=hub.base_url, timeout=DEADLINE) as client:
                return [
                    guess(client, f"svc-{n}-{i}", f"{tag}{n}-{i}").status_code for i in range(3)
                ]

        with ThreadPoolExecutor(max_workers=7) as pool:
            flood = [pool.submit(attacker, n) for n in range(6)]
            pool.submit(lambda: [f.result() for f in flood] and done.set())
            latencies = []
            with httpx.Client(base_url=hub.base_url, timeout=DEADLINE) as probe:
                while not done.is_set():
                    started = time.monotonic()
                    assert probe.get("/healthz").status_code == 200
                    latencies.append(time.monotonic() - started)
                    done.wait(0.05)  # a probe every 50 ms, not a busy loop
            statuses = [s for f in flood for s in f.result()]
        assert statuses == [401] * 18
        assert len(latencies) >= 5, "the flood ended before health was probed"
        # 18 guesses, one argon2 hash at a time, take seconds; health answers meanwhile.
        assert max(latencies) < 2.0, max(latencies)
        # One entry for the first guess; the other 17 are counted, not appended.
        assert len(entries(hub, tag)) == 1


def test_identical_failures_are_written_once_with_a_count_when_the_window_closes(
    fresh: ThrowawayDatabase, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with (
        guarded_hub(
            fresh,
            tmp_path_factory,
            RATE_LIMIT_TOKEN_PER_CLIENT=OPEN,
            RATE_LIMIT_TOKEN_PER_ADDRESS=OPEN,
            AUDIT_FAILURE_WINDOW_SECONDS="6",
        ) as hub,
        httpx.Client(base_url=hub.base_url) as client,
    ):
        tag = f"agg-{uuid.uuid4().hex[:8]}-"
        canary = f"svc-canary-{uuid.uuid4().hex}"
        for i in range(3):
            assert guess(client, canary, f"{tag}{i}").status_code == 401
        assert entries(hub, tag) == [("bad_client_credentials", None, f"{tag}0")]
        # The periodic flush writes the count once the window has closed.
        poll(lambda: len(entries(hub, tag)) == 2, "the count was not written")
        assert entries(hub, tag)[1] == ("bad_client_credentials", 2, f"{tag}2")
        logged = hub.database.scalar(
            "SELECT count(*) FROM access_log WHERE "
            f"request_id LIKE '{tag}%' AND (actor_member_id IS NOT NULL OR object_id IS NOT NULL)"
        )
        assert logged == 0
        _assert_not_logged(hub, canary, "127.0.0.1")


def test_counted_failures_are_written_at_shutdown(
    fresh: ThrowawayDatabase, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tag = f"stop-{uuid.uuid4().hex[:8]}-"
    with guarded_hub(
        fresh,
        tmp_path_factory,
        RATE_LIMIT_TOKEN_PER_CLIENT="2/minute",
        RATE_LIMIT_TOKEN_PER_ADDRESS=OPEN,
        AUDIT_FAILURE_WINDOW_SECONDS="3600",
    ) as hub:
        with httpx.Client(base_url=hub.base_url) as client:
            statuses = [guess(client, "svc-same", f"{tag}{i}").status_code for i in range(5)]
        assert statuses == [401, 401, 429, 429, 429]
        assert [e[:2] for e in entries(hub, tag)] == [
            ("bad_client_credentials", None),
            ("rate_limited", None),
        ]
    # The hub has stopped: what it had counted is in the log.
    assert entries(hub, tag) == [
        ("bad_client_credentials", None, f"{tag}0"),
        ("rate_limited", None, f"{tag}2"),
        ("bad_client_credentials", 1, f"{tag}1"),
        ("rate_limited", 2, f"{tag}4"),
    ]


def _assert_not_logged(hub: LiveHub, *values: str) -> None:
    # Every text column of every entry: neither the submitted client id nor the address.
    for value in values:
        hits = hub.database.scalar(
            "SELECT count(*) FROM access_log WHERE "
            + " OR ".join(
                f"coalesce(CAST({column} AS VARCHAR(4000)), '') LIKE '%{value}%'"
                for column in (
                    "request_id",
                    "actor_member_id",
                    "actor_agency_id",
                    "reason",
                    "object_id",
                    "purpose",
                    "fields",
                    "denied",
                    "owners",
                )
            )
        )
        assert hits == 0, value
