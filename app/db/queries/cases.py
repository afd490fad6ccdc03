"""Subjects (the persons discussed) and cases (a subject within a cell).

A case is always read with its subject's owner, pseudonym and day of majority: every access-log
entry about a case names the subject and concerns the agency that registered it, the answers show
the pseudonym, and whether the subject is a minor is asked of the day of majority at read time
(DOMAIN.md rule 13), so the subject is read once, with the case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries.tables import (
    case_outcomes,
    case_status_changes,
    cases,
    cell_agencies,
    subjects,
)
from app.policies.minors import minor_on


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
    subject_adult_on: date | None

    def subject_is_minor_on(self, day: date) -> bool:
        """Whether the case's subject is a minor on ``day`` (rule 13: from the birth date)."""
        return minor_on(self.subject_adult_on, day)


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
    subjects.c.adult_on,
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
        row[9],
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
        subject.adult_on,
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


@dataclass(frozen=True, slots=True)
class StepRow:
    """One step of a case's workflow."""

    from_status: str | None
    to_status: str
    actor_member_id: uuid.UUID
    actor_agency_id: uuid.UUID
    at: datetime


async def add_step(session: AsyncSession, case_id: uuid.UUID, step: StepRow) -> None:
    """Record one step of a case's workflow."""
    await session.execute(
        insert(case_status_changes).values(
            id=uuid.uuid4(),
            case_id=case_id,
            from_status=step.from_status,
            to_status=step.to_status,
            actor_member_id=step.actor_member_id,
            actor_agency_id=step.actor_agency_id,
            at=step.at,
        )
    )


async def move(session: AsyncSession, case_id: uuid.UUID, from_status: str, step: StepRow) -> bool:
    """Move a case from ``from_status`` on, with its step; False if someone moved it first."""
    result = await session.execute(
        update(cases)
        .where(cases.c.id == case_id, cases.c.status == from_status)
        .values(status=step.to_status, updated_at=step.at)
    )
    if getattr(result, "rowcount", 1) != 1:
        return False
    await add_step(session, case_id, step)
    return True


async def add_outcomes(
    session: AsyncSession,
    case_id: uuid.UUID,
    outcomes: dict[str, str],
    by: uuid.UUID,
    now: datetime,
) -> None:
    """The outcome per intervention axis, recorded when the case closes."""
    await session.execute(
        insert(case_outcomes),
        [
            {
                "case_id": case_id,
                "axis": axis,
                "outcome": outcome,
                "recorded_by": by,
                "recorded_at": now,
            }
            for axis, outcome in sorted(outcomes.items())
        ],
    )


_STEPS = select(
    case_status_changes.c.from_status,
    case_status_changes.c.to_status,
    case_status_changes.c.actor_member_id,
    case_status_changes.c.actor_agency_id,
    case_status_changes.c.at,
).where(case_status_changes.c.case_id == bindparam("case_id"))


async def history(
    session: AsyncSession, case_id: uuid.UUID
) -> tuple[list[StepRow], dict[str, str]]:
    """A case's steps in order, and its outcomes per axis (empty unless closed)."""
    stmt = _STEPS.order_by(case_status_changes.c.at, case_status_changes.c.id)
    steps = [StepRow(*row) for row in await session.execute(stmt, {"case_id": case_id})]
    found = select(case_outcomes.c.axis, case_outcomes.c.outcome).where(
        case_outcomes.c.case_id == case_id
    )
    return steps, {axis: outcome for axis, outcome in await session.execute(found)}


@dataclass(frozen=True, slots=True)
class SubjectRow:
    """A subject: pseudonym, owner, and identifiers only sealed."""

    id: uuid.UUID
    pseudonym: str
    owner_agency_id: uuid.UUID
    adult_on: date | None
    created_at: datetime
    key_version: int
    wrapped_key: bytes
    sealed: dict[str, str]


_SUBJECT = select(
    subjects.c.id,
    subjects.c.pseudonym,
    subjects.c.owner_agency_id,
    subjects.c.adult_on,
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
    return SubjectRow(*row)


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
            adult_on=row.adult_on,
            created_by=created_by,
            created_at=row.created_at,
        )
    )
