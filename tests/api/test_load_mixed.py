"""32 clients at once, reads and writes mixed, through the live hub: no 5xx, a sound log after.

Each client reads the exchange view, reads and edits a note of its own, writes a new note and
reads the case, four rounds each (640 requests, 32 at a time, on each database). Reads take no lock
until their entry is appended; writers queue for the write lock; no request may fail because
another holds a lock. The log is then exported and verified offline. Bounded: every wait takes
its allowance from LIVC_TEST_TIME_SCALE (tests/support/timing.py).
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from app.audit.verify import load_public_key, verify
from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.timing import http_timeout, scaled
from tests.support.world import member, ok

CLIENTS, ROUNDS = 32, 4


async def _client(w: Casework, i: int, note_id: str, etag: str) -> list[tuple[str, int]]:
    hub = w.hub
    base = {"base_url": hub.base_url, "timeout": http_timeout(60)}
    reader = {"Authorization": f"Bearer {hub.token(w.ids['pieter'])}"}
    writer = {"Authorization": f"Bearer {hub.token(w.ids['sofie'])}"}
    codes: list[tuple[str, int]] = []
    async with httpx.AsyncClient(**base) as c:  # type: ignore[arg-type]
        for n in range(ROUNDS):
            r = await c.get(f"{w.x}/view", headers=reader)
            codes.append(("view", r.status_code))
            r = await c.get(f"/api/v1/notes/{note_id}", headers=writer)
            codes.append(("read", r.status_code))
            body = {"fields": {"household": f"ronde {n} van {i}"}}
            r = await c.put(
                f"/api/v1/notes/{note_id}", json=body, headers={**writer, "If-Match": etag}
            )
            codes.append(("edit", r.status_code))
            etag = r.headers.get("ETag", etag)
            new = {"template_id": w.ids["template"], "fields": {"housing": f"nota {n}/{i}"}}
            r = await c.post(f"/api/v1/cases/{w.ids['case']}/notes", json=new, headers=writer)
            codes.append(("write", r.status_code))
            r = await c.get(f"/api/v1/cases/{w.ids['case']}", headers=reader)
            codes.append(("case", r.status_code))
    return codes


async def _load(w: Casework, notes: list[tuple[str, str]]) -> list[tuple[str, int]]:
    runs = [_client(w, i, note_id, etag) for i, (note_id, etag) in enumerate(notes)]
    results = await asyncio.wait_for(asyncio.gather(*runs), scaled(120))
    return [code for codes in results for code in codes]


def test_32_clients_reading_and_writing_get_no_5xx_and_a_sound_log(hub: LiveHub) -> None:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household", "housing"])
    w.grant(member="pieter", field="household")
    sofie = w.as_("sofie")
    first = ok(sofie.get(f"/api/v1/notes/{w.ids['ocmw_note']}"))
    w.ids["template"] = first["template_id"]
    notes = []
    for i in range(CLIENTS):
        body = {"template_id": w.ids["template"], "fields": {"household": f"eigen {i}"}}
        created = sofie.post(f"/api/v1/cases/{w.ids['case']}/notes", json=body)
        notes.append((ok(created, 201)["id"], created.headers["ETag"]))
    codes = asyncio.run(_load(w, notes))
    assert len(codes) == CLIENTS * ROUNDS * 5
    assert [c for c in codes if c[1] >= 500] == []
    expected = {"view": 200, "read": 200, "edit": 200, "write": 201, "case": 200}
    assert Counter(c for c in codes if c[1] != expected[c[0]]) == Counter()
    auditor = hub.client(member(hub, w.ids["stad"], "hub_auditor"))
    heads = auditor.get("/api/v1/audit/checkpoints").text.splitlines()
    with auditor.stream("GET", "/api/v1/audit/export") as r:
        lines = [line for line in r.iter_lines() if line]
    key = auditor.get("/.well-known/livc-hub/audit-key").json()["public_key_pem"]
    report = verify(lines, load_public_key(key.encode()), heads)
    assert report.ok, report.problems
    views = [
        line for line in lines if '"action":"exchange:view"' in line and w.ids["exchange"] in line
    ]
    assert len(views) >= CLIENTS * ROUNDS
