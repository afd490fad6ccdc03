"""The hub's endpoints as data: method, path, parameters, body and how to read the answer.

The sync and the async client both send these, so the two cannot differ in what they ask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote
from uuid import UUID

import httpx
from pydantic import BaseModel, TypeAdapter

from livc_hub_client import models as m

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Id = UUID | str
API = "/api/v1"


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and the parser of its answer."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("datetimes sent to the hub must carry a time zone (e.g. UTC)")
        return value.isoformat()
    if isinstance(value, UUID | date):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def body(**members: Any) -> dict[str, Any]:
    """A JSON body without the members left at None."""
    return {k: _jsonable(v) for k, v in members.items() if v is not None}


def query(**params: Any) -> dict[str, Any]:
    """Query parameters without the ones left at None."""
    return {k: _jsonable(v) for k, v in params.items() if v is not None}


def one(model: type[M]) -> Callable[[httpx.Response], M]:
    """Parse the answer as one model."""
    return lambda response: model.model_validate_json(response.content)


def many(model: type[M]) -> Callable[[httpx.Response], list[M]]:
    """Parse the answer as a list of models."""
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    return lambda response: list(adapter.validate_json(response.content))


def page(model: type[M]) -> Callable[[httpx.Response], m.Page[M]]:
    """Parse the answer as a cursor page of models."""
    return lambda response: m.Page[model].model_validate_json(response.content)  # type: ignore[valid-type]


def text(response: httpx.Response) -> str:
    """The answer's body as text (CSV, HTML)."""
    return response.text


def nothing(response: httpx.Response) -> None:
    """A 204 (or any answer whose body is not needed)."""
    return None


# Me, cells, subjects, cases


def me() -> Call[m.Me]:
    return Call("GET", f"{API}/me", one(m.Me))


def list_cells(limit: int | None, cursor: str | None) -> Call[m.Page[m.Cell]]:
    return Call("GET", f"{API}/cells", page(m.Cell), query(limit=limit, cursor=cursor))


def get_cell(cell_id: Id) -> Call[m.Cell]:
    return Call("GET", f"{API}/cells/{cell_id}", one(m.Cell))


def create_subject(
    name: str, date_of_birth: date, national_register_number: str | None
) -> Call[m.Subject]:
    payload = body(
        name=name,
        date_of_birth=date_of_birth,
        national_register_number=national_register_number,
    )
    return Call("POST", f"{API}/subjects", one(m.Subject), json=payload)


def get_subject(subject_id: Id) -> Call[m.SubjectIdentifiers]:
    return Call("GET", f"{API}/subjects/{subject_id}", one(m.SubjectIdentifiers))


def create_case(
    cell_id: Id, subject_id: Id, working_group_id: Id | None, status: m.CaseStatus | None
) -> Call[m.Case]:
    payload = body(
        cell_id=cell_id, subject_id=subject_id, working_group_id=working_group_id, status=status
    )
    return Call("POST", f"{API}/cases", one(m.Case), json=payload)


def list_cases(cell_id: Id | None, limit: int | None, cursor: str | None) -> Call[m.Page[m.Case]]:
    params = query(cell_id=cell_id, limit=limit, cursor=cursor)
    return Call("GET", f"{API}/cases", page(m.Case), params)


def get_case(case_id: Id) -> Call[m.Case]:
    return Call("GET", f"{API}/cases/{case_id}", one(m.Case))


def move_case(
    case_id: Id, status: m.CaseStatus, outcomes: Mapping[str, m.AxisOutcome] | None
) -> Call[m.Case]:
    payload = body(status=status, outcomes=outcomes)
    return Call("PATCH", f"{API}/cases/{case_id}", one(m.Case), json=payload)


# Notes and templates


def create_note(case_id: Id, template_id: Id, fields: Mapping[str, Any]) -> Call[m.Note]:
    payload = body(template_id=template_id, fields=dict(fields))
    return Call("POST", f"{API}/cases/{case_id}/notes", one(m.Note), json=payload)


def list_notes(case_id: Id, limit: int | None, cursor: str | None) -> Call[m.Page[m.NoteSummary]]:
    params = query(limit=limit, cursor=cursor)
    return Call("GET", f"{API}/cases/{case_id}/notes", page(m.NoteSummary), params)


