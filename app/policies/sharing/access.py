"""Who may do what with an exchange itself: know it, convene, chair, take part, release, grant.

The one place these questions are decided, as permissions with reason codes. Facts in,
``decide(ExchangeAsk(...), EXCHANGE_PERMISSIONS)`` out: any deny wins, an allow is needed, an
empty table denies (the engine's ``decide``). The services ask through
``Authorizer.decide_exchange``, with facts from rows they already loaded
(``app.services.exchanges``: ``reach``, ``ExchangeAccess.ask``, ``refusal``).

How a service answers a denial, as the services answer today: ``hides(decision)`` (a reason in
``HIDING``) means the caller may not know the exchange exists: 404, like an unknown id.
``NOT_OWN_NOTE`` and ``ROLE_NOT_PERMITTED`` hide the note (404 for the note); ``NOT_CHAIR`` is
403; ``DECLARATION_REQUIRED`` is 403 with its own problem type; ``EXCHANGE_CLOSED``,
``EXCHANGE_NOT_OPEN``, ``NOT_IN_CELL``, ``GUEST_NOT_ACTIVE``, ``NOT_IN_WORKING_GROUP`` and
``GRANTEE_NOT_PARTICIPANT`` are 409. The first reason is the one to log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.policies.engine import Decision, Effect, RuleOf, Verdict
from app.policies.permissions import Permission, permissions_of
from app.policies.sharing.coverage import in_force
from app.policies.sharing.facts import ExchangeFacts
from app.policies.sharing.rules import exchange_shut
from app.policies.vocabulary import MemberStatus, Role


class ExchangeAction(StrEnum):
    """What a member asks to do with an exchange."""

    SEE = "exchange:see"  # know it exists: its header, participants, releases (reach)
    CONVENE = "exchange:convene"  # open a new exchange in a cell (no exchange yet)
    CHAIR = "exchange:chair"  # invite, remove, close, list or withdraw grants
    TAKE_PART = "exchange:take_part"  # be invited: asked about the invitee
    RELEASE = "exchange:release"  # release fields of one's own agency's note
    WITHDRAW_RELEASE = "exchange:withdraw_release"  # withdraw such a release (even once shut)
    GRANT = "exchange:grant"  # grant a released field or class to a participant or a role
    VIEW = "exchange:view"  # read the view (each field is then decided by the sharing rules)
    EXPLAIN = "exchange:explain"  # why fields are visible or not (chair: per participant)


class AccessReason(StrEnum):
    """Reason codes of exchange permissions (stable: they go into the access log)."""

    CHAIR = "chair"
    CHAIR_DELEGATE = "chair_delegate"
    PARTICIPANT = "participant"
    SEATED = "seated"
    NOT_PARTICIPANT = "not_participant"
    MEMBER_SUSPENDED = "member_suspended"
    NOT_CHAIR = "not_chair"
    NOT_IN_CELL = "not_in_cell"
    NOT_OWN_NOTE = "not_own_note"
    ROLE_NOT_PERMITTED = "role_not_permitted"
    EXCHANGE_CLOSED = "exchange_closed"
    EXCHANGE_NOT_OPEN = "exchange_not_open"
    GRANTEE_NOT_PARTICIPANT = "grantee_not_participant"
    GUEST = "guest"
    GUEST_NOT_ACTIVE = "guest_not_active"
    LEFT_THE_CELL = "left_the_cell"
    NOT_IN_WORKING_GROUP = "not_in_working_group"
    DECLARATION_REQUIRED = "declaration_required"


ROLES = {role.value: role for role in Role}
ACTIVE = MemberStatus.ACTIVE.value

# A caller denied for one of these may not know the exchange exists: answer as for an unknown id.
HIDING = frozenset(
    {AccessReason.NOT_PARTICIPANT, AccessReason.MEMBER_SUSPENDED, AccessReason.LEFT_THE_CELL}
)

# Who each standing lets do what.
CHAIR_ACTIONS = frozenset(
    {
        ExchangeAction.SEE,
        ExchangeAction.CONVENE,
        ExchangeAction.CHAIR,
        ExchangeAction.GRANT,
        ExchangeAction.WITHDRAW_RELEASE,
        ExchangeAction.VIEW,
        ExchangeAction.EXPLAIN,
    }
)
PARTICIPANT_ACTIONS = frozenset(
    {
        ExchangeAction.SEE,
        ExchangeAction.RELEASE,
        ExchangeAction.WITHDRAW_RELEASE,
        ExchangeAction.VIEW,
        ExchangeAction.EXPLAIN,
    }
)
# Actions on an exchange that exists, so only those who know it may ask (not convene, nor the
# question whether an invitee may take part, which is asked about the invitee).
KNOWING_ACTIONS = frozenset(ExchangeAction) - {ExchangeAction.CONVENE, ExchangeAction.TAKE_PART}
CHAIR_ONLY = frozenset({ExchangeAction.CONVENE, ExchangeAction.CHAIR, ExchangeAction.GRANT})
# What a guest may do only after accepting the cell's confidentiality declaration (a read).
READS = frozenset({ExchangeAction.VIEW, ExchangeAction.EXPLAIN})
# What only the note's own agency does, with a role that may release.
OWNER_ACTIONS = frozenset({ExchangeAction.RELEASE, ExchangeAction.WITHDRAW_RELEASE})
# Changes that need the exchange open (withdrawals and closing do not).
OPEN_ONLY = frozenset({ExchangeAction.TAKE_PART, ExchangeAction.RELEASE, ExchangeAction.GRANT})


@dataclass(frozen=True, slots=True)
class Caller:
    """The member asking (for ``TAKE_PART``: the member who would take part)."""

    member_id: str
    agency_id: str
    roles: frozenset[str]
    status: str


@dataclass(frozen=True, slots=True)
class CellFacts:
    """The exchange's cell (or, to convene, the case's cell): its kind and its chair."""

    cell_id: str
    kind: str
    chair_member_id: str | None


@dataclass(frozen=True, slots=True)
class Participation:
    """The caller's participation in the exchange: invited, and perhaps removed.

    ``guest``: invited into this exchange only, without a seat in the cell (art. 458ter §2).
    """

    invited_at: datetime
    removed_at: datetime | None = None
    guest: bool = False


@dataclass(frozen=True, slots=True)
class ExchangeAsk:
    """One question about an exchange.

    ``seated``: the caller sits in the cell. ``participation``: the caller's latest
    participation in this exchange, if any. ``exchange``: None only to convene.
    ``note_owner_agency_id``: for ``RELEASE`` and ``WITHDRAW_RELEASE``, the agency owning the
    note (of the release).
    ``grantee_participates``: for ``GRANT`` to a member, whether they take part now (None for
    a grant to a role).
    ``guest_invite``: for ``TAKE_PART``, the chair invites the member as a guest of this exchange.
    ``in_working_group``: for ``TAKE_PART``, whether the invitee is a member of the exchange's
    working group (None: the exchange belongs to no working group).
    ``declaration_accepted``: the caller accepted the cell's confidentiality declaration for this
    exchange.
    """

    action: ExchangeAction
    caller: Caller
    cell: CellFacts
    seated: bool
    participation: Participation | None
    exchange: ExchangeFacts | None
    now: datetime
    note_owner_agency_id: str | None = None
    grantee_participates: bool | None = None
    guest_invite: bool = False
    in_working_group: bool | None = None
    declaration_accepted: bool = False


def chairs(ask: ExchangeAsk) -> AccessReason | None:
    """Who chairs: the cell's active chair, or an active chair delegate seated in the cell."""
    caller = ask.caller
    if caller.status != ACTIVE:
        return None
    if ask.cell.chair_member_id == caller.member_id:
        return AccessReason.CHAIR
    if Role.CHAIR_DELEGATE.value in caller.roles and ask.seated:
        return AccessReason.CHAIR_DELEGATE
    return None


