"""Evaluating a sharing rule table for one read: each rule asked only as often as it can matter.

``decide(ShareRequest(...), rules)`` (the engine's) is the reference: every rule, every field.
A ``SharingPolicy`` gives the same decisions, reasons and their order included, by the scopes the
rules declare:

- exchange rules once per read;
- index rules once per policy for each of their four answers (released or not, granted or not);
- flow rules once per kind of field (class, level, owner kind, minor) per participant profile
  (agency kind, roles, secrecy flag, clearance, cell kind); remembered across reads, bounded,
  because a profile's answers depend on nothing that withdrawal, removal, suspension or time
  can change (those are the exchange and index rules, asked afresh every read);
- field rules (a regulation's rule without a narrower scope) for every field.

A field's decision is then the profile's entry for (kind, released, granted), found by set
lookups. The test suite holds this to ``decide`` per field on generated worlds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from app.policies.engine import Decision, RuleOf, Verdict, combine
from app.policies.sharing.coverage import GRANTED, NOTHING, RELEASED, ShareIndex
from app.policies.sharing.facts import (
    ExchangeFacts,
    FieldFacts,
    FieldKey,
    FlowKind,
    GrantFacts,
    ParticipantFacts,
    Profile,
    ReleaseFacts,
    Scope,
    ShareRequest,
    field_key,
    profile,
)
from app.policies.sharing.rules import SHARING_RULES

Said = tuple[tuple[int, Verdict], ...]  # what some rules said, with their place in the table
# The field exchange rules are asked with: they read nothing of it.
NO_FIELD = FieldFacts("", 0, False, "", "", None, "", "")


@runtime_checkable
class IndexRule(Protocol):
    """A rule whose answer is a function of the field being released and granted, nothing else."""

    def given(self, released: bool, granted: bool) -> Verdict | None:
        """Allow, deny or abstain for a field with these two answers."""
        ...


def _scope(rule: RuleOf[ShareRequest]) -> Scope:
    scope = getattr(rule, "scope", Scope.FIELD)
    if scope is Scope.INDEX and not isinstance(rule, IndexRule):
        return Scope.FIELD
    return Scope(scope)


def _ask(rules: Iterable[tuple[int, RuleOf[ShareRequest]]], request: ShareRequest) -> Said:
    said = []
    for at, rule in rules:
        verdict = rule.evaluate(request)
        if verdict is not None:
            said.append((at, verdict))
    return tuple(said)


def _decision(*parts: Said) -> Decision:
    """The decision of everything said, in the table's order (as ``decide`` would list it)."""
    return combine([v for _, v in sorted(p for part in parts for p in part)])


class _ProfileTable:
    """One profile's flow answers per kind of field, and its decisions when the exchange abstains.

    ``slots[kind]`` holds four decisions, one per standing (``RELEASED | GRANTED`` bits), filled
    as they are needed.
    """

    def __init__(self, policy: SharingPolicy) -> None:
        self.policy = policy
        self.flows: dict[FlowKind, Said] = {}
        self.slots: dict[FlowKind, list[Decision | None]] = {}

    def flow(self, kind: FlowKind, request: ShareRequest) -> Said:
        """What the flow rules say about fields of this kind (``request`` has such a field)."""
        said = self.flows.get(kind)
        if said is None:
            if len(self.flows) >= self.policy.max_kinds:
                self.flows.clear()
                self.slots.clear()
            said = self.flows[kind] = _ask(self.policy.flow, request)
        return said

    def fill(self, kind: FlowKind, standing: int, request: ShareRequest) -> Decision:
        """Decide a field of this kind and standing when the exchange rules abstain; remember it."""
        said = self.flow(kind, request)
        slots = self.slots.setdefault(kind, [None, None, None, None])
        decision = slots[standing] = _decision(said, self.policy.index_said(standing))
        return decision


class SharingPolicy:
    """A sharing rule table, compiled once (configuration), deciding reads.

    ``policy.read(participant, exchange, releases, grants, now)`` prepares one read;
    ``.decide_all(fields)`` then answers every field. Holds no fact of any read beyond it: only
    what flow rules said per profile and kind of field, which no withdrawal, removal,
    suspension or expiry changes.
    """

    def __init__(
        self,
        rules: Sequence[RuleOf[ShareRequest]] = SHARING_RULES,
        *,
        max_profiles: int = 512,
        max_kinds: int = 4096,
    ) -> None:
        self.rules = tuple(rules)
        self.max_profiles = max_profiles
        self.max_kinds = max_kinds
        placed: dict[Scope, list[tuple[int, RuleOf[ShareRequest]]]] = {s: [] for s in Scope}
        for at, rule in enumerate(self.rules):
            placed[_scope(rule)].append((at, rule))
        self.exchange = tuple(placed[Scope.EXCHANGE])
        self.flow = tuple(placed[Scope.FLOW])
        self.per_field = tuple(placed[Scope.FIELD])
        indexed = [(at, rule) for at, rule in placed[Scope.INDEX] if isinstance(rule, IndexRule)]
        self._index = tuple(_given(indexed, standing) for standing in range(4))
        self._profiles: dict[Profile, _ProfileTable] = {}

    def index_said(self, standing: int) -> Said:
        """What the index rules say about a field of this standing (``RELEASED | GRANTED``)."""
        return self._index[standing]

    def table(self, participant: ParticipantFacts, exchange: ExchangeFacts) -> _ProfileTable:
        """The remembered flow answers of this participant's profile in this exchange's cell."""
        key = profile(participant, exchange)
        table = self._profiles.get(key)
        if table is None:
            if len(self._profiles) >= self.max_profiles:
                del self._profiles[next(iter(self._profiles))]
            table = self._profiles[key] = _ProfileTable(self)
        return table

    def read(
        self,
        participant: ParticipantFacts,
        exchange: ExchangeFacts,
        releases: Sequence[ReleaseFacts],
        grants: Sequence[GrantFacts],
        now: datetime,
    ) -> Reading:
        """Prepare one participant's read of one exchange at ``now``."""
        return Reading(self, participant, exchange, releases, grants, now)


