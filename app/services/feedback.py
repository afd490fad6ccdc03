"""Feedback sheets to the police (rule 11): drafted in an exchange, approved by every member who
must agree, refused by any one of them, and refused outright if they hold professional secrecy.

Who may know a sheet is who may know its exchange (``exchanges.reach``): anyone else gets 404.
The rule is ``app.policies.feedback``; this module loads the rows, opens what the check needs
(server-side, never logged), records every step and, on consensus, writes the police agency's note
through the notes service.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import exchanges as exchange_queries
from app.db.queries import feedback as queries
from app.db.queries import notes as note_queries
from app.db.queries.feedback import CaseNote, SheetRow, VoteRow
from app.db.queries.notes import TemplateRow
from app.errors import (
    AppError,
    Conflict,
    FeedbackContainsSecret,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from app.policies import feedback as policy
from app.policies.feedback import (
    FeedbackReason,
    FeedbackVerdict,
    Finding,
    Panel,
    RefusalReason,
    SheetStatus,
    SourceField,
)
from app.services import notes, views
from app.services.authz import denied, event_for, with_owners
from app.services.concerns import missing_in
from app.services.context import RequestContext
from app.services.exchanges import ExchangeAccess, exchange_event, reach, shut_reason
from app.services.fields import decode_fields, encode_fields
from app.services.hub import Hub
from app.services.sealing import open_or_fail, seal
from app.services.templates import specs_of

TEMPLATE_KEY = "feedback_sheet"
SHEET_KIND = "feedback_sheet"
VOTE_KIND = "feedback_vote"
COMMENT = "comment"
CONSENSUS = "feedback_consensus"

# How a refusal by the rule is answered (anything else: 404, as for an unknown id).
_ANSWERS: dict[FeedbackReason, tuple[type[AppError], str]] = {
    FeedbackReason.NOT_PARTICIPANT_OR_CHAIR: (
        Forbidden,
        "only the exchange's participants and the cell's chair take part in its feedback sheets",
    ),
    FeedbackReason.EXCHANGE_SHUT: (Conflict, "the exchange is closed or not open"),
    FeedbackReason.SHEET_NOT_OPEN: (Conflict, "the feedback sheet was already approved or refused"),
    FeedbackReason.ALREADY_APPROVED: (Conflict, "you already approved this feedback sheet"),
    FeedbackReason.RECIPIENT_NOT_POLICE: (
        ValidationFailed,
        "a feedback sheet is addressed to a police agency",
    ),
    FeedbackReason.RECIPIENT_NOT_IN_CELL: (
        ValidationFailed,
        "the police agency must sit in the exchange's cell",
    ),
}


@dataclass(frozen=True)
class SheetView:
    """A sheet as a participant sees it: the draft's content only while it is open."""

    sheet: SheetRow
    votes: list[VoteRow]
    required: frozenset[uuid.UUID]
    approved: frozenset[uuid.UUID]
    fields: dict[str, Any] | None = None
    comments: Mapping[uuid.UUID, str] | None = None


def _answer(verdict: FeedbackVerdict, event: AuditEvent) -> AppError:
    reason = verdict.reason.value
    audit = (denied(event, reason),)
    found = _ANSWERS.get(verdict.reason)
    if found is None:
        return NotFound(audit=audit)
    kind, text = found
    return kind(text, extra={"reason": reason}, audit=audit)


def _event(
    ctx: RequestContext, action: str, access: ExchangeAccess, sheet: SheetRow | uuid.UUID
) -> AuditEvent:
    """An entry naming the exchange (purpose, case, subject) and the sheet; it concerns the
    subject's agency and the police agency the sheet is addressed to."""
    event = exchange_event(ctx, action, access.exchange, access.case)
    if isinstance(sheet, SheetRow):
        return with_owners(replace(event, object_id=str(sheet.id)), sheet.police_agency_id)
    return replace(event, object_id=str(sheet))


def _member(ctx: RequestContext, access: ExchangeAccess) -> policy.Member:
    who = ctx.principal
    return policy.Member(
        str(who.member_id), who.status.value, access.participant is not None, access.is_chair
    )


