"""In a real browser, in Dutch and French: a social worker fills a note from a template and
releases part of it; an auditor finds and exports the accesses of one subject.

Everyone signs in through the /ui/login form with a one-time password from the four-eyes reset
and chooses their own on /ui/password, as a first sign-in goes.
"""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    TABLET,
    History,
    check_accessibility,
    first_sign_in,
    results_directory,
    shot,
    submit,
)
from tests.support.casework import casework
from tests.support.live import LiveHub
from tests.support.web_client import one_time_password, username
from tests.support.world import member, ok

FAMILY_PLAN = {"nl-BE": "Plan voor gezinsbegeleiding", "fr-BE": "Plan d'accompagnement familial"}
OPEN_CASE = {"nl-BE": "Open het dossier", "fr-BE": "Ouvrir le dossier"}
SAVE_NOTE = {"nl-BE": "Bewaar de notitie", "fr-BE": "Enregistrer la note"}
SAVED_NOTE = {"nl-BE": "De notitie werd bewaard", "fr-BE": "La note a été enregistrée"}
TO_RELEASE = {"nl-BE": "Kies de velden om vrij te geven", "fr-BE": "Choisir les champs"}
SUBJECT = {"nl-BE": "Betrokkene (id)", "fr-BE": "Personne concernée (identifiant)"}
SEARCH = {"nl-BE": "Zoeken", "fr-BE": "Rechercher"}
CONSULTATION = {"nl-BE": "Casusoverleg (id)", "fr-BE": "Concertation (identifiant)"}
ACCESS_LOG = {"nl-BE": "Toegangslog", "fr-BE": "Journal des accès"}
THIS_PERSON = {"nl-BE": "Inzages over deze betrokkene", "fr-BE": "Accès concernant cette personne"}
SIGN_OUT = {"nl-BE": "Afmelden", "fr-BE": "Se déconnecter"}
EXPORT = {
    "nl-BE": "Exporteer de inzages over deze betrokkene (CSV)",
    "fr-BE": "Exporter les accès concernant cette personne (CSV)",
}


def test_a_social_worker_fills_a_note_from_a_template_and_releases_part_of_it(
    hub: LiveHub, page: Page, locale: str
) -> None:
    w = casework(hub)
    history = History().attach(page)
    first_sign_in(page, hub.base_url, w.usernames["sofie"], w.one_time_password("sofie"))

    page.goto(f"{hub.base_url}/ui/cases")
    shot(page, "cases")
    check_accessibility(page)
    submit(page, page.get_by_role("link", name=OPEN_CASE[locale]).first)
    assert page.url == f"{hub.base_url}/ui/cases/{w.ids['case']}"
    submit(page, page.get_by_role("link", name=FAMILY_PLAN[locale]))

    needs = f"Noden {w.values['household']}"
    page.locator("[name='f.needs']").fill(needs)
    page.locator("[name='f.life_story']").fill(f"Levensverhaal {w.values['housing']}")
    page.locator("input[name='f.actions.0.axis'][value='psychosocial_guidance']").check()
    page.locator("[name='f.actions.0.action']").fill("Wekelijks gesprek met de jongere")
    page.locator("[name='f.actions.0.owner_agency']").select_option(w.ids["ocmw"])
    page.locator("input[name='f.actions.0.status'][value='ongoing']").check()
    page.locator("[name='f.next_review']").fill("2027-01-15")
    shot(page, "note-form")
    check_accessibility(page)
    submit(page, page.get_by_role("button", name=SAVE_NOTE[locale]))

    expect(page.get_by_role("status")).to_contain_text(SAVED_NOTE[locale])
    note_id = page.url.split("/ui/notes/")[1].split("?")[0]
    note = ok(w.as_("sofie").get(f"/api/v1/notes/{note_id}"))
    assert note["fields"]["needs"] == needs
    assert note["fields"]["actions"][0]["owner_agency"] == w.ids["ocmw"]
    shot(page, "note")
    check_accessibility(page)

    submit(page, page.get_by_role("link", name=TO_RELEASE[locale]))
    assert page.url == f"{hub.base_url}/ui/exchanges/{w.ids['exchange']}/release"
    page.locator(f"input[name='tick'][value='{note_id}::needs']").check()
    shot(page, "release-form")
    check_accessibility(page)
    submit(page, page.locator("form[action$='/release'] button[type='submit']"))
    expect(page.locator(f"input[name='tick'][value='{note_id}::needs']")).to_be_checked()
    expect(page.locator(f"input[name='tick'][value='{note_id}::life_story']")).not_to_be_checked()
    shot(page, "released")

    released = ok(w.as_("sofie").get(f"{w.x}/releases"))
    assert {(r["note_id"], r["field"]) for r in released if r["note_id"] == note_id} == {
        (note_id, "needs")
    }
    history.check_private(w.values["household"], w.values["housing"])


