"""Generated reads for the batched evaluation: several notes and versions, many fields.

The worlds lean towards visibility (an active, cleared, secrecy-bound police participant in an
open exchange, most fields released and granted) and always hold a note-pinned grant, a role
grant and an old version, so that the fast path is reached and every kind of coverage matters;
other draws perturb each of those facts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from hypothesis import strategies as st

from app.policies.sharing import (
    ExchangeFacts,
    FieldFacts,
    GrantFacts,
    ParticipantFacts,
    ReleaseFacts,
)
from tests.policies.sharing_world import T0

CLASSES = [
    "identity",
    "family",
    "social_situation",
    "health",
    "psychological",
    "judicial",
    "intelligence",
    "free_text",
]
NAMES = [f"f{i}" for i in range(8)]
ROLES = ["case_worker", "police_reference", "information_officer", "chair", "agency_admin"]


@dataclass(frozen=True)
class World:
    """One read: who asks, where, when, what the notes hold, what was released and granted."""

    participant: ParticipantFacts
    exchange: ExchangeFacts
    fields: tuple[FieldFacts, ...]
    releases: tuple[ReleaseFacts, ...]
    grants: tuple[GrantFacts, ...]
    now: datetime


def _instant(draw: st.DrawFn, now: datetime, *, past: bool) -> datetime:
    minutes = draw(st.integers(1, 600))
    return now - timedelta(minutes=minutes) if past else now + timedelta(minutes=minutes)


@st.composite
def participants(draw: st.DrawFn, now: datetime) -> ParticipantFacts:
    """Mostly an active, invited, cleared and secrecy-bound police participant."""
    visible_leaning = draw(st.sampled_from([True] * 11 + [False]))
    roles = draw(st.frozensets(st.sampled_from(ROLES), min_size=1, max_size=2))
    p = ParticipantFacts(
        member_id=draw(st.sampled_from(["m1", "m2"])),
        agency_id="a1",
        agency_kind=draw(st.sampled_from(["local_police", "social_service", "municipality"])),
        roles=roles,
        status="active",
        bound_by_secrecy=draw(st.booleans()),
        clearance=draw(st.integers(0, 4)),
        invited_at=_instant(draw, now, past=True),
    )
    if visible_leaning:
        return replace(
            p,
            roles=p.roles | {"case_worker"},
            agency_kind="local_police",
            bound_by_secrecy=True,
            clearance=4,
        )
    return replace(
        p,
        status=draw(st.sampled_from(["active", "suspended"])),
        removed_at=draw(st.none() | st.just(now) | st.just(_instant(draw, now, past=True))),
    )


@st.composite
def exchanges(draw: st.DrawFn, now: datetime) -> ExchangeFacts:
    """Mostly open; sometimes closed, expired or not yet open."""
    x = ExchangeFacts(
        "x1",
        draw(st.sampled_from(["livc_case", "livc_strategic", "ltf"])),
        opens_at=_instant(draw, now, past=True),
        expires_at=_instant(draw, now, past=False),
    )
    shut = draw(st.sampled_from([None] * 20 + ["closed", "expired", "early"]))
    if shut == "closed":
        return replace(x, closed_at=now)
    if shut == "expired":
        return replace(x, expires_at=now)
    if shut == "early":
        return replace(x, opens_at=now + timedelta(minutes=1))
    return x


@st.composite
def note_fields(draw: st.DrawFn, note_id: str, minor: bool) -> list[FieldFacts]:
    """The fields of a note's latest version and of one or two older ones (always one older)."""
    latest = draw(st.integers(2, 3))
    owner = draw(st.sampled_from(["social_service"] * 4 + ["local_police", "ocad"]))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=2, max_size=6, unique=True))
    spec = {
        n: (
            draw(
                st.sampled_from(
                    [*CLASSES, "horoscope"]
                    if draw(st.sampled_from([False] * 9 + [True]))
                    else CLASSES
                )
            ),
            draw(st.none() | st.none() | st.integers(0, 4)),
        )
        for n in names
    }
    versions = {latest, *draw(st.lists(st.integers(1, latest - 1), min_size=1, max_size=2))}
    return [
        FieldFacts(note_id, v, v == latest, n, spec[n][0], spec[n][1], "o-" + owner, owner, minor)
        for v in sorted(versions)
        for n in names
    ]


@st.composite
def releases_for(draw: st.DrawFn, fields: list[FieldFacts], now: datetime) -> list[ReleaseFacts]:
    """Releases of most fields: by name or class, of the latest or of a pinned (old) version."""
    out = []
    for f in fields:
        if draw(st.sampled_from([False] * 9 + [True])):
            continue
        by_class = draw(st.integers(0, 3)) == 0
        pinned = not f.is_latest or draw(st.booleans())
        withdrawn = draw(st.sampled_from([None] * 10 + [now, _instant(draw, now, past=False)]))
        out.append(
            ReleaseFacts(
                f.note_id,
                f.version if pinned else None,
                None if by_class else f.name,
                f.sensitivity if by_class else None,
                released_at=_instant(draw, now, past=True),
                withdrawn_at=withdrawn,
            )
        )
    return out


@st.composite
def grants_for(
    draw: st.DrawFn, fields: list[FieldFacts], who: ParticipantFacts, now: datetime
) -> list[GrantFacts]:
    """Grants of most fields to the participant or a role of theirs, some pinned to the note.

    Always at least one note-pinned grant and one role grant among them.
    """
    out = []
    for i, f in enumerate(fields):
        if draw(st.sampled_from([False] * 9 + [True])) and i > 1:
            continue
        to_role = i == 0 or draw(st.integers(0, 2)) == 0
        role = draw(st.sampled_from(sorted(who.roles))) if to_role else None
        pinned = i == 1 or draw(st.booleans())
        by_class = draw(st.integers(0, 4)) == 0
        out.append(
            GrantFacts(
                None if to_role else draw(st.sampled_from([who.member_id] * 8 + ["mX"])),
                role,
                f.note_id if pinned else draw(st.sampled_from([None] * 8 + ["n-other"])),
                None if by_class else f.name,
                f.sensitivity if by_class else None,
                granted_at=_instant(draw, now, past=True),
                withdrawn_at=draw(st.sampled_from([None] * 10 + [now])),
            )
        )
    return out


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """A read of one to three notes, each with its latest and older versions."""
    now = T0 + timedelta(minutes=draw(st.integers(0, 10_000)))
    who = draw(participants(now))
    minor = draw(st.sampled_from([False] * 5 + [True]))
    fields: list[FieldFacts] = []
    for n in range(draw(st.integers(1, 3))):
        fields.extend(draw(note_fields(f"n{n}", minor)))
    return World(
        participant=who,
        exchange=draw(exchanges(now)),
        fields=tuple(fields),
        releases=tuple(draw(releases_for(fields, now))),
        grants=tuple(draw(grants_for(fields, who, now))),
        now=now,
    )
