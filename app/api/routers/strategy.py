"""/api/v1/cells/{id}/strategy: the strategic LIVC's counts (no person, nothing under 5), the
year's priorities and the municipal diagnosis (CSV, printable HTML)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.schemas.strategy import (
    CountOut,
    CountsOut,
    PrioritiesIn,
    PrioritiesOut,
    PriorityOut,
)
from app.policies.disclosure import Label
from app.policies.strategy import Dimension, Granularity
from app.services import diagnosis, strategy
from app.services.diagnosis import Language

router = APIRouter(tags=["strategy"])

Shown = Literal["count", "<5", "suppressed", "withheld"]
_SHOWN: dict[Label, Shown] = {
    Label.SHOWN: "count",
    Label.SMALL: "<5",
    Label.COMPLEMENTARY: "suppressed",
    Label.WITHHELD: "withheld",
}


@router.get("/cells/{cell_id}/strategy/counts")
async def strategic_counts(
    cell_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    dimension: Annotated[Dimension, Query()] = Dimension.TOTAL,
    granularity: Annotated[Granularity, Query()] = Granularity.YEAR,
    from_year: Annotated[int | None, Query(ge=1, le=9999)] = None,
    to_year: Annotated[int | None, Query(ge=1, le=9999)] = None,
) -> CountsOut:
    """Counts of the municipality's LIVC cases by one dimension, per calendar quarter or year.

    For the strategic cell's members. A count below 5 is "<5"; a count hidden so that no "<5"
    can be worked out from totals, margins or other queries is "suppressed".
    """
    found = await strategy.counts(
        session,
        ctx,
        hub,
        cell_id,
        dimension=dimension,
        granularity=granularity,
        from_year=from_year,
        to_year=to_year,
    )
    q = found.query
    return CountsOut(
        cell_id=found.cell_id,
        municipality=found.municipality,
        dimension=q.dimension,
        granularity=q.granularity,
        from_year=q.from_year,
        to_year=q.to_year,
        rows=[
            CountOut(period=str(r.period), value=r.value, count=r.count, shown=_SHOWN[r.label])
            for r in found.rows
        ],
    )


Year = Annotated[int, Path(ge=1, le=9999, description="the calendar year")]


def _priorities_out(document: strategy.PrioritiesDocument) -> PrioritiesOut:
    return PrioritiesOut(
        cell_id=document.cell_id,
        year=document.year,
        version=document.version,
        author_member_id=document.author_member_id,
        created_at=document.created_at,
        introduction=dict(document.introduction),
        priorities=[PriorityOut(theme=p.theme, text=dict(p.text)) for p in document.priorities],
    )


@router.put("/cells/{cell_id}/strategy/priorities/{year}")
async def put_priorities(
    cell_id: uuid.UUID,
    year: Year,
    body: PrioritiesIn,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
) -> PrioritiesOut:
    """Write a new version of the year's priorities (the strategic cell's chair only).

    Policy text in Dutch and French, each priority with a theme from the closed list; it names
    no person. Earlier versions are kept. Sealed under the chair's agency.
    """
    document = await strategy.put_priorities(
        session,
        ctx,
        hub,
        cell_id,
        year,
        introduction=body.introduction.model_dump(),
        priorities=[
            strategy.Priority(theme=p.theme, text=p.text.model_dump()) for p in body.priorities
        ],
    )
    return _priorities_out(document)


@router.get("/cells/{cell_id}/strategy/priorities/{year}")
async def get_priorities(
    cell_id: uuid.UUID, year: Year, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> PrioritiesOut:
    """The newest version of the year's priorities (the strategic cell's members)."""
    return _priorities_out(await strategy.get_priorities(session, ctx, hub, cell_id, year))


@router.get("/cells/{cell_id}/strategy/priorities/{year}/versions")
async def priorities_versions(
    cell_id: uuid.UUID, year: Year, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[PrioritiesOut]:
    """Every version of the year's priorities, oldest first (the strategic cell's members)."""
    documents = await strategy.priorities_history(session, ctx, hub, cell_id, year)
    return [_priorities_out(d) for d in documents]


DiagnosisYear = Annotated[int | None, Query(ge=1, le=9999, description="default: this year")]
Lang = Annotated[Language, Query(description="nl or fr")]


@router.get(
    "/cells/{cell_id}/strategy/diagnosis.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def diagnosis_csv(
    cell_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    year: DiagnosisYear = None,
    lang: Lang = Language.NL,
) -> Response:
    """The municipal diagnosis of a year as CSV: every count as the strategic counts show it
    ("<5", "suppressed"), by every dimension, for the year and its quarters, then the year's
    priorities. For the strategic cell's members; each export logged."""
    found = await strategy.diagnosis(session, ctx, hub, cell_id, year=year, export="csv")
    name = f"diagnosis-{found.year}-{lang.value}.csv"
    return Response(
        diagnosis.to_csv(found, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/cells/{cell_id}/strategy/diagnosis.html",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def diagnosis_html(
    cell_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    year: DiagnosisYear = None,
    lang: Lang = Language.NL,
) -> HTMLResponse:
    """The municipal diagnosis of a year as a printable page (no script, nothing loaded from
    elsewhere). For the strategic cell's members; each export logged."""
    found = await strategy.diagnosis(session, ctx, hub, cell_id, year=year, export="html")
    return HTMLResponse(
        diagnosis.to_html(found, lang),
        headers={"Content-Security-Policy": diagnosis.CONTENT_SECURITY_POLICY},
    )
