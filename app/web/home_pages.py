"""The home page: my consultations and my meetings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from livc_hub_client import AsyncClient, Forbidden, NotFound
from livc_hub_client.models import Cell, Meeting

from app.web.bff import api_for
from app.web.render import render
from app.web.session import WebSession, current_session

router = APIRouter(prefix="/ui", include_in_schema=False)

Session = Annotated[WebSession, Depends(current_session)]
MEETINGS_AHEAD: Final = timedelta(days=90)
MEETINGS_BEHIND: Final = timedelta(days=1)


@router.get("")
async def home(request: Request, session: Session) -> Response:
    """The consultations the member chairs or takes part in, and their cells' coming meetings."""
    async with api_for(request, session) as api:
        exchanges = await api.list_exchanges()
        meetings = await _meetings(api)
    exchanges.sort(key=lambda x: (not x.open, x.expires_at))
    context = {"session": session, "exchanges": exchanges, "meetings": meetings}
    return render(request, "home.html", context)


async def _meetings(api: AsyncClient) -> list[tuple[Cell, Meeting]]:
    now = datetime.now(UTC)
    found: list[tuple[Cell, Meeting]] = []
    async for cell in api.iter_cells():
        try:
            meetings = await api.list_meetings(
                cell.id, since=now - MEETINGS_BEHIND, until=now + MEETINGS_AHEAD
            )
        except (Forbidden, NotFound):
            continue  # a cell whose meetings this member may not see (e.g. the strategic one)
        found.extend((cell, m) for m in meetings)
    found.sort(key=lambda pair: pair[1].starts_at)
    return found
