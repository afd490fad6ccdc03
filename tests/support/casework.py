"""A LIVC-R case consultation built through the API: the cast of the README's worked scenario.

Stad (municipality, chair), OCMW (social worker bound by secrecy), Politie (reference person
cleared 'secret', information officer), LTF source (State Security contact, 'top_secret'),
each with one note on one case, and an exchange the mayor convenes.

Everyone in the cast has a username (``Casework.usernames``), given at creation as an agency admin
does; ``Casework.one_time_password`` gives one of them a password through the four-eyes reset.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.live import LiveHub
from tests.support.web_client import one_time_password
from tests.support.world import agency, cell, member, ok, template, unique

# The cast's names as people and screenshots read them (fictional).
PEOPLE_NAMES = {
    "mayor": "Burgemeester An De Smet",
    "sofie": "Sofie Peeters",
    "pieter": "Inspecteur Pieter Janssens",
    "els": "Els Wouters",
    "karim": "Karim El Amrani",
    "ocmw_admin": "Marc Dubois",
    "colleague": "Lotte Maes",
}

# Each person of the cast and the agency (a key of Casework.ids) they are a member of.
AGENCY_OF = {
    "mayor": "stad",
    "sofie": "ocmw",
    "pieter": "politie",
    "els": "politie",
    "karim": "vsse",
    "ocmw_admin": "ocmw",
    "colleague": "ocmw",
}

SOCIAL = [
    {"name": "household", "label": "Gezin", "type": "text", "sensitivity": "family"},
    {"name": "housing", "label": "Huisvesting", "type": "text", "sensitivity": "social_situation"},
    {"name": "health", "label": "Gezondheid", "type": "text", "sensitivity": "health"},
    {"name": "psych", "label": "Psychologisch", "type": "text", "sensitivity": "psychological"},
]
POLICE = [
    {"name": "judicial", "label": "Onderzoek", "type": "text", "sensitivity": "judicial"},
    {
        "name": "intel",
        "label": "Inlichtingen",
        "type": "text",
        "sensitivity": "intelligence",
        "classification": "secret",
    },
    {"name": "risk", "label": "Risico", "type": "text", "sensitivity": "risk_assessment"},
]
LTF = [
    {
        "name": "ocad",
        "label": "OCAD",
        "type": "text",
        "sensitivity": "intelligence",
        "classification": "top_secret",
    },
    {"name": "context", "label": "Context", "type": "text", "sensitivity": "free_text"},
]


@dataclass
class Casework:
    """Ids of everyone and everything in one consultation."""

    hub: LiveHub
    ids: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)

    def one_time_password(self, who: str) -> str:
        """A one-time password for a cast member, through the four-eyes reset of their agency's
        two admins (tests/support/web_client.py); it must be changed at the first sign-in."""
        return one_time_password(self.hub, self.ids[who], self.ids[AGENCY_OF[who]])

    def as_(self, who: str) -> httpx.Client:
        """A client for a cast member."""
        return self.hub.client(self.ids[who])

    @property
    def x(self) -> str:
        """The exchange's base path."""
        return f"/api/v1/exchanges/{self.ids['exchange']}"

    def release(self, who: str, note: str, **body: Any) -> list[dict[str, Any]]:
        """The owner releases fields or classes of a note."""
        payload = {"note_id": self.ids[note], **body}
        return list(ok(self.as_(who).post(f"{self.x}/releases", json=payload), 201))

    def grant(self, **body: Any) -> dict[str, Any]:
        """The mayor grants."""
        if "member" in body:
            body["member_id"] = self.ids[body.pop("member")]
        if "note" in body:
            body["note_id"] = self.ids[body.pop("note")]
        return dict(ok(self.as_("mayor").post(f"{self.x}/grants", json=body), 201))

    def seen(self, who: str) -> dict[str, Any]:
        """Every visible field, keyed by field name (values from the view)."""
        body = ok(self.as_(who).get(f"{self.x}/view"))
        return {k: v for note in body["notes"] for k, v in note["fields"].items()}


def _note(hub: LiveHub, who: str, case_id: str, template_id: str, values: dict[str, str]) -> str:
    body = {"template_id": template_id, "fields": values}
    return str(ok(hub.client(who).post(f"/api/v1/cases/{case_id}/notes", json=body), 201)["id"])