def _given(rules: Iterable[tuple[int, IndexRule]], standing: int) -> Said:
    released, granted = standing & RELEASED != 0, standing & GRANTED != 0
    said = ((at, rule.given(released, granted)) for at, rule in rules)
    return tuple((at, v) for at, v in said if v is not None)


class Reading:
    """One participant's read of one exchange at one time: decisions per field, on demand."""

    def __init__(
        self,
        policy: SharingPolicy,
        participant: ParticipantFacts,
        exchange: ExchangeFacts,
        releases: Sequence[ReleaseFacts],
        grants: Sequence[GrantFacts],
        now: datetime,
    ) -> None:
        self.policy = policy
        self.participant = participant
        self.exchange = exchange
        self.releases = releases
        self.grants = grants
        self.now = now
        self.index = ShareIndex.build(participant, releases, grants, now)
        self._table = policy.table(participant, exchange)
        self._before: Said | None = None

    def _request(self, field: FieldFacts) -> ShareRequest:
        return ShareRequest(
            self.participant,
            self.exchange,
            field,
            self.releases,
            self.grants,
            self.now,
            self.index,
        )

    def _exchange_said(self) -> Said:
        # Exchange rules read nothing of the field (their scope's promise): asked once a read.
        if self._before is None:
            self._before = _ask(self.policy.exchange, self._request(NO_FIELD))
        return self._before

    def decide(self, field: FieldFacts) -> Decision:
        """The decision for one field: the same as ``decide`` with this read's facts."""
        return self.decide_all([field])[field_key(field)]

    def decide_all(self, fields: Iterable[FieldFacts]) -> dict[FieldKey, Decision]:
        """A decision per (note id, version, field name): the hot path, hence written flat."""
        out: dict[FieldKey, Decision] = {}
        table, index = self._table, self.index
        slots_of = table.slots
        place: tuple[str, int, bool] | None = None
        marks: Callable[[FieldFacts], int] = NOTHING.marks
        fast = not self._exchange_said() and not self.policy.per_field
        for field in fields:
            if place != (field.note_id, field.version, field.is_latest):
                place = (field.note_id, field.version, field.is_latest)
                marks = index.standing_at(*place).marks
            standing = marks(field)
            # flow_kind(field), spelled out: a call per field costs as much as the lookups.
            kind = (
                field.sensitivity,
                field.classification,
                field.owner_agency_kind,
                field.subject_is_minor,
            )
            if fast:
                slots = slots_of.get(kind)
                decision = None if slots is None else slots[standing]
                if decision is None:
                    decision = table.fill(kind, standing, self._request(field))
            else:
                decision = self._slow(field, kind, standing)
            out[(field.note_id, field.version, field.name)] = decision
        return out

    def _slow(self, field: FieldFacts, kind: FlowKind, standing: int) -> Decision:
        request = self._request(field)
        return _decision(
            self._exchange_said(),
            self._table.flow(kind, request),
            self.policy.index_said(standing),
            _ask(self.policy.per_field, request),
        )


# Compiled policies by table: the entry keeps its table alive, so an id is never reused for it.
_POLICIES: dict[int, tuple[Sequence[RuleOf[ShareRequest]], SharingPolicy]] = {}


def policy_for(rules: Sequence[RuleOf[ShareRequest]]) -> SharingPolicy:
    """The compiled policy of a rule table: the same table object gives the same policy."""
    entry = _POLICIES.get(id(rules))
    if entry is not None and entry[0] is rules:
        return entry[1]
    if len(_POLICIES) >= 64:
        _POLICIES.clear()
    policy = SharingPolicy(rules)
    _POLICIES[id(rules)] = (rules, policy)
    return policy


def decide_fields(
    participant: ParticipantFacts,
    exchange: ExchangeFacts,
    fields: Iterable[FieldFacts],
    releases: Sequence[ReleaseFacts],
    grants: Sequence[GrantFacts],
    now: datetime,
    rules: Sequence[RuleOf[ShareRequest]] = SHARING_RULES,
) -> Mapping[FieldKey, Decision]:
    """A decision per (note id, version, field name) for one participant in one exchange."""
    return policy_for(rules).read(participant, exchange, releases, grants, now).decide_all(fields)