def takes_part(ask: ExchangeAsk) -> bool:
    """Invited and not removed at ``now`` (the participation itself, whatever the status)."""
    p = ask.participation
    return p is not None and in_force(p.invited_at, p.removed_at, ask.now)


def participates(ask: ExchangeAsk) -> bool:
    """An active member taking part now."""
    return takes_part(ask) and ask.caller.status == ACTIVE


def as_guest(ask: ExchangeAsk) -> bool:
    """The caller takes part as a guest (invited into this exchange only)."""
    return ask.participation is not None and ask.participation.guest


def hides(decision: Decision) -> bool:
    """True if the caller may not know the exchange exists (answer as for an unknown id)."""
    return not decision.allowed and any(r in HIDING for r in decision.reasons)


def _deny(reason: AccessReason) -> Verdict:
    return Verdict(Effect.DENY, reason)


def _allow(reason: AccessReason) -> Verdict:
    return Verdict(Effect.ALLOW, reason)


@dataclass(frozen=True)
class ChairsTheCell:
    """The chair, or a delegate seated in the cell, convenes and runs the cell's exchanges."""

    name: str = "chairs_the_cell"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Allow the chair's actions to the chair or a seated delegate."""
        if ask.action in CHAIR_ACTIONS:
            reason = chairs(ask)
            if reason is not None:
                return _allow(reason)
        return None


