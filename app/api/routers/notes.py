"""/api/v1/cases/{id}/notes and /api/v1/notes: the owning agency's notes and their versions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path, Response, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import note_out, note_summary, version_out
from app.api.schemas.common import Cursor, Limit, Page
from app.api.schemas.notes import NoteIn, NoteOut, NoteSummary, NoteUpdate, NoteVersionOut
from app.services import notes

router = APIRouter(tags=["notes"])

VersionNumber = Annotated[int, Path(ge=1, le=2_147_483_647)]
IfMatch = Annotated[str | None, Header(max_length=200, description="ETag of the version edited")]


@router.post("/cases/{case_id}/notes", status_code=status.HTTP_201_CREATED)
async def create_note(
    case_id: uuid.UUID,
    body: NoteIn,
    response: Response,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
) -> NoteOut:
    """Write a note on a case; every field is sealed under your agency's key."""
    view = await notes.create_note(
        session, ctx, hub, case_id=case_id, template_id=body.template_id, values=body.fields
    )
    response.headers["ETag"] = view.etag
    response.headers["Location"] = f"/api/v1/notes/{view.note.id}"
    return note_out(view)


@router.get("/cases/{case_id}/notes")
async def list_case_notes(
    case_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[NoteSummary]:
    """Your agency's notes on a case, without content."""
    page = await notes.list_case_notes(session, ctx, hub, case_id, limit=limit, cursor=cursor)
    return Page(items=[note_summary(n) for n in page.items], next_cursor=page.next_cursor)


@router.get("/notes/{note_id}")
async def read_note(
    note_id: uuid.UUID, response: Response, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> NoteOut:
    """The current version of one of your agency's notes."""
    view = await notes.read_note(session, ctx, hub, note_id)
    response.headers["ETag"] = view.etag
    return note_out(view)


@router.put("/notes/{note_id}")
async def update_note(
    note_id: uuid.UUID,
    body: NoteUpdate,
    response: Response,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    if_match: IfMatch = None,
) -> NoteOut:
    """Save a new version; If-Match must carry the ETag of the version you edited (else 412)."""
    view = await notes.update_note(
        session, ctx, hub, note_id, if_match=if_match, values=body.fields
    )
    response.headers["ETag"] = view.etag
    return note_out(view)


@router.get("/notes/{note_id}/versions")
async def list_versions(
    note_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[NoteVersionOut]:
    """The version history (who and when, no content)."""
    note, rows = await notes.list_versions(session, ctx, hub, note_id)
    return [version_out(note, v) for v in rows]


@router.get("/notes/{note_id}/versions/{version}")
async def read_version(
    note_id: uuid.UUID,
    version: VersionNumber,
    response: Response,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
) -> NoteOut:
    """One earlier version with its content."""
    view = await notes.read_note(session, ctx, hub, note_id, version=version)
    response.headers["ETag"] = view.etag
    return note_out(view)
