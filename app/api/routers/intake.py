"""/api/v1/intakes: a citizen's request for help taken in as the start of a case."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import case_out, note_out
from app.api.schemas.intake import IntakeIn, IntakeOut
from app.services import intake
from app.services.intake import INTAKE_TEMPLATE, NewPerson

router = APIRouter(tags=["intake"])


@router.post("/intakes", status_code=status.HTTP_201_CREATED)
async def take_in(
    body: IntakeIn, response: Response, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> IntakeOut:
    """Take in a request for help: registers the person (or names your subject), opens a
    signalled case in a cell your agency sits in and seals the request as an intake note."""
    person = None
    if body.person is not None:
        person = NewPerson(
            name=body.person.name,
            date_of_birth=body.person.date_of_birth,
            national_register_number=body.person.national_register_number,
        )
    made = await intake.take_in(
        session,
        ctx,
        hub,
        cell_id=body.cell_id,
        working_group_id=body.working_group_id,
        subject_id=body.subject_id,
        person=person,
        values=body.fields,
    )
    response.headers["Location"] = f"/api/v1/cases/{made.case.id}"
    response.headers["ETag"] = made.note.etag
    return IntakeOut(
        case=case_out(made.case, ctx.now.date()),
        note=note_out(made.note),
        template_key=INTAKE_TEMPLATE,
        template_version=made.template_version,
        receiving_agency_id=made.note.note.owner_agency_id,
        taken_in_by=made.note.version.author_id,
        taken_in_at=made.note.version.created_at,
    )
