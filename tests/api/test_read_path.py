"""The read path asks once: what a view and a note read cost in statements, and which locks.

Through the running hub on both databases: the view reads in four statements after the
principal's (and members and the subject once each); a note read in one; and nothing a request
reads waits for a writer. Only the append of the request's own entry does, at the end.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import create_engine

from app.db.engine import sync_url
from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.statements import statements
from tests.support.timing import scaled, wait_until
from tests.support.world import ok

AUDIT_TABLES = re.compile(r"\b(access_log|audit_head|audit_checkpoints)\b")


def _reads(statements: list[str]) -> list[str]:
    """The request's own reads: what is not the append of its access-log entry."""
    return [s for s in statements if not AUDIT_TABLES.search(s)]


def _touching(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if re.search(rf"\bFROM {table}\b|\bJOIN {table}\b", s)]


def _world(hub: LiveHub) -> Casework:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household", "housing"])
    w.release("pieter", "police_note", sensitivities=["risk_assessment"])
    w.grant(member="els", field="household")
    w.grant(role="information_officer", sensitivity="risk_assessment")
    return w


def test_the_view_reads_in_four_statements_after_the_principal(hub: LiveHub) -> None:
    w = _world(hub)
    ok(w.as_("els").get(f"{w.x}/view"))  # warm: nothing cached depends on it
    with statements(hub) as seen:
        body = ok(w.as_("els").get(f"{w.x}/view"))
    assert {k for n in body["notes"] for k in n["fields"]} == {"household", "risk"}
    reads = _reads(seen)
    assert len(reads) <= 5, reads  # the principal, then the view's four
    assert len(_touching(reads, "members")) == 1, reads  # read once: by the principal
    assert len(_touching(reads, "subjects")) == 1, reads  # read once: with the exchange
    assert not any(re.search(r"\(\w+\.note_id, \w+\.version\) IN", s) for s in seen)


def test_a_note_read_is_one_statement_after_the_principal(hub: LiveHub) -> None:
    w = _world(hub)
    path = f"/api/v1/notes/{w.ids['ocmw_note']}"
    with statements(hub) as seen:
        ok(w.as_("sofie").get(path))
    assert len(_reads(seen)) == 2, _reads(seen)


@contextmanager
def _writer_elsewhere(hub: LiveHub) -> Iterator[None]:
    """Another process's writer holding the log (SQLite: the write lock; PostgreSQL: the head
    row), until the block ends."""
    engine = create_engine(sync_url(hub.database.url))
    try:
        with engine.connect() as conn:
            if hub.database.backend == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("SELECT size FROM audit_head WHERE id = 1 FOR UPDATE")
            try:
                yield
            finally:
                conn.rollback()
    finally:
        engine.dispose()


def _in_thread(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    return thread, out


def test_reads_go_on_while_a_writer_holds_the_log(hub: LiveHub) -> None:
    w = _world(hub)
    els = w.as_("els")
    with statements(hub) as seen:
        with _writer_elsewhere(hub):
            # A request that records nothing answers at once.
            assert ok(els.get("/api/v1/me"))["member_id"] == w.ids["els"]
            # A view does all its reading and deciding, and waits only to append its entry.
            before = len(seen)
            thread, answer = _in_thread(lambda: els.get(f"{w.x}/view"))
            wait_until(
                lambda: len(_touching(seen[before:], "note_versions")) == 1,
                "the view to read the versions it shows while the log is held",
                15,
            )
            assert answer == []  # nothing answered before its entry could be written
        thread.join(scaled(30))
    [response] = answer
    assert response.status_code == 200, response.text
    assert {k for n in response.json()["notes"] for k in n["fields"]} == {"household", "risk"}
