"""/api/v1/me: who the hub thinks you are."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.api.deps import ContextDep, HubDep, PrincipalDep, SessionDep, hub_state
from app.api.routers.converters import clearance_name
from app.api.schemas.auth import MeOut
from app.api.schemas.common import Problem
from app.api.schemas.orgs import PasswordChangeIn
from app.services import passwords

router = APIRouter(tags=["me"])


@router.get("/me")
async def me(principal: PrincipalDep) -> MeOut:
    """The caller's member id, agency, roles, secrecy flag and clearance."""
    return MeOut(
        member_id=principal.member_id,
        agency_id=principal.agency_id,
        kind=principal.kind,
        roles=sorted(principal.roles),
        status=principal.status,
        bound_by_secrecy=principal.bound_by_secrecy,
        clearance=clearance_name(principal.clearance),
    )


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={429: {"model": Problem, "content": {"application/problem+json": {}}}},
)
async def change_password(
    request: Request, body: PasswordChangeIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> None:
    """Change your own web sign-in password, giving the current one: at least 12 characters,
    not your username, not the current one. Your other web sessions end. Attempts are limited
    per member (429)."""
    await hub_state(request).guards.throttle.hit(password_member=str(ctx.principal.member_id))
    await passwords.change_own(
        session, ctx, hub, current=body.current_password, new=body.new_password
    )