def get_note(note_id: Id) -> Call[m.Note]:
    return Call("GET", f"{API}/notes/{note_id}", one(m.Note))


def update_note(note_id: Id, fields: Mapping[str, Any], etag: str) -> Call[m.Note]:
    return Call(
        "PUT",
        f"{API}/notes/{note_id}",
        one(m.Note),
        json=body(fields=dict(fields)),
        headers={"If-Match": etag},
    )


def note_versions(note_id: Id) -> Call[list[m.NoteVersion]]:
    return Call("GET", f"{API}/notes/{note_id}/versions", many(m.NoteVersion))


def get_note_version(note_id: Id, version: int) -> Call[m.Note]:
    return Call("GET", f"{API}/notes/{note_id}/versions/{int(version)}", one(m.Note))


def list_templates(
    key: str | None,
    lang: m.Language | None,
    limit: int | None,
    cursor: str | None,
    writable: bool = False,
) -> Call[m.Page[m.Template]]:
    params = query(key=key, lang=lang, limit=limit, cursor=cursor, writable=writable or None)
    return Call("GET", f"{API}/templates", page(m.Template), params)


def get_template(template_id: Id, lang: m.Language | None) -> Call[m.Template]:
    return Call("GET", f"{API}/templates/{template_id}", one(m.Template), query(lang=lang))


def get_template_version(key: str, version: int, lang: m.Language | None) -> Call[m.Template]:
    path = f"{API}/templates/{quote(key, safe='')}/versions/{int(version)}"
    return Call("GET", path, one(m.Template), query(lang=lang))


# Exchanges


def list_exchanges() -> Call[list[m.Exchange]]:
    return Call("GET", f"{API}/exchanges", many(m.Exchange))


def create_exchange(
    case_id: Id,
    purpose: str,
    legal_basis: str,
    expires_at: datetime,
    working_group_id: Id | None,
    opens_at: datetime | None,
) -> Call[m.Exchange]:
    payload = body(
        case_id=case_id,
        purpose=purpose,
        legal_basis=legal_basis,
        expires_at=expires_at,
        working_group_id=working_group_id,
        opens_at=opens_at,
    )
    return Call("POST", f"{API}/exchanges", one(m.Exchange), json=payload)


def get_exchange(exchange_id: Id) -> Call[m.Exchange]:
    return Call("GET", f"{API}/exchanges/{exchange_id}", one(m.Exchange))


def close_exchange(exchange_id: Id) -> Call[m.Exchange]:
    return Call("POST", f"{API}/exchanges/{exchange_id}/close", one(m.Exchange))


def participants(exchange_id: Id) -> Call[list[m.Participant]]:
    return Call("GET", f"{API}/exchanges/{exchange_id}/participants", many(m.Participant))


def add_participant(exchange_id: Id, member_id: Id, guest: bool | None) -> Call[m.Participant]:
    path = f"{API}/exchanges/{exchange_id}/participants"
    return Call("POST", path, one(m.Participant), json=body(member_id=member_id, guest=guest))


def remove_participant(exchange_id: Id, member_id: Id) -> Call[None]:
    return Call("DELETE", f"{API}/exchanges/{exchange_id}/participants/{member_id}", nothing)


def releases(exchange_id: Id) -> Call[list[m.Release]]:
    return Call("GET", f"{API}/exchanges/{exchange_id}/releases", many(m.Release))


def release(
    exchange_id: Id,
    note_id: Id,
    version: int | None,
    fields: Sequence[str] | None,
    sensitivities: Sequence[m.Sensitivity] | None,
) -> Call[list[m.Release]]:
    payload = body(
        note_id=note_id,
        version=version,
        fields=list(fields) if fields is not None else None,
        sensitivities=list(sensitivities) if sensitivities is not None else None,
    )
    path = f"{API}/exchanges/{exchange_id}/releases"
    return Call("POST", path, many(m.Release), json=payload)


def withdraw_release(exchange_id: Id, release_id: Id) -> Call[None]:
    return Call("DELETE", f"{API}/exchanges/{exchange_id}/releases/{release_id}", nothing)


def grants(exchange_id: Id) -> Call[list[m.Grant]]:
    return Call("GET", f"{API}/exchanges/{exchange_id}/grants", many(m.Grant))