async def _panel(session: AsyncSession, access: ExchangeAccess) -> Panel:
    current = await exchange_queries.current_participants(session, access.exchange.id)
    chair = access.cell.chair_member_id
    return Panel(
        frozenset(str(p.member_id) for p, _ in current),
        None if chair is None else str(chair),
        max((p.invited_at for p, _ in current), default=None),
    )


def _approvals(votes: Iterable[VoteRow]) -> dict[str, datetime]:
    # Votes come oldest first: a member's latest approval is the one that may count.
    return {str(v.member_id): v.at for v in votes if v.decision == "approve"}


async def _template(session: AsyncSession) -> TemplateRow:
    found = await note_queries.latest_template(session, TEMPLATE_KEY)
    if found is None:  # shipped with the hub and loaded at start
        raise ValidationFailed("the feedback_sheet template is not loaded")
    return found


# --- the secrecy check ----------------------------------------------------------------------


def _open_fields(
    hub: Hub, note: CaseNote, names: Iterable[str], event: AuditEvent
) -> dict[str, Any]:
    opened = open_or_fail(
        hub.keys,
        event,
        agency_id=str(note.note.owner_agency_id),
        kind="note",
        record_id=str(note.note.id),
        version=note.version.version,
        key_version=note.version.key_version,
        wrapped_key=note.version.wrapped_key,
        blobs=note.version.sealed,
        names=list(names),
    )
    return decode_fields(opened)


async def _check_secrecy(
    session: AsyncSession,
    hub: Hub,
    ctx: RequestContext,
    access: ExchangeAccess,
    *,
    template: TemplateRow,
    values: Mapping[str, Any],
    quotes: list[dict[str, str]],
    event: AuditEvent,
) -> None:
    """Refuse (422, logged, naming fields only) a draft that contains secrecy; quotes must name
    fields of notes of the exchange's case."""
    regime = policy.secrecy_regime(hub.authz.sharing_rules)
    minor = access.case.subject_is_minor_on(ctx.now.date())
    specs = specs_of(template)
    own = [n for n in values if regime.covers(specs[n].sensitivity.value, subject_is_minor=False)]
    # Only what the caller can read is compared: their agency's notes and the fields their view
    # of the exchange shows. Comparing anything else would answer whether an unreleased value
    # holds a guessed text, and name a note the caller may not know (an oracle around rule 2).
    readable = await views.readable_fields(session, ctx, hub, access)
    mine = str(ctx.principal.agency_id)

    def may_read(note: CaseNote, field: str) -> bool:
        return str(note.note.owner_agency_id) == mine or (str(note.note.id), field) in readable

    case_notes = {str(n.note.id): n for n in await queries.case_notes(session, access.case.id)}
    quoted: list[tuple[str, str]] = []
    for i, quote in enumerate(quotes):
        found = case_notes.get(quote["note_id"])
        spec = None if found is None else specs_of(found.template).get(quote["field"])
        if found is None or spec is None or not may_read(found, quote["field"]):
            raise ValidationFailed(
                "a quote names no field of a note of this exchange's case",
                extra={"reason": "quote_not_found", "quote": i},
            )
        if regime.covers(spec.sensitivity.value, subject_is_minor=minor):
            quoted.append((quote["note_id"], quote["field"]))
    sources = []
    for note_id, note in case_notes.items():
        secret = [
            name
            for name, spec in specs_of(note.template).items()
            if name in note.version.sealed
            and regime.covers(spec.sensitivity.value, subject_is_minor=minor)
            and may_read(note, name)
        ]
        if secret:
            opened = _open_fields(hub, note, secret, event)
            sources += [
                SourceField(note_id, name, tuple(policy.texts_of(opened[name]))) for name in secret
            ]
    findings = policy.secrecy_findings(
        own_secret_fields=own,
        quoted_secret_fields=quoted,
        draft_texts=policy.texts_of(dict(values)),
        sources=sources,
    )
    if findings:
        raise _contains_secret(findings, event)


