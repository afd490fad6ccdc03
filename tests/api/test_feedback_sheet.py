"""Feedback sheets to the police (rule 11), through HTTP, as the cell's members would use them.

A sheet that quotes or copies a field under professional secrecy is refused naming the field; one
without passes only once every participant and the chair approved it, and becomes the police
agency's note; any refusal ends it; every step is in the access log, no value is.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.api.test_no_plaintext import _database_bytes
from tests.support.casework import SOCIAL, Casework, casework
from tests.support.live import LiveHub
from tests.support.world import agency, member, ok, suspend, template

SECRET = "urn:livc-hub:problem:feedback-contains-secret"
EVERYONE = ("sofie", "pieter", "els", "karim", "mayor")


def _fields(
    message: str = "De LIVC volgt de casus op; geen verdere actie nodig.",
) -> dict[str, Any]:
    return {
        "sheet_date": "2026-11-26",
        "follow_up": "followed_by_livc",
        "message": message,
        "contact_person": "Preventiecoördinator",
    }


def _draft(w: Casework, who: str = "sofie", **body: Any) -> httpx.Response:
    payload = {"police_agency_id": w.ids["politie"], "fields": _fields(), **body}
    return w.as_(who).post(f"{w.x}/feedback-sheets", json=payload)


def _sheet(w: Casework, who: str = "sofie", **body: Any) -> dict[str, Any]:
    return dict(ok(_draft(w, who, **body), 201))


def _approve(w: Casework, who: str, sheet: dict[str, Any]) -> httpx.Response:
    return w.as_(who).post(f"/api/v1/feedback-sheets/{sheet['id']}/approve")


def _refused(response: httpx.Response, status: int, reason: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["reason"] == reason, body
    return dict(body)


def _sheets(w: Casework) -> list[dict[str, Any]]:
    return list(ok(w.as_("mayor").get(f"{w.x}/feedback-sheets")))


@pytest.fixture(scope="module")
def stranger(hub: LiveHub) -> Casework:
    """Another municipality's cell, with its own exchange and members."""
    return casework(hub)


def test_a_quote_of_a_secrecy_field_is_refused_naming_field_and_note(hub: LiveHub) -> None:
    w = casework(hub)
    quotes = [
        {"note_id": w.ids["ocmw_note"], "field": "housing"},
        {"note_id": w.ids["ocmw_note"], "field": "health"},
    ]
    body = _refused(_draft(w, quotes=quotes), 422, "feedback_contains_secret")
    assert body["type"] == SECRET
    assert body["fields"] == [{"note_id": w.ids["ocmw_note"], "field": "health", "how": "quoted"}]
    assert w.values["health"] not in str(body)
    assert _sheets(w) == []  # nothing was stored
    # A quote of a field outside the secrecy regime passes; a quote of no field of the case fails.
    sheet = _sheet(w, quotes=quotes[:1])
    assert sheet["quotes"] == quotes[:1]
    unknown = [{"note_id": str(uuid.uuid4()), "field": "health"}]
    _refused(_draft(w, quotes=unknown), 422, "quote_not_found")


def test_text_copied_from_a_secrecy_field_is_refused_naming_its_source(hub: LiveHub) -> None:
    w = casework(hub)
    # Case, accents and punctuation do not hide a copy.
    copied = f"Gesprek gehad. {w.values['psych'].upper().replace('-', ' — ')}! Verder niets."
    body = _refused(_draft(w, fields=_fields(copied)), 422, "feedback_contains_secret")
    assert body["fields"] == [{"note_id": w.ids["ocmw_note"], "field": "psych", "how": "copied"}]
    assert w.values["psych"] not in str(body)
    # The same words from a field outside the regime (housing) may be passed on.
    ok(_draft(w, fields=_fields(f"Zie {w.values['housing']}.")), 201)
    # A minor's notes are all under the youth regime (rule 13): any copied field is refused.
    young = casework(hub, minor=True)
    body = _refused(
        _draft(young, fields=_fields(f"Over {young.values['household']}.")),
        422,
        "feedback_contains_secret",
    )
    assert body["fields"][0]["field"] == "household"


