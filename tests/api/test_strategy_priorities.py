"""The strategic cell's priorities per year, through HTTP (decision 121).

The chair writes them (Dutch and French, each priority with a theme from a closed list); every
version is kept; the people invited into the strategic cell read them; anyone else who may know
the cell gets 403, anyone who may not, 404; bad input is 422 and changes nothing; every write and
read is logged; the text is sealed, never in clear in the database.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError

from tests.support.databases import _sync
from tests.support.live import LiveHub
from tests.support.strategic import Town, refused, town
from tests.support.world import member, ok

YEAR = datetime.now(UTC).year


def _document(text: str = "Inzetten op weerbare jongeren") -> dict[str, Any]:
    return {
        "introduction": {"nl": "Prioriteiten van de strategische LIVC", "fr": "Priorités"},
        "priorities": [
            {"theme": "youth_and_families", "text": {"nl": text, "fr": "Jeunes résilients"}},
            {"theme": "online_polarisation", "text": {"nl": "Online", "fr": "En ligne"}},
        ],
    }


def _put(t: Town, who: str, body: dict[str, Any], year: int = YEAR, cell: str | None = None) -> Any:
    return t.as_(who).put(t.path(f"priorities/{year}", cell), json=body)


def _versions(t: Town, year: int = YEAR) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(t.as_(t.reader).get(t.path(f"priorities/{year}/versions")))
    return found


def _auditor(t: Town) -> Any:
    return t.hub.client(member(t.hub, t.stad, "hub_auditor"))


def test_the_chair_writes_versions_and_invited_members_read_the_newest(hub: LiveHub) -> None:
    t = town(hub)
    first = ok(_put(t, t.chair, _document()))
    assert (first["year"], first["version"], first["author_member_id"]) == (YEAR, 1, t.chair)
    second = ok(_put(t, t.chair, _document("Scholen betrekken")))
    assert second["version"] == 2
    newest = ok(t.as_(t.reader).get(t.path(f"priorities/{YEAR}")))
    assert newest["version"] == 2
    assert newest["priorities"][0] == {
        "theme": "youth_and_families",
        "text": {"nl": "Scholen betrekken", "fr": "Jeunes résilients"},
    }
    assert newest["introduction"]["fr"] == "Priorités"
    versions = _versions(t)
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["priorities"][0]["text"]["nl"] == "Inzetten op weerbare jongeren"
    # The coming year may be prepared; another year is its own document.
    ok(_put(t, t.chair, _document(), year=YEAR + 1))
    assert [v["version"] for v in _versions(t, YEAR + 1)] == [1]
    refused(t.as_(t.reader).get(t.path(f"priorities/{YEAR - 1}")), 404)
    assert _versions(t, YEAR - 1) == []


def test_the_text_is_sealed_never_in_clear_in_the_database(hub: LiveHub) -> None:
    t = town(hub)
    marker = f"Geheime-{uuid.uuid4().hex}"
    ok(_put(t, t.chair, _document(marker)))
    stored = str(hub.database.scalar("SELECT sealed FROM strategy_priorities"))
    assert marker not in stored
    assert "youth_and_families" not in stored


def test_only_the_chair_writes_and_only_invited_members_read(hub: LiveHub) -> None:
    t = town(hub)
    ok(_put(t, t.chair, _document()))
    # An invited member who is not the chair.
    refused(_put(t, t.reader, _document()), 403, "not_chair_of_strategic_cell")
    # Seated through the agency but not invited: knows the cell, may not read or write.
    seated = member(hub, t.stad, "case_worker")
    refused(_put(t, seated, _document()), 403, "not_invited_to_strategic_cell")
    refused(t.as_(seated).get(t.path(f"priorities/{YEAR}")), 403, "not_invited_to_strategic_cell")
    versions = t.as_(seated).get(t.path(f"priorities/{YEAR}/versions"))
    refused(versions, 403, "not_invited_to_strategic_cell")
    # The hub admin manages cells but reads nothing through them.
    refused(hub.admin.get(t.path(f"priorities/{YEAR}")), 403, "not_invited_to_strategic_cell")
    # A case cell has no priorities.
    refused(
        t.as_(t.worker).put(t.path(f"priorities/{YEAR}", t.case_cell), json=_document()),
        403,
        "not_a_strategic_cell",
    )
    # Another municipality's chair, and an unknown id: 404, as for any id they may not know.
    other = town(hub)
    for who, cell in ((other.chair, t.strategic), (t.chair, str(uuid.uuid4()))):
        refused(_put(t, who, _document(), cell=cell), 404)
        refused(t.as_(who).get(t.path(f"priorities/{YEAR}", cell)), 404)
        refused(t.as_(who).get(t.path(f"priorities/{YEAR}/versions", cell)), 404)
    assert [v["version"] for v in _versions(t)] == [1]


def test_bad_input_is_422_and_changes_nothing(hub: LiveHub) -> None:
    t = town(hub)
    ok(_put(t, t.chair, _document()))
    good = _document()
    bad: list[Any] = [
        {**good, "priorities": []},
        {**good, "priorities": [{"theme": "suspects", "text": {"nl": "x", "fr": "x"}}]},
        {**good, "priorities": [{"theme": "youth_and_families", "text": {"nl": "x"}}]},
        {**good, "priorities": [{"theme": "youth_and_families", "text": {"nl": "", "fr": "x"}}]},
        {**good, "priorities": good["priorities"] * 7},
        {**good, "person": "Jan Peeters"},
        {"priorities": good["priorities"]},
        {**good, "introduction": {"nl": "x" * 2001, "fr": "x"}},
    ]
    for body in bad:
        refused(_put(t, t.chair, body), 422)
    for year in (2017, YEAR + 2):
        refused(_put(t, t.chair, good, year=year), 422)
    refused(t.as_(t.chair).put(t.path("priorities/x"), json=good), 422)
    assert [v["version"] for v in _versions(t)] == [1]


def test_every_write_read_and_refusal_is_logged(hub: LiveHub) -> None:
    t = town(hub)
    written = ok(_put(t, t.chair, _document()))
    ok(t.as_(t.reader).get(t.path(f"priorities/{YEAR}")))
    _versions(t)
    refused(_put(t, t.reader, _document()), 403)
    auditor = _auditor(t)

    def entries(**params: str) -> list[dict[str, Any]]:
        page = ok(auditor.get("/api/v1/audit/entries", params=params))
        return [e for e in page["items"] if e["cell"] == t.strategic]

    [write] = entries(action="strategy:priorities_write", decision="allow")
    assert write["actor"] == t.chair
    assert written["introduction"]["nl"] not in str(write)
    [read] = entries(action="strategy:priorities_read", member=t.reader)
    assert read["decision"] == "allow"
    assert entries(action="strategy:priorities_history", member=t.reader)
    [refusal] = entries(action="strategy:priorities_write", decision="deny")
    assert (refusal["actor"], refusal["reason"]) == (
        t.reader,
        "not_chair_of_strategic_cell",
    )


def test_versions_are_append_only_for_the_hubs_own_connection(hub: LiveHub) -> None:
    t = town(hub)
    ok(_put(t, t.chair, _document()))
    engine = create_engine(_sync(hub.database.app_url))
    try:
        for statement in (
            "UPDATE strategy_priorities SET year = 2019",
            "DELETE FROM strategy_priorities",
        ):
            with pytest.raises(DBAPIError), engine.begin() as conn:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
    assert [v["version"] for v in _versions(t)] == [1]
