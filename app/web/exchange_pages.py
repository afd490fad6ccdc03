"""The exchange view: the fields the member may see, and why each other granted field is not."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from livc_hub_client.models import FieldVerdict

from app.web.bff import api_for
from app.web.lookups import labels_for
from app.web.messages import reason_text, sensitivity_text
from app.web.render import language_of, render
from app.web.session import WebSession, current_session

router = APIRouter(prefix="/ui", include_in_schema=False)

Session = Annotated[WebSession, Depends(current_session)]


@dataclass(frozen=True)
class Shown:
    """One visible field: its name, label and the value as the API returned it."""

    note_id: uuid.UUID
    name: str
    label: str
    value: Any


@dataclass(frozen=True)
class Withheld:
    """One field granted to the member that they cannot see, with the reasons (no value)."""

    note_id: uuid.UUID
    name: str
    label: str
    sensitivity: str
    codes: tuple[str, ...]
    reasons: tuple[str, ...]


@router.get("/exchanges/{exchange_id}")
async def exchange(exchange_id: uuid.UUID, request: Request, session: Session) -> Response:
    """What the API's view returns for the member, and the explain endpoint's reasons."""
    async with api_for(request, session) as api:
        view = await api.view(exchange_id)
        explanation = await api.explain(exchange_id)
        templates = {n.note_id: n.template_id for n in view.notes}
        labels = await labels_for(
            api,
            language_of(request, session),
            templates.values(),
            [n.owner_agency_id for n in view.notes],
        )
    notes = [
        (
            labels.agency(n.owner_agency_id),
            [Shown(n.note_id, k, labels.field(n.template_id, k), v) for k, v in n.fields.items()],
        )
        for n in view.notes
    ]
    withheld = [
        _withheld(v, labels.field(templates.get(v.note_id), v.field))
        for v in explanation.yours
        if not v.visible
    ]
    context = {
        "session": session,
        "exchange": view.exchange,
        "pseudonym": view.subject_pseudonym,
        "notes": notes,
        "withheld": withheld,
    }
    return render(request, "exchange.html", context)


def _withheld(verdict: FieldVerdict, label: str) -> Withheld:
    reasons = tuple(dict.fromkeys(reason_text(r) for r in verdict.reasons))
    sensitivity = sensitivity_text(verdict.sensitivity)
    return Withheld(
        verdict.note_id, verdict.field, label, sensitivity, tuple(verdict.reasons), reasons
    )