def test_a_sheet_passes_only_once_everyone_approved_and_becomes_the_polices_note(
    hub: LiveHub,
) -> None:
    w = casework(hub)
    sheet = _sheet(w)
    assert sheet["status"] == "open"
    assert set(sheet["required_approvers"]) == {w.ids[p] for p in EVERYONE}
    assert sheet["fields"]["message"].startswith("De LIVC")
    for who in EVERYONE[:-1]:
        after = ok(_approve(w, who, sheet))
        assert after["status"] == "open", who
        assert after["note_id"] is None
    _refused(_approve(w, "sofie", sheet), 409, "already_approved")
    done = ok(_approve(w, "mayor", sheet))  # the last approval needed
    assert done["status"] == "approved"
    assert set(done["approved_by"]) == {w.ids[p] for p in EVERYONE}
    note = ok(w.as_("pieter").get(f"/api/v1/notes/{done['note_id']}"))
    assert note["owner_agency_id"] == w.ids["politie"]
    assert note["fields"] == _fields()
    # It is the police's note now: another agency does not read it, the exchange shows no draft.
    assert w.as_("sofie").get(f"/api/v1/notes/{done['note_id']}").status_code == 404
    assert ok(w.as_("sofie").get(f"/api/v1/feedback-sheets/{sheet['id']}"))["fields"] is None
    _refused(_approve(w, "karim", sheet), 409, "sheet_not_open")


def test_the_last_approval_checks_again_against_what_the_hub_holds_then(hub: LiveHub) -> None:
    w = casework(hub)
    message = "Afspraak bij de huisarts gepland voor volgende week dinsdag."
    sheet = _sheet(w, fields=_fields(message))
    for who in ("pieter", "els", "karim", "mayor"):
        ok(_approve(w, who, sheet))
    # Meanwhile the social worker records the same words as health information; her approval,
    # the last one, compares the sheet with what she can read, her note included.
    body = {"template_id": template(hub, SOCIAL), "fields": {"health": message}}
    later = ok(w.as_("sofie").post(f"/api/v1/cases/{w.ids['case']}/notes", json=body), 201)
    refused = _refused(_approve(w, "sofie", sheet), 422, "feedback_contains_secret")
    assert refused["fields"] == [{"note_id": later["id"], "field": "health", "how": "copied"}]
    seen = ok(w.as_("mayor").get(f"/api/v1/feedback-sheets/{sheet['id']}"))
    assert (seen["status"], seen["note_id"]) == ("open", None)


def test_the_check_is_no_oracle_for_fields_the_drafter_cannot_read(hub: LiveHub) -> None:
    # Pieter cannot read the OCMW's unreleased health field. A sheet holding its exact words is
    # not refused on its account, and quoting it is refused as quoting a field that does not
    # exist: neither answer says whether the value holds a guess, or that the note exists.
    w = casework(hub)
    guess = _fields(f"Let op: {w.values['health']}.")
    assert _draft(w, "pieter", fields=guess).status_code == 201
    quote = [{"note_id": w.ids["ocmw_note"], "field": "health"}]
    unknown = [{"note_id": str(uuid.uuid4()), "field": "health"}]
    seen = _refused(_draft(w, "pieter", quotes=quote), 422, "quote_not_found")
    none = _refused(_draft(w, "pieter", quotes=unknown), 422, "quote_not_found")
    assert seen["detail"] == none["detail"]
    # Sofie, whose note it is, is refused for the same words.
    _refused(_draft(w, "sofie", fields=guess), 422, "feedback_contains_secret")


def test_draft_and_refusal_texts_are_sealed(hub: LiveHub) -> None:
    w = casework(hub)
    marker = f"MARKER-feedback-{uuid.uuid4().hex}"
    comment = f"MARKER-refusal-{uuid.uuid4().hex}"
    sheet = _sheet(w, fields=_fields(marker))
    assert (
        ok(w.as_("karim").get(f"/api/v1/feedback-sheets/{sheet['id']}"))["fields"]["message"]
        == marker
    )
    path = f"/api/v1/feedback-sheets/{sheet['id']}/refuse"
    ok(w.as_("els").post(path, json={"reason": "other", "comment": comment}))
    stored = _database_bytes(hub)
    assert marker.encode() not in stored
    assert comment.encode() not in stored


