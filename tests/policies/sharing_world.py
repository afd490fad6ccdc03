"""Facts for sharing-engine tests: a reference world and a naive model written from DOMAIN.md."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from app.policies.sharing import (
    ExchangeFacts,
    FieldFacts,
    GrantFacts,
    ParticipantFacts,
    ReleaseFacts,
)

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)

WORKER = ParticipantFacts(
    member_id="sofie",
    agency_id="ocmw",
    agency_kind="social_service",
    roles=frozenset({"case_worker"}),
    status="active",
    bound_by_secrecy=True,
    clearance=0,
    invited_at=T0,
)
EXCHANGE = ExchangeFacts("x1", "livc_case", opens_at=T0, expires_at=T0 + timedelta(days=1))
FIELD = FieldFacts(
    note_id="n1",
    version=1,
    is_latest=True,
    name="housing",
    sensitivity="social_situation",
    classification=None,
    owner_agency_id="police",
    owner_agency_kind="local_police",
)
RELEASE = ReleaseFacts("n1", None, "housing", None, released_at=T0)
GRANT = GrantFacts("sofie", None, None, "housing", None, granted_at=T0)


def world(**changes: object) -> dict[str, object]:
    """The reference world (one field released and granted), with some facts changed."""
    base: dict[str, object] = {
        "participant": WORKER,
        "exchange": EXCHANGE,
        "field": FIELD,
        "releases": (RELEASE,),
        "grants": (GRANT,),
        "now": NOW,
    }
    base.update(changes)
    return base


ALL_CLASSES = {
    "identity",
    "contact",
    "family",
    "school_work",
    "social_situation",
    "health",
    "psychological",
    "judicial",
    "intelligence",
    "radicalisation_signals",
    "risk_assessment",
    "intervention",
    "free_text",
}


def naive_visible(
    participant: ParticipantFacts,
    exchange: ExchangeFacts,
    field: FieldFacts,
    releases: tuple[ReleaseFacts, ...],
    grants: tuple[GrantFacts, ...],
    now: datetime,
) -> bool:
    """DOMAIN.md rules 1-10, 13 and 15, read one by one, as plainly as possible."""
    # Rule 10: an exchange has an opening and an expiry; after closing nothing is readable.
    if exchange.closed_at is not None and now >= exchange.closed_at:
        return False
    if now < exchange.opens_at or now >= exchange.expires_at:
        return False
    # Rule 1: only invited participants; removed or suspended ones see nothing.
    if participant.invited_at is None or now < participant.invited_at:
        return False
    if participant.removed_at is not None and now >= participant.removed_at:
        return False
    if participant.status != "active":
        return False
    # Rule 4: hub admins, agency admins (and auditors) see no case content.
    content_roles = [
        r
        for r in participant.roles
        if r not in ("hub_admin", "agency_admin", "auditor", "hub_auditor")
    ]
    if not content_roles:
        return False
    # Rule 15: unknown sensitivity class: deny.
    if field.sensitivity not in ALL_CLASSES:
        return False
    # Rule 2: the owner released it into this exchange (field or class; version or latest).
    released = False
    for r in releases:
        in_force = r.released_at <= now and (r.withdrawn_at is None or now < r.withdrawn_at)
        same_version = (r.version is None and field.is_latest) or r.version == field.version
        names_it = r.field == field.name or r.sensitivity == field.sensitivity
        if r.note_id == field.note_id and in_force and same_version and names_it:
            released = True
    if not released:
        return False
    # Rule 3: the chair granted it to this participant or to one of their roles.
    granted = False
    for g in grants:
        in_force = g.granted_at <= now and (g.withdrawn_at is None or now < g.withdrawn_at)
        to_them = g.member_id == participant.member_id or (
            g.role is not None and g.role in participant.roles
        )
        this_note = g.note_id is None or g.note_id == field.note_id
        names_it = g.field == field.name or g.sensitivity == field.sensitivity
        if in_force and to_them and this_note and names_it:
            granted = True
    if not granted:
        return False
    # Rule 5: health and psychological content only to those bound by professional secrecy.
    if field.sensitivity in ("health", "psychological") and not participant.bound_by_secrecy:
        return False
    # Rule 6: classified content only with clearance at least its level (intelligence >= 1).
    level = field.classification
    if level is None and field.sensitivity == "intelligence":
        level = 1
    if level is not None and participant.clearance < level:
        return False
    # Rule 7: judicial investigation content only to police and justice.
    if field.sensitivity == "judicial" and participant.agency_kind not in (
        "local_police",
        "federal_police",
        "justice_house",
    ):
        return False
    # Rule 8: LTF sources (State Security, OCAD) never flow directly into a LIVC exchange.
    if exchange.cell_kind in ("livc_case", "livc_strategic") and field.owner_agency_kind in (
        "state_security",
        "ocad",
    ):
        return False
    # Rule 13: a minor's notes only to participants bound by professional secrecy.
    return not (field.subject_is_minor and not participant.bound_by_secrecy)


__all__ = [
    "EXCHANGE",
    "FIELD",
    "GRANT",
    "NOW",
    "RELEASE",
    "T0",
    "WORKER",
    "naive_visible",
    "replace",
    "world",
]
