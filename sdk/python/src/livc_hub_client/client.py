"""The synchronous client. ``aclient.py`` is its async twin, method for method."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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


class Client:
    """A client of one hub.

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
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.retry = retry if retry is not None else RetryPolicy()
        self._http = httpx.Client(
            base_url=base_url,
            auth=_auth(auth),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", **(headers or {})},
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def request(
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
                response = self._http.request(
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
            time.sleep(delay)
            attempt += 1

    def _call(self, call: c.Call[T]) -> T:
        response = self.request(
            call.method, call.path, params=call.params, json=call.json, headers=call.headers
        )
        return call.parse(response)

    def _pages(self, first: Callable[[str | None], c.Call[m.Page[T]]]) -> Iterator[T]:
        cursor: str | None = None
        while True:
            page = self._call(first(cursor))
            yield from page.items
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    # Me and cells

    def me(self) -> m.Me:
        """The caller."""
        return self._call(c.me())

    def list_cells(self, *, limit: int | None = None, cursor: str | None = None) -> m.Page[m.Cell]:
        """One page of the cells the caller may know."""
        return self._call(c.list_cells(limit, cursor))

    def iter_cells(self, *, limit: int | None = None) -> Iterator[m.Cell]:
        """Every cell the caller may know, page after page."""
        return self._pages(lambda cursor: c.list_cells(limit, cursor))

    def get_cell(self, cell_id: Id) -> m.Cell:
        """One cell."""
        return self._call(c.get_cell(cell_id))

    # Subjects and cases

    def create_subject(
        self, *, name: str, date_of_birth: date, national_register_number: str | None = None
    ) -> m.Subject:
        """Register a subject (its identifiers are sealed; the answer holds the pseudonym)."""
        return self._call(c.create_subject(name, date_of_birth, national_register_number))

    def get_subject(self, subject_id: Id) -> m.SubjectIdentifiers:
        """A subject with its identifiers."""
        return self._call(c.get_subject(subject_id))

    def create_case(
        self,
        *,
        cell_id: Id,
        subject_id: Id,
        working_group_id: Id | None = None,
        status: m.CaseStatus | None = None,
    ) -> m.Case:
        """Open a case in a cell."""
        return self._call(c.create_case(cell_id, subject_id, working_group_id, status))

    def list_cases(
        self, *, cell_id: Id | None = None, limit: int | None = None, cursor: str | None = None
    ) -> m.Page[m.Case]:
        """One page of the cases the caller may know."""
        return self._call(c.list_cases(cell_id, limit, cursor))

    def iter_cases(
        self, *, cell_id: Id | None = None, limit: int | None = None
    ) -> Iterator[m.Case]:
        """Every case the caller may know, page after page."""
        return self._pages(lambda cursor: c.list_cases(cell_id, limit, cursor))

    def get_case(self, case_id: Id) -> m.Case:
        """One case."""
        return self._call(c.get_case(case_id))

    def move_case(
        self,
        case_id: Id,
        *,
        status: m.CaseStatus,
        outcomes: Mapping[str, m.AxisOutcome] | None = None,
    ) -> m.Case:
        """Move a case in its workflow (closing needs an outcome per intervention axis)."""
        return self._call(c.move_case(case_id, status, outcomes))

    # Notes and templates

    def create_note(self, case_id: Id, *, template_id: Id, fields: Mapping[str, Any]) -> m.Note:
        """Write a note on a case from a template."""
        return self._call(c.create_note(case_id, template_id, fields))

    def list_notes(
        self, case_id: Id, *, limit: int | None = None, cursor: str | None = None
    ) -> m.Page[m.NoteSummary]:
        """One page of a case's notes (no values)."""
        return self._call(c.list_notes(case_id, limit, cursor))

    def iter_notes(self, case_id: Id, *, limit: int | None = None) -> Iterator[m.NoteSummary]:
        """Every note of a case, page after page."""
        return self._pages(lambda cursor: c.list_notes(case_id, limit, cursor))

    def get_note(self, note_id: Id) -> m.Note:
        """The current version of a note."""
        return self._call(c.get_note(note_id))

    def update_note(self, note_id: Id, *, fields: Mapping[str, Any], etag: str) -> m.Note:
        """Save a new version; ``etag`` is the one of the version edited (412 if outdated)."""
        return self._call(c.update_note(note_id, fields, etag))

    def note_versions(self, note_id: Id) -> list[m.NoteVersion]:
        """Every saved version of a note."""
        return self._call(c.note_versions(note_id))

    def get_note_version(self, note_id: Id, version: int) -> m.Note:
        """One version of a note."""
        return self._call(c.get_note_version(note_id, version))

    def list_templates(
        self,
        *,
        key: str | None = None,
        lang: m.Language | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> m.Page[m.Template]:
        """One page of the note templates."""
        return self._call(c.list_templates(key, lang, limit, cursor))

    def iter_templates(
        self, *, key: str | None = None, lang: m.Language | None = None, limit: int | None = None
    ) -> Iterator[m.Template]:
        """Every note template, page after page."""
        return self._pages(lambda cursor: c.list_templates(key, lang, limit, cursor))

    def get_template(self, template_id: Id, *, lang: m.Language | None = None) -> m.Template:
        """One template version by id."""
        return self._call(c.get_template(template_id, lang))

    def get_template_version(
        self, key: str, version: int, *, lang: m.Language | None = None
    ) -> m.Template:
        """One template version by key and number."""
        return self._call(c.get_template_version(key, version, lang))

    # Exchanges

    def list_exchanges(self) -> list[m.Exchange]:
        """The exchanges the caller chairs or takes part in."""
        return self._call(c.list_exchanges())

    def create_exchange(
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
        return self._call(
            c.create_exchange(case_id, purpose, legal_basis, expires_at, working_group_id, opens_at)
        )

    def get_exchange(self, exchange_id: Id) -> m.Exchange:
        """One exchange."""
        return self._call(c.get_exchange(exchange_id))

    def close_exchange(self, exchange_id: Id) -> m.Exchange:
        """Close an exchange (the chair)."""
        return self._call(c.close_exchange(exchange_id))

    def participants(self, exchange_id: Id) -> list[m.Participant]:
        """An exchange's participants."""
        return self._call(c.participants(exchange_id))

    def add_participant(
        self, exchange_id: Id, *, member_id: Id, guest: bool | None = None
    ) -> m.Participant:
        """Invite a member into an exchange (the chair)."""
        return self._call(c.add_participant(exchange_id, member_id, guest))

    def remove_participant(self, exchange_id: Id, member_id: Id) -> None:
        """Remove a participant (the chair)."""
        self._call(c.remove_participant(exchange_id, member_id))

    def releases(self, exchange_id: Id) -> list[m.Release]:
        """What was released into an exchange (names, never values)."""
        return self._call(c.releases(exchange_id))

    def release(
        self,
        exchange_id: Id,
        *,
        note_id: Id,
        version: int | None = None,
        fields: Sequence[str] | None = None,
        sensitivities: Sequence[m.Sensitivity] | None = None,
    ) -> list[m.Release]:
        """Release fields (or sensitivity classes) of the caller's agency's note."""
        return self._call(c.release(exchange_id, note_id, version, fields, sensitivities))

    def withdraw_release(self, exchange_id: Id, release_id: Id) -> None:
        """Withdraw a release (its owner)."""
        self._call(c.withdraw_release(exchange_id, release_id))

    def grants(self, exchange_id: Id) -> list[m.Grant]:
        """An exchange's grants."""
        return self._call(c.grants(exchange_id))

    def grant(
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
        return self._call(c.grant(exchange_id, member_id, role, note_id, field, sensitivity))

    def withdraw_grant(self, exchange_id: Id, grant_id: Id) -> None:
        """Withdraw a grant (the chair)."""
        self._call(c.withdraw_grant(exchange_id, grant_id))

    def view(self, exchange_id: Id) -> m.View:
        """What the caller may see in an exchange."""
        return self._call(c.view(exchange_id))

    def explain(self, exchange_id: Id) -> m.Explanation:
        """Why each released field is or is not visible (no values)."""
        return self._call(c.explain(exchange_id))

    # Feedback sheets

    def draft_feedback_sheet(
        self,
        exchange_id: Id,
        *,
        police_agency_id: Id,
        fields: Mapping[str, Any],
        quotes: Sequence[tuple[Id, str]] | None = None,
    ) -> m.FeedbackSheet:
        """Draft a feedback sheet to the police; ``quotes`` as (note_id, field) pairs."""
        return self._call(c.draft_feedback_sheet(exchange_id, police_agency_id, fields, quotes))

    def feedback_sheets(self, exchange_id: Id) -> list[m.FeedbackSheet]:
        """An exchange's feedback sheets."""
        return self._call(c.feedback_sheets(exchange_id))

    def get_feedback_sheet(self, sheet_id: Id) -> m.FeedbackSheet:
        """One feedback sheet."""
        return self._call(c.get_feedback_sheet(sheet_id))

    def approve_feedback_sheet(self, sheet_id: Id) -> m.FeedbackSheet:
        """Approve a feedback sheet."""
        return self._call(c.approve_feedback_sheet(sheet_id))

    def refuse_feedback_sheet(
        self, sheet_id: Id, *, reason: m.RefusalReason, comment: str | None = None
    ) -> m.FeedbackSheet:
        """Refuse a feedback sheet, with a reason."""
        return self._call(c.refuse_feedback_sheet(sheet_id, reason, comment))

    # Meetings

    def schedule_meeting(
        self,
        cell_id: Id,
        *,
        starts_at: datetime,
        ends_at: datetime,
        member_ids: Sequence[Id] | None = None,
    ) -> m.Meeting:
        """Schedule a meeting of a cell (its chair)."""
        return self._call(c.schedule_meeting(cell_id, starts_at, ends_at, member_ids))

    def list_meetings(
        self,
        cell_id: Id,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[m.Meeting]:
        """A cell's meetings in a period."""
        return self._call(c.list_meetings(cell_id, since, until, limit))

    def get_meeting(self, meeting_id: Id) -> m.Meeting:
        """One meeting."""
        return self._call(c.get_meeting(meeting_id))

    def cancel_meeting(self, meeting_id: Id) -> None:
        """Cancel a meeting (its chair)."""
        self._call(c.cancel_meeting(meeting_id))

    # The access log

    def audit_entries(
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
        return self._call(c.audit_entries(filters, limit, cursor))

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
    ) -> Iterator[m.AuditEntry]:
        """Every matching access log entry, page after page."""
        filters: dict[str, Any] = dict(subject=subject, case=case, member=member, agency=agency)
        filters.update(exchange=exchange, action=action, decision=decision)
        filters.update(since=since, until=until)
        return self._pages(lambda cursor: c.audit_entries(filters, limit, cursor))
