"""Meetings of a cell through HTTP: a meeting every two months with an agenda, invitees,
attendance and minutes; the minutes shared through the case's exchange; the calendar export
without personal data; refusals with their reasons; ids of other cells unknown; all logged.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar

from tests.support.casework import Casework, casework, set_chair
from tests.support.live import LiveHub
from tests.support.world import agency, member, ok, unique

BRUSSELS = ZoneInfo("Europe/Brussels")


def _refused(response: httpx.Response, status: int, reason: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if reason is not None:
        assert response.json()["reason"] == reason, response.json()


@dataclass
class Cycle:
    """A cell's meeting cycle: the casework cast, a municipal secretary, a bimonthly series."""

    w: Casework
    series: dict[str, Any]

    @property
    def first(self) -> str:
        return str(self.series["occurrences"][0]["id"])

    @property
    def second(self) -> str:
        return str(self.series["occurrences"][1]["id"])

    def as_(self, who: str) -> httpx.Client:
        return self.w.as_(who)


def _cycle(hub: LiveHub) -> Cycle:
    w = casework(hub)
    # The municipality's prevention coordinator keeps the minutes (a case worker of the city).
    w.ids["secretary"] = member(hub, w.ids["stad"], "case_worker", secrecy=True)
    path = f"/api/v1/cells/{w.ids['cell']}/members"
    ok(hub.admin.post(path, json={"member_id": w.ids["secretary"]}), 201)
    start = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    body = {
        "starts_at": start.isoformat(),
        "duration_minutes": 90,
        "recurrence": {"frequency": "monthly", "interval": 2, "count": 6},
        "member_ids": [w.ids[p] for p in ("sofie", "pieter", "secretary")],
    }
    series = ok(
        w.as_("mayor").post(f"/api/v1/cells/{w.ids['cell']}/meeting-series", json=body), 201
    )
    return Cycle(w, series)


@pytest.fixture(scope="module")
def cycle(hub: LiveHub) -> Cycle:
    return _cycle(hub)


def _meeting(c: Cycle, who: str, meeting_id: str) -> dict[str, Any]:
    return dict(ok(c.as_(who).get(f"/api/v1/meetings/{meeting_id}")))


def test_a_meeting_every_two_months_keeps_its_brussels_time(cycle: Cycle) -> None:
    occurrences = cycle.series["occurrences"]
    assert len(occurrences) == 6
    starts = [datetime.fromisoformat(o["starts_at"]) for o in occurrences]
    local = [s.astimezone(BRUSSELS) for s in starts]
    assert {(t.hour, t.minute) for t in local} == {(local[0].hour, local[0].minute)}
    months = [t.year * 12 + t.month for t in local]
    assert [b - a for a, b in zip(months, months[1:], strict=False)] == [2] * 5
    assert all(
        o["starts_at_local"].startswith(t.date().isoformat())
        for o, t in zip(occurrences, local, strict=True)
    )
    again = ok(cycle.as_("sofie").get(f"/api/v1/meeting-series/{cycle.series['id']}"))
    assert [o["id"] for o in again["occurrences"]] == [o["id"] for o in occurrences]


def test_the_chair_sets_the_agenda_invitees_see_it_others_do_not(
    hub: LiveHub, cycle: Cycle
) -> None:
    w = cycle.w
    items = [{"case_id": w.ids["case"]}, {"exchange_id": w.ids["exchange"]}]
    path = f"/api/v1/meetings/{cycle.first}/agenda"
    _refused(cycle.as_("sofie").put(path, json={"items": items}), 403, "not_chair")
    shown = ok(cycle.as_("mayor").put(path, json={"items": items}))
    assert [(a["position"], a["case_id"], a["exchange_id"]) for a in shown["agenda"]] == [
        (1, w.ids["case"], None),
        (2, None, w.ids["exchange"]),
    ]
    pseudonym = shown["agenda"][0]["pseudonym"]
    assert pseudonym.startswith("S-")
    assert shown["agenda"][1]["pseudonym"] == pseudonym
    # Ids of another cell, or of nothing, are refused alike and change nothing.
    other = casework(hub)
    bad_agendas: list[list[dict[str, str]]] = [
        [{"case_id": other.ids["case"]}],
        [{"exchange_id": other.ids["exchange"]}],
        [{"case_id": str(uuid.uuid4())}],
        [{"case_id": w.ids["case"], "exchange_id": w.ids["exchange"]}],
        [{}],
        [{"case_id": w.ids["case"]}, {"case_id": w.ids["case"]}],
        [{"case_id": "not-a-uuid"}],
    ]
    for bad in bad_agendas:
        _refused(cycle.as_("mayor").put(path, json={"items": bad}), 422)
    assert _meeting(cycle, "mayor", cycle.first)["agenda"] == shown["agenda"]
    invited = _meeting(cycle, "sofie", cycle.first)
    assert invited["invited"]
    assert invited["agenda"] == shown["agenda"]
    # A member of the cell not invited sees that the cell meets, not what it discusses.
    colleague = _meeting(cycle, "colleague", cycle.first)
    assert colleague["invited"] is False
    assert colleague["agenda"] is colleague["invitees"] is colleague["minutes"] is None
    # Anyone not in the cell: as for an id that does not exist.
    for who in ("mayor", "sofie"):
        _refused(other.as_(who).get(f"/api/v1/meetings/{cycle.first}"), 404)
        _refused(other.as_(who).put(path, json={"items": []}), 404)
    _refused(cycle.as_("mayor").get(f"/api/v1/meetings/{uuid.uuid4()}"), 404)
    _refused(hub.admin.get(f"/api/v1/meetings/{cycle.first}"), 404)


