"""Notes from templates through the web client: the forms, the API's refusals, versions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.web import csrf, text_of, title_of, web_client
from tests.support.world import ok
from tests.web.pages import read

FORM_TEMPLATES = (
    "signals",
    "family_guidance_plan",
    "social_assessment",
    "police_information",
    "ltf_information",
    "meeting_minutes",
)


@pytest.fixture(scope="module")
def w(hub: LiveHub) -> Casework:
    return casework(hub)


def _shipped(hub: LiveHub, key: str, lang: str) -> dict[str, Any]:
    items = ok(hub.admin.get("/api/v1/templates", params={"key": key, "lang": lang}))["items"]
    return dict(max(items, key=lambda t: t["version"]))


def _notes(w: Casework, who: str) -> list[str]:
    body = ok(w.as_(who).get(f"/api/v1/cases/{w.ids['case']}/notes", params={"limit": 200}))
    return [n["id"] for n in body["items"]]


def _new(w: Casework, key: str) -> str:
    return f"/ui/cases/{w.ids['case']}/notes/new?template={key}"


def _etag(html: str) -> str:
    found = re.search(r'name="etag" value="([^"]+)"', html)
    assert found, "the edit form carries the ETag"
    return found.group(1).replace("&#34;", '"').replace("&quot;", '"')


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_template_renders_every_field_and_part(hub: LiveHub, w: Casework, lang: str) -> None:
    client = web_client(hub, w.ids["sofie"], lang=lang)
    for key in FORM_TEMPLATES:
        template = _shipped(hub, key, lang)
        page = client.get(_new(w, key))
        assert page.status_code == 200, (key, page.text[:500])
        html, text = page.text, text_of(page.text)
        assert template["title"] in text
        for spec in template["fields"]:
            assert f'data-field="{spec["name"]}"' in html, (key, spec["name"])
            assert spec["label"] in text, (key, spec["label"])
            if spec["type"] == "record":
                names = [f"f.{spec['name']}.{p['name']}" for p in spec["parts"]]
            elif spec["type"] == "records":
                names = [f"f.{spec['name']}.0.{p['name']}" for p in spec["parts"]]
            else:
                names = [f"f.{spec['name']}"]
            for name in names:
                assert f'name="{name}"' in html, (key, name)
            for part in spec["parts"]:
                assert part["label"] in text, (key, part["label"])
                for choice in part["choices"]:
                    assert part["choice_labels"][choice][lang] in text
        assert w.ids["case"] not in title_of(html)


def test_the_signals_instrument_draws_observations_as_radio_buttons(
    hub: LiveHub, w: Casework
) -> None:
    html = web_client(hub, w.ids["sofie"], lang="nl").get(_new(w, "signals")).text
    assert html.count('type="radio" name="f.social_isolation.status"') == 4  # 3 + "no answer"
    assert "Waargenomen" in html
    assert "Niet waargenomen" in html
    assert "Soort informatie: signalen" in text_of(html)


FAMILY_FORM = {
    "f.needs": "Begeleiding naar school\r\nen werk",
    "f.life_story": "",
    "f.next_review": "2027-01-15",
    "n.actions": "2",
    "f.actions.0.axis": "psychosocial_guidance",
    "f.actions.0.action": "Wekelijks gesprek",
    "f.actions.0.status": "ongoing",
    "f.actions.0.start_date": "2026-12-01",
    "f.actions.1.axis": "",
    "f.actions.1.action": "",
    "f.actions.1.status": "",
}


def _family_values(owner: str) -> dict[str, Any]:
    return {
        "needs": "Begeleiding naar school\nen werk",
        "next_review": "2027-01-15",
        "actions": [
            {
                "axis": "psychosocial_guidance",
                "action": "Wekelijks gesprek",
                "owner_agency": owner,
                "status": "ongoing",
                "start_date": "2026-12-01",
            }
        ],
    }


def test_a_note_written_with_the_form_equals_one_written_through_the_api(
    hub: LiveHub, w: Casework
) -> None:
    client = web_client(hub, w.ids["sofie"])
    form = {**FAMILY_FORM, "csrf_token": csrf(client), "f.actions.0.owner_agency": w.ids["ocmw"]}
    saved = client.post(_new(w, "family_guidance_plan"), data=form)
    assert saved.status_code == 303, saved.text[:2000]
    note_id = saved.headers["location"].split("/")[3].split("?")[0]
    via_form = ok(w.as_("sofie").get(f"/api/v1/notes/{note_id}"))
    template = _shipped(hub, "family_guidance_plan", "nl")
    body = {"template_id": template["id"], "fields": _family_values(w.ids["ocmw"])}
    via_api = ok(w.as_("sofie").post(f"/api/v1/cases/{w.ids['case']}/notes", json=body), 201)
    assert via_form["fields"] == via_api["fields"]
    assert via_form["template_id"] == via_api["template_id"] == template["id"]
    page = client.get(saved.headers["location"])
    assert "De notitie werd bewaard" in text_of(page.text)
    assert "Psychosociale begeleiding" in text_of(page.text)  # a choice by its label
    assert "psychosocial_guidance" not in text_of(page.text)
    assert "15 jan 2027" in text_of(page.text)  # a date as Belgians write it
    assert f"/ui/exchanges/{w.ids['exchange']}/release" in read(page.text).links


@pytest.mark.parametrize(
    ("lang", "words"), [("nl", "Dit veld is verplicht"), ("fr", "Ce champ est obligatoire")]
)
def test_invalid_input_is_refused_with_the_apis_reasons_and_nothing_is_written(
    hub: LiveHub, w: Casework, lang: str, words: str
) -> None:
    client = web_client(hub, w.ids["sofie"], lang=lang)
    before = _notes(w, "sofie")
    form = {**FAMILY_FORM, "csrf_token": csrf(client), "f.actions.0.axis": ""}
    form["f.actions.0.owner_agency"] = w.ids["ocmw"]
    refused = client.post(_new(w, "family_guidance_plan"), data=form)
    assert refused.status_code == 422
    assert 'data-problem="actions"' in refused.text
    assert words in text_of(refused.text)
    assert "Wekelijks gesprek" in refused.text  # what was typed is kept
    bad_date = {"csrf_token": csrf(client), "f.social_isolation.status": "observed"}
    bad_date["f.social_isolation.date"] = "2026-02-30"
    refused = client.post(_new(w, "signals"), data=bad_date)
    assert refused.status_code == 422
    assert 'data-problem="social_isolation"' in refused.text
    assert _notes(w, "sofie") == before


def test_a_required_part_missing_names_the_part(hub: LiveHub, w: Casework) -> None:
    client = web_client(hub, w.ids["sofie"], lang="nl")
    form = {**FAMILY_FORM, "csrf_token": csrf(client), "f.actions.0.owner_agency": ""}
    refused = client.post(_new(w, "family_guidance_plan"), data=form)
    assert refused.status_code == 422
    problem = re.search(r'data-problem="actions">(.*?)</p>', refused.text, re.DOTALL)
    assert problem
    assert "Verantwoordelijke dienst" in problem.group(1)
    assert "Dit veld is verplicht" in problem.group(1)


def test_a_template_the_member_may_not_write_is_refused_as_the_api_refuses(
    hub: LiveHub, w: Casework
) -> None:
    client = web_client(hub, w.ids["sofie"])
    before = _notes(w, "sofie")
    form = {"csrf_token": csrf(client)}
    refused = client.post(_new(w, "ltf_information"), data=form)
    template = _shipped(hub, "ltf_information", "nl")
    api = w.as_("sofie").post(
        f"/api/v1/cases/{w.ids['case']}/notes", json={"template_id": template["id"], "fields": {}}
    )
    assert refused.status_code == api.status_code == 403
    assert _notes(w, "sofie") == before


def test_add_a_row_saves_nothing_and_offers_one_more_row(hub: LiveHub, w: Casework) -> None:
    client = web_client(hub, w.ids["sofie"])
    before = _notes(w, "sofie")
    form = {**FAMILY_FORM, "csrf_token": csrf(client), "more": "actions"}
    page = client.post(_new(w, "family_guidance_plan"), data=form)
    assert page.status_code == 200
    # One filled row and one blank row were shown: now the filled one and two blank ones.
    assert 'name="f.actions.2.axis"' in page.text
    assert 'name="f.actions.3.axis"' not in page.text
    assert 'name="n.actions" value="3"' in page.text
    assert ">Wekelijks gesprek</textarea>" in page.text
    assert _notes(w, "sofie") == before


def test_a_new_version_needs_the_version_edited_and_a_conflict_is_shown(
    hub: LiveHub, w: Casework
) -> None:
    template = _shipped(hub, "signals", "nl")
    fields = {"context": "Eerste versie", "leisure": {"status": "observed"}}
    body = {"template_id": template["id"], "fields": fields}
    note = ok(w.as_("sofie").post(f"/api/v1/cases/{w.ids['case']}/notes", json=body), 201)
    client = web_client(hub, w.ids["sofie"], lang="fr")
    edit = client.get(f"/ui/notes/{note['id']}/edit")
    assert edit.status_code == 200
    assert "Eerste versie" in edit.text
    assert 'value="observed" checked' in edit.text
    etag = _etag(edit.text)
    assert etag == note["etag"]
    # A colleague saves a second version meanwhile.
    theirs = {"fields": {"context": "Versie van een collega"}}
    ok(w.as_("sofie").put(f"/api/v1/notes/{note['id']}", json=theirs, headers={"If-Match": etag}))
    mine = {"csrf_token": csrf(client), "etag": etag, "f.context": "Mijn versie"}
    conflict = client.post(f"/ui/notes/{note['id']}/edit", data=mine)
    assert conflict.status_code == 412
    text = text_of(conflict.text)
    assert "version plus récente" in text
    assert "Versie van een collega" in text  # theirs, to compare
    assert "Mijn versie" in conflict.text  # mine, still in the form
    current = ok(w.as_("sofie").get(f"/api/v1/notes/{note['id']}"))
    assert current["current_version"] == 2
    assert current["fields"] == {"context": "Versie van een collega"}
    # Saving again, knowingly, replaces the newest version.
    again = {**mine, "etag": _etag(conflict.text)}
    saved = client.post(f"/ui/notes/{note['id']}/edit", data=again)
    assert saved.status_code == 303
    current = ok(w.as_("sofie").get(f"/api/v1/notes/{note['id']}"))
    assert current["current_version"] == 3
    assert current["fields"] == {"context": "Mijn versie"}


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_cases_and_a_case_list_what_the_api_lists(hub: LiveHub, w: Casework, lang: str) -> None:
    client = web_client(hub, w.ids["sofie"], lang=lang)
    page = client.get("/ui/cases")
    assert page.status_code == 200
    api_cases = ok(w.as_("sofie").get("/api/v1/cases", params={"limit": 200}))["items"]
    links = {link for link in read(page.text).links if link.startswith("/ui/cases/")}
    assert links == {f"/ui/cases/{c['id']}" for c in api_cases}
    case = client.get(f"/ui/cases/{w.ids['case']}")
    assert case.status_code == 200
    case_links = read(case.text).links
    for note_id in _notes(w, "sofie"):
        assert f"/ui/notes/{note_id}/edit" in case_links
    assert _new(w, "signals") in case_links
    assert _new(w, "family_guidance_plan") in case_links
    assert _new(w, "feedback_sheet") not in case_links
    # Offered are the templates the API lists as writable for the member, no others.
    writable = ok(w.as_("sofie").get("/api/v1/templates", params={"writable": "true"}))["items"]
    offered = {link.rsplit("=", 1)[1] for link in case_links if "/notes/new?template=" in link}
    assert offered == {t["key"] for t in writable} - {"feedback_sheet", "intake"}
    for kept in ("ltf_information", "police_information", "meeting_minutes"):
        assert kept not in offered
    stranger = web_client(hub, w.ids["ocmw_admin"], lang=lang)
    api = w.as_("ocmw_admin").get(f"/api/v1/cases/{w.ids['case']}")
    assert stranger.get(f"/ui/cases/{w.ids['case']}").status_code == api.status_code


def test_the_note_and_audit_pages_carry_the_ui_headers(hub: LiveHub, w: Casework) -> None:
    client = web_client(hub, w.ids["sofie"])
    note_id = _notes(w, "sofie")[0]
    paths = [
        "/ui/cases",
        f"/ui/cases/{w.ids['case']}",
        _new(w, "signals"),
        f"/ui/notes/{note_id}",
        f"/ui/notes/{note_id}/edit",
        "/ui/audit",  # refused: sofie is no auditor
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 403, 404), path
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
        assert "<script" not in response.text
        assert " style=" not in response.text
