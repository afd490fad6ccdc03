"""The decision engine: a pure function of facts and a table of rules.

A rule looks at an access request and says allow, deny (with a reason) or nothing. Any deny wins;
otherwise at least one allow is needed; otherwise the answer is ``no_rule_allows`` (DOMAIN.md
rule 15). An empty rule table therefore denies everything. Time is passed in, never read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from app.policies.permissions import Permission
from app.policies.vocabulary import Clearance, MemberStatus, Role


class Effect(StrEnum):
    """What a rule says."""

    ALLOW = "allow"
    DENY = "deny"


class Reason(StrEnum):
    """Stable reason codes; they go into the access log and the explain endpoint."""

    OWN_AGENCY = "own_agency"
    CELL_AGENCY = "cell_agency"
    HUB_ADMIN = "hub_admin"
    AUDITOR = "auditor"
    HUB_AUDITOR = "hub_auditor"
    MEMBER_SUSPENDED = "member_suspended"
    ROLE_NOT_PERMITTED = "role_not_permitted"
    NO_RULE_ALLOWS = "no_rule_allows"


class ResourceKind(StrEnum):
    """What is being accessed."""

    AGENCY = "agency"
    MEMBER = "member"
    CELL = "cell"
    TEMPLATE = "template"
    SUBJECT = "subject"
    CASE = "case"
    NOTE = "note"
    AUDIT_LOG = "audit_log"


@dataclass(frozen=True)
class Actor:
    """The facts about who asks."""

    member_id: str
    agency_id: str
    roles: frozenset[Role]
    status: MemberStatus
    bound_by_secrecy: bool = False
    clearance: Clearance = Clearance.NONE


@dataclass(frozen=True)
class Resource:
    """The facts about what is asked for; ``owner_agency_id`` is None for hub-level objects."""

    kind: ResourceKind
    owner_agency_id: str | None = None
    cell_agency_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class AccessRequest:
    """One question to the engine."""

    actor: Actor
    action: Permission
    resource: Resource
    now: datetime


@dataclass(frozen=True)
class Verdict:
    """What one rule says about one request; ``reason`` is a member of a reason StrEnum."""

    effect: Effect
    reason: str


@dataclass(frozen=True)
class Decision:
    """The engine's answer with every reason that contributed."""

    allowed: bool
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        """The reason that decided: the first deny, or the first allow."""
        return self.reasons[0]


Q = TypeVar("Q", contravariant=True)
R = TypeVar("R")


class RuleOf(Protocol[Q]):
    """A named rule over requests of one kind; returns None when it has nothing to say."""

    @property
    def name(self) -> str:
        """Stable name, used in configuration and tests."""
        ...

    def evaluate(self, request: Q) -> Verdict | None:
        """Allow, deny or abstain."""
        ...


Rule = RuleOf[AccessRequest]


def decide(request: R, rules: Sequence[RuleOf[R]]) -> Decision:
    """Apply the rule table: any deny wins, else an allow is needed, else deny by default."""
    return combine([v for v in (rule.evaluate(request) for rule in rules) if v is not None])


def combine(verdicts: Sequence[Verdict]) -> Decision:
    """The decision the verdicts of a rule table add up to."""
    denies = tuple(v.reason for v in verdicts if v.effect is Effect.DENY)
    if denies:
        return Decision(allowed=False, reasons=denies)
    allows = tuple(v.reason for v in verdicts if v.effect is Effect.ALLOW)
    if allows:
        return Decision(allowed=True, reasons=allows)
    return Decision(allowed=False, reasons=(Reason.NO_RULE_ALLOWS,))