def test_a_refusal_ends_the_draft(hub: LiveHub) -> None:
    w = casework(hub)
    sheet = _sheet(w)
    ok(_approve(w, "mayor", sheet))
    path = f"/api/v1/feedback-sheets/{sheet['id']}/refuse"
    comment = "Te vroeg: wacht op het volgende overleg."
    refused = ok(w.as_("els").post(path, json={"reason": "premature", "comment": comment}))
    assert refused["status"] == "refused"
    assert refused["note_id"] is None
    _refused(_approve(w, "sofie", sheet), 409, "sheet_not_open")
    _refused(w.as_("pieter").post(path, json={"reason": "other"}), 409, "sheet_not_open")
    seen = ok(w.as_("karim").get(f"/api/v1/feedback-sheets/{sheet['id']}"))
    assert seen["fields"] is None
    [vote] = [v for v in seen["votes"] if v["decision"] == "refuse"]
    assert (vote["member_id"], vote["reason"], vote["comment"]) == (
        w.ids["els"],
        "premature",
        comment,
    )


def test_an_invitation_resets_approvals_and_a_removal_drops_the_need(hub: LiveHub) -> None:
    w = casework(hub)
    sheet = _sheet(w)
    for who in ("sofie", "pieter", "mayor"):
        ok(_approve(w, who, sheet))
    ok(
        w.as_("mayor").post(f"{w.x}/participants", json={"member_id": w.ids["colleague"]}),
        201,
    )
    seen = ok(w.as_("sofie").get(f"/api/v1/feedback-sheets/{sheet['id']}"))
    assert seen["approved_by"] == []
    assert w.ids["colleague"] in seen["required_approvers"]
    for who in ("sofie", "pieter", "mayor", "colleague", "els"):
        assert ok(_approve(w, who, sheet))["status"] == "open"
    # Karim is removed: no longer asked, no longer able to vote; the others' approvals stand.
    member_path = f"{w.x}/participants/{w.ids['karim']}"
    assert w.as_("mayor").delete(member_path).status_code in (200, 204)
    assert _approve(w, "karim", sheet).status_code == 404
    seen = ok(w.as_("sofie").get(f"/api/v1/feedback-sheets/{sheet['id']}"))
    assert w.ids["karim"] not in seen["required_approvers"]
    # Complete now that the removal dropped the last missing approver: the next vote decides.
    ok(w.as_("mayor").post(f"{w.x}/participants", json={"member_id": w.ids["karim"]}), 201)
    for who in ("sofie", "pieter", "mayor", "colleague", "els"):
        ok(_approve(w, who, sheet))
    assert ok(_approve(w, "karim", sheet))["status"] == "approved"


def test_only_participants_and_the_chair_take_part(hub: LiveHub, stranger: Casework) -> None:
    w = casework(hub)
    sheet = _sheet(w)
    # A chair delegate seated in the cell may know the exchange but is not asked to approve.
    delegate = member(hub, w.ids["stad"], "chair_delegate", secrecy=True)
    ok(hub.admin.post(f"/api/v1/cells/{w.ids['cell']}/members", json={"member_id": delegate}), 201)
    refused = hub.client(delegate).post(f"/api/v1/feedback-sheets/{sheet['id']}/approve")
    _refused(refused, 403, "not_participant_or_chair")
    # A member of the cell outside the exchange, and another municipality's, know nothing.
    for client in (w.as_("colleague"), stranger.as_("sofie"), stranger.as_("mayor")):
        assert client.get(f"/api/v1/feedback-sheets/{sheet['id']}").status_code == 404
        assert client.get(f"{w.x}/feedback-sheets").status_code == 404
        assert client.post(f"/api/v1/feedback-sheets/{sheet['id']}/approve").status_code == 404
        refuse = client.post(
            f"/api/v1/feedback-sheets/{sheet['id']}/refuse", json={"reason": "other"}
        )
        assert refuse.status_code == 404
        assert client.post(f"{w.x}/feedback-sheets", json={}).status_code in (404, 422)
        draft = {"police_agency_id": w.ids["politie"], "fields": _fields()}
        assert client.post(f"{w.x}/feedback-sheets", json=draft).status_code == 404
    assert w.as_("sofie").get(f"/api/v1/feedback-sheets/{uuid.uuid4()}").status_code == 404
    # The other municipality's sheet is as unknown to this one.
    theirs = _sheet(stranger)
    assert w.as_("mayor").get(f"/api/v1/feedback-sheets/{theirs['id']}").status_code == 404
    assert ok(_approve(w, "sofie", sheet))["status"] == "open"


