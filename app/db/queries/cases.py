"""Subjects (the persons discussed) and cases (a subject within a cell).

A case is always read with its subject's owner, pseudonym and minor flag: every access-log entry
about a case names the subject and concerns the agency that registered it, and the answers show
the pseudonym, so the subject is read once, with the case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries.tables import cases, cell_agencies, subjects


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A case with what every request about it needs of its subject."""

    id: uuid.UUID
    cell_id: uuid.UUID
    subject_id: uuid.UUID
    working_group_id: uuid.UUID | None
    status: str
    created_at: datetime
    updated_at: datetime
    subject_owner_id: uuid.UUID
    subject_pseudonym: str
    subject_is_minor: bool


CASE_COLUMNS: tuple[ColumnElement[Any], ...] = (
    cases.c.id,
    cases.c.cell_id,
    cases.c.subject_id,
    cases.c.working_group_id,
    cases.c.status,
    cases.c.created_at,
    cases.c.updated_at,
    subjects.c.owner_agency_id,
    subjects.c.pseudonym,
    subjects.c.is_minor,
)


def case_row(row: Any) -> CaseRow:
    """A ``CaseRow`` from the first ``CASE_COLUMNS`` of a result row."""
    case_id, cell_id, subject_id, group_id, status, created, updated, owner, pseudonym = row[:9]
    return CaseRow(
        case_id,
        cell_id,
        subject_id,
        group_id,
        status,
        created,
        updated,
        owner,
        pseudonym,
        bool(row[9]),
    )


def _with_subject() -> Select[Any]:
    return select(*CASE_COLUMNS).join_from(cases, subjects, subjects.c.id == cases.c.subject_id)


def agency_seated(cell_id: Any, agency_id: Any) -> ColumnElement[bool]:
    """True where the agency sits in the cell (``cell_id`` may be a column)."""
    return exists().where(
        cell_agencies.c.cell_id == cell_id, cell_agencies.c.agency_id == agency_id
    )


_CASE = (
    _with_subject()
    .add_columns(agency_seated(cases.c.cell_id, bindparam("agency_id")))
    .where(cases.c.id == bindparam("case_id"))
)


async def case(
    session: AsyncSession, case_id: uuid.UUID, agency_id: uuid.UUID
) -> tuple[CaseRow, bool] | None:
    """A case with its subject's owner, pseudonym and minor flag, and whether the agency sits
    in the case's cell, in one statement."""
    row = (await session.execute(_CASE, {"case_id": case_id, "agency_id": agency_id})).first()
    return None if row is None else (case_row(row), bool(row[-1]))


def cases_of_agency(agency_id: uuid.UUID, cell_id: uuid.UUID | None) -> Select[Any]:
    """The cases in the cells the agency sits in (optionally one cell): the agency's scope."""
    seated = select(cell_agencies.c.cell_id).where(cell_agencies.c.agency_id == agency_id)
    stmt = _with_subject().where(cases.c.cell_id.in_(seated))
    return stmt if cell_id is None else stmt.where(cases.c.cell_id == cell_id)


async def add_case(
    session: AsyncSession,
    subject: SubjectRow,
    *,
    cell_id: uuid.UUID,
    working_group_id: uuid.UUID | None,
    status: str,
    created_by: uuid.UUID,
    now: datetime,
) -> CaseRow:
    """A new case on a subject."""
    row = CaseRow(
        uuid.uuid4(),
        cell_id,
        subject.id,
        working_group_id,
        status,
        now,
        now,
        subject.owner_agency_id,
        subject.pseudonym,
        subject.is_minor,
    )
    await session.execute(
        insert(cases).values(
            id=row.id,
            cell_id=cell_id,
            subject_id=subject.id,
            working_group_id=working_group_id,
            status=status,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
    )
    return row


async def set_status(session: AsyncSession, case_id: uuid.UUID, status: str, now: datetime) -> None:
    """Move a case to another status."""
    await session.execute(
        update(cases).where(cases.c.id == case_id).values(status=status, updated_at=now)
    )


@dataclass(frozen=True, slots=True)
class SubjectRow:
    """A subject: pseudonym, owner, and identifiers only sealed."""

    id: uuid.UUID
    pseudonym: str
    owner_agency_id: uuid.UUID
    is_minor: bool
    created_at: datetime
    key_version: int
    wrapped_key: bytes
    sealed: dict[str, str]


_SUBJECT = select(
    subjects.c.id,
    subjects.c.pseudonym,
    subjects.c.owner_agency_id,
    subjects.c.is_minor,
    subjects.c.created_at,
    subjects.c.key_version,
    subjects.c.wrapped_key,
    subjects.c.sealed,
)


async def subject(session: AsyncSession, subject_id: uuid.UUID) -> SubjectRow | None:
    """A subject, sealed identifiers included."""
    row = (await session.execute(_SUBJECT.where(subjects.c.id == subject_id))).first()
    if row is None:
        return None
    sid, pseudonym, owner, minor, created, key_version, wrapped, sealed = row
    return SubjectRow(sid, pseudonym, owner, bool(minor), created, key_version, wrapped, sealed)


async def add_subject(
    session: AsyncSession,
    row: SubjectRow,
    *,
    nrn_index: str | None,
    name_dob_index: str,
    created_by: uuid.UUID,
) -> None:
    """Store a new subject."""
    await session.execute(
        insert(subjects).values(
            id=row.id,
            pseudonym=row.pseudonym,
            owner_agency_id=row.owner_agency_id,
            key_version=row.key_version,
            wrapped_key=row.wrapped_key,
            sealed=row.sealed,
            nrn_index=nrn_index,
            name_dob_index=name_dob_index,
            is_minor=row.is_minor,
            created_by=created_by,
            created_at=row.created_at,
        )
    )
