"""Feedback sheets and their votes; the notes of a case with their current sealed versions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import FeedbackSheet, FeedbackVote
from app.db.queries.notes import NoteRow, TemplateRow, VersionRow, template_row
from app.db.queries.tables import (
    agencies,
    cell_agencies,
    notes,
    participants,
    templates,
    versions,
)

sheets = cast(Table, FeedbackSheet.__table__)
votes = cast(Table, FeedbackVote.__table__)


@dataclass(frozen=True, slots=True)
class SheetRow:
    """A sheet's header and its sealed draft."""

    id: uuid.UUID
    exchange_id: uuid.UUID
    police_agency_id: uuid.UUID
    template_id: uuid.UUID
    drafted_by: uuid.UUID
    drafted_at: datetime
    status: str
    ended_at: datetime | None
    note_id: uuid.UUID | None
    quotes: list[dict[str, str]]
    key_version: int
    wrapped_key: bytes
    sealed: dict[str, str]


_SHEET = (
    sheets.c.id,
    sheets.c.exchange_id,
    sheets.c.police_agency_id,
    sheets.c.template_id,
    sheets.c.drafted_by,
    sheets.c.drafted_at,
    sheets.c.status,
    sheets.c.ended_at,
    sheets.c.note_id,
    sheets.c.quotes,
    sheets.c.key_version,
    sheets.c.wrapped_key,
    sheets.c.sealed,
)


@dataclass(frozen=True, slots=True)
class VoteRow:
    """One member's approval or refusal (a refusal's text sealed under their agency's key)."""

    id: uuid.UUID
    sheet_id: uuid.UUID
    member_id: uuid.UUID
    agency_id: uuid.UUID
    decision: str
    reason: str | None
    at: datetime
    key_version: int | None = None
    wrapped_key: bytes | None = None
    sealed: dict[str, str] | None = None


_VOTE = (
    votes.c.id,
    votes.c.sheet_id,
    votes.c.member_id,
    votes.c.agency_id,
    votes.c.decision,
    votes.c.reason,
    votes.c.at,
    votes.c.key_version,
    votes.c.wrapped_key,
    votes.c.sealed,
)


def _sheet(row: Any) -> SheetRow:
    return SheetRow(*row)


def _vote(row: Any) -> VoteRow:
    return VoteRow(*row)


async def add_sheet(session: AsyncSession, row: SheetRow) -> None:
    """Store a new draft."""
    await session.execute(
        insert(sheets).values(dict(zip(_names(_SHEET), _values(row), strict=True)))
    )


def _names(columns: tuple[Any, ...]) -> list[str]:
    return [c.name for c in columns]


def _values(row: Any) -> list[Any]:
    return [getattr(row, name) for name in row.__slots__]


async def sheet(session: AsyncSession, sheet_id: uuid.UUID) -> SheetRow | None:
    """One sheet."""
    row = (await session.execute(select(*_SHEET).where(sheets.c.id == sheet_id))).first()
    return None if row is None else _sheet(row)


async def sheets_of(session: AsyncSession, exchange_id: uuid.UUID) -> list[SheetRow]:
    """An exchange's sheets, oldest first."""
    stmt = (
        select(*_SHEET)
        .where(sheets.c.exchange_id == exchange_id)
        .order_by(sheets.c.drafted_at, sheets.c.id)
    )
    return [_sheet(row) for row in await session.execute(stmt)]


async def add_vote(session: AsyncSession, row: VoteRow) -> None:
    """Store a vote (history: never changed)."""
    await session.execute(insert(votes).values(dict(zip(_names(_VOTE), _values(row), strict=True))))


async def votes_of(session: AsyncSession, sheet_ids: list[uuid.UUID]) -> list[VoteRow]:
    """The votes on these sheets, oldest first."""
    if not sheet_ids:
        return []
    stmt = select(*_VOTE).where(votes.c.sheet_id.in_(sheet_ids)).order_by(votes.c.at, votes.c.id)
    return [_vote(row) for row in await session.execute(stmt)]


async def lock_sheet(session: AsyncSession, sheet_id: uuid.UUID) -> None:
    """Take the sheet's row lock (an update that changes nothing): votes on it take turns."""
    await session.execute(
        update(sheets).where(sheets.c.id == sheet_id).values(status=sheets.c.status)
    )


async def end_sheet(
    session: AsyncSession,
    sheet_id: uuid.UUID,
    status: str,
    now: datetime,
    note_id: uuid.UUID | None = None,
) -> bool:
    """Move an open sheet to ``status``; False if it was no longer open (someone else ended it)."""
    moved = await session.execute(
        update(sheets)
        .where(sheets.c.id == sheet_id, sheets.c.status == "open")
        .values(status=status, ended_at=now, note_id=note_id)
    )
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


async def last_invitation(session: AsyncSession, exchange_id: uuid.UUID) -> datetime | None:
    """When the latest current participant was invited (None: nobody takes part)."""
    p = participants.c
    stmt = select(func.max(p.invited_at)).where(
        p.exchange_id == exchange_id, p.removed_at.is_(None)
    )
    found: datetime | None = await session.scalar(stmt)
    return found


async def recipient(
    session: AsyncSession, agency_id: uuid.UUID, cell_id: uuid.UUID
) -> tuple[str, bool] | None:
    """An agency's kind and whether it sits in the cell (None: no such agency)."""
    seated = exists().where(
        cell_agencies.c.cell_id == cell_id, cell_agencies.c.agency_id == agency_id
    )
    stmt = select(agencies.c.kind, seated).where(agencies.c.id == agency_id)
    row = (await session.execute(stmt)).first()
    return None if row is None else (str(row[0]), bool(row[1]))


_TEMPLATE_COLUMNS = (
    templates.c.id,
    templates.c.key,
    templates.c.version,
    templates.c.title,
    templates.c.fields,
    templates.c.created_at,
    templates.c.titles,
    templates.c.origin,
    templates.c.authors,
)


@dataclass(frozen=True, slots=True)
class CaseNote:
    """A note of a case with its current version and its template."""

    note: NoteRow
    version: VersionRow
    template: TemplateRow


async def case_notes(session: AsyncSession, case_id: uuid.UUID) -> list[CaseNote]:
    """Every note of the case, of every agency, with its current version and template."""
    n, v = notes.c, versions.c
    stmt = (
        select(
            n.id,
            n.case_id,
            n.template_id,
            n.owner_agency_id,
            n.current_version,
            n.created_at,
            n.updated_at,
            v.note_id,
            v.version,
            v.author_id,
            v.key_version,
            v.wrapped_key,
            v.sealed,
            v.created_at,
            *_TEMPLATE_COLUMNS,
        )
        .join_from(notes, versions, and_(v.note_id == n.id, v.version == n.current_version))
        .join(templates, templates.c.id == n.template_id)
        .where(n.case_id == case_id)
        .order_by(n.created_at, n.id)
    )
    out = []
    for row in await session.execute(stmt):
        out.append(CaseNote(NoteRow(*row[:7]), VersionRow(*row[7:14]), template_row(row[14:])))
    return out
