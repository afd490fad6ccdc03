"""The first hub admins: created from the command line, since no one can authorise them yet.

Four-eyes needs two people, so the command line makes up to two hub admins; every further one is
proposed by a hub admin and approved by another.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AccessLog, AuditEvent, Outcome
from app.crypto import KeyProvider
from app.db.models import Agency, Member
from app.db.queries import orgs
from app.errors import Conflict
from app.policies.vocabulary import AgencyKind, MemberKind, MemberStatus, Role, SecrecyRegime
from app.services.context import Principal, RequestContext
from app.services.identity import principal_of

FIRST_HUB_ADMINS = 2


async def bootstrap_hub_admin(
    session: AsyncSession, keys: KeyProvider, log: AccessLog, *, agency_name: str, admin_name: str
) -> Member:
    """Create the operating agency and a hub admin; refuse once two hub admins exist."""
    existing = await orgs.every_members_roles(session)
    if sum(Role.HUB_ADMIN.value in roles for roles in existing) >= FIRST_HUB_ADMINS:
        raise Conflict(
            "two hub admins exist already; a hub admin proposes more and another approves"
        )
    agency = await orgs.agency_named(session, agency_name)
    if agency is None:
        agency = Agency(
            id=uuid.uuid4(),
            name=agency_name,
            kind=AgencyKind.OTHER.value,
            secrecy_regime=SecrecyRegime.NONE.value,
        )
        session.add(agency)
        keys.ensure_agency_key(str(agency.id))
    admin = Member(
        id=uuid.uuid4(),
        agency_id=agency.id,
        display_name=admin_name,
        kind=MemberKind.PERSON.value,
        roles=[Role.HUB_ADMIN.value],
        bound_by_secrecy=False,
        clearance=0,
        status=MemberStatus.ACTIVE.value,
    )
    session.add(admin)
    event = AuditEvent(
        action="hub:bootstrap",
        outcome=Outcome.ALLOW,
        reason="command_line",
        actor_member_id=None,
        actor_agency_id=None,
        object_id=str(admin.id),
        owners=(str(agency.id),),
    )
    await log.append(session, [event], request_id="cli-" + uuid.uuid4().hex[:12])
    return admin


def cli_context(admin: Member) -> RequestContext:
    """A request context for command-line work done as a given member."""
    principal: Principal = principal_of(admin)
    return RequestContext(
        principal=principal, request_id="cli-" + uuid.uuid4().hex[:12], now=datetime.now(UTC)
    )
