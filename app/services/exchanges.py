"""Exchanges: convened by a cell's chair (or delegate) for one case; participants are invited.

Only the chair, delegates and current participants know an exchange exists; anyone else gets 404.
Reaching an exchange is one statement (``app.db.queries.exchanges.reach``): the exchange, its
cell, case and subject, and the caller's standing in it.

Who may do what is decided by the engine's exchange permissions
(``app.policies.sharing.access``, through ``Authorizer.decide_exchange``): a use case builds an
``ExchangeAsk`` from the rows it loaded (``ExchangeAccess.ask``) and answers a denial with
``refusal``, which picks the status from the reason that decided and logs that reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import cells, orgs
from app.db.queries import exchanges as queries
from app.db.queries.cases import CaseRow
from app.db.queries.cells import CellFacts
from app.db.queries.exchanges import ExchangeRow, ParticipantRow
from app.db.queries.orgs import MemberRow
from app.db.queries.participants import NamedParticipant, named_participants
from app.errors import (
    AppError,
    Conflict,
    DeclarationRequired,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from app.policies import Decision, Permission
from app.policies import sharing as access_policy
from app.policies.sharing import (
    AccessReason,
    Caller,
    ExchangeAction,
    ExchangeAsk,
    ExchangeFacts,
    Participation,
    chairs,
    exchange_shut,
    hides,
)
from app.policies.vocabulary import MemberStatus, Role
from app.services.authz import denied, event_for, with_owners
from app.services.cases import load_case
from app.services.concerns import missing_in
from app.services.context import RequestContext
from app.services.hub import Hub

MAX_DURATION = timedelta(days=366)


@dataclass(frozen=True)
class ExchangeAccess:
    """An exchange as one caller reaches it: as chair (or delegate), as participant, or both.

    ``seated``: the caller sits in the exchange's cell (what makes a chair delegate chair it).
    ``declaration_accepted``: the caller accepted the cell's confidentiality declaration for it.
    """

    exchange: ExchangeRow
    cell: CellFacts
    case: CaseRow
    is_chair: bool
    participant: ParticipantRow | None
    seated: bool
    declaration_accepted: bool = False

    def ask(
        self,
        ctx: RequestContext,
        action: ExchangeAction,
        *,
        note_owner: uuid.UUID | None = None,
        grantee_participates: bool | None = None,
    ) -> ExchangeAsk:
        """The engine's question for the caller, from the rows already loaded."""
        p = self.participant
        return ExchangeAsk(
            action=action,
            caller=caller(ctx),
            cell=cell_facts(self.cell),
            seated=self.seated,
            participation=None if p is None else Participation(p.invited_at, p.removed_at, p.guest),
            exchange=exchange_facts(self.exchange, self.cell.kind),
            now=ctx.now,
            note_owner_agency_id=None if note_owner is None else str(note_owner),
            grantee_participates=grantee_participates,
            declaration_accepted=self.declaration_accepted,
        )


def caller(ctx: RequestContext) -> Caller:
    """The engine's view of the member asking."""
    who = ctx.principal
    return Caller(
        member_id=str(who.member_id),
        agency_id=str(who.agency_id),
        roles=frozenset(r.value for r in who.roles),
        status=who.status.value,
    )


def cell_facts(cell: CellFacts) -> access_policy.CellFacts:
    """The engine's view of a cell."""
    chair = None if cell.chair_member_id is None else str(cell.chair_member_id)
    return access_policy.CellFacts(str(cell.id), cell.kind, chair)


def exchange_facts(exchange: ExchangeRow, cell_kind: str) -> ExchangeFacts:
    """The engine's view of an exchange's window."""
    x = exchange
    return ExchangeFacts(str(x.id), cell_kind, x.opens_at, x.expires_at, x.closed_at)


