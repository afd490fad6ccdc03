"""Need-to-know sharing in an exchange (casusoverleg): who may see which note field, and why.

A field is visible to a participant only if the owner released it into this exchange, the chair
granted it to that participant (or their role), every secrecy rule lets it flow, the exchange is
open and the participant still takes part (DOMAIN.md rules 1-10, 13, 15). Nothing here does I/O;
time is passed in (``now``). The package:

``facts``
    What the engine is told, as frozen values: ``ParticipantFacts``, ``ExchangeFacts``,
    ``FieldFacts``, ``ReleaseFacts``, ``GrantFacts``, one question as a ``ShareRequest``; the
    reason codes (``ShareReason``) and the rules' data (``SECRECY_BOUND_CLASSES``, ...).
``coverage``
    Whether a release or grant covers a field, written once: ``in_force``, the places a release
    or grant names (``release_place``/``field_places``, ``grant_place``/``field_grant_places``),
    ``addressed_to``, and ``Names`` (a field is named by its name or its class).
    ``release_covers`` and ``grant_covers`` ask about one release or grant; ``ShareIndex``
    answers the same for all of a read's, built from the same functions.
``rules``
    The rule objects and ``SHARING_RULES``, each with its ``Scope``; ``exchange_shut`` (rule 10)
    and ``release_refusal`` (rule 8 at release time).
``evaluate``
    ``SharingPolicy(rules)``: a rule table compiled once (configuration), and
    ``policy.read(participant, exchange, releases, grants, now)`` → ``Reading`` with
    ``.decide_all(fields)`` → ``{(note id, version, field name): Decision}`` and
    ``.decide(field)``. The same decisions, reasons in the same order, as the engine's
    ``decide(ShareRequest(...), rules)`` per field, found by set lookups: flow rules are asked
    once per kind of field per participant profile and remembered (see ``evaluate``).
    ``decide_fields(...)`` is ``policy_for(rules).read(...).decide_all(fields)``.
``access``
    What a member may do with an exchange itself, as permissions with reason codes:
    ``decide(ExchangeAsk(action, caller, cell, seated, participation, exchange, now, ...),
    EXCHANGE_PERMISSIONS)`` for ``ExchangeAction.SEE`` (know it exists), ``CONVENE``,
    ``CHAIR`` (invite, remove, close, grants), ``TAKE_PART`` (asked about the invitee),
    ``RELEASE``, ``WITHDRAW_RELEASE``, ``GRANT``, ``VIEW`` and ``EXPLAIN``; ``chairs(ask)`` is
    who chairs, ``hides(decision)`` tells a 404 from a 403/409. The services ask it through
    ``Authorizer.decide_exchange`` (``app.services.exchanges``: ``reach``, ``refusal``).

Everything below is importable from ``app.policies.sharing`` as before the split.
"""

from app.policies.sharing.access import (
    EXCHANGE_PERMISSIONS,
    HIDING,
    AccessReason,
    Caller,
    CellFacts,
    ExchangeAction,
    ExchangeAsk,
    Participation,
    as_guest,
    chairs,
    hides,
    participates,
)
from app.policies.sharing.coverage import (
    GRANTED,
    RELEASED,
    Names,
    ShareIndex,
    addressed_to,
    field_grant_places,
    field_places,
    grant_covers,
    grant_names,
    grant_place,
    grant_released,
    in_force,
    release_covers,
    release_place,
)
from app.policies.sharing.evaluate import (
    IndexRule,
    Reading,
    SharingPolicy,
    decide_fields,
    policy_for,
)
from app.policies.sharing.facts import (
    JUDICIAL_CLASSES,
    KNOWN_CLASSES,
    LIVC_CELLS,
    LTF_SOURCES,
    NO_CONTENT_ROLES,
    POLICE_AND_JUSTICE,
    SECRECY_BOUND_CLASSES,
    Coverage,
    ExchangeFacts,
    FieldFacts,
    FieldKey,
    GrantFacts,
    ParticipantFacts,
    ReleaseFacts,
    Scope,
    ShareReason,
    ShareRequest,
    field_key,
    flow_kind,
    profile,
)
from app.policies.sharing.rules import (
    SHARING_RULES,
    ActiveMember,
    AdminsSeeNoContent,
    ChairGranted,
    Classified,
    ExchangeOpen,
    JudicialPoliceOnly,
    KnownSensitivity,
    LtfBridge,
    MinorsUnderSecrecy,
    OwnerReleased,
    Participates,
    ReleaseGate,
    SecrecyFlows,
    exchange_shut,
    release_refusal,
    standing,
)

__all__ = [
    "EXCHANGE_PERMISSIONS",
    "GRANTED",
    "HIDING",
    "JUDICIAL_CLASSES",
    "KNOWN_CLASSES",
    "LIVC_CELLS",
    "LTF_SOURCES",
    "NO_CONTENT_ROLES",
    "POLICE_AND_JUSTICE",
    "RELEASED",
    "SECRECY_BOUND_CLASSES",
    "SHARING_RULES",
    "AccessReason",
    "ActiveMember",
    "AdminsSeeNoContent",
    "Caller",
    "CellFacts",
    "ChairGranted",
    "Classified",
    "Coverage",
    "ExchangeAction",
    "ExchangeAsk",
    "ExchangeFacts",
    "ExchangeOpen",
    "FieldFacts",
    "FieldKey",
    "GrantFacts",
    "IndexRule",
    "JudicialPoliceOnly",
    "KnownSensitivity",
    "LtfBridge",
    "MinorsUnderSecrecy",
    "Names",
    "OwnerReleased",
    "ParticipantFacts",
    "Participates",
    "Participation",
    "Reading",
    "ReleaseFacts",
    "ReleaseGate",
    "Scope",
    "SecrecyFlows",
    "ShareIndex",
    "ShareReason",
    "ShareRequest",
    "SharingPolicy",
    "addressed_to",
    "as_guest",
    "chairs",
    "decide_fields",
    "exchange_shut",
    "field_grant_places",
    "field_key",
    "field_places",
    "flow_kind",
    "grant_covers",
    "grant_names",
    "grant_place",
    "grant_released",
    "hides",
    "in_force",
    "participates",
    "policy_for",
    "profile",
    "release_covers",
    "release_place",
    "release_refusal",
    "standing",
]