def test_the_chair_invites_members_of_the_cell_only(hub: LiveHub, cycle: Cycle) -> None:
    w = cycle.w
    path = f"/api/v1/meetings/{cycle.second}/invitees"
    outsider = member(hub, w.ids["ocmw"], "case_worker")  # of a seated agency, not in the cell
    before = _meeting(cycle, "mayor", cycle.second)["invitees"]
    for bad in ([outsider], [str(uuid.uuid4())]):
        _refused(cycle.as_("mayor").put(path, json={"member_ids": bad}), 422)
    _refused(cycle.as_("pieter").put(path, json={"member_ids": []}), 403, "not_chair")
    assert _meeting(cycle, "mayor", cycle.second)["invitees"] == before
    people = [w.ids[p] for p in ("sofie", "pieter", "secretary", "colleague")]
    shown = ok(cycle.as_("mayor").put(path, json={"member_ids": people}))
    assert sorted(i["member_id"] for i in shown["invitees"]) == sorted(people)
    assert _meeting(cycle, "colleague", cycle.second)["agenda"] == []


def test_attendance_is_recorded_by_the_chair_for_invitees_once_begun(cycle: Cycle) -> None:
    w = cycle.w
    path = f"/api/v1/meetings/{cycle.first}/attendance"
    entries = [
        {"member_id": w.ids["sofie"], "attendance": "present"},
        {"member_id": w.ids["pieter"], "attendance": "excused"},
        {"member_id": w.ids["secretary"], "attendance": "present"},
    ]
    _refused(cycle.as_("sofie").put(path, json={"entries": entries}), 403, "not_chair")
    not_invited = [{"member_id": w.ids["colleague"], "attendance": "absent"}]
    _refused(cycle.as_("mayor").put(path, json={"entries": not_invited}), 422)
    bad = [{"member_id": w.ids["sofie"], "attendance": "late"}]
    _refused(cycle.as_("mayor").put(path, json={"entries": bad}), 422)
    shown = ok(cycle.as_("mayor").put(path, json={"entries": entries}))
    got = {i["member_id"]: i["attendance"] for i in shown["invitees"]}
    assert got == {
        w.ids["sofie"]: "present",
        w.ids["pieter"]: "excused",
        w.ids["secretary"]: "present",
    }
    ahead = f"/api/v1/meetings/{cycle.series['occurrences'][2]['id']}/attendance"
    _refused(cycle.as_("mayor").put(ahead, json={"entries": entries}), 409, "meeting_not_started")


def _minutes(cycle: Cycle, who: str, case_id: str, **fields: Any) -> httpx.Response:
    values = {"meeting_date": datetime.now(UTC).date().isoformat(), **fields}
    body = {"case_id": case_id, "fields": values}
    return cycle.as_(who).post(f"/api/v1/meetings/{cycle.first}/minutes", json=body)


