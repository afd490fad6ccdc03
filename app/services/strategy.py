"""The strategic LIVC (DOMAIN.md rule 12): counts of the municipality's cases, never a person;
the year's priorities; the municipal diagnosis.

Only people invited into a strategic cell read it (the mayor's strategic LIVC sets direction and
priorities from them); anyone else who may know the cell gets 403, anyone who may not, 404. Each
answer is read from one publication of the whole lattice (``app.policies.strategy``), in which
every count below 5 is "<5" and every cell that would give one away is hidden too; the
publication is kept between reads under the municipality's data version (decision 120). The
priorities are written by the strategic cell's chair, versioned and sealed under the chair's
agency (decision 121).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.models import Cell as CellModel
from app.db.queries import strategy as queries
from app.db.queries.strategy import CountedCase, PrioritiesRow
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.policies.cartography import OcadCategory
from app.policies.disclosure import Publication
from app.policies.priorities import StrategicReason, Theme, may_read, may_write_priorities
from app.policies.strategy import (
    FIRST_YEAR,
    VALUES,
    Answer,
    CaseRecord,
    Cell,
    Dimension,
    Granularity,
    Query,
    answer,
    quarter_of,
)
from app.policies.vocabulary import CellKind
from app.services import cells
from app.services.authz import denied, event_for
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.sealing import open_or_fail, seal

NOT_STRATEGIC = StrategicReason.NOT_STRATEGIC.value
NOT_INVITED = StrategicReason.NOT_INVITED.value
PRIORITIES_CHANGED = "priorities_changed"
# The sealed record of a priorities version: one field holding the whole document.
PRIORITIES_KIND = "strategy_priorities"
_DOCUMENT = "document"
# Priorities may be written for the coming year too.
YEARS_AHEAD = 1


@dataclass(frozen=True)
class Counts:
    """One query's answer."""

    cell_id: uuid.UUID
    municipality: str
    query: Query
    rows: list[Answer]


@dataclass(frozen=True)
class Priority:
    """One priority: a theme from the closed list, a text in Dutch and in French."""

    theme: Theme
    text: Mapping[str, str]


@dataclass(frozen=True)
class PrioritiesDocument:
    """One version of a strategic cell's priorities for a year."""

    cell_id: uuid.UUID
    year: int
    version: int
    author_member_id: uuid.UUID
    created_at: datetime
    introduction: Mapping[str, str]
    priorities: tuple[Priority, ...]


@dataclass(frozen=True)
class Diagnosis:
    """What the municipal diagnosis shows: the year's counts by every dimension, per year and
    quarter, read from the one publication, and the year's priorities if written."""

    cell_id: uuid.UUID
    municipality: str
    year: int
    made_at: datetime
    rows: dict[Dimension, list[Answer]]
    priorities: PrioritiesDocument | None


def record_of(case: CountedCase) -> CaseRecord:
    """What the count keeps of a case."""
    return CaseRecord(
        case.category or OcadCategory.NONE.value,
        case.status,
        case.agency_kind,
        quarter_of(case.opened_at),
        case.outcomes,
    )


def _year(ctx: RequestContext, name: str, year: int | None, *, ahead: int = 0) -> int:
    last = ctx.now.year + ahead
    chosen = ctx.now.year if year is None else year
    if not FIRST_YEAR <= chosen <= last:
        raise ValidationFailed(
            f"{name} must lie between {FIRST_YEAR} and {last}", extra={"field": name}
        )
    return chosen


def _query(
    ctx: RequestContext,
    dimension: Dimension,
    granularity: Granularity,
    from_year: int | None,
    to_year: int | None,
) -> Query:
    first = _year(ctx, "from_year", from_year)
    final = _year(ctx, "to_year", to_year)
    if first > final:
        raise ValidationFailed("from_year is after to_year", extra={"field": "from_year"})
    return Query(dimension, granularity, first, final)


