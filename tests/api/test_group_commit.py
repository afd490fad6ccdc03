"""Group commit through the running hub: reads' entries are committed together, writes alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.support.casework import casework
from tests.support.live import LiveHub
from tests.support.world import ok


def _writer(hub: LiveHub) -> Any:
    return hub.server.config.app.state.hub.writer


def _views(hub: LiveHub, exchange: str) -> int:
    found = hub.database.scalar(
        "SELECT count(*) FROM access_log WHERE action = 'exchange:view'"
        f" AND exchange_id = '{exchange}'"
    )
    assert isinstance(found, int)
    return found


def test_concurrent_views_share_commits_and_each_entry_is_durable_before_the_answer(
    hub: LiveHub,
) -> None:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household"])
    w.grant(member="pieter", field="household")
    exchange = w.ids["exchange"]
    writer = _writer(hub)
    before = (writer.stats.submissions, writer.stats.commits, _views(hub, exchange))
    count = 48

    def view(_: int) -> int:
        with hub.client(w.ids["pieter"]) as client:
            response = client.get(f"{w.x}/view")
            assert response.status_code == 200, response.text
            return len(response.json()["notes"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert all(list(pool.map(view, range(count))))
    submissions = writer.stats.submissions - before[0]
    commits = writer.stats.commits - before[1]
    # Every view's entry was committed (each answered only after), by fewer commits than views.
    assert _views(hub, exchange) - before[2] == count
    assert submissions >= count
    assert 0 < commits < submissions, (commits, submissions)


def test_a_request_that_changes_data_commits_its_own_work(hub: LiveHub) -> None:
    w = casework(hub)
    writer = _writer(hub)
    url = f"/api/v1/notes/{w.ids['ocmw_note']}"
    submissions = writer.stats.submissions
    note = ok(w.as_("sofie").get(url))
    assert writer.stats.submissions == submissions + 1  # a read: through the writer
    fields = {**note["fields"], "household": "Samen met grootmoeder."}
    edited = ok(
        w.as_("sofie").put(url, json={"fields": fields}, headers={"If-Match": note["etag"]})
    )
    assert edited["version"] == note["version"] + 1
    assert writer.stats.submissions == submissions + 1  # a write: its own commit
    assert ok(w.as_("sofie").get(url))["fields"]["household"] == "Samen met grootmoeder."