def test_minutes_are_the_municipalitys_note_shared_through_the_exchange(
    hub: LiveHub, cycle: Cycle
) -> None:
    w = cycle.w
    items = [{"case_id": w.ids["case"]}, {"exchange_id": w.ids["exchange"]}]
    ok(cycle.as_("mayor").put(f"/api/v1/meetings/{cycle.first}/agenda", json={"items": items}))
    decided = f"Besluit-{unique('m').split()[1]}"
    _refused(
        _minutes(cycle, "sofie", w.ids["case"], decisions=decided), 403, "not_chairing_municipality"
    )
    _refused(_minutes(cycle, "colleague", w.ids["case"], decisions=decided), 403, "not_invited")
    other = casework(hub)
    _refused(_minutes(cycle, "secretary", other.ids["case"], decisions=decided), 422)
    _refused(_minutes(cycle, "secretary", w.ids["case"], decisions=decided, gossip="x"), 422)
    written = ok(_minutes(cycle, "secretary", w.ids["case"], decisions=decided), 201)
    note = written["note"]
    assert note["owner_agency_id"] == w.ids["stad"]
    assert note["case_id"] == w.ids["case"]
    _refused(_minutes(cycle, "secretary", w.ids["case"], decisions=decided), 409, "minutes_exist")
    shown = _meeting(cycle, "pieter", cycle.first)
    assert shown["minutes"] == [{"case_id": w.ids["case"], "note_id": note["id"]}]
    # Shared like any note: the owner releases into the case's exchange, the chair grants.
    ok(cycle.as_("mayor").post(f"{w.x}/participants", json={"member_id": w.ids["secretary"]}), 201)
    w.ids["minutes"] = note["id"]
    w.release("secretary", "minutes", fields=["decisions"])
    assert decided not in str(w.seen("pieter"))
    w.grant(member="pieter", note="minutes", field="decisions")
    assert w.seen("pieter")["decisions"] == decided
    assert "decisions" not in w.seen("sofie")  # a participant not granted
    assert decided not in cycle.as_("sofie").get(f"/api/v1/notes/{note['id']}").text


