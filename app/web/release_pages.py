"""The owner's release screen: which fields of the agency's notes on the case go into the
consultation. The API decides (only the owning agency may release; rule 8 may refuse)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from livc_hub_client import AsyncClient, ProblemError
from livc_hub_client.models import Exchange, Release

from app.web.bff import api_for
from app.web.forms import boxes, cell_key
from app.web.lookups import labels_for
from app.web.messages import problem_text, sensitivity_text
from app.web.render import language_of, render
from app.web.session import WebSession, check_csrf, current_session

router = APIRouter(prefix="/ui", include_in_schema=False)

Session = Annotated[WebSession, Depends(current_session)]


@dataclass(frozen=True)
class Choice:
    """One field of one of the agency's notes."""

    key: str
    label: str
    sensitivity: str
    released: bool  # released as this very field
    by_class: bool  # released with its whole sensitivity class


@dataclass(frozen=True)
class OwnNote:
    """One of the agency's notes on the case, with its fields."""

    note_id: uuid.UUID
    version: int
    title: str
    choices: list[Choice]


async def _own_notes(
    api: AsyncClient, exchange: Exchange, lang: str
) -> tuple[list[OwnNote], dict[tuple[uuid.UUID, str], Release]]:
    me = await api.me()
    releases = [r for r in await api.releases(exchange.id) if r.owner_agency_id == me.agency_id]
    direct = {(r.note_id, r.field): r for r in releases if r.field is not None}
    classes = {(r.note_id, r.sensitivity) for r in releases if r.field is None}
    notes = [
        await api.get_note(n.id)
        async for n in api.iter_notes(exchange.case_id)
        if n.owner_agency_id == me.agency_id
    ]
    labels = await labels_for(api, lang, [n.template_id for n in notes], ())
    own = []
    for note in notes:
        title = labels.title(note.template_id)
        choices = []
        for name in note.fields:
            spec = labels.spec(note.template_id, name)
            sensitivity = spec.sensitivity if spec is not None else ""
            choices.append(
                Choice(
                    key=cell_key(note.id, None, name),
                    label=labels.field(note.template_id, name),
                    sensitivity=sensitivity_text(sensitivity),
                    released=(note.id, name) in direct,
                    by_class=(note.id, sensitivity) in classes,
                )
            )
        own.append(OwnNote(note.id, note.version, title, choices))
    return own, direct


async def _page(
    request: Request,
    session: WebSession,
    exchange_id: uuid.UUID,
    problems: list[str],
    status: int = 200,
) -> Response:
    async with api_for(request, session) as api:
        exchange = await api.get_exchange(exchange_id)
        notes, _ = await _own_notes(api, exchange, language_of(request, session))
    context = {
        "session": session,
        "exchange": exchange,
        "notes": notes,
        "problems": problems,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "release.html", context, status=status)


@router.get("/exchanges/{exchange_id}/release")
async def release_screen(exchange_id: uuid.UUID, request: Request, session: Session) -> Response:
    """The agency's notes on the case, each field ticked if it is released here."""
    return await _page(request, session, exchange_id, [])


@router.post("/exchanges/{exchange_id}/release", dependencies=[Depends(check_csrf)])
async def save_release(exchange_id: uuid.UUID, request: Request, session: Session) -> Response:
    """Release each newly ticked field (one call per note) and withdraw each unticked one."""
    shown, ticked = await boxes(request)
    if any(second is not None for _, second, _ in shown):
        raise HTTPException(status_code=400)
    problems: list[str] = []
    status = 200
    async with api_for(request, session) as api:
        exchange = await api.get_exchange(exchange_id)
        _, direct = await _own_notes(api, exchange, language_of(request, session))
        wanted: dict[uuid.UUID, list[str]] = defaultdict(list)
        for note_id, _, field in sorted(ticked, key=str):
            if (note_id, field) not in direct:
                wanted[note_id].append(field)
        for note_id, fields in wanted.items():
            try:
                await api.release(exchange_id, note_id=note_id, fields=fields)
            except ProblemError as exc:
                problems.append(problem_text(exc))
                status = exc.status
        for note_id, _, field in sorted(shown - ticked, key=str):
            release = direct.get((note_id, field))
            if release is None:
                continue
            try:
                await api.withdraw_release(exchange_id, release.id)
            except ProblemError as exc:
                problems.append(problem_text(exc))
                status = exc.status
    if problems:
        return await _page(request, session, exchange_id, list(dict.fromkeys(problems)), status)
    return RedirectResponse(f"/ui/exchanges/{exchange_id}/release?saved=1", status_code=303)
