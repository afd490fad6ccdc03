"""Rows to response bodies, in one place."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from app.api.schemas.cases import CaseOut, SubjectIdentifiersOut, SubjectOut
from app.api.schemas.cells import CellOut, CellSeatOut
from app.api.schemas.notes import NoteOut, NoteSummary, NoteVersionOut
from app.api.schemas.orgs import AgencyOut, MemberOut, ProposalRef
from app.api.schemas.proposals import ProposalOut, ProposedChange
from app.api.schemas.templates import AuthorsOut, FieldSpecOut, PartSpecOut, TemplateOut
from app.db.models import Agency, Cell, Member, MemberProposal
from app.db.queries.cases import CaseRow, SubjectRow
from app.db.queries.notes import NoteRow, TemplateRow, VersionMeta
from app.policies.administration import ProposalState, shown_state
from app.policies.authorship import Authors
from app.policies.membership import Seat
from app.policies.minors import minor_on
from app.policies.vocabulary import (
    AgencyKind,
    CaseStatus,
    CellKind,
    Clearance,
    Language,
    Role,
    SecrecyRegime,
)
from app.services.identity import principal_of
from app.services.notes import NoteView, etag_of
from app.services.subjects import SubjectView
from app.services.templates import FieldSpec


def clearance_name(level: int) -> str:
    """The API spelling of a clearance level."""
    return Clearance(level).name.lower()


def agency_out(agency: Agency) -> AgencyOut:
    """An agency."""
    return AgencyOut(
        id=agency.id,
        name=agency.name,
        kind=AgencyKind(agency.kind),
        secrecy_regime=SecrecyRegime(agency.secrecy_regime),
        approver_role=Role(agency.approver_role),
        created_at=agency.created_at,
    )


def member_out(member: Member) -> MemberOut:
    """A member, never their secret hash."""
    p = principal_of(member)
    return MemberOut(
        id=member.id,
        agency_id=member.agency_id,
        display_name=member.display_name,
        kind=p.kind,
        roles=sorted(p.roles),
        bound_by_secrecy=member.bound_by_secrecy,
        clearance=clearance_name(member.clearance),
        status=p.status,
        client_id=member.client_id,
        created_at=member.created_at,
        username=member.username,
        has_password=member.password_hash is not None,
    )


def cell_out(
    cell: Cell, agency_ids: list[uuid.UUID], seated: list[tuple[uuid.UUID, str]]
) -> CellOut:
    """A cell with who sits in it, and in which seat."""
    return CellOut(
        id=cell.id,
        kind=CellKind(cell.kind),
        name=cell.name,
        municipality=cell.municipality,
        chair_member_id=cell.chair_member_id,
        agency_ids=sorted(agency_ids),
        member_ids=sorted(m for m, _ in seated),
        members=[CellSeatOut(member_id=m, seat=Seat(s)) for m, s in sorted(seated)],
        created_at=cell.created_at,
    )


def _label(labels: dict[str, str] | None, default: str, lang: Language | None) -> str:
    return (labels or {}).get(lang.value, default) if lang is not None else default


def _part_out(part: dict[str, Any], lang: Language | None) -> PartSpecOut:
    labels = part.get("labels") or {}
    return PartSpecOut(
        name=part["name"],
        label=_label(labels, part["label"], lang),
        labels=labels,
        type=part["type"],
        required=part["required"],
        choices=part["choices"],
        choice_labels=part.get("choice_labels") or {},
    )


def _field_out(spec: dict[str, Any], lang: Language | None) -> FieldSpecOut:
    labels = spec.get("labels") or {}
    return FieldSpecOut(
        name=spec["name"],
        label=_label(labels, spec["label"], lang),
        labels=labels,
        type=spec["type"],
        sensitivity=spec["sensitivity"],
        classification=spec.get("classification"),
        required=spec.get("required", False),
        choices=spec.get("choices", []),
        choice_labels=spec.get("choice_labels") or {},
        parts=[_part_out(p, lang) for p in spec.get("parts") or ()],
        max_items=spec.get("max_items") or 0,
    )


def template_out(template: TemplateRow, lang: Language | None = None) -> TemplateOut:
    """A template, its title and labels in ``lang`` where it has them."""
    authors = Authors.from_json(template.authors)
    return TemplateOut(
        id=template.id,
        key=template.key,
        version=template.version,
        title=_label(template.titles, template.title, lang),
        titles=template.titles or {},
        language=lang,
        origin="shipped" if template.origin == "shipped" else "hub",
        authors=None
        if authors.to_json() is None
        else AuthorsOut(roles=sorted(authors.roles), agency_kinds=sorted(authors.agency_kinds)),
        fields=[_field_out(FieldSpec.from_json(f).to_json(), lang) for f in template.fields],
        created_at=template.created_at,
    )


def subject_out(subject: SubjectRow, today: date) -> SubjectOut:
    """A subject's pseudonymous face (the minor flag as of ``today``)."""
    return SubjectOut(
        id=subject.id,
        pseudonym=subject.pseudonym,
        is_minor=minor_on(subject.adult_on, today),
        created_at=subject.created_at,
    )