# How a refusal is answered, by the reason that decided (the first): a hiding reason
# (``hides``), a note the caller may not release and anything unforeseen answer 404, as an
# unknown id does; these are answered as refusals of what the caller may know about.
_REFUSALS: dict[str, tuple[type[AppError], str]] = {
    AccessReason.NOT_CHAIR: (Forbidden, "only the chair or a chair delegate may do this"),
    AccessReason.EXCHANGE_CLOSED: (Conflict, "the exchange is closed"),
    AccessReason.EXCHANGE_NOT_OPEN: (Conflict, "the exchange is not open yet"),
    AccessReason.NOT_IN_CELL: (
        Conflict,
        "only members of the cell can take part; invite them into the cell first",
    ),
    AccessReason.GRANTEE_NOT_PARTICIPANT: (
        Conflict,
        "grants go to current participants of the exchange",
    ),
    AccessReason.GUEST_NOT_ACTIVE: (Conflict, "a guest must be an active member"),
    AccessReason.NOT_IN_WORKING_GROUP: (
        Conflict,
        "this exchange belongs to a working group: only its members can take part; "
        "add them to the working group first",
    ),
}
API = "/api/v1"


def refusal(decision: Decision, event: AuditEvent, *, detail: str | None = None) -> AppError:
    """The answer to a denied exchange permission, logging the reason that decided."""
    reason = str(decision.reason)
    audit = (denied(event, reason),)
    if reason == AccessReason.DECLARATION_REQUIRED:
        return _declaration_required(event.exchange_id, audit)
    answer = None if hides(decision) else _REFUSALS.get(reason)
    if answer is None:
        return NotFound(audit=audit)
    kind, text = answer
    return kind(detail or text, extra={"reason": reason}, audit=audit)


def _declaration_required(exchange_id: str | None, audit: tuple[AuditEvent, ...]) -> AppError:
    at = f"{API}/exchanges/{exchange_id}/declaration"
    detail = (
        "you take part in this exchange as a guest: read the cell's confidentiality declaration "
        f"(GET {at}) and accept it (POST {at}/accept) before reading anything shared here"
    )
    extra = {"reason": AccessReason.DECLARATION_REQUIRED.value, "declaration": at}
    return DeclarationRequired(detail, extra={**extra, "accept": f"{at}/accept"}, audit=audit)


def permit(hub: Hub, ask: ExchangeAsk, event: AuditEvent, *, detail: str | None = None) -> None:
    """Go on if the engine allows; otherwise raise its refusal, logged with ``event``."""
    decision = hub.authz.decide_exchange(ask)
    if not decision.allowed:
        raise refusal(decision, event, detail=detail)


def exchange_event(
    ctx: RequestContext, action: str, exchange: ExchangeRow, case: CaseRow | None = None
) -> AuditEvent:
    """An access-log event naming the exchange, its purpose, cell, case and subject (and
    concerning the subject's agency)."""
    event = event_for(
        ctx,
        action,
        cell_id=exchange.cell_id,
        case_id=exchange.case_id,
        subject_id=None if case is None else case.subject_id,
        owners=() if case is None else [case.subject_owner_id],
    )
    return replace(event, exchange_id=str(exchange.id), purpose=exchange.purpose)


async def reach(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    action: str,
    asks: ExchangeAction = ExchangeAction.SEE,
) -> ExchangeAccess:
    """The exchange if the engine lets the caller ``asks`` of it; otherwise its refusal, logged
    as ``action``: 404 to whoever may not know it (as for an unknown id), 403 ``not_chair``."""
    found = await queries.reach(session, exchange_id, ctx.principal.member_id)
    if found is None:
        raise await missing_in(session, event_for(ctx, action, object_id=exchange_id))
    access = ExchangeAccess(
        found.exchange,
        found.cell,
        found.case,
        False,
        found.participant,
        found.seated,
        found.declaration_accepted,
    )
    question = access.ask(ctx, asks)
    permit(hub, question, exchange_event(ctx, action, found.exchange, found.case))
    return replace(access, is_chair=chairs(question) is not None)


