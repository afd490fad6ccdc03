"""/api/v1 feedback sheets: drafted in an exchange, approved by all, then the police's note."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.schemas.feedback import (
    FeedbackSheetIn,
    FeedbackSheetOut,
    QuoteOut,
    RefusalIn,
    VoteOut,
)
from app.policies.feedback import RefusalReason
from app.services import feedback
from app.services.feedback import SheetView

router = APIRouter(tags=["feedback"])


def _out(view: SheetView) -> FeedbackSheetOut:
    s = view.sheet
    comments = view.comments or {}
    return FeedbackSheetOut(
        id=s.id,
        exchange_id=s.exchange_id,
        police_agency_id=s.police_agency_id,
        template_id=s.template_id,
        drafted_by=s.drafted_by,
        drafted_at=s.drafted_at,
        status=s.status,  # type: ignore[arg-type]
        ended_at=s.ended_at,
        note_id=s.note_id,
        quotes=[QuoteOut(note_id=uuid.UUID(q["note_id"]), field=q["field"]) for q in s.quotes],
        required_approvers=sorted(view.required),
        approved_by=sorted(view.approved),
        votes=[
            VoteOut(
                member_id=v.member_id,
                agency_id=v.agency_id,
                decision=v.decision,  # type: ignore[arg-type]
                reason=None if v.reason is None else RefusalReason(v.reason),
                at=v.at,
                comment=comments.get(v.id),
            )
            for v in view.votes
        ],
        fields=view.fields,
    )


@router.post("/exchanges/{exchange_id}/feedback-sheets", status_code=status.HTTP_201_CREATED)
async def draft_sheet(
    exchange_id: uuid.UUID,
    body: FeedbackSheetIn,
    response: Response,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
) -> FeedbackSheetOut:
    """Draft a feedback sheet to a police agency of the cell (participants and the chair).

    Refused with ``feedback-contains-secret`` (422) if it contains, quotes or copies a field
    under professional secrecy; the problem names each field and note, never a value.
    """
    view = await feedback.draft(
        session,
        ctx,
        hub,
        exchange_id,
        police_agency_id=body.police_agency_id,
        values=body.fields,
        quotes=[{"note_id": str(q.note_id), "field": q.field} for q in body.quotes],
    )
    response.headers["Location"] = f"/api/v1/feedback-sheets/{view.sheet.id}"
    return _out(view)


@router.get("/exchanges/{exchange_id}/feedback-sheets")
async def list_sheets(
    exchange_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[FeedbackSheetOut]:
    """The exchange's feedback sheets, without their content."""
    return [_out(v) for v in await feedback.list_sheets(session, ctx, hub, exchange_id)]


@router.get("/feedback-sheets/{sheet_id}")
async def read_sheet(
    sheet_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> FeedbackSheetOut:
    """One feedback sheet; its content while it is open and the exchange is open."""
    return _out(await feedback.read_sheet(session, ctx, hub, sheet_id))


@router.post("/feedback-sheets/{sheet_id}/approve")
async def approve_sheet(
    sheet_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> FeedbackSheetOut:
    """Approve the draft; the last approval needed makes it the police agency's note."""
    return _out(await feedback.approve(session, ctx, hub, sheet_id))


@router.post("/feedback-sheets/{sheet_id}/refuse")
async def refuse_sheet(
    sheet_id: uuid.UUID, body: RefusalIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> FeedbackSheetOut:
    """Refuse the draft with a reason (and perhaps a short text): this ends it."""
    view = await feedback.refuse(
        session, ctx, hub, sheet_id, reason=body.reason, comment=body.comment
    )
    return _out(view)
