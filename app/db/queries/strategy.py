"""What the strategic view counts: the cases of a municipality's LIVC, without any person."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models.strategy import StrategyPriorities, StrategyToken
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


strategy_tokens = cast(Table, StrategyToken.__table__)
strategy_priorities = cast(Table, StrategyPriorities.__table__)


async def data_version(session: AsyncSession, municipality: str) -> tuple[tuple[str, str], ...]:
    """The municipality's case cells with their tokens: it changes whenever a count's input does.

    Triggers replace a cell's token on every change of its cases, their outcomes, their subjects'
    OCAD category or owner, or an owning agency's kind (migration 0017); a case cell created,
    moved to another municipality or changed in kind changes the set itself.
    """
    stmt = (
        select(cells.c.id, strategy_tokens.c.token)
        .join_from(cells, strategy_tokens, strategy_tokens.c.cell_id == cells.c.id, isouter=True)
        .where(cells.c.kind == CellKind.LIVC_CASE.value, cells.c.municipality == municipality)
    )
    rows = (await session.execute(stmt)).all()
    return tuple(sorted((str(cell_id), token or "") for cell_id, token in rows))


@dataclass(frozen=True, slots=True)
class PrioritiesRow:
    """One stored version of a year's priorities (content sealed)."""

    id: uuid.UUID
    cell_id: uuid.UUID
    year: int
    version: int
    author_member_id: uuid.UUID
    agency_id: uuid.UUID
    key_version: int
    wrapped_key: bytes
    sealed: dict[str, str]
    created_at: datetime


_PRIORITY_COLUMNS = (
    strategy_priorities.c.id,
    strategy_priorities.c.cell_id,
    strategy_priorities.c.year,
    strategy_priorities.c.version,
    strategy_priorities.c.author_member_id,
    strategy_priorities.c.agency_id,
    strategy_priorities.c.key_version,
    strategy_priorities.c.wrapped_key,
    strategy_priorities.c.sealed,
    strategy_priorities.c.created_at,
)


async def latest_priorities(
    session: AsyncSession, cell_id: uuid.UUID, year: int
) -> PrioritiesRow | None:
    """The newest version of the cell's priorities for ``year``, or None."""
    stmt = (
        select(*_PRIORITY_COLUMNS)
        .where(strategy_priorities.c.cell_id == cell_id, strategy_priorities.c.year == year)
        .order_by(strategy_priorities.c.version.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else PrioritiesRow(**row._mapping)


async def priorities_versions(
    session: AsyncSession, cell_id: uuid.UUID, year: int
) -> list[PrioritiesRow]:
    """Every version of the cell's priorities for ``year``, oldest first."""
    stmt = (
        select(*_PRIORITY_COLUMNS)
        .where(strategy_priorities.c.cell_id == cell_id, strategy_priorities.c.year == year)
        .order_by(strategy_priorities.c.version)
    )
    return [PrioritiesRow(**row._mapping) for row in await session.execute(stmt)]


async def add_priorities(session: AsyncSession, row: PrioritiesRow) -> None:
    """Store a new version (the unique (cell, year, version) refuses a concurrent twin)."""
    await session.execute(
        insert(strategy_priorities).values(
            id=row.id,
            cell_id=row.cell_id,
            year=row.year,
            version=row.version,
            author_member_id=row.author_member_id,
            agency_id=row.agency_id,
            key_version=row.key_version,
            wrapped_key=row.wrapped_key,
            sealed=row.sealed,
            created_at=row.created_at,
        )
    )
