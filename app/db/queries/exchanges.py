"""Exchanges (casusoverleg): participants, releases and grants.

Reaching an exchange is one statement: the exchange with its cell, case and subject, and the
caller's own standing in it (current participation, seat in the cell). That row is the caller's
scope: who reaches nothing gets 404. Releases and grants are read per exchange, as plain rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries.cases import CASE_COLUMNS, CaseRow, case_row
from app.db.queries.cells import CellFacts, seat_exists
from app.db.queries.orgs import MemberRow
from app.db.queries.tables import (
    agencies,
    cases,
    cell_members,
    cells,
    declaration_acceptances,
    exchanges,
    grants,
    members,
    notes,
    participants,
    releases,
    subjects,
)


@dataclass(frozen=True, slots=True)
class ExchangeRow:
    """An exchange's header: cell, case, purpose, legal basis and its window."""

    id: uuid.UUID
    cell_id: uuid.UUID
    case_id: uuid.UUID
    working_group_id: uuid.UUID | None
    purpose: str
    legal_basis: str
    opens_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    created_at: datetime
    # Changes with every change to the exchange's releases or grants (None: none yet).
    sharing_token: str | None = None


_EXCHANGE: tuple[ColumnElement[Any], ...] = (
    exchanges.c.id,
    exchanges.c.cell_id,
    exchanges.c.case_id,
    exchanges.c.working_group_id,
    exchanges.c.purpose,
    exchanges.c.legal_basis,
    exchanges.c.opens_at,
    exchanges.c.expires_at,
    exchanges.c.closed_at,
    exchanges.c.created_at,
    exchanges.c.sharing_token,
)
_X = len(_EXCHANGE)


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """A member taking part in an exchange (``removed_at`` ends it)."""

    id: uuid.UUID
    member_id: uuid.UUID
    invited_at: datetime
    removed_at: datetime | None = None
    # Invited into this exchange only, without a seat in the cell (art. 458ter §2).
    guest: bool = False


@dataclass(frozen=True, slots=True)
class Reached:
    """An exchange as one member reaches it, read in one statement."""

    exchange: ExchangeRow
    cell: CellFacts
    case: CaseRow
    participant: ParticipantRow | None
    seated: bool
    # The member accepted the cell's confidentiality declaration for this exchange.
    declaration_accepted: bool = False


_P = participants.c
_A = declaration_acceptances.c
_REACH = (
    select(
        *_EXCHANGE,
        cells.c.kind,
        cells.c.chair_member_id,
        *CASE_COLUMNS,
        _P.id,
        _P.invited_at,
        _P.guest,
        seat_exists(exchanges.c.cell_id, bindparam("member_id")),
        exists().where(_A.exchange_id == exchanges.c.id, _A.member_id == bindparam("member_id")),
    )
    .join_from(exchanges, cells, cells.c.id == exchanges.c.cell_id)
    .join(cases, cases.c.id == exchanges.c.case_id)
    .join(subjects, subjects.c.id == cases.c.subject_id)
    .outerjoin(
        participants,
        (_P.exchange_id == exchanges.c.id)
        & (_P.member_id == bindparam("member_id"))
        & _P.removed_at.is_(None),
    )
    .where(exchanges.c.id == bindparam("exchange_id"))
    .order_by(_P.invited_at.desc())
    .limit(1)
)


async def reach(
    session: AsyncSession, exchange_id: uuid.UUID, member_id: uuid.UUID
) -> Reached | None:
    """The exchange, its cell, case and subject, and the member's current participation (the
    latest, if two invitations raced) and seat in the cell."""
    params = {"exchange_id": exchange_id, "member_id": member_id}
    row = (await session.execute(_REACH, params)).first()
    if row is None:
        return None
    exchange = ExchangeRow(*row[:_X])
    cell = CellFacts(exchange.cell_id, row[_X], row[_X + 1])
    at = _X + 2 + len(CASE_COLUMNS)
    case = case_row(row[_X + 2 : at])
    pid, invited_at, guest, seated, accepted = row[at:]
    taking_part = (
        None if pid is None else ParticipantRow(pid, member_id, invited_at, None, bool(guest))
    )
    return Reached(exchange, cell, case, taking_part, bool(seated), bool(accepted))