def test_the_calendar_has_pseudonyms_and_no_names(hub: LiveHub, cycle: Cycle) -> None:
    w = cycle.w
    response = cycle.as_("sofie").get(f"/api/v1/meetings/{cycle.first}/calendar.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    shown = _meeting(cycle, "sofie", cycle.first)
    assert event["UID"] == f"{cycle.first}@livc-hub"
    assert event.decoded("DTSTART") == datetime.fromisoformat(shown["starts_at"])
    assert shown["agenda"][0]["pseudonym"] in str(event["DESCRIPTION"])
    whole = ok(hub.admin.get(f"/api/v1/members/{w.ids['sofie']}"))
    for text in (
        response.text,
        cycle.as_("colleague").get(f"/api/v1/cells/{w.ids['cell']}/meetings.ics").text,
    ):
        assert "Persoon" not in text  # subjects' names (tests/support: unique("Persoon"))
        assert "Member" not in text
        assert whole["display_name"] not in text
        for value in w.values.values():
            assert value not in text
    cell = Calendar.from_ical(
        cycle.as_("colleague").get(f"/api/v1/cells/{w.ids['cell']}/meetings.ics").content
    )
    events = cell.walk("VEVENT")
    assert len(events) >= 6
    described = {str(e["UID"]).split("@")[0] for e in events if "DESCRIPTION" in e}
    invited = {
        m["id"]
        for m in ok(cycle.as_("colleague").get(f"/api/v1/cells/{w.ids['cell']}/meetings"))
        if m["invited"]
    }
    assert cycle.first not in described  # not invited: no agenda
    assert described == invited
    chair = Calendar.from_ical(
        cycle.as_("mayor").get(f"/api/v1/cells/{w.ids['cell']}/meetings.ics").content
    )
    assert any("DESCRIPTION" in e for e in chair.walk("VEVENT"))
    other = casework(hub)
    _refused(other.as_("mayor").get(f"/api/v1/meetings/{cycle.first}/calendar.ics"), 404)
    _refused(other.as_("mayor").get(f"/api/v1/cells/{w.ids['cell']}/meetings.ics"), 404)


def test_only_the_chair_schedules_moves_and_cancels(hub: LiveHub) -> None:
    c = _cycle(hub)
    w = c.w
    cell = f"/api/v1/cells/{w.ids['cell']}"
    start = datetime.now(UTC) + timedelta(days=3)
    one = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}
    _refused(c.as_("sofie").post(f"{cell}/meetings", json=one), 403, "not_chair")
    seated_only = member(hub, w.ids["ocmw"], "case_worker")  # agency seated, not invited
    _refused(hub.client(seated_only).post(f"{cell}/meetings", json=one), 403, "not_in_cell")
    _refused(hub.client(seated_only).get(f"{cell}/meetings"), 403, "not_in_cell")
    _refused(hub.client(seated_only).get(f"/api/v1/meetings/{c.first}"), 404)
    other = casework(hub)
    _refused(other.as_("mayor").post(f"{cell}/meetings", json=one), 404)
    _refused(other.as_("mayor").get(f"{cell}/meetings"), 404)
    for bad in (
        {**one, "ends_at": one["starts_at"]},
        {**one, "ends_at": (start + timedelta(hours=13)).isoformat()},
        {**one, "starts_at": "2026-01-01T10:00:00"},  # no offset
        {**one, "member_ids": [str(uuid.uuid4())]},
        {**one, "title": "Gesprek met Jan"},
    ):
        _refused(c.as_("mayor").post(f"{cell}/meetings", json=bad), 422)
    series = {"starts_at": one["starts_at"], "duration_minutes": 60}
    for rule in (
        {"frequency": "monthly", "interval": 2},
        {"frequency": "monthly", "interval": 2, "count": 3, "until": "2030-01-01"},
        {"frequency": "weekly", "interval": 1, "until": "2035-01-01"},
        {"frequency": "weekly", "interval": 0, "count": 3},
        {"frequency": "daily", "interval": 1, "count": 3},
        {"frequency": "weekly", "interval": 1, "until": "2000-01-01"},
    ):
        _refused(
            c.as_("mayor").post(f"{cell}/meeting-series", json={**series, "recurrence": rule}), 422
        )
    before = len(ok(c.as_("mayor").get(f"{cell}/meetings")))
    made = ok(c.as_("mayor").post(f"{cell}/meetings", json=one), 201)
    assert made["series_id"] is None
    assert made["invitees"] == []
    assert len(ok(c.as_("mayor").get(f"{cell}/meetings"))) == before + 1
    # An occurrence moves on its own; its sequence rises, the others keep theirs.
    third = c.series["occurrences"][2]
    later = datetime.fromisoformat(third["starts_at"]) + timedelta(days=1)
    path = f"/api/v1/meetings/{third['id']}"
    _refused(c.as_("pieter").patch(path, json={"starts_at": later.isoformat()}), 403, "not_chair")
    moved = ok(c.as_("mayor").patch(path, json={"starts_at": later.isoformat()}))
    assert datetime.fromisoformat(moved["starts_at"]) == later
    assert moved["sequence"] == third["sequence"] + 1
    span = datetime.fromisoformat(moved["ends_at"]) - later
    assert span == timedelta(minutes=90)
    _refused(c.as_("mayor").patch(path, json={"ends_at": third["starts_at"]}), 422)
    _refused(c.as_("mayor").patch(path, json={}), 422)
    assert _meeting(c, "mayor", third["id"])["sequence"] == moved["sequence"]
    assert c.as_("mayor").delete(path).status_code == 204
    assert _meeting(c, "mayor", third["id"])["status"] == "cancelled"
    _refused(
        c.as_("mayor").patch(path, json={"starts_at": later.isoformat()}), 409, "meeting_cancelled"
    )
    _refused(c.as_("mayor").delete(path), 409, "meeting_cancelled")
    # Invitations to the series reach the occurrences not yet begun.
    spath = f"/api/v1/meeting-series/{c.series['id']}"
    people = {"member_ids": [w.ids["colleague"]]}
    _refused(c.as_("sofie").put(f"{spath}/invitees", json=people), 403, "not_chair")
    _refused(c.as_("mayor").put(f"{spath}/invitees", json={"member_ids": [seated_only]}), 422)
    ok(c.as_("mayor").put(f"{spath}/invitees", json=people))
    invited = [m["invited"] for m in ok(c.as_("colleague").get(f"{cell}/meetings"))]
    assert invited[:1] == [False]
    assert _meeting(c, "colleague", c.second)["invitees"] == [
        {"member_id": w.ids["colleague"], "attendance": None}
    ]
    # Cancelling the series cancels what has not begun and keeps what was held.
    _refused(c.as_("sofie").delete(spath), 403, "not_chair")
    _refused(other.as_("mayor").delete(spath), 404)
    _refused(other.as_("mayor").get(spath), 404)
    done = ok(c.as_("mayor").delete(spath))
    assert done["cancelled_at"] is not None
    states = [o["status"] for o in done["occurrences"]]
    assert states == ["scheduled"] + ["cancelled"] * 5
    _refused(c.as_("mayor").delete(spath), 409, "meeting_cancelled")
    _refused(c.as_("mayor").put(f"{spath}/invitees", json=people), 409, "meeting_cancelled")


