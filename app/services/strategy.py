"""The strategic LIVC (DOMAIN.md rule 12): counts of the municipality's cases, never a person.

Only people invited into a strategic cell read it (the mayor's strategic LIVC sets direction and
priorities from them); anyone else who may know the cell gets 403, anyone who may not, 404. Each
answer is read from one publication of the whole lattice (``app.policies.strategy``), in which
every count below 5 is "<5" and every cell that would give one away is hidden too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries import strategy as queries
from app.db.queries.strategy import CountedCase
from app.errors import Forbidden, NotFound, ValidationFailed
from app.policies.cartography import OcadCategory
from app.policies.strategy import (
    FIRST_YEAR,
    Answer,
    CaseRecord,
    Dimension,
    Granularity,
    Query,
    answer,
    publish,
    quarter_of,
)
from app.policies.vocabulary import CellKind
from app.services import cells
from app.services.authz import denied, event_for
from app.services.context import RequestContext
from app.services.hub import Hub

NOT_STRATEGIC = "not_a_strategic_cell"
NOT_INVITED = "not_invited_to_strategic_cell"


@dataclass(frozen=True)
class Counts:
    """One query's answer."""

    cell_id: uuid.UUID
    municipality: str
    query: Query
    rows: list[Answer]


def record_of(case: CountedCase) -> CaseRecord:
    """What the count keeps of a case."""
    return CaseRecord(
        case.category or OcadCategory.NONE.value,
        case.status,
        case.agency_kind,
        quarter_of(case.opened_at),
        case.outcomes,
    )


def _query(
    ctx: RequestContext,
    dimension: Dimension,
    granularity: Granularity,
    from_year: int | None,
    to_year: int | None,
) -> Query:
    last = ctx.now.year
    first, final = from_year or last, to_year or last
    for name, year in (("from_year", first), ("to_year", final)):
        if not FIRST_YEAR <= year <= last:
            raise ValidationFailed(
                f"{name} must lie between {FIRST_YEAR} and {last}", extra={"field": name}
            )
    if first > final:
        raise ValidationFailed("from_year is after to_year", extra={"field": "from_year"})
    return Query(dimension, granularity, first, final)


async def counts(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    *,
    dimension: Dimension,
    granularity: Granularity,
    from_year: int | None,
    to_year: int | None,
) -> Counts:
    """The municipality's counts by one dimension, per quarter or year, small counts hidden."""
    event = event_for(ctx, "strategy:read", cell_id=cell_id)
    try:
        cell = await cells.get_cell(session, ctx, hub, cell_id)
    except NotFound:
        raise NotFound(audit=(denied(event, "not_found"),)) from None
    if cell.kind != CellKind.LIVC_STRATEGIC.value:
        raise Forbidden(
            "counts are read in a strategic cell",
            extra={"reason": NOT_STRATEGIC},
            audit=(denied(event, NOT_STRATEGIC),),
        )
    if not await queries.is_invited(session, cell.id, ctx.principal.member_id):
        raise Forbidden(
            "only the strategic cell's members read its counts",
            extra={"reason": NOT_INVITED},
            audit=(denied(event, NOT_INVITED),),
        )
    query = _query(ctx, dimension, granularity, from_year, to_year)
    records = [record_of(c) for c in await queries.municipality_cases(session, cell.municipality)]
    publication = publish(records, ctx.now.year)
    await hub.record(session, ctx, event)
    return Counts(cell.id, cell.municipality, query, answer(publication, query))
