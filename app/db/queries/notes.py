"""Note templates, notes and their append-only versions.

A note is read with its case and subject (every entry about a note names them) and, for a read,
the version asked for, in one statement. The versions an exchange shows are read with their
notes, templates and owners' kinds in one statement too, by primary key (never a scan of
``note_versions``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries.cases import CASE_COLUMNS, CaseRow, case_row
from app.db.queries.tables import agencies, cases, notes, subjects, templates, versions


@dataclass(frozen=True, slots=True)
class TemplateRow:
    """A note template: typed fields with their sensitivity (stored as JSON)."""

    id: uuid.UUID
    key: str
    version: int
    title: str
    fields: list[dict[str, Any]]
    created_at: datetime
    titles: dict[str, str] | None = None
    origin: str = "hub"
    authors: dict[str, list[str]] | None = None


_TEMPLATE = select(
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


async def template(session: AsyncSession, template_id: uuid.UUID) -> TemplateRow | None:
    """A template by id."""
    row = (await session.execute(_TEMPLATE.where(templates.c.id == template_id))).first()
    return None if row is None else TemplateRow(*row)


async def template_version(session: AsyncSession, key: str, version: int) -> TemplateRow | None:
    """One version of a template key."""
    query = _TEMPLATE.where(templates.c.key == key, templates.c.version == version)
    row = (await session.execute(query)).first()
    return None if row is None else TemplateRow(*row)


async def latest_template(session: AsyncSession, key: str) -> TemplateRow | None:
    """The newest version of a template key."""
    query = _TEMPLATE.where(templates.c.key == key).order_by(templates.c.version.desc())
    row = (await session.execute(query.limit(1))).first()
    return None if row is None else TemplateRow(*row)


async def templates_of_keys(session: AsyncSession, keys: Collection[str]) -> list[TemplateRow]:
    """Every version of these keys (the shipped catalogue's, at start)."""
    if not keys:
        return []
    rows = await session.execute(_TEMPLATE.where(templates.c.key.in_(sorted(keys))))
    return [TemplateRow(*row) for row in rows]


def all_templates(key: str | None = None) -> Select[Any]:
    """Every template (or every version of one key), for paging (``template_row`` makes rows)."""
    return _TEMPLATE if key is None else _TEMPLATE.where(templates.c.key == key)


def template_row(row: Any) -> TemplateRow:
    """A ``TemplateRow`` from a row of ``all_templates``."""
    return TemplateRow(*row)


async def unknown_agencies(session: AsyncSession, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these agency ids (named in a note's fields) the hub does not know."""
    if not ids:
        return set()
    stmt = select(agencies.c.id).where(agencies.c.id.in_(sorted(ids)))
    return set(ids) - set((await session.execute(stmt)).scalars())


async def is_shipped_key(session: AsyncSession, key: str) -> bool:
    """Whether a version of this key was loaded from the shipped template files."""
    stmt = select(templates.c.id).where(templates.c.key == key, templates.c.origin == "shipped")
    return (await session.execute(stmt.limit(1))).first() is not None


async def latest_template_version(session: AsyncSession, key: str) -> int:
    """The highest version of a template key (0 if none)."""
    found = await session.scalar(
        select(func.max(templates.c.version)).where(templates.c.key == key)
    )
    return int(found or 0)


async def add_template(session: AsyncSession, row: TemplateRow) -> None:
    """Store a new template (or a new version of a key)."""
    await session.execute(
        insert(templates).values(
            id=row.id,
            key=row.key,
            version=row.version,
            title=row.title,
            fields=row.fields,
            created_at=row.created_at,
            titles=row.titles,
            origin=row.origin,
            authors=row.authors,
        )
    )


@dataclass(frozen=True, slots=True)
class NoteRow:
    """A note's head: owner, template and current version."""

    id: uuid.UUID
    case_id: uuid.UUID
    template_id: uuid.UUID
    owner_agency_id: uuid.UUID
    current_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One immutable version: a wrapped data key and one sealed blob per field."""

    note_id: uuid.UUID
    version: int
    author_id: uuid.UUID
    key_version: int
    wrapped_key: bytes
    sealed: dict[str, str]
    created_at: datetime


_NOTE: tuple[ColumnElement[Any], ...] = (
    notes.c.id,
    notes.c.case_id,
    notes.c.template_id,
    notes.c.owner_agency_id,
    notes.c.current_version,
    notes.c.created_at,
    notes.c.updated_at,
)
_VERSION: tuple[ColumnElement[Any], ...] = (
    versions.c.note_id,
    versions.c.version,
    versions.c.author_id,
    versions.c.key_version,
    versions.c.wrapped_key,
    versions.c.sealed,
    versions.c.created_at,
)
_N, _C, _V = len(_NOTE), len(CASE_COLUMNS), len(_VERSION)


@cache
def _note(read: bool, numbered: bool) -> Select[Any]:
    stmt = (
        select(*_NOTE, *CASE_COLUMNS)
        .join_from(notes, cases, cases.c.id == notes.c.case_id)
        .join(subjects, subjects.c.id == cases.c.subject_id)
        .where(notes.c.id == bindparam("note_id"))
    )
    if read:
        number = bindparam("version") if numbered else notes.c.current_version
        on = and_(versions.c.note_id == notes.c.id, versions.c.version == number)
        stmt = stmt.outerjoin(versions, on).add_columns(*_VERSION)
    return stmt


async def note(
    session: AsyncSession, note_id: uuid.UUID, *, version: int | None = None, read: bool = False
) -> tuple[NoteRow, CaseRow, VersionRow | None] | None:
    """A note with its case and subject; with ``read``, the version asked for (the current one
    when ``version`` is None; None if it does not exist), all in one statement."""
    stmt = _note(read, version is not None)
    params = {"note_id": note_id, "version": version}
    row = (await session.execute(stmt, params)).first()
    if row is None:
        return None
    head, case = NoteRow(*row[:_N]), case_row(row[_N : _N + _C])
    shown = row[_N + _C :]
    return head, case, VersionRow(*shown) if read and shown[0] is not None else None


async def add_note(session: AsyncSession, row: NoteRow, *, created_by: uuid.UUID) -> None:
    """Store a new note's head."""
    await session.execute(
        insert(notes).values(
            id=row.id,
            case_id=row.case_id,
            template_id=row.template_id,
            owner_agency_id=row.owner_agency_id,
            current_version=row.current_version,
            created_by=created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
    )


async def add_version(session: AsyncSession, row: VersionRow) -> None:
    """Store a new version (the primary key refuses a second one with the same number)."""
    await session.execute(
        insert(versions).values(
            note_id=row.note_id,
            version=row.version,
            author_id=row.author_id,
            key_version=row.key_version,
            wrapped_key=row.wrapped_key,
            sealed=row.sealed,
            created_at=row.created_at,
        )
    )


async def advance(session: AsyncSession, note_id: uuid.UUID, current: int, now: datetime) -> bool:
    """Compare-and-set the head from ``current`` to the next version; False if it moved."""
    moved = await session.execute(
        update(notes)
        .where(notes.c.id == note_id, notes.c.current_version == current)
        .values(current_version=current + 1, updated_at=now)
    )
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class VersionMeta:
    """A version's metadata: who and when, no content."""

    version: int
    author_id: uuid.UUID
    created_at: datetime


async def history(session: AsyncSession, note_id: uuid.UUID) -> list[VersionMeta]:
    """A note's versions, oldest first."""
    v = versions.c
    stmt = select(v.version, v.author_id, v.created_at).where(v.note_id == note_id)
    return [VersionMeta(*r) for r in await session.execute(stmt.order_by(v.version))]


def notes_of(case_id: uuid.UUID, agency_id: uuid.UUID) -> Select[Any]:
    """One agency's notes on a case (metadata), for paging (``note_row`` makes each row)."""
    return select(*_NOTE).where(notes.c.case_id == case_id, notes.c.owner_agency_id == agency_id)


def note_row(row: Any) -> NoteRow:
    """A ``NoteRow`` from a row of ``notes_of``."""
    return NoteRow(*row)


@dataclass(frozen=True, slots=True)
class SharedNoteRow:
    """A note as an exchange shows it: head, template fields and the owner's kind."""

    note: NoteRow
    template_fields: list[dict[str, Any]]
    owner_kind: str


_SHARED = (
    select(*_NOTE, templates.c.fields, agencies.c.kind)
    .join_from(notes, templates, templates.c.id == notes.c.template_id)
    .join(agencies, agencies.c.id == notes.c.owner_agency_id)
)


async def shared_notes(
    session: AsyncSession, note_ids: set[uuid.UUID]
) -> dict[uuid.UUID, SharedNoteRow]:
    """Released notes with their templates and owners' kinds, in one statement."""
    if not note_ids:
        return {}
    rows = await session.execute(_SHARED.where(notes.c.id.in_(note_ids)))
    out = {}
    for row in rows:
        head = NoteRow(*row[:_N])
        out[head.id] = SharedNoteRow(head, row[_N], row[_N + 1])
    return out


# One statement object for every view: its shape does not depend on how many notes it names
# (expanding parameters), so it is built, and its cache key computed, once.
_SHOWN = (
    _SHARED.join(versions, versions.c.note_id == notes.c.id)
    .add_columns(*_VERSION)
    .where(
        notes.c.id.in_(bindparam("notes", expanding=True)),
        or_(
            and_(
                notes.c.id.in_(bindparam("latest", expanding=True)),
                versions.c.version == notes.c.current_version,
            ),
            versions.c.version.in_(bindparam("numbers", expanding=True)),
        ),
    )
)


async def shown_versions(
    session: AsyncSession, wanted: Mapping[uuid.UUID, tuple[bool, frozenset[int]]]
) -> list[tuple[SharedNoteRow, VersionRow]]:
    """The versions an exchange shows, with their notes, in one statement.

    ``wanted`` maps a note to (its current version is shown, the numbered versions shown). The
    join is by primary key, note by note: never a row-value IN list, which SQLite answers by
    reading every version of every note. A version numbered for one note that another note also
    has is read and left out here (it is never opened).
    """
    if not wanted:
        return []
    params = {
        "notes": list(wanted),
        "latest": [n for n, (latest, _) in wanted.items() if latest],
        "numbers": sorted({v for _, numbered in wanted.values() for v in numbered}),
    }
    out = []
    for row in await session.execute(_SHOWN, params):
        head, version = NoteRow(*row[:_N]), VersionRow(*row[_N + 2 :])
        latest, numbered = wanted[head.id]
        if version.version in numbered or (latest and version.version == head.current_version):
            out.append((SharedNoteRow(head, row[_N], row[_N + 1]), version))
    return out
