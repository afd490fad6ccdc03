"""The SDK against the real hub: uvicorn on 127.0.0.1 (``hub``, SQLite and PostgreSQL), and the
same app in-process through httpx.ASGITransport for the async client.

The cast is the README's consultation (tests/support/casework.py): the social worker writes and
releases, the chair (mayor) grants, the police reference person reads the view.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from livc_hub_client import (
    AsyncClient,
    Client,
    ClientCredentials,
    Conflict,
    FeedbackContainsSecret,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unauthenticated,
    ValidationProblem,
    models,
)

from app.api.app import create_app
from tests.support.casework import SOCIAL, Casework, casework
from tests.support.live import LiveHub
from tests.support.timing import http_timeout
from tests.support.world import agency, cell, member, provision, template


def sdk(hub: LiveHub, who: str) -> Client:
    """The SDK as a member, with the hub's own token for them."""
    return Client(hub.base_url, auth=hub.token(who), timeout=http_timeout())


@pytest.fixture(scope="module")
def scene(hub: LiveHub) -> Casework:
    return casework(hub)


def test_write_release_grant_and_read_the_view(hub: LiveHub, scene: Casework) -> None:
    w, ids = scene, scene.ids
    exchange = ids["exchange"]
    social = template(hub, SOCIAL)
    with sdk(hub, ids["sofie"]) as sofie, sdk(hub, ids["mayor"]) as mayor:
        note = sofie.create_note(
            ids["case"], template_id=social, fields={"household": "Twee kinderen, alleen."}
        )
        assert isinstance(note, models.Note)
        assert note.version == 1
        edited = sofie.update_note(
            note.id,
            fields={"household": "Twee kinderen.", "housing": "Sociale woning."},
            etag=note.etag,
        )
        assert (edited.version, edited.current_version) == (2, 2)
        with pytest.raises(PreconditionFailed) as stale:
            sofie.update_note(note.id, fields={"household": "x"}, etag=note.etag)
        assert stale.value.etag == edited.etag
        assert [v.version for v in sofie.note_versions(note.id)] == [1, 2]
        assert sofie.get_note_version(note.id, 1).fields["household"] == "Twee kinderen, alleen."

        released = sofie.release(exchange, note_id=note.id, fields=["household", "housing"])
        assert {r.field for r in released} == {"household", "housing"}
        assert {r.field for r in mayor.releases(exchange)} >= {"household", "housing"}

        granted = mayor.grant(exchange, member_id=ids["pieter"], note_id=note.id, field="household")
        assert isinstance(granted, models.Grant)
        assert granted.id in {g.id for g in mayor.grants(exchange)}
        assert ids["pieter"] in {str(p.member_id) for p in mayor.participants(exchange)}
        assert mayor.get_exchange(exchange).you_chair

    with sdk(hub, ids["pieter"]) as pieter:
        view = pieter.view(exchange)
        assert isinstance(view, models.View)
        assert str(view.exchange.id) == exchange
        assert str(view.case_id) == ids["case"]
        [shared] = [n for n in view.notes if n.note_id == note.id]
        assert shared.fields == {"household": "Twee kinderen."}  # housing released, not granted
        verdicts = {v.field: v for v in pieter.explain(exchange).yours if v.note_id == note.id}
        assert verdicts["household"].visible
        assert "Sociale woning." not in str(verdicts)
        assert exchange in {str(x.id) for x in pieter.list_exchanges()}
    assert w.values  # the cast's own notes were untouched by this test


def test_refusals_are_typed_problems_with_their_reason(hub: LiveHub, scene: Casework) -> None:
    ids = scene.ids
    with sdk(hub, ids["mayor"]) as mayor:
        with pytest.raises(Conflict) as unreleased:
            mayor.grant(ids["exchange"], member_id=ids["pieter"], field="no_such_field")
        assert unreleased.value.reason == "not_released"
        assert unreleased.value.type == "urn:livc-hub:problem:conflict"
        assert unreleased.value.status == 409
        assert unreleased.value.request_id
        with pytest.raises(ValidationProblem) as invalid:
            mayor.grant(ids["exchange"], member_id="not-a-uuid", field="household")
        assert invalid.value.errors
        assert all({"loc", "msg", "type"} <= set(e) for e in invalid.value.errors)
    with sdk(hub, ids["colleague"]) as outsider, pytest.raises(NotFound):
        outsider.view(ids["exchange"])  # not a participant: the exchange does not exist for them
    with Client(hub.base_url, auth="forged", timeout=http_timeout()) as anonymous:
        with pytest.raises(Unauthenticated):
            anonymous.me()