def _contains_secret(findings: list[Finding], event: AuditEvent) -> FeedbackContainsSecret:
    reason = FeedbackReason.CONTAINS_SECRET.value
    named = [{"note_id": f.note_id, "field": f.field, "how": f.how} for f in findings]
    places = tuple(f"{f.note_id or 'draft'}/{f.field}={f.how}" for f in findings)
    entry = denied(replace(event, denied=places), reason)
    listed = ", ".join(f"{f.field} ({f.how})" for f in findings)
    return FeedbackContainsSecret(
        f"the sheet holds fields under professional secrecy: {listed}",
        extra={"reason": reason, "fields": named},
        audit=(entry,),
    )


# --- use cases ------------------------------------------------------------------------------


async def draft(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    *,
    police_agency_id: uuid.UUID,
    values: Mapping[str, Any],
    quotes: list[dict[str, str]],
) -> SheetView:
    """A participant (or the chair) drafts a sheet to a police agency of the cell."""
    action = "feedback:draft"
    access = await reach(session, ctx, hub, exchange_id, action)
    sheet_id = uuid.uuid4()
    event = with_owners(_event(ctx, action, access, sheet_id), police_agency_id)
    found = await queries.recipient(session, police_agency_id, access.cell.id)
    kind, seated = found if found is not None else ("", False)
    verdict = policy.may_draft(
        _member(ctx, access),
        shut=shut_reason(access.exchange, ctx.now) is not None,
        recipient=policy.Recipient(kind, seated),
    )
    if not verdict.allowed:
        raise _answer(verdict, event)
    template = await _template(session)
    encoded = encode_fields(specs_of(template), values)
    opened = decode_fields(encoded)
    await _check_secrecy(
        session, hub, ctx, access, template=template, values=opened, quotes=quotes, event=event
    )
    key_version, wrapped, blobs = seal(
        hub.keys,
        agency_id=str(police_agency_id),
        kind=SHEET_KIND,
        record_id=str(sheet_id),
        version=1,
        values=encoded,
    )
    sheet = SheetRow(
        sheet_id,
        access.exchange.id,
        police_agency_id,
        template.id,
        ctx.principal.member_id,
        ctx.now,
        SheetStatus.OPEN.value,
        None,
        None,
        [dict(q) for q in quotes],
        key_version,
        wrapped,
        blobs,
    )
    await queries.add_sheet(session, sheet)
    entry = replace(event, reason=verdict.reason.value, fields=tuple(sorted(encoded)))
    await hub.record(session, ctx, entry)
    panel = await _panel(session, access)
    return SheetView(sheet, [], _ids(policy.required(panel)), frozenset(), opened, {})


def _ids(members: Iterable[str]) -> frozenset[uuid.UUID]:
    return frozenset(uuid.UUID(m) for m in members)


