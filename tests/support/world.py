"""Factories that build a world through the API, as agency systems and admins would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.live import LiveHub


def unique(prefix: str) -> str:
    """A name no other test uses (the session's database is shared)."""
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body, after checking the status (shows the problem body if it differs)."""
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


def agency(hub: LiveHub, kind: str = "social_service", regime: str = "professional") -> str:
    """A new agency; returns its id."""
    body = {"name": unique("Agency"), "kind": kind, "secrecy_regime": regime}
    return str(ok(hub.admin.post("/api/v1/agencies", json=body), 201)["id"])


def member(
    hub: LiveHub,
    agency_id: str,
    *roles: str,
    secrecy: bool = False,
    clearance: str = "none",
    kind: str = "person",
) -> str:
    """A new member of an agency (created by the hub admin); returns its id."""
    body = {
        "display_name": unique("Member"),
        "kind": kind,
        "roles": list(roles or ("case_worker",)),
        "bound_by_secrecy": secrecy,
        "clearance": clearance,
    }
    return str(ok(hub.admin.post(f"/api/v1/agencies/{agency_id}/members", json=body), 201)["id"])


TEMPLATE_FIELDS: list[dict[str, Any]] = [
    {
        "name": "summary",
        "label": "Samenvatting",
        "type": "text",
        "sensitivity": "social_situation",
        "required": True,
    },
    {"name": "health", "label": "Gezondheid", "type": "text", "sensitivity": "health"},
    {
        "name": "intel",
        "label": "Inlichtingen",
        "type": "text",
        "sensitivity": "intelligence",
        "classification": "secret",
    },
    {
        "name": "next_contact",
        "label": "Volgend contact",
        "type": "date",
        "sensitivity": "intervention",
    },
    {"name": "visits", "label": "Bezoeken", "type": "integer", "sensitivity": "intervention"},
    {"name": "consent", "label": "Toestemming", "type": "boolean", "sensitivity": "free_text"},
    {
        "name": "level",
        "label": "Niveau",
        "type": "choice",
        "sensitivity": "risk_assessment",
        "choices": ["low", "medium", "high"],
    },
    {
        "name": "signals",
        "label": "Signalen",
        "type": "checklist",
        "sensitivity": "radicalisation_signals",
        "choices": ["isolation", "propaganda", "travel"],
    },
]


def template(hub: LiveHub, fields: list[dict[str, Any]] | None = None) -> str:
    """A new note template; returns its id."""
    key = "t-" + uuid.uuid4().hex[:10]
    body = {"key": key, "title": "Test template", "fields": fields or TEMPLATE_FIELDS}
    return str(ok(hub.admin.post("/api/v1/templates", json=body), 201)["id"])


@dataclass
class Team:
    """One agency seated in one cell, with a case worker, a subject, a case and a template."""

    hub: LiveHub
    agency_id: str
    worker_id: str
    cell_id: str
    subject_id: str
    case_id: str
    template_id: str

    @property
    def worker(self) -> httpx.Client:
        """The case worker's client."""
        return self.hub.client(self.worker_id)

    def note(self, fields: dict[str, Any] | None = None) -> httpx.Response:
        """Write a note as the case worker."""
        body = {"template_id": self.template_id, "fields": fields or {"summary": "Eerste gesprek."}}
        return self.worker.post(f"/api/v1/cases/{self.case_id}/notes", json=body)


def cell(hub: LiveHub, *agency_ids: str, kind: str = "livc_case") -> str:
    """A new cell with the given agencies seated; returns its id."""
    body = {"kind": kind, "name": unique("Cell"), "municipality": "Teststad"}
    cell_id = str(ok(hub.admin.post("/api/v1/cells", json=body), 201)["id"])
    for agency_id in agency_ids:
        ok(hub.admin.post(f"/api/v1/cells/{cell_id}/agencies", json={"agency_id": agency_id}), 201)
    return cell_id


def team(hub: LiveHub, *, cell_id: str | None = None, template_id: str | None = None) -> Team:
    """An agency with a case worker, seated in a (new or given) cell, with a subject and a case."""
    agency_id = agency(hub)
    worker_id = member(hub, agency_id, "case_worker", secrecy=True)
    if cell_id is None:
        cell_id = cell(hub, agency_id)
    else:
        ok(hub.admin.post(f"/api/v1/cells/{cell_id}/agencies", json={"agency_id": agency_id}), 201)
    worker = hub.client(worker_id)
    subject = ok(
        worker.post(
            "/api/v1/subjects", json={"name": unique("Persoon"), "date_of_birth": "2001-02-03"}
        ),
        201,
    )
    case = ok(
        worker.post("/api/v1/cases", json={"cell_id": cell_id, "subject_id": subject["id"]}), 201
    )
    return Team(
        hub=hub,
        agency_id=agency_id,
        worker_id=worker_id,
        cell_id=cell_id,
        subject_id=subject["id"],
        case_id=case["id"],
        template_id=template_id or template(hub),
    )