@dataclass(frozen=True)
class TakesPart:
    """Rule 1: an active participant sees the exchange, reads, explains and releases."""

    name: str = "takes_part"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Allow a participant's actions to an active member taking part now."""
        if ask.action in PARTICIPANT_ACTIONS and participates(ask):
            return _allow(AccessReason.PARTICIPANT)
        return None


@dataclass(frozen=True)
class KnownOnlyInside:
    """Only the chair, delegates and current participants know an exchange exists (404)."""

    name: str = "known_only_inside"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny anyone else, naming suspension when a suspended participant asks."""
        if ask.action not in KNOWING_ACTIONS or chairs(ask) is not None or participates(ask):
            return None
        if takes_part(ask):
            return _deny(AccessReason.MEMBER_SUSPENDED)
        return _deny(AccessReason.NOT_PARTICIPANT)


@dataclass(frozen=True)
class ChairOnly:
    """Convening, running an exchange and granting are the chair's (403 to a participant)."""

    name: str = "chair_only"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny the chair's actions to a caller who knows the exchange but does not chair."""
        known = ask.action is ExchangeAction.CONVENE or participates(ask)
        if ask.action in CHAIR_ONLY and known and chairs(ask) is None:
            return _deny(AccessReason.NOT_CHAIR)
        return None


@dataclass(frozen=True)
class ParticipantsRelease:
    """Only a participant releases into an exchange: chairing it is not enough."""

    name: str = "participants_release"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny a release to a chair who does not take part."""
        if ask.action is ExchangeAction.RELEASE and chairs(ask) is not None:
            if not participates(ask):
                return _deny(AccessReason.NOT_PARTICIPANT)
        return None


@dataclass(frozen=True)
class OwnAgencyReleases:
    """Rule 2: only the owning agency releases its note (no one can force a release)."""

    name: str = "own_agency_releases"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny releasing, or withdrawing a release of, another agency's note."""
        if ask.action in OWNER_ACTIONS and ask.note_owner_agency_id != ask.caller.agency_id:
            return _deny(AccessReason.NOT_OWN_NOTE)
        return None


