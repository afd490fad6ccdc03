"""Demo data: a small LIVC-R with a municipality, police, OCMW and the LTF, all fictional.

``grow`` (``livc-hub demo --size N``) adds what the benchmarks read (bench/, BENCH.md): one case
whose exchange shows a participant 3 notes x 20 fields, and filler cases until the hub holds N
notes, written through the same use cases as the API, a batch per transaction.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.files import create_private_file
from app.db.models import Member, Note
from app.db.queries.cases import CaseRow
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
from app.services import (
    cases,
    cells,
    exchanges,
    governance,
    notes,
    orgs,
    passwords,
    releases,
    subjects,
    templates,
)
from app.services.bootstrap import bootstrap_hub_admin, cli_context
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.templates import FieldSpec

S = Sensitivity
T = FieldType


def _said(en: str, nl: str, fr: str) -> dict[str, str]:
    return {"en": en, "nl": nl, "fr": fr}


def _field(
    name: str,
    words: dict[str, str],
    kind: FieldType,
    sensitivity: Sensitivity,
    *,
    choices: dict[str, dict[str, str]] | None = None,
    classification: Clearance | None = None,
) -> FieldSpec:
    """A demo field labelled in English (the API's default), Dutch and French, choices too."""
    return FieldSpec(
        name,
        words["en"],
        kind,
        sensitivity,
        classification=classification,
        choices=tuple(choices or ()),
        labels=words,
        choice_labels=choices or {},
    )


SOCIAL_ASSESSMENT = [
    _field(
        "household", _said("Household", "Gezinssituatie", "Situation familiale"), T.TEXT, S.FAMILY
    ),
    _field("housing", _said("Housing", "Huisvesting", "Logement"), T.TEXT, S.SOCIAL_SITUATION),
    _field(
        "school_work",
        _said("School or work", "School of werk", "École ou travail"),
        T.TEXT,
        S.SCHOOL_WORK,
    ),
    _field("health", _said("Health", "Gezondheid", "Santé"), T.TEXT, S.HEALTH),
    _field(
        "psychological",
        _said("Psychological follow-up", "Psychologische begeleiding", "Suivi psychologique"),
        T.TEXT,
        S.PSYCHOLOGICAL,
    ),
    _field(
        "signals",
        _said("Signals", "Signalen", "Signaux"),
        T.CHECKLIST,
        S.RADICALISATION_SIGNALS,
        choices={
            "isolation": _said("Social isolation", "Sociaal isolement", "Isolement social"),
            "online_propaganda": _said(
                "Consults propaganda online",
                "Raadpleegt online propaganda",
                "Consulte de la propagande en ligne",
            ),
            "travel_intent": _said(
                "Talks of travelling to a conflict zone",
                "Spreekt over vertrek naar een conflictgebied",
                "Parle de partir vers une zone de conflit",
            ),
            "rupture_family": _said(
                "Breaking with family", "Breuk met de familie", "Rupture avec la famille"
            ),
            "idealen_op_drift": _said(
                "Searching for meaning and ideals",
                "Zoekt naar zingeving en idealen",
                "Cherche du sens et des idéaux",
            ),
        },
    ),
    _field(
        "plan",
        _said("Support plan", "Begeleidingsplan", "Plan d'accompagnement"),
        T.TEXT,
        S.INTERVENTION,
    ),
    _field(
        "next_contact",
        _said("Next contact", "Volgend contact", "Prochain contact"),
        T.DATE,
        S.INTERVENTION,
    ),
    _field("notes", _said("Free text", "Vrije tekst", "Texte libre"), T.TEXT, S.FREE_TEXT),
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
    _Person("ocmw-dpo", "ocmw", "DPO Jan Claes", (Role.AUDITOR,)),
    _Person("hub-dpo", "stad", "DPO Nadia Benali", (Role.HUB_AUDITOR,)),
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


async def load_demo(
    session: AsyncSession, hub: Hub, logins_file: Path | None = None
) -> dict[str, str]:
    """Create the demo world; return handle -> member id (for ``livc-hub token --member``).

    With ``logins_file``, every demo person also gets a username (their handle) and a random
    password for the web client, written to that file (0600) and nowhere else.

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
        key="demo_social_assessment",
        title="Brief social assessment",
        titles=_said(
            "Brief social assessment", "Beknopt sociaal verslag", "Rapport social succinct"
        ),
        fields=SOCIAL_ASSESSMENT,
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
    written = await notes.create_note(
        session,
        sofie,
        hub,
        case_id=case.id,
        template_id=social.id,
        values={
            "household": "Woont bij moeder en twee jongere zussen.",
            "signals": ["isolation", "idealen_op_drift"],
            "plan": "Wekelijks gesprek; doorverwijzing naar jongerenwerking.",
            "psychological": "In begeleiding bij het CGG sinds september.",
        },
    )
    handles["_exchange"] = str(
        await _demo_exchange(session, hub, members, case.id, written.note.id)
    )
    handles["_case"] = str(case.id)
    handles["_cell"] = str(cell.id)
    if logins_file is not None:
        await _web_logins(session, hub, handles, logins_file)
    return handles


async def _demo_exchange(
    session: AsyncSession,
    hub: Hub,
    members: dict[str, Member],
    case_id: uuid.UUID,
    note_id: uuid.UUID,
) -> uuid.UUID:
    """A consultation to look at from the first sign-in: the mayor chairs it, the police
    reference person, the social worker and the LTF contact take part; the social worker
    released the household, the signals and the psychological follow-up, and the mayor granted
    the signals and the psychological follow-up to the police reference person. So `pieter` sees
    the signals, and for the psychological follow-up the rule that withholds it from him."""
    mayor = cli_context(members["mayor"])
    access = await exchanges.convene(
        session,
        mayor,
        hub,
        case_id=case_id,
        working_group_id=None,
        purpose="Casusoverleg: begeleiding en opvolging",
        legal_basis="Wet 30 juli 2018, art. 458ter Sw.",
        opens_at=None,
        expires_at=mayor.now + timedelta(days=300),
    )
    exchange_id = access.exchange.id
    for handle in ("pieter", "sofie", "ltf"):
        await exchanges.invite(session, mayor, hub, exchange_id, members[handle].id)
    await releases.release(
        session,
        cli_context(members["sofie"]),
        hub,
        exchange_id,
        note_id=note_id,
        version=None,
        fields=["household", "signals", "psychological"],
        sensitivities=[],
    )
    for field in ("signals", "psychological"):
        await releases.grant(
            session,
            cli_context(members["mayor"]),  # a context's clock is fixed: now, after the release
            hub,
            exchange_id,
            member_id=members["pieter"].id,
            role=None,
            note_id=note_id,
            field=field,
            sensitivity=None,
        )
    return exchange_id


async def _web_logins(session: AsyncSession, hub: Hub, handles: dict[str, str], path: Path) -> None:
    # Demo only: passwords are set directly (not through a four-eyes reset) and need not be
    # changed at sign-in, so `make run` can be tried at once (docs/decisions.md 146).
    logins: dict[str, str] = {}
    for handle, member_id in handles.items():
        member = None if handle.startswith("_") else await session.get(Member, uuid.UUID(member_id))
        if member is None:
            continue
        password = passwords.one_time_password()
        member.username = handle
        member.password_hash = await hub.hasher.hash(password)
        member.password_set_at = datetime.now(UTC)
        member.password_must_change = False
        logins[handle] = password
    await session.flush()
    await anyio.to_thread.run_sync(_write_logins, path, logins)


def _write_logins(path: Path, logins: dict[str, str]) -> None:
    path.unlink(missing_ok=True)  # a previous demo's, for another database
    create_private_file(path, (json.dumps(logins, indent=2) + "\n").encode())


def _admin(agency: str, n: int) -> _Person:
    return _Person(f"{agency}-admin{n}", agency, f"Beheerder {agency} {n}", (Role.AGENCY_ADMIN,))


def demo_member_id(handles: dict[str, str], who: str) -> uuid.UUID:
    """A member id from a demo handle or a UUID string."""
    return uuid.UUID(handles.get(who, who))


# --- Growing the demo for the benchmarks (livc-hub demo --size N) ---------------------------

# The classes an OCMW social worker bound by secrecy may receive (not judicial, not intelligence),
# so that every field of the benchmark exchange is visible to its reader.
_READABLE = (
    S.IDENTITY,
    S.CONTACT,
    S.FAMILY,
    S.SCHOOL_WORK,
    S.SOCIAL_SITUATION,
    S.HEALTH,
    S.PSYCHOLOGICAL,
    S.RADICALISATION_SIGNALS,
    S.RISK_ASSESSMENT,
    S.INTERVENTION,
    S.FREE_TEXT,
)
BENCH_FIELDS = [
    FieldSpec(f"f{i:02d}", f"Veld {i} / Champ {i}", T.TEXT, _READABLE[i % len(_READABLE)])
    for i in range(1, 21)
]
BENCH_READER = "sofie"  # the participant whose view the benchmark reads
BENCH_WRITERS = ("sofie", "pieter", "prevention")  # one note each on the benchmark case
NOTES_PER_CASE = 10
EXCHANGE_EVERY = 10  # every tenth filler case has an exchange with a release and a grant
SECOND_VERSION_EVERY = 10  # every tenth filler note is edited once
CASES_PER_BATCH = 20  # filler cases per transaction
_WORDS = (
    "gesprek",
    "school",
    "moeder",
    "begeleiding",
    "contact",
    "afspraak",
    "jongerenwerking",
    "huisbezoek",
    "signalen",
    "opvolging",
    "netwerk",
    "vrienden",
)

Sessions = async_sessionmaker[AsyncSession]


def bench_values(rng: random.Random) -> dict[str, str]:
    """Values for the 20 benchmark fields (up to 80 characters each), drawn from ``rng``."""
    return {
        spec.name: " ".join(rng.choice(_WORDS) for _ in range(9)).capitalize()[:80]
        for spec in BENCH_FIELDS
    }


@dataclass(frozen=True)
class _Cast:
    """The members the growth acts as, and the demo's cell."""

    people: dict[str, Member]
    cell_id: uuid.UUID

    def ctx(self, handle: str) -> RequestContext:
        """A fresh context per step: its clock must not run behind the step before it."""
        return cli_context(self.people[handle])


async def grow(
    sessions: Sessions,
    hub: Hub,
    handles: dict[str, str],
    *,
    size: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """Add the benchmark exchange (once), then filler cases until the hub holds ``size`` notes.

    Deterministic in shape and content for a given seed (ids, keys and ciphertexts are fresh,
    as the use cases make them). Returns the handles with the benchmark's ids added.
    """
    rng = random.Random(seed)  # noqa: S311 - demo content, not a secret
    cast = await _cast(sessions, handles)
    if "_bench_exchange" not in handles:
        async with sessions() as session:
            handles = {**handles, **await _bench_exchange(session, hub, cast, rng)}
            await session.commit()
    template_id = uuid.UUID(handles["_bench_template"])
    async with sessions() as session:
        number = int(await session.scalar(select(func.count(Note.id))) or 0)
    cases_made = 0
    while number < size:
        async with sessions() as session:
            for _ in range(CASES_PER_BATCH):
                count = min(NOTES_PER_CASE, size - number)
                if count <= 0:
                    break
                with_exchange = cases_made % EXCHANGE_EVERY == 0
                await _filler_case(session, hub, cast, rng, template_id, count, with_exchange)
                number, cases_made = number + count, cases_made + 1
            await session.commit()
        if progress is not None:
            progress(number)
    return handles


async def _cast(sessions: Sessions, handles: dict[str, str]) -> _Cast:
    wanted = ("admin", "mayor", *BENCH_WRITERS)
    if any(h not in handles for h in (*wanted, "_cell")):
        raise ValueError("the demo's handles file does not name the demo's members and cell")
    async with sessions() as session:
        found = {h: await session.get(Member, uuid.UUID(handles[h])) for h in wanted}
    people = {h: m for h, m in found.items() if m is not None}
    if len(people) != len(wanted):
        raise ValueError("the demo's members named in the handles file are not in this database")
    return _Cast(people, uuid.UUID(handles["_cell"]))


async def _case(
    session: AsyncSession, hub: Hub, cast: _Cast, owner: str, name: str, born: date
) -> CaseRow:
    subject = await subjects.create_subject(
        session,
        cast.ctx(owner),
        hub,
        name=name,
        date_of_birth=born,
        national_register_number=None,
    )
    return await cases.open_case(
        session,
        cast.ctx(owner),
        hub,
        cell_id=cast.cell_id,
        subject_id=subject.id,
        working_group_id=None,
        status=CaseStatus.UNDER_DISCUSSION,
    )


async def _bench_exchange(
    session: AsyncSession, hub: Hub, cast: _Cast, rng: random.Random
) -> dict[str, str]:
    """The benchmark case: 3 notes x 20 fields, every field released and granted to the reader."""
    template = await templates.create_template(
        session,
        cast.ctx("admin"),
        hub,
        key="bench_twenty_fields",
        title="Twintig velden / Vingt champs (benchmark)",
        fields=BENCH_FIELDS,
    )
    case = await _case(session, hub, cast, BENCH_READER, "Bench Persoon", date(1999, 3, 4))
    written = {}
    for handle in BENCH_WRITERS:
        made = await notes.create_note(
            session,
            cast.ctx(handle),
            hub,
            case_id=case.id,
            template_id=template.id,
            values=bench_values(rng),
        )
        written[handle] = made.note.id
    exchange_id = await _convene(session, hub, cast, case.id, BENCH_WRITERS)
    names = [spec.name for spec in BENCH_FIELDS]
    for handle, note_id in written.items():
        await releases.release(
            session,
            cast.ctx(handle),
            hub,
            exchange_id,
            note_id=note_id,
            version=None,
            fields=names,
            sensitivities=[],
        )
    reader = cast.people[BENCH_READER].id
    for note_id in written.values():
        for name in names:
            await releases.grant(
                session,
                cast.ctx("mayor"),
                hub,
                exchange_id,
                member_id=reader,
                role=None,
                note_id=note_id,
                field=name,
                sensitivity=None,
            )
    return {
        "_bench_exchange": str(exchange_id),
        "_bench_case": str(case.id),
        "_bench_subject": str(case.subject_id),
        "_bench_template": str(template.id),
        "_bench_note": str(written[BENCH_READER]),
    }


async def _convene(
    session: AsyncSession, hub: Hub, cast: _Cast, case_id: uuid.UUID, guests: tuple[str, ...]
) -> uuid.UUID:
    """An exchange on the case, chaired by the mayor, open for 300 days, with these guests."""
    mayor = cast.ctx("mayor")
    access = await exchanges.convene(
        session,
        mayor,
        hub,
        case_id=case_id,
        working_group_id=None,
        purpose="Casusoverleg: begeleiding en opvolging",
        legal_basis="Wet 30 juli 2018, art. 458ter Sw.",
        opens_at=None,
        expires_at=mayor.now + timedelta(days=300),
    )
    for handle in guests:
        member_id = cast.people[handle].id
        await exchanges.invite(session, cast.ctx("mayor"), hub, access.exchange.id, member_id)
    return access.exchange.id


async def _filler_case(
    session: AsyncSession,
    hub: Hub,
    cast: _Cast,
    rng: random.Random,
    template_id: uuid.UUID,
    count: int,
    with_exchange: bool,
) -> None:
    """One more subject and case with ``count`` notes; some edited, some shared in an exchange."""
    owner = rng.choice(BENCH_WRITERS)
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(14_000))
    case = await _case(session, hub, cast, owner, f"Persoon {rng.randrange(10**9):09d}", born)
    written: list[tuple[str, uuid.UUID]] = []
    for _ in range(count):
        writer = rng.choice(BENCH_WRITERS)
        made = await notes.create_note(
            session,
            cast.ctx(writer),
            hub,
            case_id=case.id,
            template_id=template_id,
            values=bench_values(rng),
        )
        written.append((writer, made.note.id))
        if rng.randrange(SECOND_VERSION_EVERY) == 0:
            await notes.update_note(
                session,
                cast.ctx(writer),
                hub,
                made.note.id,
                if_match=made.etag,
                values=bench_values(rng),
            )
    if not with_exchange or not written:
        return
    writer, note_id = written[0]
    guests = tuple(dict.fromkeys((writer, BENCH_READER)))
    exchange_id = await _convene(session, hub, cast, case.id, guests)
    shared = rng.sample(_READABLE, 3)
    await releases.release(
        session,
        cast.ctx(writer),
        hub,
        exchange_id,
        note_id=note_id,
        version=None,
        fields=[],
        sensitivities=[s.value for s in shared],
    )
    await releases.grant(
        session,
        cast.ctx("mayor"),
        hub,
        exchange_id,
        member_id=None,
        role=Role.CASE_WORKER,
        note_id=None,
        field=None,
        sensitivity=shared[0].value,
    )