def test_the_sheet_goes_to_a_police_agency_of_the_cell(hub: LiveHub) -> None:
    w = casework(hub)
    not_police = {"police_agency_id": w.ids["ocmw"], "fields": _fields()}
    _refused(
        w.as_("sofie").post(f"{w.x}/feedback-sheets", json=not_police), 422, "recipient_not_police"
    )
    elsewhere = {"police_agency_id": agency(hub, "local_police", "police"), "fields": _fields()}
    _refused(
        w.as_("sofie").post(f"{w.x}/feedback-sheets", json=elsewhere), 422, "recipient_not_in_cell"
    )
    unknown = {"police_agency_id": str(uuid.uuid4()), "fields": _fields()}
    _refused(
        w.as_("sofie").post(f"{w.x}/feedback-sheets", json=unknown), 422, "recipient_not_police"
    )
    assert _sheets(w) == []


def test_bad_input_is_422_and_changes_nothing(hub: LiveHub) -> None:
    w = casework(hub)
    base = {"police_agency_id": w.ids["politie"]}
    for body in (
        {**base, "fields": {"message": "zonder datum"}},  # required fields missing
        {**base, "fields": {**_fields(), "unknown": "x"}},
        {**base, "fields": {**_fields(), "follow_up": "maybe"}},
        {**base, "fields": _fields(), "quotes": [{"note_id": "x", "field": "health"}]},
        {**base, "fields": _fields(), "extra": 1},
        {"fields": _fields()},
    ):
        response = w.as_("sofie").post(f"{w.x}/feedback-sheets", json=body)
        assert response.status_code == 422, (body, response.text)
    sheet = _sheet(w)
    path = f"/api/v1/feedback-sheets/{sheet['id']}/refuse"
    for refusal in ({"reason": "because"}, {"reason": "other", "comment": "x" * 501}, {}):
        assert w.as_("pieter").post(path, json=refusal).status_code == 422
    assert [s["status"] for s in _sheets(w)] == ["open"]
    assert ok(w.as_("mayor").get(f"/api/v1/feedback-sheets/{sheet['id']}"))["votes"] == []


def test_a_shut_exchange_takes_no_draft_and_no_vote(hub: LiveHub) -> None:
    w = casework(hub)
    sheet = _sheet(w)
    ok(w.as_("mayor").post(f"{w.x}/close"))
    _refused(_draft(w), 409, "exchange_shut")
    _refused(_approve(w, "sofie", sheet), 409, "exchange_shut")
    assert ok(w.as_("sofie").get(f"/api/v1/feedback-sheets/{sheet['id']}"))["fields"] is None


