"""The case workflow, minors, the cartography and the strategic view, through HTTP.

Each refusal names its rule's reason; ids from another cell or municipality answer 404 exactly
as unknown ids; the strategic cell sees counts, never a person, and nothing under 5.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from app.db.engine import sync_url
from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.world import agency, member, ok, unique

ALL_AXES = {
    "primary_prevention": "achieved",
    "secondary_prevention": "not_applicable",
    "psychosocial_guidance": "referred",
}


def _refused(response: httpx.Response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["reason"] == reason, response.json()


def _move(w: Casework, who: str, status: str, **extra: Any) -> httpx.Response:
    return w.as_(who).patch(f"/api/v1/cases/{w.ids['case']}", json={"status": status, **extra})


def test_a_case_moves_through_its_workflow_with_who_and_when(hub: LiveHub) -> None:
    w = casework(hub)
    ok(_move(w, "sofie", "under_discussion"))  # the owning agency's case worker
    ok(_move(w, "mayor", "follow_up"))  # the cell's chair
    _refused(_move(w, "sofie", "closed"), 422, "outcomes_required")
    closed = ok(_move(w, "mayor", "closed", outcomes=ALL_AXES))
    assert closed["status"] == "closed"
    history = ok(w.as_("pieter").get(f"/api/v1/cases/{w.ids['case']}/history"))
    steps = [(s["from_status"], s["to_status"], s["member_id"]) for s in history["steps"]]
    assert steps == [
        (None, "signalled", w.ids["sofie"]),
        ("signalled", "under_discussion", w.ids["sofie"]),
        ("under_discussion", "follow_up", w.ids["mayor"]),
        ("follow_up", "closed", w.ids["mayor"]),
    ]
    assert [s["agency_id"] for s in history["steps"]][-1] == w.ids["stad"]
    ats = [datetime.fromisoformat(s["at"]) for s in history["steps"]]
    assert ats == sorted(ats)
    assert history["outcomes"] == ALL_AXES
    _refused(_move(w, "sofie", "follow_up"), 409, "transition_not_allowed")  # closed is final


def test_only_the_owners_case_worker_and_the_chair_move_a_case(hub: LiveHub) -> None:
    w = casework(hub)
    for who in ("pieter", "els", "karim"):  # seated agencies, content roles, not the owner
        _refused(_move(w, who, "under_discussion"), 403, "not_case_worker_or_chair")
    _refused(_move(w, "sofie", "follow_up"), 409, "transition_not_allowed")
    _refused(_move(w, "sofie", "signalled"), 409, "status_unchanged")
    _refused(
        _move(w, "sofie", "under_discussion", outcomes=ALL_AXES), 422, "outcomes_only_when_closing"
    )
    bad = _move(w, "sofie", "closed", outcomes={**ALL_AXES, "primary_prevention": "free text"})
    assert bad.status_code == 422  # outcomes come from a closed list
    elsewhere = casework(hub)  # a case of another cell: unknown to this cell's members
    for who in ("sofie", "mayor"):
        path = f"/api/v1/cases/{elsewhere.ids['case']}"
        assert w.as_(who).patch(path, json={"status": "closed"}).status_code == 404
        assert w.as_(who).get(f"{path}/history").status_code == 404
    assert w.as_("sofie").get(f"/api/v1/cases/{uuid.uuid4()}/history").status_code == 404
    assert ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))["status"] == "signalled"


def test_a_case_opens_only_as_signalled_or_under_discussion(hub: LiveHub) -> None:
    w = casework(hub)
    subject = ok(
        w.as_("sofie").post(
            "/api/v1/subjects", json={"name": unique("P"), "date_of_birth": "1990-01-01"}
        ),
        201,
    )
    body = {"cell_id": w.ids["cell"], "subject_id": subject["id"], "status": "closed"}
    _refused(w.as_("sofie").post("/api/v1/cases", json=body), 422, "not_an_opening_status")


def _set_adult_on(hub: LiveHub, subject_id: str, day: str) -> None:
    """Time passes: the subject's day of majority is now behind us (as if the clock moved)."""
    engine = create_engine(sync_url(hub.database.url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE subjects SET adult_on = :day WHERE id = :id"),
                {
                    "day": day,
                    "id": uuid.UUID(subject_id).hex
                    if hub.database.backend == "sqlite"
                    else subject_id,
                },
            )
    finally:
        engine.dispose()


def test_rule_13_the_minor_flag_follows_the_birth_date(hub: LiveHub) -> None:
    w = casework(hub, minor=True)
    case = ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))
    assert case["subject_is_minor"] is True
    w.release("sofie", "ocmw_note", fields=["household"])
    w.grant(member="pieter", field="household")
    # A minor's notes default to the youth regime: not to a participant without secrecy.
    assert w.seen("pieter") == {}
    assert ok(w.as_("pieter").get(f"{w.x}/explain"))["yours"][0]["reasons"] == ["minor_secrecy"]
    # The eighteenth birthday passes: nobody changes the flag, and the next read knows it.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    _set_adult_on(hub, case["subject_id"], yesterday)
    assert ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))["subject_is_minor"] is False
    assert w.seen("pieter") == {"household": w.values["household"]}