def grant(
    exchange_id: Id,
    member_id: Id | None,
    role: m.Role | None,
    note_id: Id | None,
    field: str | None,
    sensitivity: m.Sensitivity | None,
) -> Call[m.Grant]:
    payload = body(
        member_id=member_id, role=role, note_id=note_id, field=field, sensitivity=sensitivity
    )
    return Call("POST", f"{API}/exchanges/{exchange_id}/grants", one(m.Grant), json=payload)


def withdraw_grant(exchange_id: Id, grant_id: Id) -> Call[None]:
    return Call("DELETE", f"{API}/exchanges/{exchange_id}/grants/{grant_id}", nothing)


def view(exchange_id: Id) -> Call[m.View]:
    return Call("GET", f"{API}/exchanges/{exchange_id}/view", one(m.View))


def explain(exchange_id: Id) -> Call[m.Explanation]:
    return Call("GET", f"{API}/exchanges/{exchange_id}/explain", one(m.Explanation))


# Feedback sheets


def draft_feedback_sheet(
    exchange_id: Id,
    police_agency_id: Id,
    fields: Mapping[str, Any],
    quotes: Sequence[tuple[Id, str]] | None,
) -> Call[m.FeedbackSheet]:
    payload = body(
        police_agency_id=police_agency_id,
        fields=dict(fields),
        quotes=[{"note_id": n, "field": f} for n, f in quotes] if quotes is not None else None,
    )
    path = f"{API}/exchanges/{exchange_id}/feedback-sheets"
    return Call("POST", path, one(m.FeedbackSheet), json=payload)


def feedback_sheets(exchange_id: Id) -> Call[list[m.FeedbackSheet]]:
    path = f"{API}/exchanges/{exchange_id}/feedback-sheets"
    return Call("GET", path, many(m.FeedbackSheet))


def get_feedback_sheet(sheet_id: Id) -> Call[m.FeedbackSheet]:
    return Call("GET", f"{API}/feedback-sheets/{sheet_id}", one(m.FeedbackSheet))


def approve_feedback_sheet(sheet_id: Id) -> Call[m.FeedbackSheet]:
    return Call("POST", f"{API}/feedback-sheets/{sheet_id}/approve", one(m.FeedbackSheet))


def refuse_feedback_sheet(
    sheet_id: Id, reason: m.RefusalReason, comment: str | None
) -> Call[m.FeedbackSheet]:
    path = f"{API}/feedback-sheets/{sheet_id}/refuse"
    return Call("POST", path, one(m.FeedbackSheet), json=body(reason=reason, comment=comment))


# Meetings


def schedule_meeting(
    cell_id: Id, starts_at: datetime, ends_at: datetime, member_ids: Sequence[Id] | None
) -> Call[m.Meeting]:
    payload = body(
        starts_at=starts_at,
        ends_at=ends_at,
        member_ids=list(member_ids) if member_ids is not None else None,
    )
    return Call("POST", f"{API}/cells/{cell_id}/meetings", one(m.Meeting), json=payload)


def list_meetings(
    cell_id: Id, since: datetime | None, until: datetime | None, limit: int | None
) -> Call[list[m.Meeting]]:
    params = query(since=since, until=until, limit=limit)
    return Call("GET", f"{API}/cells/{cell_id}/meetings", many(m.Meeting), params)


def get_meeting(meeting_id: Id) -> Call[m.Meeting]:
    return Call("GET", f"{API}/meetings/{meeting_id}", one(m.Meeting))


def cancel_meeting(meeting_id: Id) -> Call[None]:
    return Call("DELETE", f"{API}/meetings/{meeting_id}", nothing)


# The access log


def audit_entries(
    filters: Mapping[str, Any], limit: int | None, cursor: str | None
) -> Call[m.Page[m.AuditEntry]]:
    params = query(**filters, limit=limit, cursor=cursor)
    return Call("GET", f"{API}/audit/entries", page(m.AuditEntry), params)


# Working groups


def _group(cell_id: Id, group_id: Id) -> str:
    return f"{API}/cells/{cell_id}/working-groups/{group_id}"


def create_working_group(cell_id: Id, name: str) -> Call[m.WorkingGroup]:
    path = f"{API}/cells/{cell_id}/working-groups"
    return Call("POST", path, one(m.WorkingGroup), json=body(name=name))


def list_working_groups(cell_id: Id) -> Call[list[m.WorkingGroup]]:
    return Call("GET", f"{API}/cells/{cell_id}/working-groups", many(m.WorkingGroup))