def subject_identifiers_out(view: SubjectView, today: date) -> SubjectIdentifiersOut:
    """A subject with opened identifiers."""
    s = view.subject
    ids = view.identifiers
    return SubjectIdentifiersOut(
        id=s.id,
        pseudonym=s.pseudonym,
        is_minor=minor_on(s.adult_on, today),
        created_at=s.created_at,
        name=ids["name"],
        date_of_birth=date.fromisoformat(ids["date_of_birth"]),
        national_register_number=ids.get("national_register_number"),
    )


def case_out(case: CaseRow, today: date) -> CaseOut:
    """A case, with its subject's pseudonym and whether the subject is a minor ``today``."""
    return CaseOut(
        id=case.id,
        cell_id=case.cell_id,
        subject_id=case.subject_id,
        subject_pseudonym=case.subject_pseudonym,
        subject_is_minor=case.subject_is_minor_on(today),
        working_group_id=case.working_group_id,
        status=CaseStatus(case.status),
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


def note_out(view: NoteView) -> NoteOut:
    """A note version with content."""
    n, v = view.note, view.version
    return NoteOut(
        id=n.id,
        case_id=n.case_id,
        template_id=n.template_id,
        owner_agency_id=n.owner_agency_id,
        version=v.version,
        current_version=n.current_version,
        author_id=v.author_id,
        etag=view.etag,
        fields=view.fields,
        created_at=v.created_at,
        updated_at=n.updated_at,
    )


def note_summary(note: NoteRow) -> NoteSummary:
    """A note without content."""
    return NoteSummary(
        id=note.id,
        case_id=note.case_id,
        template_id=note.template_id,
        owner_agency_id=note.owner_agency_id,
        current_version=note.current_version,
        created_at=note.created_at,
        updated_at=note.updated_at,
    )


def version_out(note: NoteRow, version: VersionMeta) -> NoteVersionOut:
    """A version's metadata."""
    return NoteVersionOut(
        version=version.version,
        author_id=version.author_id,
        created_at=version.created_at,
        etag=etag_of(note.id, version.version),
    )


def proposal_ref(row: MemberProposal | None) -> ProposalRef | None:
    """The short form of a proposal a change waits on."""
    if row is None:
        return None
    return ProposalRef(id=row.id, state=row.state, expires_at=row.expires_at)


def proposal_out(row: MemberProposal, now: datetime) -> ProposalOut:
    """A proposal with what it gives (a pending one past its expiry shows as expired)."""
    return ProposalOut(
        id=row.id,
        agency_id=row.agency_id,
        member_id=row.member_id,
        kind=row.kind,
        changes=ProposedChange(
            roles_add=[Role(r) for r in row.roles_add],
            clearance=None if row.clearance is None else clearance_name(row.clearance),
            bound_by_secrecy=row.bound_by_secrecy,
            activate=row.activate,
            reset_password=row.reset_password,
        ),
        state=shown_state(ProposalState(row.state), row.expires_at, now),
        proposed_by=row.proposed_by,
        proposed_at=row.proposed_at,
        expires_at=row.expires_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )
