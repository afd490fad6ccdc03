"""The asynchronous client: ``client.Client`` method for method, awaited.

Generated from client.py by hand-checked substitution; tests/sdk checks that the two match.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from livc_hub_client import _calls as c
from livc_hub_client import models as m
from livc_hub_client.auth import BearerToken
from livc_hub_client.errors import problem_from
from livc_hub_client.retry import RetryPolicy

T = TypeVar("T")
Id = c.Id
DEFAULT_TIMEOUT = 10.0


def _auth(auth: httpx.Auth | str | None) -> httpx.Auth | None:
    return BearerToken(auth) if isinstance(auth, str) else auth


class AsyncClient:
    """An asynchronous client of one hub (see :class:`~livc_hub_client.client.Client`).

    ``auth`` is a bearer token (str), a :class:`~livc_hub_client.auth.ClientCredentials`, or any
    ``httpx.Auth``. Error answers raise :class:`~livc_hub_client.errors.ProblemError` subclasses.
    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.retry = retry if retry is not None else RetryPolicy()
        self._http = httpx.AsyncClient(
            base_url=base_url,
            auth=_auth(auth),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", **(headers or {})},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request (with retries if it is idempotent); raise the problem of an error."""
        may_retry = self.retry.applies(method)
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    method, path, params=params, json=json, headers=headers
                )
            except httpx.TransportError:
                delay = self.retry.delay(attempt) if may_retry else None
                if delay is None:
                    raise
            else:
                if response.status_code < 400:
                    return response
                delay = self.retry.delay(attempt, response) if may_retry else None
                if delay is None:
                    raise problem_from(response)
            await asyncio.sleep(delay)
            attempt += 1

    async def _call(self, call: c.Call[T]) -> T:
        response = await self.request(
            call.method, call.path, params=call.params, json=call.json, headers=call.headers
        )
        return call.parse(response)

    async def _pages(self, first: Callable[[str | None], c.Call[m.Page[T]]]) -> AsyncIterator[T]:
        cursor: str | None = None
        while True:
            page = await self._call(first(cursor))
            for item in page.items:
                yield item
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    # Me and cells

    async def me(self) -> m.Me:
        """The caller."""
        return await self._call(c.me())

    async def list_cells(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> m.Page[m.Cell]:
        """One page of the cells the caller may know."""
        return await self._call(c.list_cells(limit, cursor))

    def iter_cells(self, *, limit: int | None = None) -> AsyncIterator[m.Cell]:
        """Every cell the caller may know, page after page."""
        return self._pages(lambda cursor: c.list_cells(limit, cursor))

    async def get_cell(self, cell_id: Id) -> m.Cell:
        """One cell."""
        return await self._call(c.get_cell(cell_id))

    # Subjects and cases

    async def create_subject(
        self, *, name: str, date_of_birth: date, national_register_number: str | None = None
    ) -> m.Subject:
        """Register a subject (its identifiers are sealed; the answer holds the pseudonym)."""
        return await self._call(c.create_subject(name, date_of_birth, national_register_number))

    async def get_subject(self, subject_id: Id) -> m.SubjectIdentifiers:
        """A subject with its identifiers."""
        return await self._call(c.get_subject(subject_id))

    async def create_case(
        self,
        *,
        cell_id: Id,
        subject_id: Id,
        working_group_id: Id | None = None,
        status: m.CaseStatus | None = None,
    ) -> m.Case:
        """Open a case in a cell."""
        return await self._call(c.create_case(cell_id, subject_id, working_group_id, status))

    async def list_cases(
        self, *, cell_id: Id | None = None, limit: int | None = None, cursor: str | None = None
    ) -> m.Page[m.Case]:
        """One page of the cases the caller may know."""
        return await self._call(c.list_cases(cell_id, limit, cursor))

    def iter_cases(
        self, *, cell_id: Id | None = None, limit: int | None = None
    ) -> AsyncIterator[m.Case]:
        """Every case the caller may know, page after page."""
        return self._pages(lambda cursor: c.list_cases(cell_id, limit, cursor))

    async def get_case(self, case_id: Id) -> m.Case:
        """One case."""
        return await self._call(c.get_case(case_id))

    async def move_case(
        self,
        case_id: Id,
        *,
        status: m.CaseStatus,
        outcomes: Mapping[str, m.AxisOutcome] | None = None,
    ) -> m.Case:
        """Move a case in its workflow (closing needs an outcome per intervention axis)."""
        return await self._call(c.move_case(case_id, status, outcomes))

    # Notes and templates

    async def create_note(
        self, case_id: Id, *, template_id: Id, fields: Mapping[str, Any]
    ) -> m.Note:
        """Write a note on a case from a template."""
        return await self._call(c.create_note(case_id, template_id, fields))

    async def list_notes(
        self, case_id: Id, *, limit: int | None = None, cursor: str | None = None
    ) -> m.Page[m.NoteSummary]:
        """One page of a case's notes (no values)."""
        return await self._call(c.list_notes(case_id, limit, cursor))

    def iter_notes(self, case_id: Id, *, limit: int | None = None) -> AsyncIterator[m.NoteSummary]:
        """Every note of a case, page after page."""
        return self._pages(lambda cursor: c.list_notes(case_id, limit, cursor))

    async def get_note(self, note_id: Id) -> m.Note:
        """The current version of a note."""
        return await self._call(c.get_note(note_id))

    async def update_note(self, note_id: Id, *, fields: Mapping[str, Any], etag: str) -> m.Note:
        """Save a new version; ``etag`` is the one of the version edited (412 if outdated)."""
        return await self._call(c.update_note(note_id, fields, etag))

    async def note_versions(self, note_id: Id) -> list[m.NoteVersion]:
        """Every saved version of a note."""
        return await self._call(c.note_versions(note_id))

    async def get_note_version(self, note_id: Id, version: int) -> m.Note:
        """One version of a note."""
        return await self._call(c.get_note_version(note_id, version))

    async def list_templates(
        self,
        *,
        key: str | None = None,
        lang: m.Language | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        writable: bool = False,
    ) -> m.Page[m.Template]:
        """One page of the note templates (``writable``: only those whose authors include you;
        such a page may hold fewer than ``limit``)."""
        return await self._call(c.list_templates(key, lang, limit, cursor, writable))

    def iter_templates(
        self,
        *,
        key: str | None = None,
        lang: m.Language | None = None,
        limit: int | None = None,
        writable: bool = False,
    ) -> AsyncIterator[m.Template]:
        """Every note template (``writable``: only those whose authors include you)."""
        return self._pages(lambda cursor: c.list_templates(key, lang, limit, cursor, writable))

    async def get_template(self, template_id: Id, *, lang: m.Language | None = None) -> m.Template:
        """One template version by id."""
        return await self._call(c.get_template(template_id, lang))

    async def get_template_version(
        self, key: str, version: int, *, lang: m.Language | None = None
    ) -> m.Template:
        """One template version by key and number."""
        return await self._call(c.get_template_version(key, version, lang))

    # Exchanges

    async def list_exchanges(self) -> list[m.Exchange]:
        """The exchanges the caller chairs or takes part in."""
        return await self._call(c.list_exchanges())

    async def create_exchange(
        self,
        *,
        case_id: Id,
        purpose: str,
        legal_basis: str,
        expires_at: datetime,
        working_group_id: Id | None = None,
        opens_at: datetime | None = None,
    ) -> m.Exchange:
        """Convene an exchange on a case (the chair)."""
        return await self._call(
            c.create_exchange(case_id, purpose, legal_basis, expires_at, working_group_id, opens_at)
        )

    async def get_exchange(self, exchange_id: Id) -> m.Exchange:
        """One exchange."""
        return await self._call(c.get_exchange(exchange_id))

    async def close_exchange(self, exchange_id: Id) -> m.Exchange:
        """Close an exchange (the chair)."""
        return await self._call(c.close_exchange(exchange_id))

    async def participants(self, exchange_id: Id) -> list[m.Participant]:
        """An exchange's participants."""
        return await self._call(c.participants(exchange_id))

    async def add_participant(
        self, exchange_id: Id, *, member_id: Id, guest: bool | None = None
    ) -> m.Participant:
        """Invite a member into an exchange (the chair)."""
        return await self._call(c.add_participant(exchange_id, member_id, guest))

    async def remove_participant(self, exchange_id: Id, member_id: Id) -> None:
        """Remove a participant (the chair)."""
        await self._call(c.remove_participant(exchange_id, member_id))

    async def releases(self, exchange_id: Id) -> list[m.Release]:
        """What was released into an exchange (names, never values)."""
        return await self._call(c.releases(exchange_id))

    async def release(
        self,
        exchange_id: Id,
        *,
        note_id: Id,
        version: int | None = None,
        fields: Sequence[str] | None = None,
        sensitivities: Sequence[m.Sensitivity] | None = None,
    ) -> list[m.Release]:
        """Release fields (or sensitivity classes) of the caller's agency's note."""
        return await self._call(c.release(exchange_id, note_id, version, fields, sensitivities))

    async def withdraw_release(self, exchange_id: Id, release_id: Id) -> None:
        """Withdraw a release (its owner)."""
        await self._call(c.withdraw_release(exchange_id, release_id))

    async def grants(self, exchange_id: Id) -> list[m.Grant]:
        """An exchange's grants."""
        return await self._call(c.grants(exchange_id))

    async def grant(
        self,
        exchange_id: Id,
        *,
        member_id: Id | None = None,
        role: m.Role | None = None,
        note_id: Id | None = None,
        field: str | None = None,
        sensitivity: m.Sensitivity | None = None,
    ) -> m.Grant:
        """Grant a released field or class to a participant or a role (the chair)."""
        return await self._call(c.grant(exchange_id, member_id, role, note_id, field, sensitivity))

    async def withdraw_grant(self, exchange_id: Id, grant_id: Id) -> None:
        """Withdraw a grant (the chair)."""
        await self._call(c.withdraw_grant(exchange_id, grant_id))

    async def view(self, exchange_id: Id) -> m.View:
        """What the caller may see in an exchange."""
        return await self._call(c.view(exchange_id))

    async def explain(self, exchange_id: Id) -> m.Explanation:
        """Why each released field is or is not visible (no values)."""
        return await self._call(c.explain(exchange_id))

    # Feedback sheets

    async def draft_feedback_sheet(
        self,
        exchange_id: Id,
        *,
        police_agency_id: Id,
        fields: Mapping[str, Any],
        quotes: Sequence[tuple[Id, str]] | None = None,
    ) -> m.FeedbackSheet:
        """Draft a feedback sheet to the police; ``quotes`` as (note_id, field) pairs."""
        return await self._call(
            c.draft_feedback_sheet(exchange_id, police_agency_id, fields, quotes)
        )

    async def feedback_sheets(self, exchange_id: Id) -> list[m.FeedbackSheet]:
        """An exchange's feedback sheets."""
        return await self._call(c.feedback_sheets(exchange_id))

    async def get_feedback_sheet(self, sheet_id: Id) -> m.FeedbackSheet:
        """One feedback sheet."""
        return await self._call(c.get_feedback_sheet(sheet_id))

    async def approve_feedback_sheet(self, sheet_id: Id) -> m.FeedbackSheet:
        """Approve a feedback sheet."""
        return await self._call(c.approve_feedback_sheet(sheet_id))

    async def refuse_feedback_sheet(
        self, sheet_id: Id, *, reason: m.RefusalReason, comment: str | None = None
    ) -> m.FeedbackSheet:
        """Refuse a feedback sheet, with a reason."""
        return await self._call(c.refuse_feedback_sheet(sheet_id, reason, comment))

    # Meetings

    async def schedule_meeting(
        self,
        cell_id: Id,
        *,
        starts_at: datetime,
        ends_at: datetime,
        member_ids: Sequence[Id] | None = None,
    ) -> m.Meeting:
        """Schedule a meeting of a cell (its chair)."""
        return await self._call(c.schedule_meeting(cell_id, starts_at, ends_at, member_ids))

    async def list_meetings(
        self,
        cell_id: Id,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[m.Meeting]:
        """A cell's meetings in a period."""
        return await self._call(c.list_meetings(cell_id, since, until, limit))

    async def get_meeting(self, meeting_id: Id) -> m.Meeting:
        """One meeting."""
        return await self._call(c.get_meeting(meeting_id))

    async def cancel_meeting(self, meeting_id: Id) -> None:
        """Cancel a meeting (its chair)."""
        await self._call(c.cancel_meeting(meeting_id))

    # The access log

    async def audit_entries(
        self,
        *,
        subject: Id | None = None,
        case: Id | None = None,
        member: Id | None = None,
        agency: Id | None = None,
        exchange: Id | None = None,
        action: str | None = None,
        decision: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> m.Page[m.AuditEntry]:
        """One page of the access log entries the caller may audit."""
        filters: dict[str, Any] = dict(subject=subject, case=case, member=member, agency=agency)
        filters.update(exchange=exchange, action=action, decision=decision)
        filters.update(since=since, until=until)
        return await self._call(c.audit_entries(filters, limit, cursor))

    def iter_audit_entries(
        self,
        *,
        subject: Id | None = None,
        case: Id | None = None,
        member: Id | None = None,
        agency: Id | None = None,
        exchange: Id | None = None,
        action: str | None = None,
        decision: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[m.AuditEntry]:
        """Every matching access log entry, page after page."""
        filters: dict[str, Any] = dict(subject=subject, case=case, member=member, agency=agency)
        filters.update(exchange=exchange, action=action, decision=decision)
        filters.update(since=since, until=until)
        return self._pages(lambda cursor: c.audit_entries(filters, limit, cursor))

    # Working groups

    async def create_working_group(self, cell_id: Id, *, name: str) -> m.WorkingGroup:
        """Form a working group in a cell (its chair)."""
        return await self._call(c.create_working_group(cell_id, name))

    async def list_working_groups(self, cell_id: Id) -> list[m.WorkingGroup]:
        """A cell's working groups."""
        return await self._call(c.list_working_groups(cell_id))

    async def working_group_members(self, cell_id: Id, group_id: Id) -> list[m.WorkingGroupMember]:
        """A working group's members."""
        return await self._call(c.working_group_members(cell_id, group_id))

    async def add_working_group_member(
        self, cell_id: Id, group_id: Id, *, member_id: Id
    ) -> list[m.WorkingGroupMember]:
        """Add a member seated in the cell to a working group (the chair); the members after."""
        return await self._call(c.add_working_group_member(cell_id, group_id, member_id))

    async def remove_working_group_member(self, cell_id: Id, group_id: Id, member_id: Id) -> None:
        """Remove a member from a working group (the chair)."""
        await self._call(c.remove_working_group_member(cell_id, group_id, member_id))

    async def working_group_exchanges(
        self, cell_id: Id, group_id: Id
    ) -> list[m.WorkingGroupExchange]:
        """A working group's agenda: its exchanges (its members and the chair)."""
        return await self._call(c.working_group_exchanges(cell_id, group_id))

    # Confidentiality declarations

    async def set_declaration(self, cell_id: Id, *, text_nl: str, text_fr: str) -> m.Declaration:
        """Write a new version of the cell's confidentiality declaration (its chair)."""
        return await self._call(c.set_declaration(cell_id, text_nl, text_fr))

    async def get_declaration(self, cell_id: Id) -> m.Declaration:
        """The current version of a cell's declaration (NotFound: none set yet)."""
        return await self._call(c.get_declaration(cell_id))

    async def declaration_versions(self, cell_id: Id) -> list[m.Declaration]:
        """Every version of a cell's declaration, oldest first."""
        return await self._call(c.declaration_versions(cell_id))

    async def exchange_declaration(self, exchange_id: Id) -> m.ExchangeDeclaration:
        """The declaration for the caller in an exchange: must they accept it, did they."""
        return await self._call(c.exchange_declaration(exchange_id))

    async def accept_declaration(self, exchange_id: Id) -> m.ExchangeDeclaration:
        """Accept the cell's declaration for an exchange (a guest, once)."""
        return await self._call(c.accept_declaration(exchange_id))

    # Strategy

    async def strategy_counts(
        self,
        cell_id: Id,
        *,
        dimension: m.Dimension | None = None,
        granularity: m.Granularity | None = None,
        from_year: int | None = None,
        to_year: int | None = None,
    ) -> m.Counts:
        """The municipality's case counts by one dimension (a strategic cell's members)."""
        return await self._call(
            c.strategy_counts(cell_id, dimension, granularity, from_year, to_year)
        )

    async def set_priorities(
        self,
        cell_id: Id,
        year: int,
        *,
        introduction: Mapping[str, str],
        priorities: Sequence[m.Priority],
    ) -> m.Priorities:
        """Write a new version of the year's priorities (the strategic cell's chair).

        ``introduction`` and each priority's ``text``: ``{"nl": ..., "fr": ...}``.
        """
        return await self._call(c.set_priorities(cell_id, year, introduction, priorities))

    async def get_priorities(self, cell_id: Id, year: int) -> m.Priorities:
        """The newest version of the year's priorities."""
        return await self._call(c.get_priorities(cell_id, year))

    async def priorities_versions(self, cell_id: Id, year: int) -> list[m.Priorities]:
        """Every version of the year's priorities, oldest first."""
        return await self._call(c.priorities_versions(cell_id, year))

    async def diagnosis_csv(
        self, cell_id: Id, *, year: int | None = None, lang: m.DiagnosisLanguage | None = None
    ) -> str:
        """The municipal diagnosis of a year as CSV text (default: this year, in Dutch)."""
        return await self._call(c.diagnosis(cell_id, "csv", year, lang))

    async def diagnosis_html(
        self, cell_id: Id, *, year: int | None = None, lang: m.DiagnosisLanguage | None = None
    ) -> str:
        """The municipal diagnosis of a year as a printable HTML page."""
        return await self._call(c.diagnosis(cell_id, "html", year, lang))

    # Agencies (administration)

    async def create_agency(
        self,
        *,
        name: str,
        kind: m.AgencyKind,
        secrecy_regime: m.SecrecyRegime,
        approver_role: m.Role | None = None,
    ) -> m.Agency:
        """Register a partner agency (a hub admin)."""
        return await self._call(c.create_agency(name, kind, secrecy_regime, approver_role))

    async def list_agencies(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> m.Page[m.Agency]:
        """One page of the agencies."""
        return await self._call(c.list_agencies(limit, cursor))

    def iter_agencies(self, *, limit: int | None = None) -> AsyncIterator[m.Agency]:
        """Every agency, page after page."""
        return self._pages(lambda cursor: c.list_agencies(limit, cursor))

    async def get_agency(self, agency_id: Id) -> m.Agency:
        """One agency."""
        return await self._call(c.get_agency(agency_id))

    async def update_agency(self, agency_id: Id, *, approver_role: m.Role) -> m.Agency:
        """Change the role that approves an agency's proposals."""
        return await self._call(c.update_agency(agency_id, approver_role))

    # Members and four-eyes proposals (administration)

    async def create_member(
        self,
        agency_id: Id,
        *,
        display_name: str,
        roles: Sequence[m.Role],
        kind: m.MemberKind | None = None,
        bound_by_secrecy: bool | None = None,
        clearance: str | None = None,
    ) -> m.NewMember:
        """Propose a member of an agency (``kind="service"``: a service account).

        A member with rights is ``pending`` until a second person approves ``proposal``.
        """
        return await self._call(
            c.create_member(agency_id, display_name, roles, kind, bound_by_secrecy, clearance)
        )

    async def list_members(
        self, agency_id: Id, *, limit: int | None = None, cursor: str | None = None
    ) -> m.Page[m.Member]:
        """One page of an agency's members."""
        return await self._call(c.list_members(agency_id, limit, cursor))

    def iter_members(self, agency_id: Id, *, limit: int | None = None) -> AsyncIterator[m.Member]:
        """Every member of an agency, page after page."""
        return self._pages(lambda cursor: c.list_members(agency_id, limit, cursor))

    async def get_member(self, member_id: Id) -> m.Member:
        """One member."""
        return await self._call(c.get_member(member_id))

    async def update_member(
        self,
        member_id: Id,
        *,
        status: m.MemberStatus | None = None,
        roles: Sequence[m.Role] | None = None,
        bound_by_secrecy: bool | None = None,
        clearance: str | None = None,
    ) -> m.ChangedMember:
        """Change a member: narrowing takes effect at once, widening awaits ``proposal``."""
        return await self._call(
            c.update_member(member_id, status, roles, bound_by_secrecy, clearance)
        )

    async def list_proposals(
        self,
        agency_id: Id,
        *,
        state: m.ProposalState | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> m.Page[m.Proposal]:
        """One page of an agency's four-eyes proposals, oldest first."""
        return await self._call(c.list_proposals(agency_id, state, limit, cursor))

    def iter_proposals(
        self, agency_id: Id, *, state: m.ProposalState | None = None, limit: int | None = None
    ) -> AsyncIterator[m.Proposal]:
        """Every proposal of an agency, page after page."""
        return self._pages(lambda cursor: c.list_proposals(agency_id, state, limit, cursor))

    async def get_proposal(self, proposal_id: Id) -> m.Proposal:
        """One proposal."""
        return await self._call(c.get_proposal(proposal_id))

    async def approve_proposal(self, proposal_id: Id) -> m.Decision:
        """Approve as the second person (a service account's secret is in the decision, once)."""
        return await self._call(c.decide_proposal(proposal_id, "approve"))

    async def refuse_proposal(self, proposal_id: Id) -> m.Decision:
        """Refuse as the second person: nothing changes."""
        return await self._call(c.decide_proposal(proposal_id, "refuse"))

    async def withdraw_proposal(self, proposal_id: Id) -> m.Proposal:
        """Take back a pending proposal (its proposer)."""
        return await self._call(c.withdraw_proposal(proposal_id))

    # Cells and their membership (administration)

    async def create_cell(
        self,
        *,
        kind: m.CellKind,
        name: str,
        municipality: str,
        chair_member_id: Id | None = None,
    ) -> m.Cell:
        """Set up a cell (a hub admin)."""
        return await self._call(c.create_cell(kind, name, municipality, chair_member_id))

    async def set_chair(self, cell_id: Id, *, member_id: Id) -> m.Cell:
        """Name a cell's chair."""
        return await self._call(c.set_chair(cell_id, member_id))

    async def add_cell_agency(self, cell_id: Id, *, agency_id: Id) -> m.Cell:
        """Seat an agency in a cell."""
        return await self._call(c.add_cell_agency(cell_id, agency_id))

    async def remove_cell_agency(self, cell_id: Id, agency_id: Id) -> None:
        """Unseat an agency from a cell."""
        await self._call(c.remove_cell_agency(cell_id, agency_id))

    async def add_cell_member(
        self, cell_id: Id, *, member_id: Id, seat: m.Seat | None = None
    ) -> m.Cell:
        """Seat a member (of a seated agency) in a cell."""
        return await self._call(c.add_cell_member(cell_id, member_id, seat))

    async def remove_cell_member(self, cell_id: Id, member_id: Id) -> None:
        """Unseat a member from a cell."""
        await self._call(c.remove_cell_member(cell_id, member_id))