def shut_reason(exchange: ExchangeRow, now: datetime) -> str | None:
    """Why nothing is readable through the exchange now (the engine's rule 10), or None."""
    # The rule reads the window only; the cell's kind plays no part in it.
    reason = exchange_shut(exchange_facts(exchange, ""), now)
    return None if reason is None else reason.value


def is_open(exchange: ExchangeRow, now: datetime) -> bool:
    """True while the exchange accepts reads and changes."""
    return shut_reason(exchange, now) is None


async def convene(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    case_id: uuid.UUID,
    working_group_id: uuid.UUID | None,
    purpose: str,
    legal_basis: str,
    opens_at: datetime | None,
    expires_at: datetime,
) -> ExchangeAccess:
    """Open an exchange on a case of a cell the caller chairs (or is a delegate of)."""
    case = await load_case(session, ctx, hub, case_id, Permission.CASE_READ, "exchange:create")
    found = await cells.cell_facts(session, case.cell_id, ctx.principal.member_id)
    assert found is not None  # noqa: S101 - foreign key
    cell, seated = found
    question = ExchangeAsk(
        ExchangeAction.CONVENE, caller(ctx), cell_facts(cell), seated, None, None, ctx.now
    )
    event = event_for(
        ctx,
        "exchange:create",
        cell_id=cell.id,
        case_id=case.id,
        subject_id=case.subject_id,
        owners=[case.subject_owner_id],
    )
    text = "only the cell's chair or a chair delegate convenes an exchange"
    permit(hub, question, event, detail=text)
    opens = opens_at or ctx.now
    if not (opens < expires_at and ctx.now < expires_at and expires_at - opens <= MAX_DURATION):
        raise ValidationFailed("expires_at must be after opens_at and now, within a year")
    if working_group_id is not None:
        if await cells.working_group_cell(session, working_group_id) != cell.id:
            raise ValidationFailed("the working group is not one of this cell's")
    exchange = ExchangeRow(
        id=uuid.uuid4(),
        cell_id=cell.id,
        case_id=case.id,
        working_group_id=working_group_id,
        purpose=purpose,
        legal_basis=legal_basis,
        opens_at=opens,
        expires_at=expires_at,
        closed_at=None,
        created_at=ctx.now,
    )
    await queries.add_exchange(session, exchange, convened_by=ctx.principal.member_id)
    await hub.record(session, ctx, exchange_event(ctx, "exchange:create", exchange, case))
    return ExchangeAccess(exchange, cell, case, True, None, seated)


async def read(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> ExchangeAccess:
    """One exchange's header (chair and participants only), logged."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:read")
    event = exchange_event(ctx, "exchange:read", access.exchange, access.case)
    await hub.record(session, ctx, event)
    return access


async def invite(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    guest: bool = False,
) -> ParticipantRow:
    """The chair invites a member of the cell (law of 30 July 2018, art. 3; rule 1), or, as a
    guest of this exchange only, a member without a seat (art. 458ter §2: they accept the cell's
    confidentiality declaration before reading; the cell must have one)."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:invite", ExchangeAction.CHAIR)
    found = await orgs.cell_member(session, access.cell.id, member_id)
    invitee, seated = found if found is not None else (None, False)
    agency = None if invitee is None else invitee.agency_id
    current = await queries.participation(session, access.exchange.id, member_id)
    event = exchange_event(ctx, "exchange:invite", access.exchange, access.case)
    event = with_owners(replace(event, object_id=str(member_id)), agency)
    group = access.exchange.working_group_id
    in_group = None if group is None else await cells.in_working_group(session, group, member_id)
    # Asked about the invitee: seated in the cell (or a guest), in the exchange's working
    # group if it has one, while the exchange is open.
    question = replace(
        access.ask(ctx, ExchangeAction.TAKE_PART),
        caller=_invitee(member_id, invitee),
        seated=seated,
        participation=None
        if current is None
        else Participation(current.invited_at, current.removed_at, current.guest),
        guest_invite=guest,
        in_working_group=in_group,
    )
    permit(hub, question, event)
    if current is not None:
        return current
    as_guest = guest and not seated
    if as_guest:
        event = replace(event, reason=AccessReason.GUEST.value)
        if await cells.current_declaration(session, access.cell.id) is None:
            text = "the cell has no confidentiality declaration: the chair must set one first"
            reason = "no_declaration"
            raise Conflict(text, extra={"reason": reason}, audit=(denied(event, reason),))
    row = await queries.add_participant(
        session,
        access.exchange.id,
        member_id,
        invited_by=ctx.principal.member_id,
        now=ctx.now,
        guest=as_guest,
    )
    await hub.record(session, ctx, event)
    return row