async def _strategic_cell(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    event: AuditEvent,
    *,
    write: bool = False,
) -> CellModel:
    """The strategic cell, if the caller may read it (or, with ``write``, write its priorities);
    404 for a cell the caller may not know, 403 otherwise, each refusal logged."""
    try:
        cell = await cells.get_cell(session, ctx, hub, cell_id)
    except NotFound:
        raise NotFound(audit=(denied(event, "not_found"),)) from None
    strategic = cell.kind == CellKind.LIVC_STRATEGIC.value
    invited = strategic and await queries.is_invited(session, cell.id, ctx.principal.member_id)
    if write:
        chair = cell.chair_member_id == ctx.principal.member_id
        verdict = may_write_priorities(
            strategic=strategic, chair=chair and invited, invited=invited
        )
    else:
        verdict = may_read(strategic=strategic, invited=invited)
    if not verdict.allowed:
        raise Forbidden(
            _REFUSALS[verdict.reason],
            extra={"reason": verdict.reason.value},
            audit=(denied(event, verdict.reason.value),),
        )
    return cell


_REFUSALS: dict[StrategicReason, str] = {
    StrategicReason.NOT_STRATEGIC: "this is read in a strategic cell",
    StrategicReason.NOT_INVITED: "only the strategic cell's members read it",
    StrategicReason.NOT_CHAIR: "only the strategic cell's chair writes its priorities",
}


async def _publication(
    session: AsyncSession, hub: Hub, municipality: str, year: int
) -> Publication[Cell, CaseRecord]:
    """The one publication of the municipality's counts up to ``year``: kept under the data
    version read first, made afresh (from cases read after it) under any other."""
    version = await queries.data_version(session, municipality)

    async def records() -> list[CaseRecord]:
        return [record_of(c) for c in await queries.municipality_cases(session, municipality)]

    return await hub.publications.publication(municipality, year, version, records)


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
    cell = await _strategic_cell(session, ctx, hub, cell_id, event)
    query = _query(ctx, dimension, granularity, from_year, to_year)
    publication = await _publication(session, hub, cell.municipality, ctx.now.year)
    await hub.record(session, ctx, event)
    return Counts(cell.id, cell.municipality, query, answer(publication, query))


# --- priorities -----------------------------------------------------------------------------


