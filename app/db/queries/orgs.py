"""Agencies, members and four-eyes proposals.

The member a request acts as is read once, with its agency's kind, as a plain row. Admin use
cases that change a member or a proposal load the mapped object (a write path).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Agency, Member, MemberProposal
from app.db.queries.tables import agencies, cell_members, members


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A member as a request sees it, with the kind of its agency."""

    id: uuid.UUID
    agency_id: uuid.UUID
    agency_kind: str
    kind: str
    roles: tuple[str, ...]
    status: str
    bound_by_secrecy: bool
    clearance: int


_MEMBER = select(
    members.c.id,
    members.c.agency_id,
    agencies.c.kind,
    members.c.kind,
    members.c.roles,
    members.c.status,
    members.c.bound_by_secrecy,
    members.c.clearance,
).join_from(members, agencies, agencies.c.id == members.c.agency_id)


def _member_row(row: Any) -> MemberRow:
    mid, agency_id, agency_kind, kind, roles, status, secrecy, clearance = row
    return MemberRow(
        mid, agency_id, agency_kind, kind, tuple(roles), status, bool(secrecy), int(clearance)
    )


_ONE_MEMBER = _MEMBER.where(members.c.id == bindparam("member_id"))


async def member_row(session: AsyncSession, member_id: uuid.UUID) -> MemberRow | None:
    """One member with its agency's kind, in one statement."""
    row = (await session.execute(_ONE_MEMBER, {"member_id": member_id})).first()
    return None if row is None else _member_row(row)


async def member_rows(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, MemberRow]:
    """Several members with their agencies' kinds, in one statement."""
    if not ids:
        return {}
    rows = await session.execute(_MEMBER.where(members.c.id.in_(set(ids))))
    return {r.id: r for r in map(_member_row, rows)}


async def cell_member(
    session: AsyncSession, cell_id: uuid.UUID, member_id: uuid.UUID
) -> tuple[MemberRow, bool] | None:
    """A member with its agency's kind, and whether the chair invited them into the cell (one
    statement); None for an unknown member."""
    seated = exists().where(
        cell_members.c.cell_id == cell_id, cell_members.c.member_id == members.c.id
    )
    row = (await session.execute(_ONE_MEMBER.add_columns(seated), {"member_id": member_id})).first()
    return None if row is None else (_member_row(row[:-1]), bool(row[-1]))


async def agency_kind(session: AsyncSession, agency_id: uuid.UUID) -> str | None:
    """An agency's kind."""
    kind: str | None = await session.scalar(
        select(agencies.c.kind).where(agencies.c.id == agency_id)
    )
    return kind


@dataclass(frozen=True, slots=True)
class ClientRow:
    """A service account as the token endpoint checks it."""

    id: uuid.UUID
    agency_id: uuid.UUID
    status: str
    secret_hash: str | None


async def client(session: AsyncSession, client_id: str) -> ClientRow | None:
    """The service account with this client id."""
    stmt = select(
        members.c.id, members.c.agency_id, members.c.status, members.c.client_secret_hash
    ).where(members.c.client_id == client_id)
    row = (await session.execute(stmt)).first()
    return None if row is None else ClientRow(*row)


# Admin use cases: mapped objects, changed in place and flushed by the unit of work.


async def agency(session: AsyncSession, agency_id: uuid.UUID) -> Agency | None:
    """An agency, to show or change."""
    return await session.get(Agency, agency_id)


async def agency_named(session: AsyncSession, name: str) -> Agency | None:
    """The agency with this name."""
    return await session.scalar(select(Agency).where(Agency.name == name))


def all_agencies() -> Select[Agency]:
    """Every agency (names and kinds are not personal data), for paging."""
    return select(Agency)


async def member(session: AsyncSession, member_id: uuid.UUID) -> Member | None:
    """A member, to show or change."""
    return await session.get(Member, member_id)


def members_of(agency_id: uuid.UUID) -> Select[Member]:
    """An agency's members, for paging."""
    return select(Member).where(Member.agency_id == agency_id)


async def roles_in_agency(session: AsyncSession, agency_id: uuid.UUID) -> list[list[str]]:
    """The roles of each member of an agency (any status)."""
    rows = await session.execute(select(members.c.roles).where(members.c.agency_id == agency_id))
    return [list(r) for (r,) in rows]


async def every_members_roles(session: AsyncSession) -> list[list[str]]:
    """The roles of every member of the hub (for the first hub admins)."""
    rows = await session.execute(select(members.c.roles))
    return [list(r) for (r,) in rows]


async def proposal_for_update(
    session: AsyncSession, proposal_id: uuid.UUID
) -> MemberProposal | None:
    """A proposal, locked until the transaction ends (two deciders never both win)."""
    return await session.get(MemberProposal, proposal_id, with_for_update=True)


def proposals_of(agency_id: uuid.UUID, *criteria: Any) -> Select[MemberProposal]:
    """An agency's proposals matching the criteria, for paging."""
    return select(MemberProposal).where(MemberProposal.agency_id == agency_id, *criteria)


@dataclass(frozen=True)
class LoginRow:
    """A member as the password sign-in checks it."""

    id: uuid.UUID
    agency_id: uuid.UUID
    status: str
    password_hash: str | None


async def login(session: AsyncSession, username: str) -> LoginRow | None:
    """The member with this username (stored in lower case)."""
    stmt = select(
        members.c.id, members.c.agency_id, members.c.status, members.c.password_hash
    ).where(members.c.username == username)
    row = (await session.execute(stmt)).first()
    return None if row is None else LoginRow(*row)


async def member_with_username(session: AsyncSession, username: str) -> Member | None:
    """The member holding a username, if any."""
    return await session.scalar(select(Member).where(Member.username == username))
