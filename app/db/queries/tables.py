"""The mapped tables as Core ``Table`` objects, for statements that return plain rows."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from app.db.base import Base
from app.db.models import (
    AccessLogEntry,
    Agency,
    AuditCheckpoint,
    AuditHead,
    Case,
    CaseOutcome,
    CaseStatusChange,
    Cell,
    CellAgency,
    CellDeclaration,
    CellMember,
    DeclarationAcceptance,
    Exchange,
    ExchangeParticipant,
    Grant,
    Member,
    MemberProposal,
    Note,
    NoteTemplate,
    NoteVersion,
    Release,
    Subject,
    WorkingGroup,
    WorkingGroupMember,
)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


access_log = _table(AccessLogEntry)
agencies = _table(Agency)
audit_checkpoints = _table(AuditCheckpoint)
audit_head = _table(AuditHead)
cases = _table(Case)
case_outcomes = _table(CaseOutcome)
case_status_changes = _table(CaseStatusChange)
cells = _table(Cell)
cell_agencies = _table(CellAgency)
cell_members = _table(CellMember)
cell_declarations = _table(CellDeclaration)
declaration_acceptances = _table(DeclarationAcceptance)
exchanges = _table(Exchange)
participants = _table(ExchangeParticipant)
grants = _table(Grant)
members = _table(Member)
proposals = _table(MemberProposal)
notes = _table(Note)
templates = _table(NoteTemplate)
versions = _table(NoteVersion)
releases = _table(Release)
subjects = _table(Subject)
working_groups = _table(WorkingGroup)
working_group_members = _table(WorkingGroupMember)
