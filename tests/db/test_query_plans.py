"""Every read statement is served by indexes: EXPLAIN on a few thousand rows, on both databases.

The statements are the real ones: each query function of ``app.db.queries`` runs against a
database seeded in bulk, its SQL is captured as the driver receives it, and the database's own
plan for it (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (FORMAT JSON)`` on PostgreSQL, with
sequential scans priced out so that only a missing index leaves one) must not read a large
table whole. Remove an index that a read needs, or write a read the indexes do not
serve (the row-value ``(note_id, version) IN (...)`` form, say), and this fails.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, event, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import make_async_engine, sync_url
from app.db.queries import audit, cases, cells, exchanges, notes, orgs, owners, participants
from app.db.queries import tables as t
from app.db.queries.pagination import paginate, paginate_rows
from app.settings import DatabaseSettings
from tests.support.databases import ThrowawayDatabase, create_database

# Tables that grow with use; a plan may read the small ones (agencies, cells, templates) whole.
LARGE = {
    "access_log",
    "cases",
    "cell_agencies",
    "cell_members",
    "exchange_grants",
    "exchange_participants",
    "exchange_releases",
    "exchanges",
    "members",
    "note_versions",
    "notes",
    "subjects",
}
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
# Each agency sits in a few of the cells, as in a province with many municipalities.
AGENCIES = 30


@dataclass
class Seed:
    """Ids of the seeded rows, for the queries to ask about."""

    agencies: list[uuid.UUID] = field(default_factory=list)
    members: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    cells: list[uuid.UUID] = field(default_factory=list)
    cases: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = field(default_factory=list)
    notes: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    exchanges: list[uuid.UUID] = field(default_factory=list)
    releases: list[uuid.UUID] = field(default_factory=list)
    grants: list[uuid.UUID] = field(default_factory=list)


def _rows(
    db: ThrowawayDatabase, rnd: random.Random
) -> tuple[Seed, dict[Any, list[dict[str, Any]]]]:
    seed, rows = Seed(), {}
    at = NOW - timedelta(days=30)

    def stamp(i: int) -> datetime:
        return at + timedelta(seconds=i)

    seed.agencies = [uuid.uuid4() for _ in range(AGENCIES)]
    rows[t.agencies] = [
        {
            "id": a,
            "name": f"A{i}",
            "kind": "social_service",
            "secrecy_regime": "professional",
            "created_at": at,
            "approver_role": "agency_admin",
        }
        for i, a in enumerate(seed.agencies)
    ]
    seed.members = [(uuid.uuid4(), seed.agencies[i % AGENCIES]) for i in range(600)]
    rows[t.members] = [
        {
            "id": m,
            "agency_id": a,
            "display_name": "M",
            "kind": "person",
            "roles": ["case_worker"],
            "bound_by_secrecy": True,
            "clearance": 0,
            "status": "active",
            "created_at": stamp(i),
        }
        for i, (m, a) in enumerate(seed.members)
    ]
    seed.cells = [uuid.uuid4() for _ in range(40)]
    rows[t.cells] = [
        {
            "id": c,
            "kind": "livc_case",
            "name": f"C{i}",
            "municipality": "X",
            "chair_member_id": seed.members[i][0],
            "created_at": stamp(i),
        }
        for i, c in enumerate(seed.cells)
    ]
    rows[t.cell_agencies] = [
        {"cell_id": c, "agency_id": a}
        for i, c in enumerate(seed.cells)
        for a in seed.agencies[i % (AGENCIES - 2) : i % (AGENCIES - 2) + 3]
    ]
    rows[t.cell_members] = [
        {"cell_id": c, "member_id": seed.members[(i * 15 + j) % 600][0], "added_at": at}
        for i, c in enumerate(seed.cells)
        for j in range(15)
    ]
    template = uuid.uuid4()
    rows[t.templates] = [
        {
            "id": template,
            "key": "k",
            "version": 1,
            "title": "T",
            "created_at": at,
            "fields": [
                {"name": f"f{i}", "label": "F", "type": "text", "sensitivity": "family"}
                for i in range(20)
            ],
        }
    ]
    subjects, case_rows, note_rows, versions = [], [], [], []
    for i in range(1500):
        subject, case, cell = uuid.uuid4(), uuid.uuid4(), seed.cells[i % 40]
        owner = seed.agencies[i % AGENCIES]
        subjects.append(
            {
                "id": subject,
                "pseudonym": f"S-{i:06d}",
                "owner_agency_id": owner,
                "key_version": 1,
                "wrapped_key": b"k",
                "sealed": {},
                "adult_on": None,
                "created_by": seed.members[i % 600][0],
                "created_at": stamp(i),
            }
        )
        case_rows.append(
            {
                "id": case,
                "cell_id": cell,
                "subject_id": subject,
                "status": "signalled",
                "created_by": seed.members[i % 600][0],
                "created_at": stamp(i),
                "updated_at": stamp(i),
            }
        )
        seed.cases.append((case, cell, subject))
        for _ in range(2):
            note = uuid.uuid4()
            note_rows.append(
                {
                    "id": note,
                    "case_id": case,
                    "template_id": template,
                    "owner_agency_id": owner,
                    "current_version": 2,
                    "created_by": seed.members[i % 600][0],
                    "created_at": stamp(i),
                    "updated_at": stamp(i),
                }
            )
            seed.notes.append((note, case))
            versions += [
                {
                    "note_id": note,
                    "version": v,
                    "author_id": seed.members[i % 600][0],
                    "key_version": 1,
                    "wrapped_key": b"k",
                    "sealed": {"f0": "x"},
                    "created_at": stamp(i),
                }
                for v in (1, 2)
            ]
    rows[t.subjects], rows[t.cases], rows[t.notes], rows[t.versions] = (
        subjects,
        case_rows,
        note_rows,
        versions,
    )
    xs, parts, rels, grs = [], [], [], []
    for i in range(500):
        x = uuid.uuid4()
        case, cell, _ = seed.cases[i * 3]
        seed.exchanges.append(x)
        xs.append(
            {
                "id": x,
                "cell_id": cell,
                "case_id": case,
                "purpose": "p",
                "legal_basis": "l",
                "convened_by": seed.members[0][0],
                "opens_at": at,
                "expires_at": NOW + timedelta(days=1),
                "created_at": stamp(i),
            }
        )
        for j in range(4):
            parts.append(
                {
                    "id": uuid.uuid4(),
                    "exchange_id": x,
                    "member_id": seed.members[(i + j * 7) % 600][0],
                    "invited_by": seed.members[0][0],
                    "invited_at": stamp(i),
                }
            )
        for j in range(6):
            note, _ = seed.notes[(i * 6 + j) % len(seed.notes)]
            r = uuid.uuid4()
            seed.releases.append(r)
            rels.append(
                {
                    "id": r,
                    "exchange_id": x,
                    "note_id": note,
                    "owner_agency_id": seed.agencies[0],
                    "version": None if j % 2 else 1,
                    "field": "f0",
                    "released_by": seed.members[0][0],
                    "released_at": stamp(i),
                }
            )
        for j in range(4):
            g = uuid.uuid4()
            seed.grants.append(g)
            grs.append(
                {
                    "id": g,
                    "exchange_id": x,
                    "member_id": seed.members[(i + j) % 600][0],
                    "sensitivity": "family",
                    "granted_by": seed.members[0][0],
                    "granted_at": stamp(i),
                }
            )
    rows[t.exchanges], rows[t.participants], rows[t.releases], rows[t.grants] = xs, parts, rels, grs
    rows[t.access_log] = [
        {
            "at": stamp(i),
            "request_id": f"r{i}",
            "actor_member_id": str(seed.members[i % 600][0]),
            "actor_agency_id": str(seed.members[i % 600][1]),
            "action": rnd.choice(["a:b", "c:d"]),
            "decision": "allow",
            "reason": "x",
            "case_id": str(seed.cases[i % 1500][0]),
            "subject_id": str(seed.cases[i % 1500][2]),
            "exchange_id": str(seed.exchanges[i % 500]),
            "fields": [],
            "owners": [str(seed.agencies[i % AGENCIES])],
            "position": i,
            "prev_hash": "0" * 64,
            "entry_hash": "0" * 64,
            "leaf_hash": "0" * 64,
        }
        for i in range(6000)
    ]
    return seed, rows


def _seed(db: ThrowawayDatabase) -> Seed:
    seed, rows = _rows(db, random.Random(7))
    engine = create_engine(sync_url(db.url))
    try:
        with engine.begin() as conn:
            for table, batch in rows.items():
                conn.execute(insert(table), batch)
        if db.backend == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return seed


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ThrowawayDatabase, Seed]]:
    db = create_database(request.param, tmp_path_factory.mktemp(f"plans-{request.param}"))
    try:
        db.migrate()
        yield db, _seed(db)
    finally:
        db.drop()


async def _read_everything(s: AsyncSession, seed: Seed) -> None:
    """Every read statement of the data layer, asked about seeded rows."""
    member, agency = seed.members[10]
    case, cell, subject = seed.cases[300]
    note, note_case = seed.notes[600]
    x = seed.exchanges[100]
    await orgs.member_row(s, member)
    await orgs.member_rows(s, [m for m, _ in seed.members[:5]])
    await orgs.cell_member(s, cell, member)
    await orgs.client(s, "nobody")
    await orgs.roles_in_agency(s, agency)
    await exchanges.reach(s, x, member)
    await exchanges.releases_of(s, x)
    await exchanges.releases_of(s, x, in_force=True, owner=agency)
    await exchanges.release(s, x, seed.releases[600])
    await exchanges.grants_of(s, x, in_force=True)
    await exchanges.grant(s, x, seed.grants[400])
    await exchanges.participation(s, x, member)
    await exchanges.current_participants(s, x)
    await participants.named_participants(s, x)
    await exchanges.my_exchanges(s, member, delegate=True)
    wanted = {n: (True, frozenset({1})) for n, _ in seed.notes[100:103]}
    await notes.shown_versions(s, wanted)
    await notes.shared_notes(s, {n for n, _ in seed.notes[100:103]})
    await notes.note(s, note)
    await notes.note(s, note, read=True)
    await notes.note(s, note, version=1, read=True)
    await notes.history(s, note)
    await paginate_rows(
        s,
        notes.notes_of(note_case, agency),
        notes.note_row,
        created_at=t.notes.c.created_at,
        row_id=t.notes.c.id,
        limit=50,
        cursor=None,
    )
    await cases.case(s, case, agency)
    await cases.subject(s, subject)
    for in_cell in (None, cell):
        await paginate_rows(
            s,
            cases.cases_of_agency(agency, in_cell),
            cases.case_row,
            created_at=t.cases.c.created_at,
            row_id=t.cases.c.id,
            limit=50,
            cursor=None,
        )
    await cells.cell(s, cell, cells.visible(agency, member))
    await paginate(
        s,
        cells.cells_in(cells.visible(agency, member)),
        created_at=t.cells.c.created_at,
        row_id=t.cells.c.id,
        limit=50,
        cursor=None,
    )
    await cells.cell_facts(s, cell, member)
    await cells.agency_ids(s, cell)
    await cells.seats(s, [cell])
    await owners.owners_of(s, [subject, note, member, agency])
    scope = [audit.concerning(str(agency))]
    for criteria in (
        audit.matching(subject=str(subject)),
        audit.matching(case=str(case)),
        audit.matching(exchange=str(x)),
        audit.matching(member=str(member)),
        [*audit.matching(subject=str(subject)), *scope],
    ):
        await audit.entries(s, criteria, after=None, limit=101)
        await audit.entries(s, criteria, after=10, limit=101)
    await audit.batch(s, scope, start=0, end=6000, limit=1000)
    await audit.batch(s, [], start=2000, end=6000, limit=1000)
    await audit.leaf_hashes(s, 0, 6000)
    await audit.in_scope(s, 42, scope)
    await audit.entry_at(s, 42)
    await audit.size(s)


async def _plans(db: ThrowawayDatabase, seed: Seed) -> list[tuple[str, list[str]]]:
    engine = make_async_engine(DatabaseSettings(url=db.url))
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        captured.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with AsyncSession(engine) as session:
            await _read_everything(session, seed)
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
        out = []
        async with engine.connect() as conn:
            for statement, params in captured:
                out.append((statement, await _explain(conn, db.backend, statement, params)))
        return out
    finally:
        await engine.dispose()


async def _explain(conn: Any, backend: str, statement: str, params: Any) -> list[str]:
    """The tables the plan reads whole."""
    if backend == "sqlite":
        rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
        details = [str(r[-1]) for r in rows]
        return [d.split()[1] for d in details if d.startswith("SCAN ") and len(d.split()) > 1]
    # PostgreSQL reads a table of a few pages whole even when an index would serve: with
    # sequential scans priced out, a Seq Scan left in the plan means no index can serve it.
    await conn.exec_driver_sql("SET enable_seqscan = off")
    result = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", params)
    plan = result.scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return list(_seq_scans(plan[0]["Plan"]))


def _seq_scans(node: dict[str, Any]) -> Iterator[str]:
    # A sequential scan, or an index scan with no condition on the index (the whole index read
    # in its order, every row filtered): both read the table whole.
    kind = node.get("Node Type")
    whole_index = kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
    if kind == "Seq Scan" or whole_index:
        yield str(node.get("Relation Name"))
    for child in node.get("Plans", []):
        yield from _seq_scans(child)


def test_no_read_statement_scans_a_large_table(seeded: tuple[ThrowawayDatabase, Seed]) -> None:
    db, seed = seeded
    plans = asyncio.run(_plans(db, seed))
    assert len(plans) >= 50  # the capture saw the statements
    scans = [(stmt, sorted(set(tables) & LARGE)) for stmt, tables in plans]
    bad = [(" ".join(stmt.split())[:300], tables) for stmt, tables in scans if tables]
    assert bad == []


async def _plan_of(db: ThrowawayDatabase, stmt: Any) -> list[str]:
    engine = make_async_engine(DatabaseSettings(url=db.url))
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        captured.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with engine.connect() as conn:
            await conn.execute(stmt)
        async with engine.connect() as conn:
            return await _explain(conn, db.backend, *captured[-1])
    finally:
        await engine.dispose()


def test_the_check_sees_a_full_scan(seeded: tuple[ThrowawayDatabase, Seed]) -> None:
    db, seed = seeded
    versions = t.versions.c
    # No index serves a version's author: the plan reads note_versions whole.
    by_author = select(versions.sealed).where(versions.author_id == seed.members[3][0])
    assert "note_versions" in asyncio.run(_plan_of(db, by_author))
    # The form the exchange view used to read its versions with: SQLite reads every version of
    # every note for it; the view now joins by primary key, note by note.
    pairs = [(n, 1) for n, _ in seed.notes[:3]]
    row_values = select(versions.sealed).where(
        tuple_(versions.note_id, versions.version).in_(pairs)
    )
    scanned = "note_versions" in asyncio.run(_plan_of(db, row_values))
    assert scanned is (db.backend == "sqlite")


def test_shown_versions_are_exactly_those_asked_for(seeded: tuple[ThrowawayDatabase, Seed]) -> None:
    # One statement serves every view: it may read a version numbered for another note, and
    # must leave it out. Every seeded note has versions 1 and 2 (2 is current).
    db, seed = seeded
    (a, _), (b, _), (c, _) = seed.notes[:3]
    wanted = {a: (False, frozenset({1})), b: (True, frozenset()), c: (True, frozenset({1}))}

    async def shown() -> set[tuple[uuid.UUID, int]]:
        engine = make_async_engine(DatabaseSettings(url=db.url))
        try:
            async with AsyncSession(engine) as s:
                rows = await notes.shown_versions(s, wanted)
                return {(shared.note.id, v.version) for shared, v in rows}
        finally:
            await engine.dispose()

    assert asyncio.run(shown()) == {(a, 1), (b, 2), (c, 1), (c, 2)}
