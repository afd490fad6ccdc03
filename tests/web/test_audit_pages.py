"""The auditor's pages: the same entries as the API for the same auditor and query, exports as
downloads, the log's verification, refusals as the API refuses, and no search term in a URL."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.web import csrf, text_of, title_of, web_client
from tests.support.world import member, ok
from tests.web.pages import read


@pytest.fixture(scope="module")
def scene(hub: LiveHub) -> tuple[Casework, dict[str, str]]:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household"])
    w.grant(member="pieter", note="ocmw_note", field="household")
    w.seen("pieter")
    auditors = {
        "hub": member(hub, w.ids["stad"], "hub_auditor"),
        "ocmw": member(hub, w.ids["ocmw"], "auditor"),
        "vsse": member(hub, w.ids["vsse"], "auditor"),
    }
    return w, auditors


def _subject(w: Casework) -> str:
    return str(ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))["subject_id"])


def _seqs_of(html: str) -> list[int]:
    marker = 'data-seq="'
    return [int(part.split('"')[0]) for part in html.split(marker)[1:]]


def _api_seqs(client: httpx.Client, **query: Any) -> list[int]:
    body = ok(client.get("/api/v1/audit/entries", params={**query, "limit": 50}))
    return [e["seq"] for e in body["items"]]


@pytest.mark.parametrize("lang", ["nl", "fr"])
@pytest.mark.parametrize("who", ["hub", "ocmw", "vsse"])
def test_the_auditor_finds_what_the_api_returns_for_the_same_query(
    hub: LiveHub, scene: tuple[Casework, dict[str, str]], who: str, lang: str
) -> None:
    w, auditors = scene
    subject = _subject(w)
    api = hub.client(auditors[who])
    before = _api_seqs(api, subject=subject)
    client = web_client(hub, auditors[who], lang=lang)
    page = client.post("/ui/audit", data={"csrf_token": csrf(client), "subject": subject})
    assert page.status_code == 200
    shown = _seqs_of(page.text)
    # The page's own query is logged too (it names the subject): compare up to what the API saw.
    horizon = max(before, default=-1)
    assert [s for s in shown if s <= horizon] == before
    assert before
    if who == "vsse":  # an agency that did not register the subject sees less of it
        everything = _api_seqs(hub.client(auditors["hub"]), subject=subject)
        assert len([s for s in everything if s <= horizon]) > len(before)


def test_a_period_and_a_member_narrow_the_search_as_the_api_does(
    hub: LiveHub, scene: tuple[Casework, dict[str, str]]
) -> None:
    w, auditors = scene
    api = hub.client(auditors["hub"])
    query = {"member": w.ids["pieter"], "exchange": w.ids["exchange"]}
    before = _api_seqs(api, **query, since="2020-01-01T00:00:00+01:00")
    client = web_client(hub, auditors["hub"])
    form = {"csrf_token": csrf(client), **query, "since": "2020-01-01", "until": "2100-12-31"}
    page = client.post("/ui/audit", data=form).text
    shown = _seqs_of(page)
    assert before
    assert [s for s in shown if s <= max(before)] == before
    # Each entry names the person concerned by id: what the auditor then searches by.
    assert re.search(rf'<code data-subject id="s-\d+">{_subject(w)}</code>', page)
    future = {**form, "since": "2099-01-01"}
    assert _seqs_of(client.post("/ui/audit", data=future).text) == []


def test_a_result_rows_button_narrows_the_search_to_its_person(
    hub: LiveHub, scene: tuple[Casework, dict[str, str]]
) -> None:
    w, auditors = scene
    subject = _subject(w)
    client = web_client(hub, auditors["hub"], lang="fr")
    page = client.post(
        "/ui/audit", data={"csrf_token": csrf(client), "exchange": w.ids["exchange"]}
    ).text
    # The row's button is a form of its own: a POST naming the person, the id out of the URL.
    button = re.search(
        r'<form method="post" action="/ui/audit" class="narrow">\s*'
        r'<input type="hidden" name="csrf_token" value="([^"]+)">\s*'
        r'<button type="submit" name="subject" value="([^"]+)" class="link" '
        r'aria-describedby="s-(\d+)">([^<]+)</button>',
        page,
    )
    assert button is not None
    token, named, seq, label = button.groups()
    assert named == subject
    assert f'<code data-subject id="s-{seq}">{subject}</code>' in page
    assert label == "Accès concernant cette personne"
    before = _api_seqs(hub.client(auditors["hub"]), subject=subject)
    narrowed = client.post("/ui/audit", data={"csrf_token": token, "subject": named})
    assert narrowed.status_code == 200
    assert str(narrowed.url).endswith("/ui/audit")
    shown = _seqs_of(narrowed.text)
    assert [s for s in shown if s <= max(before)] == before
    assert f'value="{subject}"' in narrowed.text  # the form now holds the person's id
    assert 'class="narrow"' not in narrowed.text  # every row is that person's: no button


def test_a_term_that_is_not_an_id_is_refused_beside_its_field(
    hub: LiveHub, scene: tuple[Casework, dict[str, str]]
) -> None:
    _, auditors = scene
    client = web_client(hub, auditors["hub"], lang="nl")
    page = client.post("/ui/audit", data={"csrf_token": csrf(client), "subject": "Jan Janssens"})
    assert page.status_code == 422
    assert 'id="e-subject"' in page.text
    assert "Geef een id" in text_of(page.text)


def test_search_terms_never_appear_in_a_url_or_a_title(
    hub: LiveHub, scene: tuple[Casework, dict[str, str]]
) -> None:
    w, auditors = scene
    subject = _subject(w)
    client = web_client(hub, auditors["hub"])
    page = client.post(
        "/ui/audit", data={"csrf_token": csrf(client), "subject": subject, "member": w.ids["sofie"]}
    )
    assert page.status_code == 200  # answered in place: no redirect to a URL with the terms
    assert str(page.url).endswith("/ui/audit")
    for link in read(page.text).links:
        assert subject not in link
        assert w.ids["sofie"] not in link
    assert subject not in title_of(page.text)
    assert 'method="post" action="/ui/audit"' in page.text
    assert 'method="get"' not in page.text.lower()


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_the_export_is_the_apis_export_as_a_download(
    hub: LiveHub, scene: tuple[Casework, dict[str, str]], fmt: str
) -> None:
    _, auditors = scene
    client = web_client(hub, auditors["ocmw"])
    download = client.post("/ui/audit/export", data={"csrf_token": csrf(client), "format": fmt})
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    assert download.headers["cache-control"] == "no-store"
    after = hub.client(auditors["ocmw"]).get("/api/v1/audit/export", params={"format": fmt})
    # The API's later export holds the page's, then its own entry (each export is logged).
    assert after.content.startswith(download.content)
    assert len(after.content.splitlines()) == len(download.content.splitlines()) + 1


def test_the_accesses_of_one_subject_download_as_the_api_reports_them(
    hub: LiveHub, scene: tuple[Casework, dict[str, str]]
) -> None:
    w, auditors = scene
    subject = _subject(w)
    client = web_client(hub, auditors["hub"])
    download = client.post(
        "/ui/audit/report", data={"csrf_token": csrf(client), "subject": subject}
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert subject not in download.headers["content-disposition"]
    report = hub.client(auditors["hub"]).get(
        f"/api/v1/audit/subjects/{subject}/report", params={"format": "csv"}
    )
    lines = set(report.text.splitlines())
    assert set(download.text.splitlines()) <= lines
    assert len(download.text.splitlines()) > 2


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_the_verification_status_shows_the_checkpoints_and_verifies_the_log(
    hub: LiveHub, scene: tuple[Casework, dict[str, str]], lang: str
) -> None:
    _, auditors = scene
    api = hub.client(auditors["hub"])
    signed = ok(api.post("/api/v1/audit/checkpoints"), 201)
    client = web_client(hub, auditors["hub"], lang=lang)
    page = client.get("/ui/audit")
    assert page.status_code == 200
    assert 'data-integrity="ok"' in page.text
    assert signed["root_hash"] in page.text
    verified = client.post("/ui/audit/verify", data={"csrf_token": csrf(client)})
    assert verified.status_code == 200
    assert 'data-verified="yes"' in verified.text, text_of(verified.text)
    assert ("Geverifieerd" if lang == "nl" else "Vérifié") in text_of(verified.text)
    agency = web_client(hub, auditors["ocmw"], lang=lang)
    partial = agency.post("/ui/audit/verify", data={"csrf_token": csrf(agency)})
    assert partial.status_code == 200
    assert "check-entry" in text_of(partial.text)


def test_members_who_are_not_auditors_are_refused_as_the_api_refuses_them(
    hub: LiveHub, scene: tuple[Casework, dict[str, str]]
) -> None:
    w, _ = scene
    for who in ("sofie", "mayor", "ocmw_admin"):
        api = w.as_(who)
        client = web_client(hub, w.ids[who])
        token = {"csrf_token": csrf(client)}
        pairs = [
            (client.get("/ui/audit"), api.get("/api/v1/audit/checkpoints")),
            (
                client.post("/ui/audit", data={**token, "subject": _subject(w)}),
                api.get("/api/v1/audit/entries", params={"subject": _subject(w)}),
            ),
            (
                client.post("/ui/audit/export", data={**token, "format": "csv"}),
                api.get("/api/v1/audit/export", params={"format": "csv"}),
            ),
        ]
        for page, answer in pairs:
            assert answer.status_code in (403, 404), answer.text
            assert page.status_code == answer.status_code, (who, page.url)
            assert page.headers["content-type"].startswith("text/html")
            assert "content-disposition" not in page.headers