def _document_json(introduction: Mapping[str, str], priorities: Sequence[Priority]) -> str:
    return json.dumps(
        {
            "introduction": dict(introduction),
            "priorities": [{"theme": p.theme.value, "text": dict(p.text)} for p in priorities],
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _opened(hub: Hub, row: PrioritiesRow, event: AuditEvent) -> PrioritiesDocument:
    opened = open_or_fail(
        hub.keys,
        event,
        agency_id=str(row.agency_id),
        kind=PRIORITIES_KIND,
        record_id=str(row.id),
        version=row.version,
        key_version=row.key_version,
        wrapped_key=row.wrapped_key,
        blobs=row.sealed,
    )
    body: dict[str, Any] = json.loads(opened[_DOCUMENT])
    return PrioritiesDocument(
        cell_id=row.cell_id,
        year=row.year,
        version=row.version,
        author_member_id=row.author_member_id,
        created_at=row.created_at,
        introduction=body["introduction"],
        priorities=tuple(Priority(Theme(p["theme"]), p["text"]) for p in body["priorities"]),
    )


async def put_priorities(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    year: int,
    *,
    introduction: Mapping[str, str],
    priorities: Sequence[Priority],
) -> PrioritiesDocument:
    """A new version of the year's priorities, by the strategic cell's chair; sealed under the
    chair's agency (free text could name someone, so it is never stored in clear)."""
    event = event_for(ctx, "strategy:priorities_write", cell_id=cell_id)
    cell = await _strategic_cell(session, ctx, hub, cell_id, event, write=True)
    _year(ctx, "year", year, ahead=YEARS_AHEAD)
    latest = await queries.latest_priorities(session, cell.id, year)
    version = 1 if latest is None else latest.version + 1
    row_id = uuid.uuid4()
    agency_id = ctx.principal.agency_id
    key_version, wrapped, blobs = seal(
        hub.keys,
        agency_id=str(agency_id),
        kind=PRIORITIES_KIND,
        record_id=str(row_id),
        version=version,
        values={_DOCUMENT: _document_json(introduction, priorities)},
    )
    row = PrioritiesRow(
        id=row_id,
        cell_id=cell.id,
        year=year,
        version=version,
        author_member_id=ctx.principal.member_id,
        agency_id=agency_id,
        key_version=key_version,
        wrapped_key=wrapped,
        sealed=blobs,
        created_at=ctx.now,
    )
    try:
        await queries.add_priorities(session, row)
    except IntegrityError:
        raise Conflict(
            "the priorities were changed at the same time; read them and write again",
            extra={"reason": PRIORITIES_CHANGED},
        ) from None
    written = event_for(
        ctx, "strategy:priorities_write", cell_id=cell.id, object_id=row_id, owners=(agency_id,)
    )
    await hub.record(session, ctx, written)
    return PrioritiesDocument(
        cell_id=cell.id,
        year=year,
        version=version,
        author_member_id=ctx.principal.member_id,
        created_at=ctx.now,
        introduction=dict(introduction),
        priorities=tuple(priorities),
    )


async def _priorities_of(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell: CellModel, year: int
) -> PrioritiesDocument | None:
    """The newest version for the year, opened, or None; its read is logged by the caller."""
    row = await queries.latest_priorities(session, cell.id, year)
    if row is None:
        return None
    event = event_for(
        ctx,
        "strategy:priorities_read",
        cell_id=cell.id,
        object_id=row.id,
        owners=(row.agency_id,),
    )
    document = _opened(hub, row, event)
    await hub.record(session, ctx, event)
    return document


async def get_priorities(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, year: int
) -> PrioritiesDocument:
    """The newest version of the year's priorities, for the strategic cell's members."""
    event = event_for(ctx, "strategy:priorities_read", cell_id=cell_id)
    cell = await _strategic_cell(session, ctx, hub, cell_id, event)
    _year(ctx, "year", year, ahead=YEARS_AHEAD)
    document = await _priorities_of(session, ctx, hub, cell, year)
    if document is None:
        raise NotFound("no priorities were written for this year")
    return document


async def priorities_history(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, year: int
) -> list[PrioritiesDocument]:
    """Every version of the year's priorities, oldest first (an empty list if none)."""
    event = event_for(ctx, "strategy:priorities_history", cell_id=cell_id)
    cell = await _strategic_cell(session, ctx, hub, cell_id, event)
    _year(ctx, "year", year, ahead=YEARS_AHEAD)
    rows = await queries.priorities_versions(session, cell.id, year)
    read = event_for(
        ctx,
        "strategy:priorities_history",
        cell_id=cell.id,
        owners=tuple(r.agency_id for r in rows),
    )
    documents = [_opened(hub, r, read) for r in rows]
    await hub.record(session, ctx, read)
    return documents


# --- diagnosis ------------------------------------------------------------------------------


async def diagnosis(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    *,
    year: int | None,
    export: Literal["csv", "html"],
) -> Diagnosis:
    """The municipal diagnosis of a year: every dimension's counts for the year and its
    quarters, read from the one publication (never counted again), and the year's priorities.
    ``export`` names the format in the log entry (``strategy:diagnosis_<export>``)."""
    action = f"strategy:diagnosis_{export}"
    event = event_for(ctx, action, cell_id=cell_id)
    cell = await _strategic_cell(session, ctx, hub, cell_id, event)
    chosen = _year(ctx, "year", year)
    publication = await _publication(session, hub, cell.municipality, ctx.now.year)
    rows: dict[Dimension, list[Answer]] = {}
    for dimension in VALUES:
        yearly = answer(publication, Query(dimension, Granularity.YEAR, chosen, chosen))
        quarterly = answer(publication, Query(dimension, Granularity.QUARTER, chosen, chosen))
        rows[dimension] = yearly + quarterly
    priorities = await _priorities_of(session, ctx, hub, cell, chosen)
    await hub.record(session, ctx, event)
    return Diagnosis(cell.id, cell.municipality, chosen, ctx.now, rows, priorities)
