"""Which releases and grants cover a field: written once, used one at a time and as an index.

Coverage has three parts, each a small function used by both ways of asking:

- in force: started, and not yet withdrawn (``in_force``);
- where: a release names a note version or "the latest" (``release_place`` against
  ``field_places``); a grant names a note or any note (``grant_place`` against
  ``field_grant_places``), and goes to a member or a role (``addressed_to``);
- what: a field by its name or by its class (``Names``).

``release_covers`` and ``grant_covers`` ask about one release or grant; ``ShareIndex`` groups the
``Names`` of everything in force by place once per read, so a field is then answered with a few
set lookups. Both give the same answer because they are the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from app.policies.sharing.facts import FieldFacts, GrantFacts, ParticipantFacts, ReleaseFacts

Place = tuple[str, int | None]  # a note and a version; None: whatever version is the latest
Named = tuple[str | None, str | None]  # what one release or grant names: a field, a class


def in_force(start: datetime, end: datetime | None, now: datetime) -> bool:
    """True from ``start`` on and before ``end`` (None: never ends)."""
    return start <= now and (end is None or now < end)


def release_place(release: ReleaseFacts) -> Place:
    """The note version a release names (version None: the latest)."""
    return release.note_id, release.version


def places(note_id: str, version: int, is_latest: bool) -> tuple[Place, ...]:
    """The places a release must name to reach a note version: it, or the latest if it is."""
    exact = (note_id, version)
    return (exact, (note_id, None)) if is_latest else (exact,)


def field_places(field: FieldFacts) -> tuple[Place, ...]:
    """The places a release must name to reach this field (those of its note version)."""
    return places(field.note_id, field.version, field.is_latest)


def grant_place(grant: GrantFacts) -> str | None:
    """The note a grant is pinned to, or None for any note."""
    return grant.note_id


def grant_places(note_id: str) -> tuple[str, None]:
    """The places a grant must name to reach a note's fields: that note, or any note."""
    return note_id, None


def field_grant_places(field: FieldFacts) -> tuple[str, None]:
    """The places a grant must name to reach this field (those of its note)."""
    return grant_places(field.note_id)


def addressed_to(grant: GrantFacts, who: ParticipantFacts) -> bool:
    """True if the grant names this participant or one of their roles."""
    return grant.member_id == who.member_id or (grant.role is not None and grant.role in who.roles)


# The marks a name carries: what named it. A field's standing is the two bits together.
RELEASED = 2
GRANTED = 1


@dataclass(frozen=True, slots=True)
class Names:
    """Field names and classes named by releases or grants, each with its marks.

    A field is named by its name or by its class; ``marks`` says by what (``RELEASED``,
    ``GRANTED`` or both), or 0.
    """

    fields: Mapping[str, int]
    classes: Mapping[str, int]

    @classmethod
    def of(cls, named: Iterable[tuple[int, Named]]) -> Names:
        """What some releases and grants name, from each one's mark and (field, class)."""
        fields: dict[str, int] = {}
        classes: dict[str, int] = {}
        for mark, (field, sensitivity) in named:
            if field is not None:
                fields[field] = fields.get(field, 0) | mark
            if sensitivity is not None:
                classes[sensitivity] = classes.get(sensitivity, 0) | mark
        return cls(fields, classes)

    def marks(self, field: FieldFacts) -> int:
        """The marks of what names this field, by its name or by its class (0: nothing does)."""
        return self.fields.get(field.name, 0) | self.classes.get(field.sensitivity, 0)


NOTHING = Names({}, {})


def release_names(release: ReleaseFacts) -> Named:
    """What a release names: a field, a class (one of the two, or both)."""
    return release.field, release.sensitivity


def grant_names_of(grant: GrantFacts) -> Named:
    """What a grant names: a field, a class (one of the two, or both)."""
    return grant.field, grant.sensitivity


def release_covers(release: ReleaseFacts, field: FieldFacts, now: datetime) -> bool:
    """True if the release is in force and names this field (or its class) of this version."""
    return (
        in_force(release.released_at, release.withdrawn_at, now)
        and release_place(release) in field_places(field)
        and Names.of([(RELEASED, release_names(release))]).marks(field) != 0
    )


def grant_names(grant: GrantFacts, field: FieldFacts) -> bool:
    """True if the grant names this field, by name or class, of its note or of any note."""
    named = Names.of([(GRANTED, grant_names_of(grant))])
    return grant_place(grant) in field_grant_places(field) and named.marks(field) != 0


def grant_covers(
    grant: GrantFacts, who: ParticipantFacts, field: FieldFacts, now: datetime
) -> bool:
    """True if the grant is in force, names this participant (or a role of theirs) and the field."""
    return (
        in_force(grant.granted_at, grant.withdrawn_at, now)
        and addressed_to(grant, who)
        and grant_names(grant, field)
    )


def grant_released(
    grant: GrantFacts, fields: Iterable[FieldFacts], releases: Iterable[ReleaseFacts], now: datetime
) -> bool:
    """Rule 2 at grant time: the grant names at least one field a release in force covers.

    ``fields`` are the fields the released notes can hold (their templates' fields, of the
    versions the releases name); whoever the grant goes to does not matter here.
    """
    index = ShareIndex.build_releases(releases, now)
    return any(grant_names(grant, f) and index.is_released(f) for f in fields)


@dataclass(frozen=True, slots=True)
class ShareIndex:
    """Releases in force and this participant's grants in force, each by place (one read)."""

    released: tuple[tuple[Place, Named], ...]
    granted: tuple[tuple[str | None, Named], ...]

    @classmethod
    def build(
        cls,
        who: ParticipantFacts,
        releases: Iterable[ReleaseFacts],
        grants: Iterable[GrantFacts],
        now: datetime,
    ) -> ShareIndex:
        """Index what is in force at ``now`` for ``who``."""
        mine = [
            (grant_place(g), grant_names_of(g))
            for g in grants
            if in_force(g.granted_at, g.withdrawn_at, now) and addressed_to(g, who)
        ]
        return cls(cls.build_releases(releases, now).released, tuple(mine))

    @classmethod
    def build_releases(cls, releases: Iterable[ReleaseFacts], now: datetime) -> ShareIndex:
        """Index the releases in force only (no grants): for checks that concern no reader."""
        live = [
            (release_place(r), release_names(r))
            for r in releases
            if in_force(r.released_at, r.withdrawn_at, now)
        ]
        return cls(tuple(live), ())

    def standing_at(self, note_id: str, version: int, is_latest: bool) -> Names:
        """What releases and grants in force name of this note version, with their marks."""
        wanted, notes = places(note_id, version, is_latest), grant_places(note_id)
        return Names.of(
            [(RELEASED, named) for place, named in self.released if place in wanted]
            + [(GRANTED, named) for note, named in self.granted if note in notes]
        )

    def standing(self, field: FieldFacts) -> int:
        """``RELEASED`` if a release in force covers the field, | ``GRANTED`` if a grant does."""
        return self.standing_at(field.note_id, field.version, field.is_latest).marks(field)

    def is_released(self, field: FieldFacts) -> bool:
        """Same answer as ``release_covers`` over every release."""
        return self.standing(field) & RELEASED != 0

    def is_granted(self, field: FieldFacts) -> bool:
        """Same answer as ``grant_covers`` over every grant of this participant's."""
        return self.standing(field) & GRANTED != 0
