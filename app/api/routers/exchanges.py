"""/api/v1/exchanges: case consultations, releases, grants, the shared view and its explanation."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Response, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.schemas.exchanges import (
    ExchangeIn,
    ExchangeOut,
    ExplainOut,
    FieldVerdictOut,
    GrantIn,
    GrantOut,
    ParticipantIn,
    ParticipantOut,
    ParticipantVerdictsOut,
    ReleaseIn,
    ReleaseOut,
    SharedNoteOut,
    ViewOut,
)
from app.db.queries.exchanges import ExchangeRow, GrantRow, ReleaseRow
from app.services import exchanges, releases, views
from app.services.exchanges import ExchangeAccess, is_open
from app.services.views import FieldVerdict

router = APIRouter(tags=["exchanges"])


def _exchange(x: ExchangeRow, *, chairs: bool, participates: bool, now: datetime) -> ExchangeOut:
    return ExchangeOut(
        id=x.id,
        cell_id=x.cell_id,
        case_id=x.case_id,
        working_group_id=x.working_group_id,
        purpose=x.purpose,
        legal_basis=x.legal_basis,
        opens_at=x.opens_at,
        expires_at=x.expires_at,
        closed_at=x.closed_at,
        open=is_open(x, now),
        you_chair=chairs,
        you_participate=participates,
    )


def _out(access: ExchangeAccess, now: datetime) -> ExchangeOut:
    return _exchange(
        access.exchange,
        chairs=access.is_chair,
        participates=access.participant is not None,
        now=now,
    )


def _release(r: ReleaseRow) -> ReleaseOut:
    return ReleaseOut.model_validate(r, from_attributes=True)


def _grant(g: GrantRow) -> GrantOut:
    return GrantOut.model_validate(g, from_attributes=True)


def _verdict(v: FieldVerdict) -> FieldVerdictOut:
    return FieldVerdictOut(
        note_id=uuid.UUID(v.note_id),
        version=v.version,
        field=v.field,
        sensitivity=v.sensitivity,
        visible=v.visible,
        reasons=list(v.reasons),
    )


@router.post("/exchanges", status_code=status.HTTP_201_CREATED)
async def convene(
    body: ExchangeIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ExchangeOut:
    """Convene an exchange on a case of a cell you chair (or are a chair delegate in)."""
    access = await exchanges.convene(
        session,
        ctx,
        hub,
        case_id=body.case_id,
        working_group_id=body.working_group_id,
        purpose=body.purpose,
        legal_basis=body.legal_basis,
        opens_at=body.opens_at,
        expires_at=body.expires_at,
    )
    return _out(access, ctx.now)


@router.get("/exchanges")
async def list_exchanges(session: SessionDep, ctx: ContextDep, hub: HubDep) -> list[ExchangeOut]:
    """Exchanges you chair or take part in (at most 500, oldest first)."""
    rows = await exchanges.my_exchanges(session, ctx, hub)
    return [_exchange(x, chairs=c, participates=p, now=ctx.now) for x, c, p in rows]


@router.get("/exchanges/{exchange_id}")
async def get_exchange(
    exchange_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ExchangeOut:
    """One exchange (chair and participants only; 404 for anyone else)."""
    return _out(await exchanges.read(session, ctx, hub, exchange_id), ctx.now)


@router.post("/exchanges/{exchange_id}/close")
async def close_exchange(
    exchange_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ExchangeOut:
    """Close the exchange (chair); nothing is readable through it afterwards."""
    return _out(await exchanges.close(session, ctx, hub, exchange_id), ctx.now)


@router.get("/exchanges/{exchange_id}/participants")
async def list_participants(
    exchange_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[ParticipantOut]:
    """Current participants (chair and participants), named; empty once the exchange is shut.

    A guest who has not yet accepted the cell's confidentiality declaration is listed without
    name or agency (all three null).
    """
    rows = await exchanges.list_participants(session, ctx, hub, exchange_id)
    return [
        ParticipantOut(
            member_id=r.participant.member_id,
            invited_at=r.participant.invited_at,
            guest=r.participant.guest,
            display_name=r.display_name,
            agency_id=r.agency_id,
            agency_name=r.agency_name,
        )
        for r in rows
    ]


@router.post("/exchanges/{exchange_id}/participants", status_code=status.HTTP_201_CREATED)
async def invite(
    exchange_id: uuid.UUID, body: ParticipantIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ParticipantOut:
    """Invite a member of the cell (chair), or with `guest` someone not seated in it, into this
    exchange only (409 `no_declaration` if the cell has no confidentiality declaration)."""
    row = await exchanges.invite(session, ctx, hub, exchange_id, body.member_id, guest=body.guest)
    return ParticipantOut(member_id=row.member_id, invited_at=row.invited_at, guest=row.guest)


@router.delete(
    "/exchanges/{exchange_id}/participants/{member_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def remove(
    exchange_id: uuid.UUID, member_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> Response:
    """Remove a participant (chair); effective on the very next read."""
    await exchanges.remove(session, ctx, hub, exchange_id, member_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/exchanges/{exchange_id}/releases", status_code=status.HTTP_201_CREATED)
async def release(
    exchange_id: uuid.UUID, body: ReleaseIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[ReleaseOut]:
    """Release fields or classes of one of your agency's notes on this case (owner only).

    Refused (403, with the engine's `reason`) when the sharing rules would never show it to
    anyone in this exchange: an LTF source's note in a LIVC exchange (rule 8).
    """
    rows = await releases.release(
        session,
        ctx,
        hub,
        exchange_id,
        note_id=body.note_id,
        version=body.version,
        fields=body.fields,
        sensitivities=[s.value for s in body.sensitivities],
    )
    return [_release(r) for r in rows]


@router.get("/exchanges/{exchange_id}/releases")
async def list_releases(
    exchange_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[ReleaseOut]:
    """Releases in force: all for the chair (names only), your agency's for others; none if shut."""
    return [_release(r) for r in await releases.list_releases(session, ctx, hub, exchange_id)]


@router.delete(
    "/exchanges/{exchange_id}/releases/{release_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def withdraw_release(
    exchange_id: uuid.UUID, release_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> Response:
    """Withdraw a release (owning agency)."""
    await releases.withdraw_release(session, ctx, hub, exchange_id, release_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/exchanges/{exchange_id}/grants", status_code=status.HTTP_201_CREATED)
async def grant(
    exchange_id: uuid.UUID, body: GrantIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> GrantOut:
    """Grant a released field or class to a participant or a role (chair).

    Refused (409, `reason: not_released`) unless a release in force covers at least one field
    the grant names (of its note, if it names one).
    """
    row = await releases.grant(
        session,
        ctx,
        hub,
        exchange_id,
        member_id=body.member_id,
        role=body.role,
        note_id=body.note_id,
        field=body.field,
        sensitivity=None if body.sensitivity is None else body.sensitivity.value,
    )
    return _grant(row)


@router.get("/exchanges/{exchange_id}/grants")
async def list_grants(
    exchange_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[GrantOut]:
    """Grants in force (chair); none once the exchange is shut."""
    return [_grant(g) for g in await releases.list_grants(session, ctx, hub, exchange_id)]


@router.delete("/exchanges/{exchange_id}/grants/{grant_id}", status_code=status.HTTP_204_NO_CONTENT)
async def withdraw_grant(
    exchange_id: uuid.UUID, grant_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> Response:
    """Withdraw a grant (chair)."""
    await releases.withdraw_grant(session, ctx, hub, exchange_id, grant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/exchanges/{exchange_id}/view")
async def view(
    exchange_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ViewOut:
    """The case and its notes with only the fields you may see; nothing else is returned."""
    access, notes = await views.view(session, ctx, hub, exchange_id)
    return ViewOut(
        exchange=_out(access, ctx.now),
        case_id=access.case.id,
        subject_pseudonym=access.case.subject_pseudonym,
        notes=[
            SharedNoteOut(
                note_id=n.note_id,
                version=n.version,
                template_id=n.template_id,
                owner_agency_id=n.owner_agency_id,
                fields=n.fields,
            )
            for n in notes
        ],
    )


@router.get("/exchanges/{exchange_id}/explain")
async def explain(
    exchange_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ExplainOut:
    """Why you cannot see a field granted to you; for the chair, each participant's decisions.

    Once the exchange is closed or expired: its header and status only, as the view.
    """
    access, mine, others = await views.explain(session, ctx, hub, exchange_id)
    return ExplainOut(
        exchange_id=access.exchange.id,
        yours=[_verdict(v) for v in mine],
        participants=[
            ParticipantVerdictsOut(member_id=m, fields=[_verdict(v) for v in vs])
            for m, vs in others.items()
        ],
        exchange=_out(access, ctx.now),
    )
