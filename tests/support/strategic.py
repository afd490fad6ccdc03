"""A municipality of its own with a case cell, a strategic cell, its chair and a reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.casework import set_chair
from tests.support.live import LiveHub
from tests.support.world import agency, member, ok, unique

ALL_AXES = {
    "primary_prevention": "achieved",
    "secondary_prevention": "not_applicable",
    "psychosocial_guidance": "referred",
}


@dataclass
class Town:
    """Ids of the municipality's cells and people, and the cases made so far."""

    hub: LiveHub
    municipality: str
    strategic: str
    case_cell: str
    chair: str
    reader: str
    worker: str
    stad: str
    ocmw: str
    cases: list[str] = field(default_factory=list)

    def as_(self, member_id: str, on: LiveHub | None = None) -> httpx.Client:
        """A client for a member, on this hub or another worker."""
        return (on or self.hub).client(member_id)

    def add_cases(self, n: int, on: LiveHub | None = None) -> list[str]:
        """``n`` new cases (each with its own subject) in the case cell, by the case worker."""
        client = self.as_(self.worker, on)
        made = []
        for _ in range(n):
            subject = ok(
                client.post(
                    "/api/v1/subjects", json={"name": unique("P"), "date_of_birth": "1990-05-05"}
                ),
                201,
            )
            body = {"cell_id": self.case_cell, "subject_id": subject["id"]}
            made.append(ok(client.post("/api/v1/cases", json=body), 201)["id"])
        self.cases += made
        return made

    def close(self, case_id: str, on: LiveHub | None = None) -> Any:
        """Close a case (by its owner's case worker) with outcomes on every axis."""
        body = {"status": "closed", "outcomes": ALL_AXES}
        return ok(self.as_(self.worker, on).patch(f"/api/v1/cases/{case_id}", json=body))

    def path(self, tail: str, cell: str | None = None) -> str:
        """A path under the strategic cell's /strategy."""
        return f"/api/v1/cells/{cell or self.strategic}/strategy/{tail}"


def town(hub: LiveHub, cases: int = 0) -> Town:
    """A new municipality: a case cell where an OCMW worker opens ``cases`` cases, a strategic
    cell with the municipality's chair and a second invited reader."""
    municipality = unique("Gemeente")
    stad = agency(hub, "municipality", "livc_458ter")
    ocmw = agency(hub, "social_service", "professional")
    worker = member(hub, ocmw, "case_worker", secrecy=True)
    chair = member(hub, stad, "case_worker")
    reader = member(hub, stad, "case_worker")
    made = {}
    for kind in ("livc_case", "livc_strategic"):
        body = {"kind": kind, "name": unique(kind), "municipality": municipality}
        made[kind] = ok(hub.admin.post("/api/v1/cells", json=body), 201)["id"]
    case_cell, strategic = made["livc_case"], made["livc_strategic"]
    ok(hub.admin.post(f"/api/v1/cells/{case_cell}/agencies", json={"agency_id": ocmw}), 201)
    ok(hub.admin.post(f"/api/v1/cells/{strategic}/agencies", json={"agency_id": stad}), 201)
    for person in (chair, reader):
        ok(hub.admin.post(f"/api/v1/cells/{strategic}/members", json={"member_id": person}), 201)
    set_chair(hub, strategic, chair)
    t = Town(hub, municipality, strategic, case_cell, chair, reader, worker, stad, ocmw)
    t.add_cases(cases)
    return t


def refused(response: httpx.Response, status: int, reason: str | None = None) -> None:
    """A problem answer with this status (and reason, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if reason is not None:
        assert response.json()["reason"] == reason, response.json()
