"""/api/v1/me: who the hub thinks you are."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import PrincipalDep
from app.api.routers.converters import clearance_name
from app.api.schemas.auth import MeOut

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