def test_an_auditor_finds_and_exports_the_accesses_of_one_subject(
    hub: LiveHub, page: Page, locale: str
) -> None:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household"])
    w.grant(member="pieter", note="ocmw_note", field="household")
    w.seen("pieter")
    subject = str(ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))["subject_id"])
    name = username()
    auditor = member(
        hub, w.ids["stad"], "hub_auditor", username=name, display_name="DPO Nadia Benali"
    )
    history = History().attach(page)
    first_sign_in(page, hub.base_url, name, one_time_password(hub, auditor))

    submit(page, page.get_by_role("link", name=ACCESS_LOG[locale]))  # through the menu
    shot(page, "audit")
    check_accessibility(page)
    # A complaint names the consultation; its entries name the person, whose accesses are a
    # button away (a POST: the id stays out of the address bar and the history).
    page.get_by_label(CONSULTATION[locale]).fill(w.ids["exchange"])
    submit(page, page.get_by_role("button", name=SEARCH[locale], exact=True))
    row = page.locator("table.entries tbody tr", has=page.locator(f"code:text-is('{subject}')"))
    submit(page, row.first.get_by_role("button", name=THIS_PERSON[locale]))
    expect(page.get_by_label(SUBJECT[locale])).to_have_value(subject)

    rows = page.locator("table.entries tbody tr")
    expect(rows.first).to_be_visible()
    expected = ok(
        hub.client(auditor).get("/api/v1/audit/entries", params={"subject": subject, "limit": 50})
    )["items"]
    shown = [int(s) for s in rows.evaluate_all("rs => rs.map(r => r.dataset.seq)")]
    assert [e["seq"] for e in expected if e["seq"] <= max(shown)] == [
        s for s in shown if s <= expected[-1]["seq"]
    ]
    assert w.ids["pieter"] in page.locator("table.entries").inner_text()
    shot(page, "audit-results")
    check_accessibility(page)

    with page.expect_download() as waiting:
        page.get_by_role("button", name=EXPORT[locale]).click()
    download = waiting.value
    saved = results_directory() / f"subject-accesses-{locale}.csv"
    download.save_as(saved)
    table = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert len(table) > 2
    assert any(w.ids["pieter"] in row for row in table)  # the reading by the police
    history.check_private(subject, w.ids["pieter"])


@pytest.mark.parametrize("viewport", [TABLET], ids=["tablet"])
def test_the_signals_instrument_and_the_access_log_on_a_tablet(
    hub: LiveHub, page: Page, locale: str
) -> None:
    w = casework(hub)
    first_sign_in(page, hub.base_url, w.usernames["sofie"], w.one_time_password("sofie"))
    page.goto(f"{hub.base_url}/ui/cases/{w.ids['case']}/notes/new?template=signals")
    expect(page.locator("input[name='f.travel_plans.status'][value='observed']")).to_be_visible()
    # The page itself never scrolls sideways on a tablet.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "signals-tablet")
    check_accessibility(page)
    # The tablet passes from the social worker to the auditor: she signs out, he signs in.
    submit(page, page.get_by_role("button", name=SIGN_OUT[locale]))
    name = username()
    auditor = member(
        hub, w.ids["stad"], "hub_auditor", username=name, display_name="DPO Nadia Benali"
    )
    first_sign_in(page, hub.base_url, name, one_time_password(hub, auditor))
    page.goto(f"{hub.base_url}/ui/audit")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "audit-tablet")
    check_accessibility(page)
