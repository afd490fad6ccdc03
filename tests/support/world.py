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


def agency(
    hub: LiveHub,
    kind: str = "social_service",
    regime: str = "professional",
    *,
    name: str = "Agency",
) -> str:
    """A new agency, named ``name`` and a short unique suffix; returns its id."""
    body = {"name": unique(name), "kind": kind, "secrecy_regime": regime}
    return str(ok(hub.admin.post("/api/v1/agencies", json=body), 201)["id"])


# The two agency admins of each agency, per running hub: four-eyes needs two people.
_ADMINS: dict[tuple[str, str], tuple[str, str]] = {}
_SECOND_HUB_ADMIN: dict[str, str] = {}
ADMIN_ONLY = frozenset({"agency_admin"})
HUB_ONLY = frozenset({"hub_admin", "hub_auditor"})


def _body(
    roles: tuple[str, ...],
    secrecy: bool,
    clearance: str,
    kind: str,
    username: str | None = None,
    display_name: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "display_name": display_name or unique("Member"),
        "kind": kind,
        "roles": list(roles),
        "bound_by_secrecy": secrecy,
        "clearance": clearance,
    }
    if username is not None:
        body["username"] = username
    return body


def approve(approver: httpx.Client, proposal_id: str) -> dict[str, Any]:
    """Approve a proposal as the second person; returns the decision body."""
    result: dict[str, Any] = ok(approver.post(f"/api/v1/proposals/{proposal_id}/approve"))
    assert result["proposal"]["state"] == "approved"
    return result


def second_hub_admin(hub: LiveHub) -> str:
    """The second hub admin, made from the command line as an operator would (bootstrap)."""
    # Keyed by the database: a later hub may be served on a port an earlier one used.
    if hub.database.url not in _SECOND_HUB_ADMIN:
        from tests.support.live import bootstrap_admin

        _SECOND_HUB_ADMIN[hub.database.url] = bootstrap_admin(hub.settings)
    return _SECOND_HUB_ADMIN[hub.database.url]


def agency_admins(hub: LiveHub, agency_id: str) -> tuple[str, str]:
    """The agency's two admins: the first made by the hub admin, the second proposed by the first
    and approved by the hub admin (admin roles only: the hub admin may be the second person)."""
    key = (hub.database.url, agency_id)
    if key not in _ADMINS:
        path = f"/api/v1/agencies/{agency_id}/members"
        body = _body(("agency_admin",), False, "none", "person")
        first = ok(hub.admin.post(path, json=body), 201)
        assert first["status"] == "active", first
        proposed = ok(
            hub.client(first["id"]).post(path, json={**body, "display_name": unique("A")}), 201
        )
        approve(hub.admin, proposed["proposal"]["id"])
        _ADMINS[key] = (str(first["id"]), str(proposed["id"]))
    return _ADMINS[key]


def provision(
    hub: LiveHub,
    agency_id: str,
    *roles: str,
    secrecy: bool = False,
    clearance: str = "none",
    kind: str = "person",
    username: str | None = None,
    display_name: str | None = None,
) -> dict[str, Any]:
    """A new member through four-eyes: proposed by one admin, approved by another.

    ``username`` lets the member sign in with a password once one is set (tests/support/
    web_client.py ``one_time_password``). Returns the approval's body (``member``, ``proposal``
    and, for a service account, the ``client_secret`` shown to the approver).
    """
    roles = tuple(roles or ("case_worker",))
    body = _body(roles, secrecy, clearance, kind, username, display_name)
    path = f"/api/v1/agencies/{agency_id}/members"
    if set(roles) <= HUB_ONLY:
        created = ok(hub.admin.post(path, json=body), 201)
        return approve(hub.client(second_hub_admin(hub)), created["proposal"]["id"])
    first, second = agency_admins(hub, agency_id)
    created = ok(hub.client(first).post(path, json=body), 201)
    assert created["status"] == "pending", created
    assert created["roles"] == [], created
    return approve(hub.client(second), created["proposal"]["id"])


def member(
    hub: LiveHub,
    agency_id: str,
    *roles: str,
    secrecy: bool = False,
    clearance: str = "none",
    kind: str = "person",
    username: str | None = None,
    display_name: str | None = None,
) -> str:
    """A new, active member of an agency (four-eyes, as production does it); returns its id."""
    decided = provision(
        hub,
        agency_id,
        *roles,
        secrecy=secrecy,
        clearance=clearance,
        kind=kind,
        username=username,
        display_name=display_name,
    )
    return str(decided["member"]["id"])


def change(hub: LiveHub, member_id: str, **patch: Any) -> dict[str, Any]:
    """Change a member as its agency's admins would: narrowing at once, widening approved."""
    target = ok(hub.admin.get(f"/api/v1/members/{member_id}"))
    first, second = agency_admins(hub, target["agency_id"])
    actor, approver = (second, first) if member_id == first else (first, second)
    changed: dict[str, Any] = ok(
        hub.client(actor).patch(f"/api/v1/members/{member_id}", json=patch)
    )
    if changed["proposal"] is not None:
        return approve(hub.client(approver), changed["proposal"]["id"])["member"]  # type: ignore[no-any-return]
    return changed


def suspend(hub: LiveHub, member_id: str) -> None:
    """Suspend a member (an agency admin of theirs; takes effect at once)."""
    assert change(hub, member_id, status="suspended")["status"] == "suspended"


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


def cell(
    hub: LiveHub, *agency_ids: str, kind: str = "livc_case", municipality: str = "Teststad"
) -> str:
    """A new cell with the given agencies seated; returns its id."""
    body = {"kind": kind, "name": unique("Cell"), "municipality": municipality}
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