def working_group_members(cell_id: Id, group_id: Id) -> Call[list[m.WorkingGroupMember]]:
    return Call("GET", f"{_group(cell_id, group_id)}/members", many(m.WorkingGroupMember))


def add_working_group_member(
    cell_id: Id, group_id: Id, member_id: Id
) -> Call[list[m.WorkingGroupMember]]:
    path = f"{_group(cell_id, group_id)}/members"
    return Call("POST", path, many(m.WorkingGroupMember), json=body(member_id=member_id))


def remove_working_group_member(cell_id: Id, group_id: Id, member_id: Id) -> Call[None]:
    return Call("DELETE", f"{_group(cell_id, group_id)}/members/{member_id}", nothing)


def working_group_exchanges(cell_id: Id, group_id: Id) -> Call[list[m.WorkingGroupExchange]]:
    path = f"{_group(cell_id, group_id)}/exchanges"
    return Call("GET", path, many(m.WorkingGroupExchange))


# Confidentiality declarations


def set_declaration(cell_id: Id, text_nl: str, text_fr: str) -> Call[m.Declaration]:
    path = f"{API}/cells/{cell_id}/declaration"
    return Call("PUT", path, one(m.Declaration), json=body(text_nl=text_nl, text_fr=text_fr))


def get_declaration(cell_id: Id) -> Call[m.Declaration]:
    return Call("GET", f"{API}/cells/{cell_id}/declaration", one(m.Declaration))


def declaration_versions(cell_id: Id) -> Call[list[m.Declaration]]:
    return Call("GET", f"{API}/cells/{cell_id}/declaration/versions", many(m.Declaration))


def exchange_declaration(exchange_id: Id) -> Call[m.ExchangeDeclaration]:
    path = f"{API}/exchanges/{exchange_id}/declaration"
    return Call("GET", path, one(m.ExchangeDeclaration))


def accept_declaration(exchange_id: Id) -> Call[m.ExchangeDeclaration]:
    path = f"{API}/exchanges/{exchange_id}/declaration/accept"
    return Call("POST", path, one(m.ExchangeDeclaration))


# Strategy


def strategy_counts(
    cell_id: Id,
    dimension: m.Dimension | None,
    granularity: m.Granularity | None,
    from_year: int | None,
    to_year: int | None,
) -> Call[m.Counts]:
    params = query(
        dimension=dimension, granularity=granularity, from_year=from_year, to_year=to_year
    )
    return Call("GET", f"{API}/cells/{cell_id}/strategy/counts", one(m.Counts), params)


def _priorities(cell_id: Id, year: int) -> str:
    return f"{API}/cells/{cell_id}/strategy/priorities/{int(year)}"


def set_priorities(
    cell_id: Id, year: int, introduction: Mapping[str, str], priorities: Sequence[m.Priority]
) -> Call[m.Priorities]:
    payload = body(
        introduction=dict(introduction),
        priorities=[{"theme": p.theme, "text": dict(p.text)} for p in priorities],
    )
    return Call("PUT", _priorities(cell_id, year), one(m.Priorities), json=payload)


def get_priorities(cell_id: Id, year: int) -> Call[m.Priorities]:
    return Call("GET", _priorities(cell_id, year), one(m.Priorities))


def priorities_versions(cell_id: Id, year: int) -> Call[list[m.Priorities]]:
    return Call("GET", f"{_priorities(cell_id, year)}/versions", many(m.Priorities))


def diagnosis(
    cell_id: Id, kind: Literal["csv", "html"], year: int | None, lang: m.DiagnosisLanguage | None
) -> Call[str]:
    path = f"{API}/cells/{cell_id}/strategy/diagnosis.{kind}"
    accept = {"csv": "text/csv", "html": "text/html"}[kind]
    return Call("GET", path, text, query(year=year, lang=lang), headers={"Accept": accept})


# Agencies, members and four-eyes proposals (administration)


def create_agency(
    name: str, kind: m.AgencyKind, secrecy_regime: m.SecrecyRegime, approver_role: m.Role | None
) -> Call[m.Agency]:
    payload = body(name=name, kind=kind, secrecy_regime=secrecy_regime, approver_role=approver_role)
    return Call("POST", f"{API}/agencies", one(m.Agency), json=payload)