def test_every_change_and_refusal_is_logged(hub: LiveHub, cycle: Cycle) -> None:
    w = cycle.w
    auditor = hub.client(member(hub, w.ids["stad"], "hub_auditor"))
    start = datetime.now(UTC) - timedelta(minutes=10)
    one = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}
    made = ok(cycle.as_("mayor").post(f"/api/v1/cells/{w.ids['cell']}/meetings", json=one), 201)
    path = f"/api/v1/meetings/{made['id']}"
    mayor = cycle.as_("mayor")
    ok(mayor.put(f"{path}/invitees", json={"member_ids": [w.ids["secretary"]]}))
    ok(mayor.put(f"{path}/agenda", json={"items": [{"case_id": w.ids["case"]}]}))
    present = [{"member_id": w.ids["secretary"], "attendance": "present"}]
    ok(mayor.put(f"{path}/attendance", json={"entries": present}))
    minutes = {"case_id": w.ids["case"], "fields": {"meeting_date": start.date().isoformat()}}
    note = ok(cycle.as_("secretary").post(f"{path}/minutes", json=minutes), 201)["note"]
    _refused(cycle.as_("secretary").post(f"{path}/minutes", json=minutes), 409, "minutes_exist")
    ok(mayor.patch(path, json={"ends_at": (start + timedelta(hours=2)).isoformat()}))
    ok(cycle.as_("colleague").get(path))
    assert cycle.as_("colleague").get(f"{path}/calendar.ics").status_code == 200
    _refused(cycle.as_("sofie").put(f"{path}/agenda", json={"items": []}), 403)
    probe = {"items": [{"case_id": str(uuid.uuid4())}]}
    _refused(mayor.put(f"{path}/agenda", json=probe), 422)
    assert mayor.delete(path).status_code == 204

    def entries(action: str, **params: str) -> list[dict[str, Any]]:
        found = ok(
            auditor.get("/api/v1/audit/entries", params={"action": action, "limit": 200, **params})
        )
        return [e for e in found["items"] if e["object"] == made["id"]]

    for action in (
        "meeting:create",
        "meeting:set_invitees",
        "meeting:set_agenda",
        "meeting:attendance",
        "meeting:minutes",
        "meeting:update",
        "meeting:read",
        "meeting:export",
        "meeting:cancel",
    ):
        [entry] = entries(action, decision="allow")
        assert entry["cell"] == w.ids["cell"], action
        assert entry["owners"], action
    assert entries("meeting:attendance")[0]["actor"] == w.ids["mayor"]
    [written] = entries("meeting:minutes", decision="allow")
    assert (written["case"], written["note"]) == (w.ids["case"], note["id"])
    assert w.ids["stad"] in written["owners"]
    [twice] = entries("meeting:minutes", decision="deny")
    assert (twice["reason"], twice["case"]) == ("minutes_exist", w.ids["case"])
    refused = entries("meeting:set_agenda", decision="deny")
    assert [(e["actor"], e["reason"]) for e in refused] == [
        (w.ids["sofie"], "not_chair"),
        (w.ids["mayor"], "id_not_in_cell"),
    ]
    created = entries("meeting_series:create")
    assert created == []  # the series is its own object
    series = ok(auditor.get("/api/v1/audit/entries", params={"action": "meeting_series:create"}))
    assert any(e["object"] == cycle.series["id"] for e in series["items"])


def test_two_minutes_at_once_make_one_note(hub: LiveHub, cycle: Cycle) -> None:
    w = cycle.w
    start = datetime.now(UTC) - timedelta(minutes=30)
    one = {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "member_ids": [w.ids["secretary"]],
    }
    made = ok(cycle.as_("mayor").post(f"/api/v1/cells/{w.ids['cell']}/meetings", json=one), 201)
    path = f"/api/v1/meetings/{made['id']}"
    ok(cycle.as_("mayor").put(f"{path}/agenda", json={"items": [{"case_id": w.ids["case"]}]}))
    body = {"case_id": w.ids["case"], "fields": {"meeting_date": start.date().isoformat()}}
    clients = [cycle.as_("secretary") for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda c: c.post(f"{path}/minutes", json=body), clients))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert len(_meeting(cycle, "secretary", made["id"])["minutes"]) == 1


