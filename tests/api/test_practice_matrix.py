"""Every endpoint of a cell's practice, called by every role, with ids of another municipality.

Two municipalities, each with its case cell (the casework cast), its strategic cell and one object
of every kind. Everyone of the other municipality gets 404 for each of this one's endpoints, as
for an id that does not exist, and no response carries a value or an id of the other world.
Insiders who put another municipality's ids into their own endpoints get no 2xx and learn nothing
of it. A last test reads openapi.yaml: an endpoint with an id in its path that no matrix covers
fails the suite, so a new endpoint cannot skip this question.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.world import agency, member, ok, unique

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"


@dataclass
class Town:
    """One municipality: the casework world, its strategic cell and who sits in it."""

    w: Casework
    strategic: str
    strategist: str
    subject: str
    template: str

    def client(self, who: str) -> httpx.Client:
        if who == "strategist":
            return self.w.hub.client(self.strategist)
        return self.w.as_(who)


def _town(hub: LiveHub) -> Town:
    name = unique("Gemeente")
    w = casework(hub, municipality=name)
    subject = ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))["subject_id"]
    ok(w.as_("els").put(f"/api/v1/subjects/{subject}/ocad-category", json={"category": "PVE"}))
    body = {"kind": "livc_strategic", "name": unique("Strategisch"), "municipality": name}
    strategic = ok(hub.admin.post("/api/v1/cells", json=body), 201)["id"]
    stad = agency(hub, "municipality", "livc_458ter")
    strategist = member(hub, stad, "case_worker")
    ok(hub.admin.post(f"/api/v1/cells/{strategic}/agencies", json={"agency_id": stad}), 201)
    ok(hub.admin.post(f"/api/v1/cells/{strategic}/members", json={"member_id": strategist}), 201)
    ok(hub.admin.put(f"/api/v1/cells/{strategic}/chair", json={"member_id": strategist}))
    path = f"/api/v1/cells/{strategic}/strategy/priorities/{YEAR}"
    ok(hub.client(strategist).put(path, json=PRIORITIES), 200)
    cell = f"/api/v1/cells/{w.ids['cell']}"
    group = ok(w.as_("mayor").post(f"{cell}/working-groups", json={"name": unique("Groep")}), 201)
    w.ids["group"] = group["id"]
    body = {"member_id": w.ids["sofie"]}
    ok(w.as_("mayor").post(f"{cell}/working-groups/{group['id']}/members", json=body), 201)
    ok(w.as_("mayor").put(f"{cell}/declaration", json=DECLARATION))
    note = ok(w.as_("sofie").get(f"/api/v1/notes/{w.ids['ocmw_note']}"))
    return Town(w, strategic, strategist, subject, note["template_id"])


@pytest.fixture(scope="module")
def towns(hub: LiveHub) -> tuple[Town, Town]:
    return _town(hub), _town(hub)


Call = tuple[str, str, dict[str, Any] | None]
_STRATEGY = "/api/v1/cells/{cell_id}/strategy"
YEAR = 2026
DECLARATION = {"text_nl": "Ik bewaar het geheim.", "text_fr": "Je garde le secret."}
_GROUP = "/api/v1/cells/{cell_id}/working-groups/{group_id}"
PRIORITIES = {
    "introduction": {"nl": "Prioriteiten", "fr": "Priorités"},
    "priorities": [{"theme": "youth_and_families", "text": {"nl": "Gezinnen", "fr": "Familles"}}],
}
# Each endpoint (method and path as openapi.yaml writes it) -> its call on town ``a``, with town
# ``b``'s ids wherever a body names an object.
CALLS: dict[tuple[str, str], Callable[[Town, Town], Call]] = {
    ("GET", "/api/v1/cells/{cell_id}"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.w.ids['cell']}",
        None,
    ),
    ("PUT", "/api/v1/cells/{cell_id}/chair"): lambda a, b: (
        "PUT",
        f"/api/v1/cells/{a.w.ids['cell']}/chair",
        {"member_id": b.w.ids["mayor"]},
    ),
    ("POST", "/api/v1/cells/{cell_id}/agencies"): lambda a, b: (
        "POST",
        f"/api/v1/cells/{a.w.ids['cell']}/agencies",
        {"agency_id": b.w.ids["ocmw"]},
    ),
    ("POST", "/api/v1/cells/{cell_id}/members"): lambda a, b: (
        "POST",
        f"/api/v1/cells/{a.w.ids['cell']}/members",
        {"member_id": b.w.ids["sofie"]},
    ),
    ("POST", "/api/v1/cells/{cell_id}/working-groups"): lambda a, b: (
        "POST",
        f"/api/v1/cells/{a.w.ids['cell']}/working-groups",
        {"name": unique("Werkgroep")},
    ),
    ("GET", "/api/v1/cells/{cell_id}/working-groups"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.w.ids['cell']}/working-groups",
        None,
    ),
    ("DELETE", "/api/v1/cells/{cell_id}/members/{member_id}"): lambda a, b: (
        "DELETE",
        f"/api/v1/cells/{a.w.ids['cell']}/members/{b.w.ids['colleague']}",
        None,
    ),
    ("DELETE", "/api/v1/cells/{cell_id}/agencies/{agency_id}"): lambda a, b: (
        "DELETE",
        f"/api/v1/cells/{a.w.ids['cell']}/agencies/{b.w.ids['vsse']}",
        None,
    ),
    ("PUT", "/api/v1/cells/{cell_id}/declaration"): lambda a, b: (
        "PUT",
        f"/api/v1/cells/{a.w.ids['cell']}/declaration",
        DECLARATION,
    ),
    ("GET", "/api/v1/cells/{cell_id}/declaration"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.w.ids['cell']}/declaration",
        None,
    ),
    ("GET", "/api/v1/cells/{cell_id}/declaration/versions"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.w.ids['cell']}/declaration/versions",
        None,
    ),
    ("GET", "/api/v1/exchanges/{exchange_id}/declaration"): lambda a, b: (
        "GET",
        f"/api/v1/exchanges/{a.w.ids['exchange']}/declaration",
        None,
    ),
    ("POST", "/api/v1/exchanges/{exchange_id}/declaration/accept"): lambda a, b: (
        "POST",
        f"/api/v1/exchanges/{a.w.ids['exchange']}/declaration/accept",
        None,
    ),
    ("GET", f"{_GROUP}/members"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.w.ids['cell']}/working-groups/{a.w.ids['group']}/members",
        None,
    ),
    ("POST", f"{_GROUP}/members"): lambda a, b: (
        "POST",
        f"/api/v1/cells/{a.w.ids['cell']}/working-groups/{a.w.ids['group']}/members",
        {"member_id": b.w.ids["pieter"]},
    ),
    ("DELETE", f"{_GROUP}/members/{{member_id}}"): lambda a, b: (
        "DELETE",
        f"/api/v1/cells/{a.w.ids['cell']}/working-groups/{a.w.ids['group']}/members/{b.w.ids['sofie']}",
        None,
    ),
    ("GET", f"{_GROUP}/exchanges"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.w.ids['cell']}/working-groups/{a.w.ids['group']}/exchanges",
        None,
    ),
    ("GET", "/api/v1/cells/{cell_id}/cartography"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.w.ids['cell']}/cartography",
        None,
    ),
    ("GET", "/api/v1/cells/{cell_id}/strategy/counts"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.strategic}/strategy/counts",
        None,
    ),
    ("PUT", f"{_STRATEGY}/priorities/{{year}}"): lambda a, b: (
        "PUT",
        f"/api/v1/cells/{a.strategic}/strategy/priorities/{YEAR}",
        PRIORITIES,
    ),
    ("GET", f"{_STRATEGY}/priorities/{{year}}"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.strategic}/strategy/priorities/{YEAR}",
        None,
    ),
    ("GET", f"{_STRATEGY}/priorities/{{year}}/versions"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.strategic}/strategy/priorities/{YEAR}/versions",
        None,
    ),
    ("GET", f"{_STRATEGY}/diagnosis.csv"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.strategic}/strategy/diagnosis.csv?year={YEAR}&lang=nl",
        None,
    ),
    ("GET", f"{_STRATEGY}/diagnosis.html"): lambda a, b: (
        "GET",
        f"/api/v1/cells/{a.strategic}/strategy/diagnosis.html?year={YEAR}&lang=fr",
        None,
    ),
    ("GET", "/api/v1/subjects/{subject_id}"): lambda a, b: (
        "GET",
        f"/api/v1/subjects/{a.subject}",
        None,
    ),
    ("PUT", "/api/v1/subjects/{subject_id}/ocad-category"): lambda a, b: (
        "PUT",
        f"/api/v1/subjects/{a.subject}/ocad-category",
        {"category": "HP"},
    ),
    ("GET", "/api/v1/cases/{case_id}"): lambda a, b: (
        "GET",
        f"/api/v1/cases/{a.w.ids['case']}",
        None,
    ),
    ("PATCH", "/api/v1/cases/{case_id}"): lambda a, b: (
        "PATCH",
        f"/api/v1/cases/{a.w.ids['case']}",
        {"status": "under_discussion"},
    ),
    ("GET", "/api/v1/cases/{case_id}/history"): lambda a, b: (
        "GET",
        f"/api/v1/cases/{a.w.ids['case']}/history",
        None,
    ),
    ("GET", "/api/v1/cases/{case_id}/notes"): lambda a, b: (
        "GET",
        f"/api/v1/cases/{a.w.ids['case']}/notes",
        None,
    ),
    ("POST", "/api/v1/cases/{case_id}/notes"): lambda a, b: (
        "POST",
        f"/api/v1/cases/{a.w.ids['case']}/notes",
        {"template_id": a.template, "fields": {"household": "x"}},
    ),
    ("GET", "/api/v1/notes/{note_id}"): lambda a, b: (
        "GET",
        f"/api/v1/notes/{a.w.ids['ocmw_note']}",
        None,
    ),
    ("PUT", "/api/v1/notes/{note_id}"): lambda a, b: (
        "PUT",
        f"/api/v1/notes/{a.w.ids['ocmw_note']}",
        {"fields": {"household": "x"}},
    ),
    ("GET", "/api/v1/notes/{note_id}/versions"): lambda a, b: (
        "GET",
        f"/api/v1/notes/{a.w.ids['ocmw_note']}/versions",
        None,
    ),
    ("GET", "/api/v1/notes/{note_id}/versions/{version}"): lambda a, b: (
        "GET",
        f"/api/v1/notes/{a.w.ids['ocmw_note']}/versions/1",
        None,
    ),
}

# Endpoints with an id in the path that another matrix covers (named), or that hold nothing of
# a municipality.
_EXCHANGE_MATRIX = "tests/api/test_exchange_matrix.py"
_FEEDBACK_MATRIX = (
    "tests/api/test_feedback_sheet.py (every endpoint by every role of another world)"
)
_MEETINGS_MATRIX = "tests/api/test_meetings.py (ids of a cell are unknown to other cells and towns)"
_OPERATORS = "tests/api/test_separation_of_duties.py (endpoint x role x relation)"
_PASSWORDS = "tests/web/test_password_api.py (self, hub admin, other agency, other member)"
ELSEWHERE: dict[str, str] = {
    **dict.fromkeys(
        [
            "/api/v1/agencies/{agency_id}",
            "/api/v1/agencies/{agency_id}/members",
            "/api/v1/members/{member_id}",
            "/api/v1/agencies/{agency_id}/proposals",
            "/api/v1/proposals/{proposal_id}",
            "/api/v1/proposals/{proposal_id}/approve",
            "/api/v1/proposals/{proposal_id}/refuse",
            "/api/v1/proposals/{proposal_id}/withdraw",
        ],
        _OPERATORS,
    ),
    "/api/v1/members/{member_id}/password-reset": _PASSWORDS,
    **dict.fromkeys(
        [
            "/api/v1/exchanges/{exchange_id}",
            "/api/v1/exchanges/{exchange_id}/close",
            "/api/v1/exchanges/{exchange_id}/participants",
            "/api/v1/exchanges/{exchange_id}/participants/{member_id}",
            "/api/v1/exchanges/{exchange_id}/releases",
            "/api/v1/exchanges/{exchange_id}/releases/{release_id}",
            "/api/v1/exchanges/{exchange_id}/grants",
            "/api/v1/exchanges/{exchange_id}/grants/{grant_id}",
            "/api/v1/exchanges/{exchange_id}/view",
            "/api/v1/exchanges/{exchange_id}/explain",
        ],
        _EXCHANGE_MATRIX,
    ),
    **dict.fromkeys(
        [
            "/api/v1/exchanges/{exchange_id}/feedback-sheets",
            "/api/v1/feedback-sheets/{sheet_id}",
            "/api/v1/feedback-sheets/{sheet_id}/approve",
            "/api/v1/feedback-sheets/{sheet_id}/refuse",
        ],
        _FEEDBACK_MATRIX,
    ),
    **dict.fromkeys(
        [
            "/api/v1/cells/{cell_id}/meetings",
            "/api/v1/cells/{cell_id}/meetings.ics",
            "/api/v1/cells/{cell_id}/meeting-series",
            "/api/v1/meeting-series/{series_id}",
            "/api/v1/meeting-series/{series_id}/invitees",
            "/api/v1/meetings/{meeting_id}",
            "/api/v1/meetings/{meeting_id}/agenda",
            "/api/v1/meetings/{meeting_id}/invitees",
            "/api/v1/meetings/{meeting_id}/attendance",
            "/api/v1/meetings/{meeting_id}/minutes",
            "/api/v1/meetings/{meeting_id}/calendar.ics",
        ],
        _MEETINGS_MATRIX,
    ),
    "/api/v1/audit/subjects/{subject_id}/report": "tests/api/test_audit_scope.py",
    "/api/v1/templates/{template_id}": "the hub's templates, no municipality's",
    "/api/v1/templates/{key}/versions/{version}": "the hub's templates, no municipality's",
}

OUTSIDERS = ("mayor", "sofie", "pieter", "els", "karim", "ocmw_admin", "colleague", "strategist")


def _secrets(t: Town) -> list[str]:
    """What nobody outside ``t`` may ever read in a response body."""
    ids = ("ocmw_note", "police_note", "ltf_note", "case", "exchange")
    return [*t.w.values.values(), *(t.w.ids[k] for k in ids), t.subject]


def _leaks(response: httpx.Response, t: Town, path: str) -> list[str]:
    # The problem's "instance" echoes the path the caller sent.
    return [s for s in _secrets(t) if s not in path and s in response.text]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_another_municipality_learns_nothing(
    hub: LiveHub, towns: tuple[Town, Town], who: str
) -> None:
    a, b = towns
    client = b.client(who)
    for (method, template), call in CALLS.items():
        verb, path, body = call(a, b)
        r = client.request(verb, path, json=body)
        assert r.status_code == 404, (who, method, template, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert not _leaks(r, a, path), (who, method, template)


def test_the_hub_admin_manages_cells_and_reads_no_content(
    hub: LiveHub, towns: tuple[Town, Town]
) -> None:
    a, b = towns
    statuses = set()
    for (method, template), call in CALLS.items():
        verb, path, body = call(a, b)
        if template in ("/api/v1/cells/{cell_id}/chair",) or template.endswith("/agencies"):
            continue  # the hub admin's own work: setting chairs and seats
        r = hub.admin.request(verb, path, json=body)
        statuses.add(r.status_code)
        if not template.startswith("/api/v1/cells/{cell_id}") or "strategy" in template:
            assert r.status_code in (403, 404), (method, template, r.status_code, r.text)
        assert r.status_code < 500, (method, template, r.text)
        assert not [s for s in a.w.values.values() if s in r.text], (method, template)
    assert len(statuses) >= 2, statuses  # not all one answer


@pytest.mark.parametrize("who", ["mayor", "sofie", "pieter", "els", "karim"])
def test_insiders_cannot_reach_another_municipalitys_objects(
    hub: LiveHub, towns: tuple[Town, Town], who: str
) -> None:
    a, b = towns
    client = a.client(who)
    for (method, template), call in CALLS.items():
        verb, path, body = call(a, b)
        if body is None or not any(v in b.w.ids.values() for v in body.values()):
            continue  # only the calls that carry the other municipality's ids
        if template == "/api/v1/cells/{cell_id}/agencies":
            continue  # agencies are the hub's: a chair may seat any (a police zone spans towns)
        r = client.request(verb, path, json=body)
        assert r.status_code in (403, 404, 409, 422), (who, method, template, r.status_code)
        assert not _leaks(r, b, path), (who, method, template)
    # And the other municipality's own ids in the path are unknown ids.
    for (method, template), call in CALLS.items():
        verb, path, body = call(b, a)
        r = client.request(verb, path, json=body)
        assert r.status_code == 404, (who, method, template, r.status_code, r.text)


def test_unknown_ids_are_404(hub: LiveHub, towns: tuple[Town, Town]) -> None:
    a, _ = towns
    nobody = str(uuid.uuid4())
    for (method, template), call in CALLS.items():
        verb, path, body = call(a, a)
        for known in (
            a.w.ids["cell"],
            a.strategic,
            a.subject,
            a.w.ids["case"],
            a.w.ids["ocmw_note"],
            a.w.ids["exchange"],
            a.w.ids["group"],
        ):
            path = path.replace(known, nobody)
        r = a.client("mayor").request(verb, path, json=body)
        assert r.status_code == 404, (method, template, r.status_code, r.text)


def test_every_endpoint_with_an_id_is_in_a_matrix() -> None:
    spec = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    missing = []
    for path, operations in spec["paths"].items():
        if "{" not in path or path in ELSEWHERE:
            continue
        for method in operations:
            if (method.upper(), path) not in CALLS:
                missing.append(f"{method.upper()} {path}")
    assert not missing, f"add these to CALLS (or to another matrix, named in ELSEWHERE): {missing}"
