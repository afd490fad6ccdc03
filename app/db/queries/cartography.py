"""The cartography: subjects' OCAD categories, and who may set or see them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries.tables import cases, cell_agencies, cell_members, cells, subjects
from app.policies.vocabulary import CellKind


@dataclass(frozen=True, slots=True)
class SubjectReach:
    """A subject as a member reaches it: its owner and pseudonym, and through which cells."""

    owner_agency_id: uuid.UUID
    pseudonym: str
    # The member's agency sits in a cell where the subject has a case.
    seated: bool
    # The member was invited into a cell where the subject has a case.
    invited: bool


async def reach(
    session: AsyncSession, subject_id: uuid.UUID, agency_id: uuid.UUID, member_id: uuid.UUID
) -> SubjectReach | None:
    """How the member reaches the subject, in one statement (None: no such subject)."""
    has_case = and_(cases.c.subject_id == subjects.c.id)
    seated = exists().where(
        has_case,
        cell_agencies.c.cell_id == cases.c.cell_id,
        cell_agencies.c.agency_id == agency_id,
    )
    invited = exists().where(
        has_case,
        cell_members.c.cell_id == cases.c.cell_id,
        cell_members.c.member_id == member_id,
    )
    stmt = select(subjects.c.owner_agency_id, subjects.c.pseudonym, seated, invited).where(
        subjects.c.id == subject_id
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else SubjectReach(row[0], row[1], bool(row[2]), bool(row[3]))


async def set_category(
    session: AsyncSession, subject_id: uuid.UUID, category: str, by: uuid.UUID, at: datetime
) -> None:
    """Record a subject's OCAD category."""
    await session.execute(
        update(subjects)
        .where(subjects.c.id == subject_id)
        .values(ocad_category=category, ocad_category_set_by=by, ocad_category_set_at=at)
    )


@dataclass(frozen=True, slots=True)
class RegisterAccess:
    """What deciding on a register read needs: the member's seats around the cell."""

    invited_to_cell: bool
    invited_to_ltf: bool


async def register_access(
    session: AsyncSession, cell_id: uuid.UUID, municipality: str, member_id: uuid.UUID
) -> RegisterAccess:
    """Whether the member sits in the cell, or in an LTF of the same municipality."""
    in_cell = exists().where(
        cell_members.c.cell_id == cell_id, cell_members.c.member_id == member_id
    )
    in_ltf = exists().where(
        cell_members.c.member_id == member_id,
        cells.c.id == cell_members.c.cell_id,
        cells.c.kind == CellKind.LTF.value,
        cells.c.municipality == municipality,
    )
    row = (await session.execute(select(in_cell, in_ltf))).one()
    return RegisterAccess(bool(row[0]), bool(row[1]))


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One person of the register: pseudonym and category, never an identifier."""

    subject_id: uuid.UUID
    pseudonym: str
    owner_agency_id: uuid.UUID
    category: str
    set_at: datetime


async def register(session: AsyncSession, cell_id: uuid.UUID) -> list[RegisterRow]:
    """The subjects with a case in the cell and an OCAD category, by category and pseudonym."""
    in_cell = select(cases.c.subject_id).where(cases.c.cell_id == cell_id)
    s = subjects.c
    stmt = (
        select(s.id, s.pseudonym, s.owner_agency_id, s.ocad_category, s.ocad_category_set_at)
        .where(s.id.in_(in_cell), s.ocad_category.is_not(None), s.ocad_category != "none")
        .order_by(s.ocad_category, s.pseudonym)
    )
    return [RegisterRow(*row) for row in await session.execute(stmt)]
