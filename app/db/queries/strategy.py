"""What the strategic view counts: the cases of a municipality's LIVC, without any person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries.tables import agencies, case_outcomes, cases, cell_members, cells, subjects
from app.policies.vocabulary import CellKind


@dataclass(frozen=True, slots=True)
class CountedCase:
    """One case as the count sees it: category, status, signalling agency's kind, date."""

    category: str | None
    status: str
    agency_kind: str
    opened_at: datetime
    outcomes: tuple[tuple[str, str], ...]


async def is_invited(session: AsyncSession, cell_id: uuid.UUID, member_id: uuid.UUID) -> bool:
    """Whether the member was invited into the cell."""
    stmt = select(
        exists().where(cell_members.c.cell_id == cell_id, cell_members.c.member_id == member_id)
    )
    return bool(await session.scalar(stmt))


async def municipality_cases(session: AsyncSession, municipality: str) -> list[CountedCase]:
    """Every case in the municipality's case-level LIVC cells, in two statements."""
    livc = select(cells.c.id).where(
        cells.c.kind == CellKind.LIVC_CASE.value, cells.c.municipality == municipality
    )
    stmt = (
        select(
            cases.c.id,
            subjects.c.ocad_category,
            cases.c.status,
            agencies.c.kind,
            cases.c.created_at,
        )
        .join_from(cases, subjects, subjects.c.id == cases.c.subject_id)
        .join(agencies, agencies.c.id == subjects.c.owner_agency_id)
        .where(cases.c.cell_id.in_(livc))
    )
    rows = (await session.execute(stmt)).all()
    found = select(case_outcomes.c.case_id, case_outcomes.c.axis, case_outcomes.c.outcome).where(
        case_outcomes.c.case_id.in_(select(cases.c.id).where(cases.c.cell_id.in_(livc)))
    )
    outcomes: dict[uuid.UUID, list[tuple[str, str]]] = {}
    for case_id, axis, outcome in await session.execute(found):
        outcomes.setdefault(case_id, []).append((axis, outcome))
    return [
        CountedCase(category, status, kind, at, tuple(sorted(outcomes.get(case_id, ()))))
        for case_id, category, status, kind, at in rows
    ]
