"""Demo data: a small LIVC-R with a municipality, police, OCMW and the LTF, all fictional."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Member
from app.policies.vocabulary import (
    AgencyKind,
    CaseStatus,
    CellKind,
    Clearance,
    FieldType,
    MemberKind,
    Role,
    SecrecyRegime,
    Sensitivity,
)
from app.services import cases, cells, governance, notes, orgs, subjects, templates
from app.services.bootstrap import bootstrap_hub_admin, cli_context
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.templates import FieldSpec

S = Sensitivity
T = FieldType

SOCIAL_ASSESSMENT = [
    FieldSpec("household", "Gezinssituatie / Situation familiale", T.TEXT, S.FAMILY),
    FieldSpec("housing", "Huisvesting / Logement", T.TEXT, S.SOCIAL_SITUATION),
    FieldSpec("school_work", "School of werk / École ou travail", T.TEXT, S.SCHOOL_WORK),
    FieldSpec("health", "Gezondheid / Santé", T.TEXT, S.HEALTH),
    FieldSpec("psychological", "Psychologisch / Psychologique", T.TEXT, S.PSYCHOLOGICAL),
    FieldSpec(
        "signals",
        "Signalen / Signaux",
        T.CHECKLIST,
        S.RADICALISATION_SIGNALS,
        choices=(
            "isolation",
            "online_propaganda",
            "travel_intent",
            "rupture_family",
            "idealen_op_drift",
        ),
    ),
    FieldSpec("plan", "Begeleidingsplan / Plan d'accompagnement", T.TEXT, S.INTERVENTION),
    FieldSpec("next_contact", "Volgend contact / Prochain contact", T.DATE, S.INTERVENTION),
    FieldSpec("notes", "Vrije tekst / Texte libre", T.TEXT, S.FREE_TEXT),
]

POLICE_INFORMATION = [
    FieldSpec("judicial", "Gerechtelijk onderzoek / Enquête judiciaire", T.TEXT, S.JUDICIAL),
    FieldSpec(
        "intelligence",
        "Inlichtingen / Renseignements",
        T.TEXT,
        S.INTELLIGENCE,
        classification=Clearance.SECRET,
    ),
    FieldSpec(
        "ocad_category",
        "OCAD-categorie / Catégorie OCAM",
        T.CHOICE,
        S.INTELLIGENCE,
        classification=Clearance.SECRET,
        choices=("none", "FTF", "HTF", "HP", "PVE", "TV"),
    ),
    FieldSpec("risk", "Risico-inschatting / Évaluation du risque", T.TEXT, S.RISK_ASSESSMENT),
    FieldSpec("contact", "Contactgegevens / Coordonnées", T.TEXT, S.CONTACT),
]


@dataclass(frozen=True)
class _Person:
    handle: str
    agency: str
    name: str
    roles: tuple[Role, ...]
    secrecy: bool = False
    clearance: Clearance = Clearance.NONE


_AGENCIES = {
    "stad": ("Stad Demo", AgencyKind.MUNICIPALITY, SecrecyRegime.LIVC_458TER),
    "politie": ("Politiezone Demo", AgencyKind.LOCAL_POLICE, SecrecyRegime.POLICE),
    "ocmw": ("OCMW Demo", AgencyKind.SOCIAL_SERVICE, SecrecyRegime.PROFESSIONAL),
    "ltf": ("LTF Demo", AgencyKind.FEDERAL_POLICE, SecrecyRegime.CLASSIFIED),
}

_PEOPLE = [
    _Person("mayor", "stad", "Burgemeester An De Smet", (Role.CHAIR,), secrecy=True),
    _Person(
        "prevention", "stad", "Preventiecoördinator Lotte Maes", (Role.CASE_WORKER,), secrecy=True
    ),
    _Person(
        "pieter",
        "politie",
        "Inspecteur Pieter Janssens",
        (Role.POLICE_REFERENCE,),
        clearance=Clearance.SECRET,
    ),
    _Person(
        "infoofficer",
        "politie",
        "Informatieambtenaar Els Wouters",
        (Role.INFORMATION_OFFICER,),
        clearance=Clearance.SECRET,
    ),
    _Person(
        "sofie", "ocmw", "Maatschappelijk werker Sofie Peeters", (Role.CASE_WORKER,), secrecy=True
    ),
    _Person("ocmw-dpo", "ocmw", "DPO OCMW", (Role.AUDITOR,)),
    _Person("hub-dpo", "stad", "DPO Stad (hub-breed)", (Role.HUB_AUDITOR,)),
    _Person(
        "ltf",
        "ltf",
        "LTF-contact Karim El Amrani",
        (Role.INFORMATION_OFFICER,),
        clearance=Clearance.TOP_SECRET,
    ),
]


async def has_data(session: AsyncSession) -> bool:
    """True once any member exists."""
    return await session.scalar(select(Member.id).limit(1)) is not None


async def _approved(
    session: AsyncSession,
    hub: Hub,
    proposer: RequestContext,
    approver: RequestContext,
    agency_id: uuid.UUID,
    person: _Person,
) -> Member:
    """A member proposed by one admin and approved by another (four-eyes, as in production)."""
    made = await orgs.create_member(
        session,
        proposer,
        hub,
        agency_id=agency_id,
        display_name=person.name,
        kind=MemberKind.PERSON,
        roles=person.roles,
        bound_by_secrecy=person.secrecy,
        clearance=person.clearance,
    )
    if made.proposal is not None:
        await session.flush()
        await governance.decide(session, approver, hub, made.proposal.id, approve=True)
    return made.member


async def load_demo(session: AsyncSession, hub: Hub) -> dict[str, str]:
    """Create the demo world; return handle -> member id (for ``livc-hub token --member``).

    It is built the way a real hub is: two hub admins from the command line, each agency's first
    admin made by a hub admin, its second proposed by the first and approved by a hub admin, and
    every other member proposed by one agency admin and approved by the other.
    """
    admins = [
        await bootstrap_hub_admin(
            session, hub.keys, hub.log, agency_name="LIVC Hub beheer", admin_name=name
        )
        for name in ("Hub admin", "Hub admin 2")
    ]
    ctx, ctx2 = cli_context(admins[0]), cli_context(admins[1])
    agencies = {
        key: await orgs.create_agency(session, ctx, hub, name=n, kind=k, secrecy_regime=r)
        for key, (n, k, r) in _AGENCIES.items()
    }
    handles = {"admin": str(admins[0].id), "admin2": str(admins[1].id)}
    members: dict[str, Member] = {}
    pairs: dict[str, tuple[RequestContext, RequestContext]] = {}
    for key, agency in agencies.items():
        first = await _approved(session, hub, ctx, ctx, agency.id, _admin(key, 1))
        second = await _approved(session, hub, cli_context(first), ctx, agency.id, _admin(key, 2))
        handles[f"{key}-admin"], handles[f"{key}-admin2"] = str(first.id), str(second.id)
        pairs[key] = (cli_context(first), cli_context(second))
    for p in _PEOPLE:
        proposer, approver = (ctx, ctx2) if Role.HUB_AUDITOR in p.roles else pairs[p.agency]
        member = await _approved(session, hub, proposer, approver, agencies[p.agency].id, p)
        members[p.handle] = member
        handles[p.handle] = str(member.id)
    await session.flush()
    cell = await cells.create_cell(
        session,
        ctx,
        hub,
        kind=CellKind.LIVC_CASE,
        name="LIVC-R Demo",
        municipality="Demo",
        chair_member_id=members["mayor"].id,
    )
    for agency in agencies.values():
        await cells.add_agency(session, ctx, hub, cell.id, agency.id)
    for member in members.values():
        await cells.add_member(session, ctx, hub, cell.id, member.id)
    for group in ("Jongeren / Jeunes", "Gezinnen / Familles"):
        await cells.add_working_group(session, ctx, hub, cell.id, group)
    social = await templates.create_template(
        session,
        ctx,
        hub,
        key="social_assessment",
        title="Sociaal verslag / Rapport social",
        fields=SOCIAL_ASSESSMENT,
    )
    await templates.create_template(
        session,
        ctx,
        hub,
        key="police_information",
        title="Politionele informatie / Information policière",
        fields=POLICE_INFORMATION,
    )
    sofie = cli_context(members["sofie"])
    subject = await subjects.create_subject(
        session,
        sofie,
        hub,
        name="Demo Persoon",
        date_of_birth=date(2007, 5, 14),
        national_register_number=None,
    )
    case = await cases.open_case(
        session,
        sofie,
        hub,
        cell_id=cell.id,
        subject_id=subject.id,
        working_group_id=None,
        status=CaseStatus.SIGNALLED,
    )
    await notes.create_note(
        session,
        sofie,
        hub,
        case_id=case.id,
        template_id=social.id,
        values={
            "household": "Woont bij moeder en twee jongere zussen.",
            "signals": ["isolation", "idealen_op_drift"],
            "plan": "Wekelijks gesprek; doorverwijzing naar jongerenwerking.",
        },
    )
    handles["_case"] = str(case.id)
    handles["_cell"] = str(cell.id)
    return handles


def _admin(agency: str, n: int) -> _Person:
    return _Person(f"{agency}-admin{n}", agency, f"Beheerder {agency} {n}", (Role.AGENCY_ADMIN,))


def demo_member_id(handles: dict[str, str], who: str) -> uuid.UUID:
    """A member id from a demo handle or a UUID string."""
    return uuid.UUID(handles.get(who, who))
