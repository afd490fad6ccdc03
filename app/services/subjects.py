"""Subjects: the persons discussed, known by a pseudonym; identifiers exist only sealed."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.crypto import blind_index
from app.db.queries import cases as queries
from app.db.queries.cases import SubjectRow
from app.errors import ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.minors import adult_on_if_minor
from app.services.authz import event_for
from app.services.concerns import missing_in
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.sealing import open_or_fail, seal

IDENTIFIERS = ("name", "date_of_birth", "national_register_number")


@dataclass(frozen=True)
class SubjectView:
    """A subject with its identifiers opened for the owning agency."""

    subject: SubjectRow
    identifiers: dict[str, str]


def _nrn_ok(nrn: str) -> bool:
    digits = "".join(c for c in nrn if c.isdigit())
    if len(digits) != 11 or len(digits) != len(
        nrn.replace(".", "").replace("-", "").replace(" ", "")
    ):
        return False
    base, check = int(digits[:9]), int(digits[9:])
    # Born from 2000 on, the check digit is computed with a leading 2 (Rijksregister rule).
    return check in (97 - base % 97, 97 - (2_000_000_000 + base) % 97)


async def create_subject(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    name: str,
    date_of_birth: date,
    national_register_number: str | None,
) -> SubjectRow:
    """Register a person under a pseudonym; identifiers sealed under the caller's agency key."""
    agency = str(ctx.principal.agency_id)
    resource = Resource(ResourceKind.SUBJECT, owner_agency_id=agency)
    hub.authz.require(ctx, Permission.SUBJECT_WRITE, resource, hide=False)
    if date_of_birth > ctx.now.date():
        raise ValidationFailed("date_of_birth is in the future", extra={"field": "date_of_birth"})
    if national_register_number is not None and not _nrn_ok(national_register_number):
        raise ValidationFailed(
            "national_register_number is not a valid number",
            extra={"field": "national_register_number"},
        )
    subject_id = uuid.uuid4()
    values = {"name": name, "date_of_birth": date_of_birth.isoformat()}
    if national_register_number is not None:
        values["national_register_number"] = national_register_number
    key_version, wrapped, blobs = seal(
        hub.keys,
        agency_id=agency,
        kind="subject",
        record_id=str(subject_id),
        version=1,
        values=values,
    )
    subject = SubjectRow(
        id=subject_id,
        pseudonym="S-" + secrets.token_hex(6).upper(),
        owner_agency_id=ctx.principal.agency_id,
        # DOMAIN.md rule 13: a minor's notes default to the youth regime. Only the day of
        # majority is kept, so the flag follows the birth date without anyone changing it.
        adult_on=adult_on_if_minor(date_of_birth, ctx.now.date()),
        created_at=ctx.now,
        key_version=key_version,
        wrapped_key=wrapped,
        sealed=blobs,
    )
    await queries.add_subject(
        session,
        subject,
        nrn_index=(
            None
            if national_register_number is None
            else blind_index(hub.keys, "nrn", national_register_number)
        ),
        name_dob_index=blind_index(hub.keys, "name_dob", f"{name}|{date_of_birth.isoformat()}"),
        created_by=ctx.principal.member_id,
    )
    event = event_for(
        ctx, "subject:create", subject_id=subject.id, fields=sorted(values), owners=[agency]
    )
    await hub.record(session, ctx, event)
    return subject


async def read_subject(
    session: AsyncSession, ctx: RequestContext, hub: Hub, subject_id: uuid.UUID
) -> SubjectView:
    """A subject with identifiers, for the owning agency only; anyone else gets 404."""
    subject = await queries.subject(session, subject_id)
    if subject is None:
        raise await missing_in(session, event_for(ctx, "subject:read", subject_id=subject_id))
    owner = subject.owner_agency_id
    event = event_for(ctx, "subject:read", subject_id=subject_id, owners=[owner])
    resource = Resource(ResourceKind.SUBJECT, owner_agency_id=str(owner))
    hub.authz.require(ctx, Permission.SUBJECT_READ, resource, event=event)
    read = event_for(
        ctx, "subject:read", subject_id=subject.id, fields=sorted(subject.sealed), owners=[owner]
    )
    await hub.record(session, ctx, read)
    opened = open_or_fail(
        hub.keys,
        read,
        agency_id=str(subject.owner_agency_id),
        kind="subject",
        record_id=str(subject.id),
        version=1,
        key_version=subject.key_version,
        wrapped_key=subject.wrapped_key,
        blobs=subject.sealed,
    )
    return SubjectView(subject=subject, identifiers=opened)