def test_iterators_walk_every_page(hub: LiveHub) -> None:
    ocmw = agency(hub)
    made = {cell(hub, ocmw) for _ in range(3)}
    sent: list[httpx.Request] = []
    with Client(hub.base_url, auth=hub.token(hub.admin_id), timeout=http_timeout()) as admin:
        admin._http.event_hooks["request"].append(sent.append)
        ids = [str(c.id) for c in admin.iter_cells(limit=2)]
        assert len(ids) == len(set(ids))
        assert made <= set(ids)
        # one request per page (and maybe an empty last one after a full page)
        assert len(sent) in {-(-len(ids) // 2), len(ids) // 2 + 1}
        first = admin.list_cells(limit=2)
        assert len(first.items) == 2
        assert first.next_cursor
        second = admin.list_cells(limit=2, cursor=first.next_cursor)
        assert {c.id for c in first.items}.isdisjoint({c.id for c in second.items})
        templates = list(itertools.islice(admin.iter_templates(limit=1), 3))
        assert len({t.id for t in templates}) == 3


def test_notes_of_a_case_page_through(hub: LiveHub, scene: Casework) -> None:
    ids = scene.ids
    social = template(hub, SOCIAL)
    with sdk(hub, ids["sofie"]) as sofie:
        written = {
            sofie.create_note(ids["case"], template_id=social, fields={"housing": f"H{i}"}).id
            for i in range(3)
        }
        listed = [n.id for n in sofie.iter_notes(ids["case"], limit=1)]
    assert written <= set(listed)
    assert len(listed) == len(set(listed))


def test_client_credentials_against_the_token_endpoint(hub: LiveHub) -> None:
    decided = provision(hub, agency(hub), "service_account", kind="service")
    client_id, secret = decided["member"]["client_id"], decided["client_secret"]
    now = [0.0]
    auth = ClientCredentials(client_id, secret, clock=lambda: now[0])
    with Client(hub.base_url, auth=auth, timeout=http_timeout()) as service:
        assert str(service.me().member_id) == decided["member"]["id"]
        service.me()
        assert auth.fetched == 1
        now[0] += hub.settings.auth.token_ttl_seconds  # expired by the clock: refreshed first
        assert str(service.me().member_id) == decided["member"]["id"]
        assert auth.fetched == 2
    wrong = ClientCredentials(client_id, secret + "x")
    with Client(hub.base_url, auth=wrong, timeout=http_timeout()) as refused:
        with pytest.raises(Unauthenticated) as raised:
            refused.me()
    assert raised.value.extra.get("error") == "invalid_client"


def test_async_client_in_process_gives_what_the_sync_client_gives(
    hub: LiveHub, scene: Casework
) -> None:
    """The async client through httpx.ASGITransport on the same app, database and keys."""
    ids = scene.ids
    scene.release("sofie", "ocmw_note", fields=["household"])
    scene.grant(member="karim", note="ocmw_note", field="household")
    with sdk(hub, ids["karim"]) as karim:
        expected = karim.view(ids["exchange"])

    async def run() -> models.View:
        app = create_app(hub.settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with AsyncClient(
                "http://livc-hub.test", auth=hub.token(ids["karim"]), transport=transport
            ) as karim_async:
                assert str((await karim_async.me()).member_id) == ids["karim"]
                cells = [c async for c in karim_async.iter_cells(limit=1)]
                assert ids["cell"] in {str(c.id) for c in cells}
                with pytest.raises(Forbidden) as not_chair:
                    await karim_async.grant(ids["exchange"], member_id=ids["karim"], field="x")
                assert not_chair.value.reason == "not_chair"
                return await karim_async.view(ids["exchange"])

    got = asyncio.run(run())
    assert got == expected
    assert any("household" in n.fields for n in got.notes)


def test_subjects_cases_and_meetings(hub: LiveHub) -> None:
    stad = agency(hub, "municipality", "livc_458ter")
    chair = member(hub, stad, "chair", secrecy=True)
    worker = member(hub, stad, "case_worker", secrecy=True)
    cell_id = cell(hub, stad)
    with Client(hub.base_url, auth=hub.token(hub.admin_id), timeout=http_timeout()) as admin:
        for who in (chair, worker):
            admin.request("POST", f"/api/v1/cells/{cell_id}/members", json={"member_id": who})
        admin.request("PUT", f"/api/v1/cells/{cell_id}/chair", json={"member_id": chair})
    with sdk(hub, worker) as sofie:
        subject = sofie.create_subject(name="Persoon Test", date_of_birth=date(2001, 2, 3))
        assert not subject.is_minor
        assert sofie.get_subject(subject.id).date_of_birth == date(2001, 2, 3)
        case = sofie.create_case(cell_id=cell_id, subject_id=subject.id)
        assert case.status == "signalled"
        assert case.id in {c.id for c in sofie.iter_cases(cell_id=cell_id)}
        assert sofie.get_case(case.id) == case
        assert sofie.get_cell(cell_id).chair_member_id is not None
    with sdk(hub, chair) as mayor:
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        meeting = mayor.schedule_meeting(
            cell_id, starts_at=starts, ends_at=starts + timedelta(hours=2), member_ids=[worker]
        )
        assert meeting.status == "scheduled"
        assert meeting.id in {x.id for x in mayor.list_meetings(cell_id)}
        mayor.cancel_meeting(meeting.id)
        assert mayor.get_meeting(meeting.id).status == "cancelled"


def test_the_auditor_pages_through_the_access_log(hub: LiveHub, scene: Casework) -> None:
    ids = scene.ids
    with sdk(hub, ids["pieter"]) as pieter:
        pieter.view(ids["exchange"])
    auditor = member(hub, ids["stad"], "hub_auditor")
    with sdk(hub, auditor) as log:
        entries = list(log.iter_audit_entries(exchange=ids["exchange"], limit=3))
        seqs = [e.seq for e in entries]
        assert len(seqs) > 3  # more than one page
        assert len(set(seqs)) == len(seqs)
        assert {"exchange:view", "exchange:create"} <= {e.action for e in entries}
        first = log.audit_entries(exchange=ids["exchange"], limit=3)
        assert [e.seq for e in first.items] == seqs[:3]
        views = log.audit_entries(
            exchange=ids["exchange"], member=ids["pieter"], action="exchange:view"
        )
        assert views.items
        assert all(e.action == "exchange:view" for e in views.items)


def test_a_feedback_sheet_refused_for_a_secret_then_approved_by_all(
    hub: LiveHub, scene: Casework
) -> None:
    ids = scene.ids
    fields = {
        "sheet_date": "2026-11-26",
        "follow_up": "followed_by_livc",
        "message": "De LIVC volgt de casus op; geen verdere actie nodig.",
        "contact_person": "Preventiecoördinator",
    }
    with sdk(hub, ids["sofie"]) as sofie:
        with pytest.raises(FeedbackContainsSecret) as secret:
            sofie.draft_feedback_sheet(
                ids["exchange"],
                police_agency_id=ids["politie"],
                fields=fields,
                quotes=[(ids["ocmw_note"], "health")],
            )
        assert secret.value.reason == "feedback_contains_secret"
        assert secret.value.fields == [
            {"note_id": ids["ocmw_note"], "field": "health", "how": "quoted"}
        ]
        assert scene.values["health"] not in str(secret.value.extra)
        sheet = sofie.draft_feedback_sheet(
            ids["exchange"], police_agency_id=ids["politie"], fields=fields
        )
        assert sheet.status == "open"
    for who in ("sofie", "pieter", "els", "karim", "mayor"):
        with sdk(hub, ids[who]) as voter:
            decided = voter.approve_feedback_sheet(sheet.id)
    assert decided.status == "approved"
    with sdk(hub, ids["mayor"]) as mayor:
        assert mayor.get_feedback_sheet(sheet.id).note_id is not None
        assert sheet.id in {s.id for s in mayor.feedback_sheets(ids["exchange"])}