def list_agencies(limit: int | None, cursor: str | None) -> Call[m.Page[m.Agency]]:
    return Call("GET", f"{API}/agencies", page(m.Agency), query(limit=limit, cursor=cursor))


def get_agency(agency_id: Id) -> Call[m.Agency]:
    return Call("GET", f"{API}/agencies/{agency_id}", one(m.Agency))


def update_agency(agency_id: Id, approver_role: m.Role) -> Call[m.Agency]:
    payload = body(approver_role=approver_role)
    return Call("PATCH", f"{API}/agencies/{agency_id}", one(m.Agency), json=payload)


def create_member(
    agency_id: Id,
    display_name: str,
    roles: Sequence[m.Role],
    kind: m.MemberKind | None,
    bound_by_secrecy: bool | None,
    clearance: str | None,
) -> Call[m.NewMember]:
    payload = body(
        display_name=display_name,
        roles=list(roles),
        kind=kind,
        bound_by_secrecy=bound_by_secrecy,
        clearance=clearance,
    )
    return Call("POST", f"{API}/agencies/{agency_id}/members", one(m.NewMember), json=payload)


def list_members(agency_id: Id, limit: int | None, cursor: str | None) -> Call[m.Page[m.Member]]:
    params = query(limit=limit, cursor=cursor)
    return Call("GET", f"{API}/agencies/{agency_id}/members", page(m.Member), params)


def get_member(member_id: Id) -> Call[m.Member]:
    return Call("GET", f"{API}/members/{member_id}", one(m.Member))


def update_member(
    member_id: Id,
    status: m.MemberStatus | None,
    roles: Sequence[m.Role] | None,
    bound_by_secrecy: bool | None,
    clearance: str | None,
) -> Call[m.ChangedMember]:
    payload = body(
        status=status,
        roles=list(roles) if roles is not None else None,
        bound_by_secrecy=bound_by_secrecy,
        clearance=clearance,
    )
    return Call("PATCH", f"{API}/members/{member_id}", one(m.ChangedMember), json=payload)


def list_proposals(
    agency_id: Id, state: m.ProposalState | None, limit: int | None, cursor: str | None
) -> Call[m.Page[m.Proposal]]:
    params = query(state=state, limit=limit, cursor=cursor)
    return Call("GET", f"{API}/agencies/{agency_id}/proposals", page(m.Proposal), params)


def get_proposal(proposal_id: Id) -> Call[m.Proposal]:
    return Call("GET", f"{API}/proposals/{proposal_id}", one(m.Proposal))


def decide_proposal(proposal_id: Id, decision: Literal["approve", "refuse"]) -> Call[m.Decision]:
    return Call("POST", f"{API}/proposals/{proposal_id}/{decision}", one(m.Decision))


def withdraw_proposal(proposal_id: Id) -> Call[m.Proposal]:
    return Call("POST", f"{API}/proposals/{proposal_id}/withdraw", one(m.Proposal))


# Cells and their membership (administration)


def create_cell(
    kind: m.CellKind, name: str, municipality: str, chair_member_id: Id | None
) -> Call[m.Cell]:
    payload = body(kind=kind, name=name, municipality=municipality, chair_member_id=chair_member_id)
    return Call("POST", f"{API}/cells", one(m.Cell), json=payload)


def set_chair(cell_id: Id, member_id: Id) -> Call[m.Cell]:
    path = f"{API}/cells/{cell_id}/chair"
    return Call("PUT", path, one(m.Cell), json=body(member_id=member_id))


def add_cell_agency(cell_id: Id, agency_id: Id) -> Call[m.Cell]:
    path = f"{API}/cells/{cell_id}/agencies"
    return Call("POST", path, one(m.Cell), json=body(agency_id=agency_id))


def remove_cell_agency(cell_id: Id, agency_id: Id) -> Call[None]:
    return Call("DELETE", f"{API}/cells/{cell_id}/agencies/{agency_id}", nothing)


def add_cell_member(cell_id: Id, member_id: Id, seat: m.Seat | None) -> Call[m.Cell]:
    path = f"{API}/cells/{cell_id}/members"
    return Call("POST", path, one(m.Cell), json=body(member_id=member_id, seat=seat))


def remove_cell_member(cell_id: Id, member_id: Id) -> Call[None]:
    return Call("DELETE", f"{API}/cells/{cell_id}/members/{member_id}", nothing)