def _elsewhere(hub: LiveHub) -> str:
    """The chair of a cell in another municipality."""
    city = agency(hub, "municipality", "livc_458ter")
    chair = member(hub, city, "chair", secrecy=True)
    body = {"kind": "livc_case", "name": unique("Cell"), "municipality": "Andergem"}
    cell_id = ok(hub.admin.post("/api/v1/cells", json=body), 201)["id"]
    set_chair(hub, cell_id, chair)
    return chair


def test_ids_of_a_cell_are_unknown_to_other_cells_and_municipalities(
    hub: LiveHub, cycle: Cycle
) -> None:
    w = cycle.w
    other = casework(hub)
    callers = [other.as_("mayor"), other.as_("sofie"), hub.client(_elsewhere(hub))]
    m = f"/api/v1/meetings/{cycle.first}"
    s = f"/api/v1/meeting-series/{cycle.series['id']}"
    cell = f"/api/v1/cells/{w.ids['cell']}"
    when = {"starts_at": datetime.now(UTC).isoformat()}
    attendance = {"entries": [{"member_id": w.ids["sofie"], "attendance": "present"}]}
    minutes = {"case_id": w.ids["case"], "fields": {"meeting_date": "2026-11-26"}}
    series = {
        "starts_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "duration_minutes": 60,
        "recurrence": {"frequency": "weekly", "interval": 1, "count": 2},
    }
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", m, None),
        ("PATCH", m, when),
        ("DELETE", m, None),
        ("PUT", f"{m}/agenda", {"items": []}),
        ("PUT", f"{m}/invitees", {"member_ids": []}),
        ("PUT", f"{m}/attendance", attendance),
        ("POST", f"{m}/minutes", minutes),
        ("GET", f"{m}/calendar.ics", None),
        ("GET", s, None),
        ("DELETE", s, None),
        ("PUT", f"{s}/invitees", {"member_ids": []}),
        ("GET", f"{cell}/meetings", None),
        ("POST", f"{cell}/meetings", {**when, "ends_at": series["starts_at"]}),
        ("GET", f"{cell}/meetings.ics", None),
        ("POST", f"{cell}/meeting-series", series),
    ]
    before = _meeting(cycle, "mayor", cycle.first)
    for client in callers:
        for method, path, body in requests:
            answer = client.request(method, path, json=body)
            assert answer.status_code == 404, (method, path, answer.text)
    for method, path, body in requests[:11]:
        unknown = path.replace(cycle.first, str(uuid.uuid4())).replace(
            cycle.series["id"], str(uuid.uuid4())
        )
        answer = cycle.as_("mayor").request(method, unknown, json=body)
        assert answer.status_code == 404, (method, unknown, answer.text)
    assert _meeting(cycle, "mayor", cycle.first) == before


def test_a_chair_delegate_in_the_cell_schedules_one_outside_does_not(
    hub: LiveHub, cycle: Cycle
) -> None:
    w = cycle.w
    cell = f"/api/v1/cells/{w.ids['cell']}"
    delegate = member(hub, w.ids["stad"], "chair_delegate")
    start = datetime.now(UTC) + timedelta(days=7)
    one = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}
    _refused(hub.client(delegate).post(f"{cell}/meetings", json=one), 403, "not_in_cell")
    ok(hub.admin.post(f"{cell}/members", json={"member_id": delegate}), 201)
    made = ok(hub.client(delegate).post(f"{cell}/meetings", json=one), 201)
    assert made["agenda"] == []
    assert hub.client(delegate).delete(f"/api/v1/meetings/{made['id']}").status_code == 204


def test_an_invitation_lapses_when_the_chair_removes_the_member_from_the_cell(
    hub: LiveHub,
) -> None:
    c = _cycle(hub)
    w = c.w
    meeting = f"/api/v1/meetings/{c.second}"
    ok(c.as_("mayor").put(f"{meeting}/agenda", json={"items": [{"case_id": w.ids["case"]}]}))
    assert _meeting(c, "pieter", c.second)["agenda"]  # invited: he reads the agenda
    removed = c.as_("mayor").delete(f"/api/v1/cells/{w.ids['cell']}/members/{w.ids['pieter']}")
    assert removed.status_code in (200, 204), removed.text
    _refused(c.as_("pieter").get(meeting), 404)  # no longer in the cell: the meeting is unknown
    _refused(c.as_("pieter").get(f"{meeting}/calendar.ics"), 404)
    assert _meeting(c, "sofie", c.second)["agenda"]  # the others keep theirs