async def list_sheets(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> list[SheetView]:
    """An exchange's sheets (headers and votes, no content), for its participants and chair."""
    access = await reach(session, ctx, hub, exchange_id, "feedback:list")
    rows = await queries.sheets_of(session, access.exchange.id)
    votes = await queries.votes_of(session, [s.id for s in rows])
    panel = await _panel(session, access)
    await hub.record(
        session, ctx, exchange_event(ctx, "feedback:list", access.exchange, access.case)
    )
    needed = policy.required(panel)
    out = []
    for row in rows:
        mine = [v for v in votes if v.sheet_id == row.id]
        standing = policy.standing_approvals(_approvals(mine), panel)
        out.append(SheetView(row, mine, _ids(needed), _ids(standing)))
    return out


async def _reach_sheet(
    session: AsyncSession, ctx: RequestContext, hub: Hub, sheet_id: uuid.UUID, action: str
) -> tuple[SheetRow, ExchangeAccess]:
    row = await queries.sheet(session, sheet_id)
    if row is None:
        raise await missing_in(session, event_for(ctx, action, object_id=sheet_id))
    try:
        access = await reach(session, ctx, hub, row.exchange_id, action)
    except NotFound as hidden:
        # The exchange's refusal, logged naming the sheet asked for.
        entries = tuple(replace(e, object_id=str(sheet_id)) for e in hidden.audit)
        raise NotFound(audit=entries) from None
    return row, access


def _open_sheet(hub: Hub, row: SheetRow, event: AuditEvent) -> dict[str, Any]:
    opened = open_or_fail(
        hub.keys,
        event,
        agency_id=str(row.police_agency_id),
        kind=SHEET_KIND,
        record_id=str(row.id),
        version=1,
        key_version=row.key_version,
        wrapped_key=row.wrapped_key,
        blobs=row.sealed,
    )
    return decode_fields(opened)


def _open_comments(hub: Hub, votes: Iterable[VoteRow], event: AuditEvent) -> dict[uuid.UUID, str]:
    out = {}
    for vote in votes:
        if vote.sealed is None or vote.wrapped_key is None or vote.key_version is None:
            continue
        opened = open_or_fail(
            hub.keys,
            event,
            agency_id=str(vote.agency_id),
            kind=VOTE_KIND,
            record_id=str(vote.id),
            version=1,
            key_version=vote.key_version,
            wrapped_key=vote.wrapped_key,
            blobs=vote.sealed,
        )
        out[vote.id] = json.loads(opened[COMMENT])
    return out


async def read_sheet(
    session: AsyncSession, ctx: RequestContext, hub: Hub, sheet_id: uuid.UUID
) -> SheetView:
    """One sheet; its draft while open, refusals' texts while the exchange is open."""
    action = "feedback:read"
    row, access = await _reach_sheet(session, ctx, hub, sheet_id, action)
    votes = await queries.votes_of(session, [row.id])
    panel = await _panel(session, access)
    event = _event(ctx, action, access, row)
    shut = shut_reason(access.exchange, ctx.now)
    fields = None
    comments: dict[uuid.UUID, str] = {}
    if shut is None:
        if row.status == SheetStatus.OPEN.value:
            event = replace(event, fields=tuple(sorted(row.sealed)))
        with_comments = [v for v in votes if v.sealed is not None]
        event = with_owners(event, *(v.agency_id for v in with_comments))
    else:
        event = replace(event, reason=shut)
    await hub.record(session, ctx, event)
    if shut is None:
        if row.status == SheetStatus.OPEN.value:
            fields = _open_sheet(hub, row, event)
        comments = _open_comments(hub, votes, event)
    standing = policy.standing_approvals(_approvals(votes), panel)
    return SheetView(row, votes, _ids(policy.required(panel)), _ids(standing), fields, comments)


async def _vote(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    sheet_id: uuid.UUID,
    action: str,
    *,
    approving: bool,
) -> tuple[SheetRow, ExchangeAccess, list[VoteRow], Panel, AuditEvent, FeedbackVerdict]:
    """Reach the sheet, serialise votes on it, and ask the rule."""
    row, access = await _reach_sheet(session, ctx, hub, sheet_id, action)
    # Votes on one sheet take turns (the row lock), so the last approval sees all the others.
    await queries.lock_sheet(session, row.id)
    row = await queries.sheet(session, row.id) or row
    votes = await queries.votes_of(session, [row.id])
    panel = await _panel(session, access)
    event = _event(ctx, action, access, row)
    verdict = policy.may_vote(
        _member(ctx, access),
        status=SheetStatus(row.status),
        shut=shut_reason(access.exchange, ctx.now) is not None,
        panel=panel,
        approvals=_approvals(votes),
        approving=approving,
    )
    if not verdict.allowed:
        raise _answer(verdict, event)
    return row, access, votes, panel, event, verdict


async def approve(
    session: AsyncSession, ctx: RequestContext, hub: Hub, sheet_id: uuid.UUID
) -> SheetView:
    """Approve the draft; the approval that completes the consensus writes the police note."""
    row, access, votes, panel, event, verdict = await _vote(
        session, ctx, hub, sheet_id, "feedback:approve", approving=True
    )
    vote = VoteRow(
        uuid.uuid4(),
        row.id,
        ctx.principal.member_id,
        ctx.principal.agency_id,
        "approve",
        None,
        ctx.now,
    )
    votes = [*votes, vote]
    approvals = _approvals(votes)
    done = policy.completion(approvals, panel)
    await queries.add_vote(session, vote)
    await hub.record(session, ctx, replace(event, reason=verdict.reason.value))
    standing = policy.standing_approvals(approvals, panel)
    if done.allowed:
        row = await _complete(session, ctx, hub, row, access, sorted(standing), event)
    return SheetView(row, votes, _ids(policy.required(panel)), _ids(standing))


async def _complete(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    row: SheetRow,
    access: ExchangeAccess,
    approvers: list[str],
    event: AuditEvent,
) -> SheetRow:
    """Every member who must agree approved: check the draft again against what the hub holds
    now, and write it as the police agency's note."""
    template = await note_queries.template(session, row.template_id)
    assert template is not None  # noqa: S101 - foreign key
    opened = _open_sheet(hub, row, event)
    complete = replace(event, action="feedback:complete")
    await _check_secrecy(
        session,
        hub,
        ctx,
        access,
        template=template,
        values=opened,
        quotes=row.quotes,
        event=complete,
    )
    encoded = encode_fields(specs_of(template), opened)
    made = await notes.create_on_consensus(
        session,
        ctx,
        hub,
        case=access.case,
        template=template,
        owner_agency_id=row.police_agency_id,
        author_id=row.drafted_by,
        encoded=encoded,
        reason=CONSENSUS,
    )
    if not await queries.end_sheet(
        session, row.id, SheetStatus.APPROVED.value, ctx.now, made.note.id
    ):
        raise Conflict("the feedback sheet was ended meanwhile", extra={"reason": "sheet_not_open"})
    note_id = str(made.note.id)
    await hub.record(
        session,
        ctx,
        replace(complete, reason=FeedbackReason.APPROVED_BY_ALL.value, note_id=note_id),
        # Who approved: one entry per member, naming the note their consensus made.
        *(
            replace(
                event, action="feedback:consensus", reason="approved", note_id=note_id, object_id=m
            )
            for m in approvers
        ),
    )
    return replace(row, status=SheetStatus.APPROVED.value, ended_at=ctx.now, note_id=made.note.id)


async def refuse(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    sheet_id: uuid.UUID,
    *,
    reason: RefusalReason,
    comment: str | None,
) -> SheetView:
    """Refuse the draft, with a reason code and perhaps a short text: this ends it."""
    row, access, votes, panel, event, verdict = await _vote(
        session, ctx, hub, sheet_id, "feedback:refuse", approving=False
    )
    vote_id = uuid.uuid4()
    sealed: tuple[int | None, bytes | None, dict[str, str] | None] = (None, None, None)
    if comment:
        sealed = seal(
            hub.keys,
            agency_id=str(ctx.principal.agency_id),
            kind=VOTE_KIND,
            record_id=str(vote_id),
            version=1,
            values={COMMENT: json.dumps(comment, ensure_ascii=False)},
        )
    vote = VoteRow(
        vote_id,
        row.id,
        ctx.principal.member_id,
        ctx.principal.agency_id,
        "refuse",
        reason.value,
        ctx.now,
        *sealed,
    )
    await queries.add_vote(session, vote)
    if not await queries.end_sheet(session, row.id, SheetStatus.REFUSED.value, ctx.now):
        raise Conflict("the feedback sheet was ended meanwhile", extra={"reason": "sheet_not_open"})
    fields = (COMMENT,) if comment else ()
    entry = with_owners(replace(event, reason=reason.value, fields=fields), ctx.principal.agency_id)
    await hub.record(session, ctx, entry)
    votes = [*votes, vote]
    standing = policy.standing_approvals(_approvals(votes), panel)
    row = replace(row, status=SheetStatus.REFUSED.value, ended_at=ctx.now)
    return SheetView(row, votes, _ids(policy.required(panel)), _ids(standing))