async def add_exchange(session: AsyncSession, row: ExchangeRow, *, convened_by: uuid.UUID) -> None:
    """Store a newly convened exchange."""
    values = {str(c.key): getattr(row, str(c.key)) for c in _EXCHANGE}
    await session.execute(insert(exchanges).values(**values, convened_by=convened_by))


async def close(session: AsyncSession, exchange_id: uuid.UUID, now: datetime) -> None:
    """Close an exchange (a second close keeps the first time)."""
    await session.execute(
        update(exchanges)
        .where(exchanges.c.id == exchange_id, exchanges.c.closed_at.is_(None))
        .values(closed_at=now)
    )


async def my_exchanges(
    session: AsyncSession, member_id: uuid.UUID, *, delegate: bool
) -> list[tuple[ExchangeRow, bool, bool]]:
    """(exchange, chairs, takes part) for a member, at most 500, oldest first: those they take
    part in now, and those of the cells they chair (for a chair delegate: are seated in)."""
    p = participants.c
    mine = select(p.exchange_id).where(p.member_id == member_id, p.removed_at.is_(None))
    taking_part = set(await session.scalars(mine))
    chaired = set(
        await session.scalars(select(cells.c.id).where(cells.c.chair_member_id == member_id))
    )
    if delegate:
        seats = select(cell_members.c.cell_id).where(cell_members.c.member_id == member_id)
        chaired |= set(await session.scalars(seats))
    if not taking_part and not chaired:
        return []
    stmt = (
        select(*_EXCHANGE)
        .where(or_(exchanges.c.id.in_(taking_part), exchanges.c.cell_id.in_(chaired)))
        .order_by(exchanges.c.created_at, exchanges.c.id)
        .limit(500)
    )
    out = []
    for row in await session.execute(stmt):
        x = ExchangeRow(*row)
        out.append((x, x.cell_id in chaired, x.id in taking_part))
    return out