def test_every_step_is_in_the_access_log_without_a_value(hub: LiveHub) -> None:
    w = casework(hub)
    _refused(
        _draft(w, quotes=[{"note_id": w.ids["ocmw_note"], "field": "psych"}]),
        422,
        "feedback_contains_secret",
    )
    refused = _sheet(w)
    ok(
        w.as_("pieter").post(
            f"/api/v1/feedback-sheets/{refused['id']}/refuse",
            json={"reason": "inaccurate", "comment": "Klopt niet."},
        )
    )
    sheet = _sheet(w)
    for who in EVERYONE:
        ok(_approve(w, who, sheet))
    auditor = hub.client(member(hub, w.ids["stad"], "hub_auditor"))

    def entries(action: str) -> list[dict[str, Any]]:
        params: dict[str, str | int] = {"exchange": w.ids["exchange"], "action": action}
        return list(ok(auditor.get("/api/v1/audit/entries", params=params))["items"])

    [denial, *drafts] = entries("feedback:draft")
    assert denial["decision"] == "deny"
    assert denial["reason"] == "feedback_contains_secret"
    assert any("psych" in d for d in denial["denied"])
    assert len(drafts) == 2
    assert all(d["decision"] == "allow" for d in drafts)
    [refusal] = entries("feedback:refuse")
    assert (refusal["actor"], refusal["reason"]) == (w.ids["pieter"], "inaccurate")
    assert {e["actor"] for e in entries("feedback:approve")} == {w.ids[p] for p in EVERYONE}
    [complete] = entries("feedback:complete")
    note_id = ok(w.as_("els").get(f"/api/v1/feedback-sheets/{sheet['id']}"))["note_id"]
    assert complete["note"] == note_id
    consensus = entries("feedback:consensus")
    assert {e["object"] for e in consensus} == {w.ids[p] for p in EVERYONE}
    log = str([entries(a) for a in ("feedback:draft", "feedback:refuse", "feedback:read")])
    assert "Klopt niet" not in log
    assert w.values["psych"] not in log


CAST = ["mayor", "sofie", "pieter", "els", "karim", "ocmw_admin", "colleague"]


def _calls(a: Casework, sheet_id: str, b: Casework) -> list[tuple[str, str, dict[str, Any] | None]]:
    """A's feedback endpoints, with B's objects wherever an id goes in a body."""
    draft = {
        "police_agency_id": b.ids["politie"],
        "fields": _fields(),
        "quotes": [{"note_id": b.ids["ocmw_note"], "field": "housing"}],
    }
    return [
        ("GET", f"{a.x}/feedback-sheets", None),
        ("POST", f"{a.x}/feedback-sheets", draft),
        ("GET", f"/api/v1/feedback-sheets/{sheet_id}", None),
        ("POST", f"/api/v1/feedback-sheets/{sheet_id}/approve", None),
        ("POST", f"/api/v1/feedback-sheets/{sheet_id}/refuse", {"reason": "other"}),
    ]


def test_every_endpoint_by_every_role_of_another_world_is_404(
    hub: LiveHub, stranger: Casework
) -> None:
    w = casework(hub)
    sheet = _sheet(w)
    for who in CAST:
        client = stranger.as_(who)
        for method, path, body in _calls(w, sheet["id"], stranger):
            response = client.request(method, path, json=body)
            assert response.status_code == 404, (who, method, path, response.text)
            assert sheet["fields"]["message"] not in response.text
    # Insiders of this exchange who are not in it (an agency admin, a colleague) know nothing.
    for who in ("ocmw_admin", "colleague"):
        for method, path, body in _calls(w, sheet["id"], w):
            assert w.as_(who).request(method, path, json=body).status_code == 404, (who, path)
    # Participants naming the other world's objects: its police agency is not in this cell, its
    # notes are none of this case's.
    theirs = {"police_agency_id": stranger.ids["politie"], "fields": _fields()}
    _refused(
        w.as_("sofie").post(f"{w.x}/feedback-sheets", json=theirs), 422, "recipient_not_in_cell"
    )
    quote = [{"note_id": stranger.ids["ocmw_note"], "field": "housing"}]
    _refused(_draft(w, quotes=quote), 422, "quote_not_found")
    # A suspended participant does nothing from the next request on (refused at the door).
    suspend(hub, w.ids["karim"])
    assert _approve(w, "karim", sheet).status_code in (401, 404)
    assert [s["status"] for s in _sheets(w)] == ["open"]


def test_the_last_two_approvals_at_once_complete_the_sheet_once(hub: LiveHub) -> None:
    w = casework(hub)
    sheet = _sheet(w)
    for who in ("sofie", "pieter", "els"):
        ok(_approve(w, who, sheet))
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda who: _approve(w, who, sheet), ["karim", "mayor"]))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    seen = ok(w.as_("sofie").get(f"/api/v1/feedback-sheets/{sheet['id']}"))
    assert seen["status"] == "approved"
    assert sorted(a.json()["status"] for a in answers) == ["approved", "open"]