def test_an_adults_notes_flow_under_the_ordinary_rules(hub: LiveHub) -> None:
    w = casework(hub)
    assert ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))["subject_is_minor"] is False
    w.release("sofie", "ocmw_note", fields=["household"])
    w.grant(member="pieter", field="household")
    assert w.seen("pieter") == {"household": w.values["household"]}


def _subject_of(w: Casework) -> str:
    return str(ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))["subject_id"])


def test_the_information_officer_sets_the_category_and_cleared_members_read_the_register(
    hub: LiveHub,
) -> None:
    w = casework(hub)
    subject = _subject_of(w)
    path = f"/api/v1/subjects/{subject}/ocad-category"
    set_ = ok(w.as_("els").put(path, json={"category": "PVE"}))
    assert set_["category"] == "PVE"
    for who in ("sofie", "pieter", "mayor"):  # they know the subject; not the officer
        _refused(w.as_(who).put(path, json={"category": "FTF"}), 403, "not_information_officer")
    assert w.as_("els").put(path, json={"category": "XYZ"}).status_code == 422
    register = f"/api/v1/cells/{w.ids['cell']}/cartography"
    for who in ("els", "pieter", "karim"):  # invited, cleared at least secret
        items = ok(w.as_(who).get(register))["items"]
        assert [(i["subject_id"], i["category"]) for i in items] == [(subject, "PVE")]
    for who in ("sofie", "mayor"):  # invited, not cleared
        _refused(w.as_(who).get(register), 403, "clearance_below_secret")
    # An LTF member of the same municipality, cleared, reads it too; one not invited anywhere
    # of that municipality is refused once it may know the cell.
    ltf_agency = agency(hub, "local_police", "police")
    officer = member(hub, ltf_agency, "police_reference", clearance="secret")
    ltf = ok(
        hub.admin.post(
            "/api/v1/cells", json={"kind": "ltf", "name": unique("LTF"), "municipality": "Teststad"}
        ),
        201,
    )["id"]
    ok(hub.admin.post(f"/api/v1/cells/{ltf}/agencies", json={"agency_id": ltf_agency}), 201)
    ok(hub.admin.post(f"/api/v1/cells/{ltf}/members", json={"member_id": officer}), 201)
    assert hub.client(officer).get(register).status_code == 404  # it may not know the cell
    ok(
        hub.admin.post(f"/api/v1/cells/{w.ids['cell']}/agencies", json={"agency_id": ltf_agency}),
        201,
    )
    assert ok(hub.client(officer).get(register))["items"][0]["category"] == "PVE"
    colleague = member(hub, ltf_agency, "police_reference", clearance="secret")
    _refused(hub.client(colleague).get(register), 403, "not_cell_or_ltf_member")


def test_cartography_ids_of_another_municipality_are_unknown(hub: LiveHub) -> None:
    here, there = casework(hub), casework(hub)
    for path, method, body in (
        (f"/api/v1/subjects/{_subject_of(there)}/ocad-category", "PUT", {"category": "HP"}),
        (f"/api/v1/subjects/{uuid.uuid4()}/ocad-category", "PUT", {"category": "HP"}),
        (f"/api/v1/cells/{there.ids['cell']}/cartography", "GET", None),
        (f"/api/v1/cells/{uuid.uuid4()}/cartography", "GET", None),
    ):
        r = here.as_("els").request(method, path, json=body)
        assert r.status_code == 404, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    # Admins see no register: the hub admin knows every cell and is refused.
    _refused(
        hub.admin.get(f"/api/v1/cells/{here.ids['cell']}/cartography"),
        403,
        "not_cell_or_ltf_member",
    )