@dataclass(frozen=True)
class ReleasingRole:
    """A release needs a role that carries ``note:release`` (not a chair's or an admin's)."""

    name: str = "releasing_role"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny a release (or its withdrawal) to a caller none of whose roles may release."""
        if ask.action not in OWNER_ACTIONS:
            return None
        roles = {ROLES[r] for r in ask.caller.roles if r in ROLES}
        if Permission.NOTE_RELEASE not in permissions_of(roles):
            return _deny(AccessReason.ROLE_NOT_PERMITTED)
        return None


@dataclass(frozen=True)
class OpenForChanges:
    """Rule 10: nobody is invited, nothing released or granted outside the exchange's window."""

    name: str = "open_for_changes"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny invitations, releases and grants while the exchange is shut."""
        if ask.action not in OPEN_ONLY or ask.exchange is None:
            return None
        shut = exchange_shut(ask.exchange, ask.now)
        return None if shut is None else _deny(AccessReason(shut.value))


@dataclass(frozen=True)
class SeatedInCell:
    """Rule 1 (art. 3): only a member of the cell can take part in its exchanges."""

    name: str = "seated_in_cell"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Allow an invitee seated in the cell, or one the chair invites as a guest of this
        exchange (art. 458ter §2); deny anyone else."""
        if ask.action is not ExchangeAction.TAKE_PART:
            return None
        if ask.seated:
            return _allow(AccessReason.SEATED)
        if ask.guest_invite:
            return _allow(AccessReason.GUEST)
        return _deny(AccessReason.NOT_IN_CELL)


@dataclass(frozen=True)
class GuestsAreActive:
    """A guest is an active member (of an agency the hub knows)."""

    name: str = "guests_are_active"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny a guest invitation to a member who is not active (or unknown)."""
        if ask.action is ExchangeAction.TAKE_PART and ask.guest_invite and not ask.seated:
            if ask.caller.status != ACTIVE:
                return _deny(AccessReason.GUEST_NOT_ACTIVE)
        return None


@dataclass(frozen=True)
class SeatKeepsParticipation:
    """Rule 1: removed from the cell, a participant sees nothing of its exchanges from the next
    read on (a guest of the exchange needs no seat)."""

    name: str = "seat_keeps_participation"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny a participant without a seat who is no guest, as if they never took part."""
        if ask.action not in KNOWING_ACTIONS or chairs(ask) is not None:
            return None
        if takes_part(ask) and not ask.seated and not as_guest(ask):
            return _deny(AccessReason.LEFT_THE_CELL)
        return None


@dataclass(frozen=True)
class WorkingGroupOnly:
    """An exchange of a working group takes part only the group's members."""

    name: str = "working_group_only"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny inviting someone who is not in the exchange's working group."""
        if ask.action is ExchangeAction.TAKE_PART and ask.in_working_group is False:
            return _deny(AccessReason.NOT_IN_WORKING_GROUP)
        return None


@dataclass(frozen=True)
class GuestsAcceptTheDeclaration:
    """Art. 458ter §2: a guest reads nothing before accepting the cell's declaration."""

    name: str = "guests_accept_the_declaration"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny a guest's view and explanation until they accepted the declaration."""
        if ask.action in READS and as_guest(ask) and not ask.declaration_accepted:
            if chairs(ask) is None:
                return _deny(AccessReason.DECLARATION_REQUIRED)
        return None


@dataclass(frozen=True)
class GrantsToParticipants:
    """A grant to a member goes to a current participant of the exchange."""

    name: str = "grants_to_participants"

    def evaluate(self, ask: ExchangeAsk) -> Verdict | None:
        """Deny a grant to a member who does not take part."""
        if ask.action is ExchangeAction.GRANT and ask.grantee_participates is False:
            return _deny(AccessReason.GRANTEE_NOT_PARTICIPANT)
        return None


EXCHANGE_PERMISSIONS: tuple[RuleOf[ExchangeAsk], ...] = (
    KnownOnlyInside(),
    ChairsTheCell(),
    TakesPart(),
    ChairOnly(),
    ParticipantsRelease(),
    OwnAgencyReleases(),
    ReleasingRole(),
    OpenForChanges(),
    SeatedInCell(),
    GrantsToParticipants(),
    GuestsAreActive(),
    SeatKeepsParticipation(),
    WorkingGroupOnly(),
    GuestsAcceptTheDeclaration(),
)
