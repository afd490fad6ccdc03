"""What the view keeps of an exchange's releases and grants between reads is never stale.

The view keeps an exchange's releases and grants in memory under the exchange's sharing token,
which database triggers replace on every change (decision 89). These tests read through one
worker, so it keeps them, then change the sharing through a second worker on the same database
(sharing nothing in memory), or by an operator's SQL, and read again through the first: the
change shows at once. Removal, suspension and expiry after a kept read are in test_exchanges.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support.casework import Casework, casework
from tests.support.live import LiveHub, another_worker
from tests.support.statements import statements
from tests.support.world import ok


@pytest.fixture
def second(hub: LiveHub) -> Iterator[LiveHub]:
    other = another_worker(hub)
    try:
        yield other
    finally:
        other.stop()


def _on(worker: LiveHub, w: Casework, who: str) -> dict[str, str]:
    body = ok(worker.client(w.ids[who]).get(f"{w.x}/view"))
    return {k: v for note in body["notes"] for k, v in note["fields"].items()}


def _pinned(hub: LiveHub) -> Casework:
    w = casework(hub)
    released = w.release("sofie", "ocmw_note", fields=["household", "housing"])
    w.ids["release"] = next(r["id"] for r in released if r["field"] == "household")
    w.ids["grant"] = w.grant(member="pieter", field="household", note="ocmw_note")["id"]
    assert _on(hub, w, "pieter") == {"household": w.values["household"]}  # now kept by `hub`
    return w


def _sql_id(hub: LiveHub, value: str) -> str:
    # How the database stores a UUID: 32 hex digits on SQLite, the uuid type on PostgreSQL.
    return value.replace("-", "") if hub.database.backend == "sqlite" else value


def test_a_grant_withdrawn_through_another_worker_hides_the_field_at_once(
    hub: LiveHub, second: LiveHub
) -> None:
    w = _pinned(hub)
    r = second.client(w.ids["mayor"]).delete(f"{w.x}/grants/{w.ids['grant']}")
    assert r.status_code == 204
    assert _on(hub, w, "pieter") == {}


def test_a_release_withdrawn_through_another_worker_hides_the_field_at_once(
    hub: LiveHub, second: LiveHub
) -> None:
    w = _pinned(hub)
    path = f"{w.x}/releases/{w.ids['release']}"
    assert second.client(w.ids["sofie"]).delete(path).status_code == 204
    assert _on(hub, w, "pieter") == {}


def test_a_grant_made_through_another_worker_shows_at_once(hub: LiveHub, second: LiveHub) -> None:
    w = _pinned(hub)
    body = {"member_id": w.ids["pieter"], "field": "housing", "note_id": w.ids["ocmw_note"]}
    ok(second.client(w.ids["mayor"]).post(f"{w.x}/grants", json=body), 201)
    assert _on(hub, w, "pieter") == {k: w.values[k] for k in ("household", "housing")}


def test_an_operators_sql_on_grants_or_releases_shows_at_once(hub: LiveHub) -> None:
    w = _pinned(hub)
    x = _sql_id(hub, w.ids["exchange"])
    hub.database.execute(f"UPDATE exchange_grants SET field = 'housing' WHERE exchange_id = '{x}'")  # noqa: S608
    assert _on(hub, w, "pieter") == {"housing": w.values["housing"]}
    hub.database.execute(f"DELETE FROM exchange_grants WHERE exchange_id = '{x}'")  # noqa: S608
    assert _on(hub, w, "pieter") == {}
    w.grant(member="pieter", field="household", note="ocmw_note")
    assert _on(hub, w, "pieter") == {"household": w.values["household"]}
    hub.database.execute(f"DELETE FROM exchange_releases WHERE exchange_id = '{x}'")  # noqa: S608
    assert _on(hub, w, "pieter") == {}


def test_a_second_read_of_an_unchanged_exchange_does_not_load_its_sharing_again(
    hub: LiveHub,
) -> None:
    w = _pinned(hub)
    with statements(hub) as seen:
        assert _on(hub, w, "pieter") == {"household": w.values["household"]}
    loads = [s for s in seen if re.search(r"\bFROM exchange_(releases|grants)\b", s)]
    assert loads == [], loads