def _strategic_world(hub: LiveHub, cases: int) -> tuple[str, str, str, str]:
    """A municipality of its own: a case cell with ``cases`` cases, a strategic cell with a
    member; returns (strategic cell, its member, a case worker, the case cell)."""
    town = unique("Gemeente")
    stad = agency(hub, "municipality", "livc_458ter")
    ocmw = agency(hub, "social_service", "professional")
    worker = member(hub, ocmw, "case_worker", secrecy=True)
    strategist = member(hub, stad, "case_worker")
    cells = {}
    for kind in ("livc_case", "livc_strategic"):
        body = {"kind": kind, "name": unique(kind), "municipality": town}
        cells[kind] = ok(hub.admin.post("/api/v1/cells", json=body), 201)["id"]
    ok(
        hub.admin.post(f"/api/v1/cells/{cells['livc_case']}/agencies", json={"agency_id": ocmw}),
        201,
    )
    strategic = cells["livc_strategic"]
    ok(hub.admin.post(f"/api/v1/cells/{strategic}/agencies", json={"agency_id": stad}), 201)
    ok(hub.admin.post(f"/api/v1/cells/{strategic}/members", json={"member_id": strategist}), 201)
    for _ in range(cases):
        subject = ok(
            hub.client(worker).post(
                "/api/v1/subjects", json={"name": unique("P"), "date_of_birth": "1990-05-05"}
            ),
            201,
        )
        body = {"cell_id": cells["livc_case"], "subject_id": subject["id"]}
        ok(hub.client(worker).post("/api/v1/cases", json=body), 201)
    return strategic, strategist, worker, cells["livc_case"]


def test_rule_12_the_strategic_cell_sees_counts_never_a_person_nothing_under_5(
    hub: LiveHub,
) -> None:
    strategic, strategist, worker, case_cell = _strategic_world(hub, 7)
    year = datetime.now(UTC).year
    path = f"/api/v1/cells/{strategic}/strategy/counts"
    total = ok(hub.client(strategist).get(path))
    (year_row,) = total["rows"]
    assert year_row["period"] == str(year)
    assert (year_row["count"], year_row["shown"]) in ((7, "count"), (None, "suppressed"))
    by_quarter = ok(hub.client(strategist).get(path, params={"granularity": "quarter"}))
    shown = {r["period"]: r["count"] for r in by_quarter["rows"] if r["shown"] == "count"}
    assert set(shown.values()) <= {7}
    # All 7 were signalled this quarter: the other quarters are "<5", and showing both this
    # quarter's 7 and the year's 7 would tell that each of them is 0.
    assert len(shown) + (year_row["shown"] == "count") <= 1
    assert {r["shown"] for r in by_quarter["rows"] if r["period"] not in shown} <= {
        "<5",
        "suppressed",
    }
    by_status = ok(hub.client(strategist).get(path, params={"dimension": "case_status"}))
    rows = {r["value"]: r for r in by_status["rows"]}
    assert rows["signalled"]["count"] in (7, None)
    assert {r["shown"] for v, r in rows.items() if v != "signalled"} == {"<5"}
    quarters = ok(
        hub.client(strategist).get(
            path,
            params={"dimension": "ocad_category", "granularity": "quarter", "from_year": year - 1},
        )
    )
    assert len(quarters["rows"]) == 8 * 6
    for answer in (total, by_quarter, by_status, quarters):
        for row in answer["rows"]:
            assert row["count"] is None or row["count"] >= 5
            assert set(row) == {"period", "value", "count", "shown"}  # no person, no pseudonym
    # Not a member of the strategic cell: refused (it knows the cell) or unknown.
    seated = member(hub, ok(hub.client(strategist).get("/api/v1/me"))["agency_id"], "case_worker")
    _refused(hub.client(seated).get(path), 403, "not_invited_to_strategic_cell")
    assert hub.client(worker).get(path).status_code == 404
    assert (
        hub.client(strategist).get(f"/api/v1/cells/{uuid.uuid4()}/strategy/counts").status_code
        == 404
    )
    _refused(hub.admin.get(path), 403, "not_invited_to_strategic_cell")
    # A case cell is not where counts are read.
    ok(hub.admin.post(f"/api/v1/cells/{case_cell}/members", json={"member_id": worker}), 201)
    _refused(
        hub.client(worker).get(f"/api/v1/cells/{case_cell}/strategy/counts"),
        403,
        "not_a_strategic_cell",
    )


def test_strategic_queries_validate_their_period(hub: LiveHub) -> None:
    strategic, strategist, _, _ = _strategic_world(hub, 0)
    path = f"/api/v1/cells/{strategic}/strategy/counts"
    year = datetime.now(UTC).year
    for params in (
        {"from_year": 2017},
        {"to_year": year + 1},
        {"from_year": year, "to_year": year - 1},
        {"dimension": "person"},
    ):
        r = hub.client(strategist).get(path, params=params)
        assert r.status_code == 422, (params, r.text)
    small = ok(hub.client(strategist).get(path))
    assert small["rows"][0]["shown"] == "<5"
