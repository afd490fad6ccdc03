"""Authorisation for use cases: ask the policy engine, record the answer, fail the right way.

Every decision that touches personal data goes into the access log. A denied object answers 404,
exactly as a missing one, unless the caller may know it exists (then 403).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from app.audit.log import AuditEvent, Outcome
from app.errors import Forbidden, NotFound
from app.policies import AccessRequest, Decision, Permission, Resource, Rule, decide
from app.policies.engine import RuleOf
from app.policies.rules import DEFAULT_RULES
from app.policies.sharing import EXCHANGE_PERMISSIONS, SHARING_RULES, ExchangeAsk, ShareRequest
from app.services.context import RequestContext


class Authorizer:
    """Holds the rule table (configuration) and turns decisions into errors and log events."""

    def __init__(
        self,
        rules: Sequence[Rule] = DEFAULT_RULES,
        sharing_rules: Sequence[RuleOf[ShareRequest]] = SHARING_RULES,
        exchange_permissions: Sequence[RuleOf[ExchangeAsk]] = EXCHANGE_PERMISSIONS,
    ) -> None:
        self.rules = tuple(rules)
        self.sharing_rules = tuple(sharing_rules)
        self.exchange_permissions = tuple(exchange_permissions)

    def decide(self, ctx: RequestContext, action: Permission, resource: Resource) -> Decision:
        """The engine's decision for this caller, action and resource."""
        request = AccessRequest(ctx.principal.actor(), action, resource, ctx.now)
        return decide(request, self.rules)

    def decide_exchange(self, ask: ExchangeAsk) -> Decision:
        """Whether a member may do this with an exchange: the one place it is decided.

        ``app.services.exchanges.refusal`` turns a denial into the answer and the log entry.
        """
        return decide(ask, self.exchange_permissions)

    def require(
        self,
        ctx: RequestContext,
        action: Permission,
        resource: Resource,
        *,
        event: AuditEvent | None = None,
        hide: bool = True,
    ) -> Decision:
        """Return the decision if allowed; otherwise raise 404 (hide) or 403, logging the denial."""
        decision = self.decide(ctx, action, resource)
        if decision.allowed:
            return decision
        audit = () if event is None else (denied(event, str(decision.reason)),)
        if hide:
            raise NotFound(audit=audit)
        raise Forbidden(audit=audit)


def event_for(
    ctx: RequestContext,
    action: str,
    *,
    reason: str = "",
    cell_id: object = None,
    case_id: object = None,
    subject_id: object = None,
    note_id: object = None,
    object_id: object = None,
    fields: Sequence[str] = (),
    owners: Iterable[object] = (),
) -> AuditEvent:
    """An allow event for this caller, naming the objects it touches and the agencies whose
    data they are (``owners``: from the rows the use case loaded)."""
    return AuditEvent(
        action=action,
        outcome=Outcome.ALLOW,
        reason=reason,
        actor_member_id=str(ctx.principal.member_id),
        actor_agency_id=str(ctx.principal.agency_id),
        cell_id=_id(cell_id),
        case_id=_id(case_id),
        subject_id=_id(subject_id),
        note_id=_id(note_id),
        object_id=_id(object_id),
        fields=tuple(fields),
        owners=owned(*owners),
    )


def owned(*agency_ids: object) -> tuple[str, ...]:
    """Owners of an event: the agencies' ids, once each, sorted (None is nobody)."""
    return tuple(sorted({str(a) for a in agency_ids if a is not None}))


def with_owners(event: AuditEvent, *agency_ids: object) -> AuditEvent:
    """The event, also concerning these agencies."""
    return replace(event, owners=owned(*event.owners, *agency_ids))


def denied(event: AuditEvent, reason: str) -> AuditEvent:
    """The same event, as a denial with its reason."""
    return replace(event, outcome=Outcome.DENY, reason=reason)


def missing(event: AuditEvent) -> NotFound:
    """A 404 for an id that does not exist, logged like any other denial (probing shows up)."""
    return NotFound(audit=(denied(event, "not_found"),))


def _id(value: object) -> str | None:
    return None if value is None else str(value)