def _invitee(member_id: uuid.UUID, row: MemberRow | None) -> Caller:
    # An unknown member is nobody's, holds no role and sits in no cell.
    if row is None:
        return Caller(str(member_id), "", frozenset(), "")
    return Caller(str(row.id), str(row.agency_id), frozenset(row.roles), row.status)


async def remove(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    member_id: uuid.UUID,
) -> None:
    """The chair removes a participant; it takes effect on the very next read."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:remove", ExchangeAction.CHAIR)
    current = await queries.participation(session, access.exchange.id, member_id)
    if current is None:
        raise await missing_in(session, event_for(ctx, "exchange:remove", object_id=member_id))
    await queries.end_participation(session, current.id, ctx.now)
    agency = await orgs.member_row(session, member_id)
    event = exchange_event(ctx, "exchange:remove", access.exchange, access.case)
    event = replace(event, object_id=str(member_id))
    await hub.record(session, ctx, with_owners(event, agency.agency_id if agency else None))


async def close(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> ExchangeAccess:
    """The chair closes the exchange; nothing is readable through it afterwards."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:close", ExchangeAction.CHAIR)
    if access.exchange.closed_at is None:
        await queries.close(session, access.exchange.id, ctx.now)
        access = replace(access, exchange=replace(access.exchange, closed_at=ctx.now))
    await hub.record(
        session, ctx, exchange_event(ctx, "exchange:close", access.exchange, access.case)
    )
    return access


@dataclass(frozen=True)
class ListedParticipant:
    """A participant as the list shows them: a guest stays unnamed until they accepted the
    cell's declaration for this exchange (decision 191)."""

    participant: ParticipantRow
    display_name: str | None = None
    agency_id: uuid.UUID | None = None
    agency_name: str | None = None


def _listed(named: NamedParticipant) -> ListedParticipant:
    if named.participant.guest and not named.accepted:
        return ListedParticipant(named.participant)
    return ListedParticipant(
        named.participant, named.display_name, named.agency_id, named.agency_name
    )


async def list_participants(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> list[ListedParticipant]:
    """Current participants, named (chair and participants); none once the exchange is shut."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:participants")
    event = exchange_event(ctx, "exchange:participants", access.exchange, access.case)
    shut = shut_reason(access.exchange, ctx.now)
    if shut is not None:
        # Rule 10: after closing or expiry the exchange answers its header and status only.
        await hub.record(session, ctx, replace(event, reason=shut))
        return []
    await hub.record(session, ctx, event)
    return [_listed(n) for n in await named_participants(session, access.exchange.id)]


async def my_exchanges(
    session: AsyncSession, ctx: RequestContext, hub: Hub
) -> list[tuple[ExchangeRow, bool, bool]]:
    """Exchanges the caller chairs or takes part in, as (exchange, chairs, participates)."""
    await hub.record(session, ctx, event_for(ctx, "exchange:list"))
    if ctx.principal.status is not MemberStatus.ACTIVE:
        return []
    delegate = Role.CHAIR_DELEGATE in ctx.principal.roles
    return await queries.my_exchanges(session, ctx.principal.member_id, delegate=delegate)
