"""The exchange view: the fields the member may see, and why each other granted field is not."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from livc_hub_client.models import FieldVerdict, Template

from app.web import note_forms
from app.web.bff import api_for
from app.web.lookups import Labels, all_agencies, labels_for
from app.web.messages import reason_text, sensitivity_text
from app.web.render import language_of, render
from app.web.session import WebSession, current_session

router = APIRouter(prefix="/ui", include_in_schema=False)

Session = Annotated[WebSession, Depends(current_session)]


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
        lang = language_of(request, session)
        labels = await labels_for(
            api, lang, templates.values(), [n.owner_agency_id for n in view.notes]
        )
        named = _agencies_named(labels)
        agencies = dict(await all_agencies(api)) if named else {}
    notes = [
        (
            labels.agency(n.owner_agency_id),
            n.note_id,
            _shown(labels.templates.get(n.template_id), n.fields, lang, agencies),
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


def _agencies_named(labels: Labels) -> bool:
    """Whether a field or a part of one names an agency (its id is then shown by name)."""
    return any(
        spec.type == "agency" or any(p.type == "agency" for p in spec.parts)
        for template in labels.templates.values()
        for spec in template.fields
    )


def _shown(
    template: Template | None, fields: Mapping[str, Any], lang: str, agencies: Mapping[str, str]
) -> list[note_forms.Shown]:
    """The fields as the note page shows them (labels, choices, dates); raw if the template is not
    known to the page (its lookup failed)."""
    if template is not None:
        return note_forms.shown(template, fields, lang, agencies)
    return [note_forms.Shown(k, k, text=note_forms.as_text(v)) for k, v in fields.items()]


def _withheld(verdict: FieldVerdict, label: str) -> Withheld:
    reasons = tuple(dict.fromkeys(reason_text(r) for r in verdict.reasons))
    sensitivity = sensitivity_text(verdict.sensitivity)
    return Withheld(
        verdict.note_id, verdict.field, label, sensitivity, tuple(verdict.reasons), reasons
    )
