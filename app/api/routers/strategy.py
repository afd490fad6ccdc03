"""/api/v1/cells/{id}/strategy: the strategic LIVC's counts (no person, nothing under 5)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.schemas.strategy import CountOut, CountsOut
from app.policies.disclosure import Label
from app.policies.strategy import Dimension, Granularity
from app.services import strategy

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