def casework(
    hub: LiveHub,
    *,
    minor: bool = False,
    expires_in: timedelta = timedelta(hours=2),
    municipality: str = "Teststad",
) -> Casework:
    """Build the cast, the case, three notes and an exchange with four participants."""
    w = Casework(hub)
    stad = agency(hub, "municipality", "livc_458ter", name=f"Stad {municipality}")
    ocmw = agency(hub, "social_service", "professional", name=f"OCMW {municipality}")
    politie = agency(hub, "local_police", "police", name=f"Politiezone {municipality}")
    vsse = agency(hub, "state_security", "classified", name="VSSE")
    ids = w.ids
    ids.update(stad=stad, ocmw=ocmw, politie=politie, vsse=vsse)
    # Usernames unique per run: the hub's usernames are unique, and a hub serves many tests.
    tag = uuid.uuid4().hex[:8]
    names = w.usernames
    names.update({person: f"{person.replace('_', '.')}.{tag}" for person in AGENCY_OF})
    cast = {
        "mayor": ("chair", {"secrecy": True}),
        "sofie": ("case_worker", {"secrecy": True}),
        "pieter": ("police_reference", {"clearance": "secret"}),
        "els": ("information_officer", {"clearance": "secret"}),
        "karim": ("information_officer", {"clearance": "top_secret"}),
        "ocmw_admin": ("agency_admin", {}),
        "colleague": ("case_worker", {"secrecy": True}),  # not a participant
    }
    for person, (role, facts) in cast.items():
        ids[person] = member(
            hub,
            ids[AGENCY_OF[person]],
            role,
            username=names[person],
            display_name=PEOPLE_NAMES[person],
            **facts,
        )
    ids["cell"] = cell(hub, stad, ocmw, politie, vsse, municipality=municipality)
    for person in cast:
        ok(
            hub.admin.post(f"/api/v1/cells/{ids['cell']}/members", json={"member_id": ids[person]}),
            201,
        )
    set_chair(hub, ids["cell"], ids["mayor"])
    born = "2012-03-04" if minor else "1999-03-04"
    subject = ok(
        hub.client(ids["sofie"]).post(
            "/api/v1/subjects", json={"name": unique("Persoon"), "date_of_birth": born}
        ),
        201,
    )
    ids["case"] = ok(
        hub.client(ids["sofie"]).post(
            "/api/v1/cases", json={"cell_id": ids["cell"], "subject_id": subject["id"]}
        ),
        201,
    )["id"]
    tag = unique("v").split()[1]
    w.values = {
        "household": f"Gezin-{tag}",
        "housing": f"Woning-{tag}",
        "health": f"Gezondheid-{tag}",
        "psych": f"Psych-{tag}",
        "judicial": f"Onderzoek-{tag}",
        "intel": f"Intel-{tag}",
        "risk": f"Risico-{tag}",
        "ocad": f"OCAD-{tag}",
        "context": f"Context-{tag}",
    }
    v = w.values
    ids["ocmw_note"] = _note(
        hub,
        ids["sofie"],
        ids["case"],
        template(hub, SOCIAL),
        {k: v[k] for k in ("household", "housing", "health", "psych")},
    )
    ids["police_note"] = _note(
        hub,
        ids["pieter"],
        ids["case"],
        template(hub, POLICE),
        {k: v[k] for k in ("judicial", "intel", "risk")},
    )
    ids["ltf_note"] = _note(
        hub, ids["karim"], ids["case"], template(hub, LTF), {k: v[k] for k in ("ocad", "context")}
    )
    expires = (datetime.now(UTC) + expires_in).isoformat()
    ids["exchange"] = ok(
        hub.client(ids["mayor"]).post(
            "/api/v1/exchanges",
            json={
                "case_id": ids["case"],
                "purpose": "Casusoverleg: begeleiding en risico",
                "legal_basis": "Wet 30 juli 2018, art. 458ter Sw.",
                "expires_at": expires,
            },
        ),
        201,
    )["id"]
    for person in ("sofie", "pieter", "els", "karim"):
        ok(
            hub.client(ids["mayor"]).post(f"{w.x}/participants", json={"member_id": ids[person]}),
            201,
        )
    return w


def set_chair(hub: LiveHub, cell_id: str, member_id: str) -> None:
    """Make a member the chair of a cell (hub admin)."""
    ok(hub.admin.put(f"/api/v1/cells/{cell_id}/chair", json={"member_id": member_id}))