async def participation(
    session: AsyncSession, exchange_id: uuid.UUID, member_id: uuid.UUID
) -> ParticipantRow | None:
    """A member's current participation (the latest, if two invitations raced)."""
    p = participants.c
    stmt = (
        select(p.id, p.member_id, p.invited_at, p.removed_at, p.guest)
        .where(p.exchange_id == exchange_id, p.member_id == member_id, p.removed_at.is_(None))
        .order_by(p.invited_at.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else ParticipantRow(*row)


async def add_participant(
    session: AsyncSession,
    exchange_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    invited_by: uuid.UUID,
    now: datetime,
    guest: bool = False,
) -> ParticipantRow:
    """Invite a member into an exchange (as a guest: without a seat in its cell)."""
    row = ParticipantRow(uuid.uuid4(), member_id, now, None, guest)
    await session.execute(
        insert(participants).values(
            id=row.id,
            exchange_id=exchange_id,
            member_id=member_id,
            invited_by=invited_by,
            invited_at=now,
            guest=guest,
        )
    )
    return row


async def end_participation(
    session: AsyncSession, participant_id: uuid.UUID, now: datetime
) -> None:
    """Remove a participant: it takes effect on the very next read."""
    await session.execute(
        update(participants).where(participants.c.id == participant_id).values(removed_at=now)
    )


async def current_participants(
    session: AsyncSession, exchange_id: uuid.UUID
) -> list[tuple[ParticipantRow, MemberRow]]:
    """Current participants with their members and agencies' kinds, in one statement."""
    p, m = participants.c, members.c
    stmt = (
        select(
            p.id,
            p.member_id,
            p.invited_at,
            p.removed_at,
            m.agency_id,
            agencies.c.kind,
            m.kind,
            m.roles,
            m.status,
            m.bound_by_secrecy,
            m.clearance,
            p.guest,
        )
        .join_from(participants, members, m.id == p.member_id)
        .join(agencies, agencies.c.id == m.agency_id)
        .where(p.exchange_id == exchange_id, p.removed_at.is_(None))
        .order_by(p.invited_at)
    )
    out = []
    for row in await session.execute(stmt):
        pid, mid, invited, removed, agency_id, agency_kind, kind, roles, status, sec, cl, g = row
        member = MemberRow(mid, agency_id, agency_kind, kind, tuple(roles), status, bool(sec), cl)
        out.append((ParticipantRow(pid, mid, invited, removed, bool(g)), member))
    return out


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """An owner's release of a field (or class) of a note into an exchange."""

    id: uuid.UUID
    note_id: uuid.UUID
    owner_agency_id: uuid.UUID
    version: int | None
    field: str | None
    sensitivity: str | None
    released_at: datetime
    withdrawn_at: datetime | None
    # The released note's template: a client labels the released fields from it.
    template_id: uuid.UUID


_RELEASE = select(
    releases.c.id,
    releases.c.note_id,
    releases.c.owner_agency_id,
    releases.c.version,
    releases.c.field,
    releases.c.sensitivity,
    releases.c.released_at,
    releases.c.withdrawn_at,
    notes.c.template_id,
).join_from(releases, notes, notes.c.id == releases.c.note_id)


@cache
def _releases_of(in_force: bool, owned: bool) -> Select[Any]:
    r = releases.c
    stmt = _RELEASE.where(r.exchange_id == bindparam("exchange_id"))
    if in_force:
        stmt = stmt.where(r.withdrawn_at.is_(None))
    if owned:
        stmt = stmt.where(r.owner_agency_id == bindparam("owner"))
    return stmt.order_by(r.released_at, r.id)


async def releases_of(
    session: AsyncSession,
    exchange_id: uuid.UUID,
    *,
    in_force: bool = False,
    owner: uuid.UUID | None = None,
) -> list[ReleaseRow]:
    """An exchange's releases (only those not withdrawn, only one owner's: if asked)."""
    stmt = _releases_of(in_force, owner is not None)
    params: dict[str, Any] = {"exchange_id": exchange_id, "owner": owner}
    return [ReleaseRow(*row) for row in await session.execute(stmt, params)]


async def release(
    session: AsyncSession, exchange_id: uuid.UUID, release_id: uuid.UUID
) -> ReleaseRow | None:
    """One release of this exchange."""
    r = releases.c
    stmt = _RELEASE.where(r.id == release_id, r.exchange_id == exchange_id)
    row = (await session.execute(stmt)).first()
    return None if row is None else ReleaseRow(*row)


async def add_releases(
    session: AsyncSession, exchange_id: uuid.UUID, rows: Sequence[ReleaseRow], by: uuid.UUID
) -> None:
    """Store releases."""
    if rows:
        await session.execute(
            insert(releases),
            [
                {
                    "id": r.id,
                    "exchange_id": exchange_id,
                    "note_id": r.note_id,
                    "owner_agency_id": r.owner_agency_id,
                    "version": r.version,
                    "field": r.field,
                    "sensitivity": r.sensitivity,
                    "released_by": by,
                    "released_at": r.released_at,
                }
                for r in rows
            ],
        )


async def withdraw_release(session: AsyncSession, release_id: uuid.UUID, now: datetime) -> None:
    """Withdraw a release (a second withdrawal keeps the first time)."""
    await session.execute(
        update(releases)
        .where(releases.c.id == release_id, releases.c.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )


@dataclass(frozen=True, slots=True)
class GrantRow:
    """The chair's grant of a released field (or class) to a participant or a role."""

    id: uuid.UUID
    member_id: uuid.UUID | None
    role: str | None
    note_id: uuid.UUID | None
    field: str | None
    sensitivity: str | None
    granted_at: datetime
    withdrawn_at: datetime | None


_GRANT = select(
    grants.c.id,
    grants.c.member_id,
    grants.c.role,
    grants.c.note_id,
    grants.c.field,
    grants.c.sensitivity,
    grants.c.granted_at,
    grants.c.withdrawn_at,
)


@cache
def _grants_of(in_force: bool) -> Select[Any]:
    g = grants.c
    stmt = _GRANT.where(g.exchange_id == bindparam("exchange_id"))
    if in_force:
        stmt = stmt.where(g.withdrawn_at.is_(None))
    return stmt.order_by(g.granted_at, g.id)


async def grants_of(
    session: AsyncSession, exchange_id: uuid.UUID, *, in_force: bool = False
) -> list[GrantRow]:
    """An exchange's grants (only those not withdrawn: if asked)."""
    rows = await session.execute(_grants_of(in_force), {"exchange_id": exchange_id})
    return [GrantRow(*row) for row in rows]


async def grant(
    session: AsyncSession, exchange_id: uuid.UUID, grant_id: uuid.UUID
) -> GrantRow | None:
    """One grant of this exchange."""
    g = grants.c
    row = (
        await session.execute(_GRANT.where(g.id == grant_id, g.exchange_id == exchange_id))
    ).first()
    return None if row is None else GrantRow(*row)


async def add_grant(
    session: AsyncSession, exchange_id: uuid.UUID, row: GrantRow, by: uuid.UUID
) -> None:
    """Store a grant."""
    await session.execute(
        insert(grants).values(
            id=row.id,
            exchange_id=exchange_id,
            member_id=row.member_id,
            role=row.role,
            note_id=row.note_id,
            field=row.field,
            sensitivity=row.sensitivity,
            granted_by=by,
            granted_at=row.granted_at,
        )
    )


async def withdraw_grant(session: AsyncSession, grant_id: uuid.UUID, now: datetime) -> None:
    """Withdraw a grant (a second withdrawal keeps the first time)."""
    await session.execute(
        update(grants)
        .where(grants.c.id == grant_id, grants.c.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )


async def end_participations_in_cell(
    session: AsyncSession, cell_id: uuid.UUID, member_id: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """End a member's current, seated participations in a cell's exchanges (they left the cell);
    returns the exchanges concerned. A guest's participation is not a seat's and stays."""
    p = participants.c
    of_cell = select(exchanges.c.id).where(exchanges.c.cell_id == cell_id)
    current = (
        p.member_id == member_id,
        p.removed_at.is_(None),
        p.guest.is_(False),
        p.exchange_id.in_(of_cell),
    )
    ended = list(await session.scalars(select(p.exchange_id).where(*current)))
    if ended:
        await session.execute(update(participants).where(*current).values(removed_at=now))
    return ended


async def accept_declaration(
    session: AsyncSession,
    exchange_id: uuid.UUID,
    member_id: uuid.UUID,
    declaration_id: uuid.UUID,
    now: datetime,
) -> None:
    """Record that a guest accepted a declaration for an exchange."""
    await session.execute(
        insert(declaration_acceptances).values(
            id=uuid.uuid4(),
            exchange_id=exchange_id,
            member_id=member_id,
            declaration_id=declaration_id,
            accepted_at=now,
        )
    )


async def acceptance(
    session: AsyncSession, exchange_id: uuid.UUID, member_id: uuid.UUID
) -> tuple[uuid.UUID, datetime] | None:
    """The first acceptance of a member for an exchange: (declaration id, when), or None."""
    a = declaration_acceptances.c
    stmt = (
        select(a.declaration_id, a.accepted_at)
        .where(a.exchange_id == exchange_id, a.member_id == member_id)
        .order_by(a.accepted_at)
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])
