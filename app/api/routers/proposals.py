"""/api/v1 four-eyes proposals: list, read, approve, refuse, withdraw."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import member_out, proposal_out
from app.api.schemas.common import Cursor, Limit, Page
from app.api.schemas.proposals import DecisionOut, ProposalOut
from app.policies.administration import ProposalState
from app.services import governance

router = APIRouter(tags=["proposals"])


@router.get("/agencies/{agency_id}/proposals")
async def list_proposals(
    agency_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    state: Annotated[ProposalState | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ProposalOut]:
    """An agency's proposals, oldest first: for its admins, approvers and auditors, and hub-wide
    staff. Every proposal, approval and refusal is also in the access log (``member:propose``,
    ``member:approve``, ``member:refuse``, ``member:withdraw``, ``member:update``)."""
    page = await governance.list_proposals(
        session, ctx, hub, agency_id, state=state, limit=limit, cursor=cursor
    )
    return Page(items=[proposal_out(p, ctx.now) for p in page.items], next_cursor=page.next_cursor)


@router.get("/proposals/{proposal_id}")
async def get_proposal(
    proposal_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ProposalOut:
    """One proposal."""
    return proposal_out(await governance.get_proposal(session, ctx, hub, proposal_id), ctx.now)


@router.post("/proposals/{proposal_id}/approve")
async def approve(
    proposal_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> DecisionOut:
    """Approve as the second person: the change takes effect now. Not the proposer, not the
    member concerned; a holder of the agency's approver role (or a hub admin, for admin roles
    only)."""
    done = await governance.decide(session, ctx, hub, proposal_id, approve=True)
    return DecisionOut(
        proposal=proposal_out(done.proposal, ctx.now),
        member=member_out(done.member),
        client_secret=done.client_secret,
        initial_password=done.initial_password,
    )


@router.post("/proposals/{proposal_id}/refuse")
async def refuse(
    proposal_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> DecisionOut:
    """Refuse as the second person: nothing changes."""
    done = await governance.decide(session, ctx, hub, proposal_id, approve=False)
    return DecisionOut(
        proposal=proposal_out(done.proposal, ctx.now), member=member_out(done.member)
    )


@router.post("/proposals/{proposal_id}/withdraw")
async def withdraw(
    proposal_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ProposalOut:
    """The proposer takes a pending proposal back."""
    return proposal_out(await governance.withdraw(session, ctx, hub, proposal_id), ctx.now)
