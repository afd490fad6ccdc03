"""The pages show exactly what the API shows the member, in Dutch and French."""

from __future__ import annotations

import re

import pytest

from app.web.i18n import TRANSLATIONS
from app.web.messages import REASONS
from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.web import csrf, text_of, title_of, web_client
from tests.support.world import ok, template
from tests.web.pages import read

PEOPLE = ("sofie", "pieter", "els", "karim", "mayor")
TITLES = {"nl": "Casusoverleg – LIVC Hub", "fr": "Concertation – Hub CSIL"}
# Every link and form target of a page: /ui paths of UUIDs and words, nothing else.
SAFE_URL = re.compile(r"^(#main|/ui(/([0-9a-f-]{36}|[a-z-]+(\.css)?))*(\?saved=1)?)$")


def _mixed(hub: LiveHub) -> Casework:
    """Releases and grants that give every participant something seen and something withheld."""
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household", "health", "psych"])
    w.release("pieter", "police_note", fields=["judicial", "intel", "risk"])
    w.grant(member="pieter", field="household")
    w.grant(member="pieter", field="health")
    w.grant(member="sofie", field="intel")
    w.grant(member="sofie", field="judicial")
    w.grant(member="sofie", field="risk")
    w.grant(member="els", field="intel")
    w.grant(member="els", field="psych")
    w.grant(member="karim", field="household")
    w.grant(sensitivity="judicial", role="information_officer")
    return w


def _minor(hub: LiveHub) -> Casework:
    w = casework(hub, minor=True)
    w.release("sofie", "ocmw_note", fields=["household"])
    w.grant(member="pieter", field="household")
    w.grant(role="case_worker", field="household")
    return w


def _api(
    w: Casework, who: str
) -> tuple[dict[tuple[str, str], object], dict[tuple[str, str], list[str]]]:
    view = ok(w.as_(who).get(f"{w.x}/view"))
    shown = {(n["note_id"], k): v for n in view["notes"] for k, v in n["fields"].items()}
    yours = ok(w.as_(who).get(f"{w.x}/explain"))["yours"]
    withheld = {(f["note_id"], f["field"]): f["reasons"] for f in yours if not f["visible"]}
    return shown, withheld


@pytest.mark.parametrize("scenario", [_mixed, _minor])
def test_the_exchange_page_equals_the_api_view_and_explain(hub: LiveHub, scenario) -> None:
    w = scenario(hub)
    for who in PEOPLE:
        shown, withheld = _api(w, who)
        for lang in ("nl", "fr"):
            page = web_client(hub, w.ids[who], lang=lang).get(f"/ui/exchanges/{w.ids['exchange']}")
            assert page.status_code == 200, (who, lang, page.text)
            marked = read(page.text)
            assert marked.shown == set(shown), (who, lang)
            assert marked.withheld == withheld, (who, lang)
            text = text_of(page.text)
            for value in shown.values():
                assert str(value) in text
            names = {name for _, name in shown}
            for name, value in w.values.items():
                if name not in names:
                    assert value not in page.text, (who, lang, name)
            gettext = TRANSLATIONS[lang].gettext
            for codes in withheld.values():
                for code in codes:
                    assert gettext(REASONS[code]) in text, (who, lang, code)
            assert title_of(page.text) == TITLES[lang]
            assert all(SAFE_URL.match(link) for link in marked.links), marked.links


def test_the_scenario_has_seen_and_withheld_fields_for_the_participants(hub: LiveHub) -> None:
    w = _mixed(hub)
    pieter_shown, pieter_withheld = _api(w, "pieter")
    assert {k for _, k in pieter_shown} == {"household"}
    assert list(pieter_withheld.values()) == [["secrecy_regime"]]
    sofie_shown, sofie_withheld = _api(w, "sofie")
    assert {k for _, k in sofie_shown} == {"risk"}
    assert sorted(map(tuple, sofie_withheld.values())) == [
        ("clearance_too_low",),
        ("judicial_police_only",),
    ]


def test_the_home_page_lists_my_consultations_with_links(hub: LiveHub) -> None:
    w = casework(hub)
    x = w.ids["exchange"]
    sofie = web_client(hub, w.ids["sofie"]).get("/ui")
    marked = read(sofie.text)
    assert f"/ui/exchanges/{x}" in marked.links
    assert f"/ui/exchanges/{x}/release" in marked.links
    assert f"/ui/exchanges/{x}/grants" not in marked.links
    assert "Casusoverleg: begeleiding en risico" in text_of(sofie.text)
    mayor = read(web_client(hub, w.ids["mayor"], lang="fr").get("/ui").text)
    assert f"/ui/exchanges/{x}/grants" in mayor.links
    outsider = web_client(hub, w.ids["colleague"]).get("/ui")
    assert x not in outsider.text


def test_someone_outside_the_exchange_gets_the_apis_not_found(hub: LiveHub) -> None:
    w = casework(hub)
    for path in ("", "/grants", "/release"):
        page = web_client(hub, w.ids["colleague"]).get(f"/ui/exchanges/{w.ids['exchange']}{path}")
        assert page.status_code == 404, path
        assert "bestaat niet" in text_of(page.text)
        assert w.values["household"] not in page.text


def test_a_closed_exchange_shows_its_header_only(hub: LiveHub) -> None:
    w = _mixed(hub)
    ok(w.as_("mayor").post(f"{w.x}/close"))
    page = web_client(hub, w.ids["pieter"]).get(f"/ui/exchanges/{w.ids['exchange']}")
    assert page.status_code == 200
    assert read(page.text).shown == set()
    assert w.values["household"] not in page.text
    assert "afgesloten" in text_of(page.text)


def _save(client, path: str, boxes: dict[str, dict[str, str | None]], ticked: set[str]):
    """Post a checkbox form as a browser would: the shown cells, the ticked boxes."""
    data = {
        "csrf_token": csrf(client),
        "shown": [key for key, box in boxes.items() if "disabled" not in box],
        "tick": sorted(ticked),
    }
    return client.post(path, data=data)


def test_the_chair_grants_and_withdraws_through_the_matrix(hub: LiveHub) -> None:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household", "health"])
    x = w.ids["exchange"]
    mayor = web_client(hub, w.ids["mayor"])
    page = mayor.get(f"/ui/exchanges/{x}/grants")
    assert page.status_code == 200
    boxes = read(page.text).boxes
    pieter_household = f"{w.ids['pieter']}:{w.ids['ocmw_note']}:household"
    pieter_health = f"{w.ids['pieter']}:{w.ids['ocmw_note']}:health"
    assert "checked" not in boxes[pieter_household]
    assert "disabled" not in boxes[pieter_household]
    # Health is blocked for the police by professional secrecy: the rule is shown, no box to tick.
    assert "disabled" in boxes[pieter_health]
    assert TRANSLATIONS["nl"].gettext(REASONS["secrecy_regime"]) in text_of(page.text)
    assert w.values["household"] not in page.text  # the chair sees names, not values

    saved = _save(mayor, f"/ui/exchanges/{x}/grants", boxes, {pieter_household})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/ui/exchanges/{x}/grants?saved=1"
    pieter = web_client(hub, w.ids["pieter"])
    assert w.values["household"] in pieter.get(f"/ui/exchanges/{x}").text
    boxes = read(mayor.get(saved.headers["location"]).text).boxes
    assert "checked" in boxes[pieter_household]

    withdrawn = _save(mayor, f"/ui/exchanges/{x}/grants", boxes, set())
    assert withdrawn.status_code == 303
    assert w.values["household"] not in pieter.get(f"/ui/exchanges/{x}").text
    assert ok(w.as_("mayor").get(f"{w.x}/grants")) == []


def test_only_the_chair_has_the_matrix(hub: LiveHub) -> None:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household"])
    x = w.ids["exchange"]
    sofie = web_client(hub, w.ids["sofie"])
    assert sofie.get(f"/ui/exchanges/{x}/grants").status_code == 403
    key = f"{w.ids['sofie']}:{w.ids['ocmw_note']}:household"
    data = {"csrf_token": csrf(sofie), "shown": key, "tick": key}
    refused = sofie.post(f"/ui/exchanges/{x}/grants", data=data)
    assert refused.status_code == 403
    assert ok(w.as_("mayor").get(f"{w.x}/grants")) == []


def test_the_owner_releases_and_withdraws_on_the_release_screen(hub: LiveHub) -> None:
    w = casework(hub)
    x = w.ids["exchange"]
    sofie = web_client(hub, w.ids["sofie"], lang="fr")
    page = sofie.get(f"/ui/exchanges/{x}/release")
    assert page.status_code == 200
    boxes = read(page.text).boxes
    note = w.ids["ocmw_note"]
    assert set(boxes) == {f"{note}::{f}" for f in ("household", "housing", "health", "psych")}
    assert w.ids["police_note"] not in page.text  # another agency's note is not offered
    saved = _save(sofie, f"/ui/exchanges/{x}/release", boxes, {f"{note}::household"})
    assert saved.status_code == 303
    released = ok(w.as_("sofie").get(f"{w.x}/releases"))
    assert [(r["note_id"], r["field"]) for r in released] == [(note, "household")]
    boxes = read(sofie.get(saved.headers["location"]).text).boxes
    assert "checked" in boxes[f"{note}::household"]
    assert _save(sofie, f"/ui/exchanges/{x}/release", boxes, set()).status_code == 303
    assert ok(w.as_("sofie").get(f"{w.x}/releases")) == []


def test_a_release_the_rules_refuse_shows_the_reason_and_changes_nothing(hub: LiveHub) -> None:
    w = casework(hub)
    x = w.ids["exchange"]
    karim = web_client(hub, w.ids["karim"])
    boxes = read(karim.get(f"/ui/exchanges/{x}/release").text).boxes
    refused = _save(karim, f"/ui/exchanges/{x}/release", boxes, {f"{w.ids['ltf_note']}::context"})
    assert refused.status_code == 403
    assert TRANSLATIONS["nl"].gettext(REASONS["ltf_via_information_officer"]) in text_of(
        refused.text
    )
    assert ok(w.as_("mayor").get(f"{w.x}/releases")) == []


def test_forged_boxes_are_refused(hub: LiveHub) -> None:
    w = casework(hub)
    x = w.ids["exchange"]
    mayor = web_client(hub, w.ids["mayor"])
    for tick in ("not-a-cell", f"{w.ids['pieter']}::household", "a:b:c"):
        data = {"csrf_token": csrf(mayor), "shown": tick, "tick": tick}
        assert mayor.post(f"/ui/exchanges/{x}/grants", data=data).status_code == 400, tick
    unshown = {
        "csrf_token": csrf(mayor),
        "tick": f"{w.ids['pieter']}:{w.ids['ocmw_note']}:household",
    }
    assert mayor.post(f"/ui/exchanges/{x}/grants", data=unshown).status_code == 400


@pytest.mark.parametrize("scenario", [_mixed, _minor])
def test_the_matrix_equals_the_chairs_explain_and_grants(hub: LiveHub, scenario) -> None:
    w = scenario(hub)
    explain = ok(w.as_("mayor").get(f"{w.x}/explain"))
    expected = {
        f"{p['member_id']}:{f['note_id']}:{f['field']}": f["reasons"]
        for p in explain["participants"]
        for f in p["fields"]
    }
    # A grant to the participant for the field, of that note or of every note (note None).
    grants = [
        g
        for g in ok(w.as_("mayor").get(f"{w.x}/grants"))
        if g["member_id"] and g["field"] and not g["role"] and not g["sensitivity"]
    ]
    direct = {
        key
        for key in expected
        for g in grants
        if key.split(":") == [g["member_id"], key.split(":")[1], g["field"]]
        and g["note_id"] in (None, key.split(":")[1])
    }
    assert direct, "the scenario has direct grants"
    for lang in ("nl", "fr"):
        page = web_client(hub, w.ids["mayor"], lang=lang).get(
            f"/ui/exchanges/{w.ids['exchange']}/grants"
        )
        assert page.status_code == 200
        marked = read(page.text)
        assert marked.cells == expected
        ticked = {
            k for k, box in marked.boxes.items() if "checked" in box and "disabled" not in box
        }
        assert ticked == direct
        for key, reasons in expected.items():
            blocked = set(reasons) - {"not_granted"}
            if blocked and key not in direct:
                assert "disabled" in marked.boxes[key], key
        gettext = TRANSLATIONS[lang].gettext
        for reasons in expected.values():
            for code in set(reasons) - {"not_granted"}:
                assert gettext(REASONS[code]) in text_of(page.text)
        for value in w.values.values():
            assert value not in page.text  # authorising is not reading
        assert title_of(page.text) in ("Toegang – LIVC Hub", "Accès – Hub CSIL")
        assert all(SAFE_URL.match(link) for link in marked.links), marked.links


def test_the_release_page_has_a_generic_title_and_safe_links(hub: LiveHub) -> None:
    w = casework(hub)
    for lang, title in (("nl", "Vrijgeven – LIVC Hub"), ("fr", "Partager – Hub CSIL")):
        page = web_client(hub, w.ids["sofie"], lang=lang).get(
            f"/ui/exchanges/{w.ids['exchange']}/release"
        )
        assert title_of(page.text) == title
        assert all(SAFE_URL.match(link) for link in read(page.text).links)
        for value in w.values.values():
            assert value not in page.text  # names of fields, never their content


def test_the_home_page_lists_my_cells_meetings_in_belgian_dates(hub: LiveHub) -> None:
    from datetime import UTC, datetime, timedelta

    from babel.dates import format_datetime

    w = casework(hub)
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    body = {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "member_ids": [w.ids["sofie"]],
    }
    ok(w.as_("mayor").post(f"/api/v1/cells/{w.ids['cell']}/meetings", json=body), 201)
    for lang, locale in (("nl", "nl_BE"), ("fr", "fr_BE")):
        text = text_of(web_client(hub, w.ids["sofie"], lang=lang).get("/ui").text)
        shown = format_datetime(start, format="medium", tzinfo="Europe/Brussels", locale=locale)
        assert shown in text, (lang, shown)
    outsider = web_client(hub, w.ids["ocmw_admin"]).get("/ui")
    assert outsider.status_code == 200


SIGNALS = [
    {
        "name": "signals",
        "label": "Signals",
        "labels": {"nl": "Signalen", "fr": "Signaux"},
        "type": "checklist",
        "sensitivity": "radicalisation_signals",
        "choices": ["isolation", "rupture_family"],
        "choice_labels": {
            "isolation": {"nl": "Sociaal isolement", "fr": "Isolement social"},
            "rupture_family": {"nl": "Breuk met de familie", "fr": "Rupture avec la famille"},
        },
    },
    {
        "name": "next_contact",
        "label": "Next contact",
        "labels": {"nl": "Volgend contact", "fr": "Prochain contact"},
        "type": "date",
        "sensitivity": "intervention",
    },
]
SAID = {
    "nl": (
        "Signalen",
        "Sociaal isolement",
        "Breuk met de familie",
        "Volgend contact",
        "3 mrt 2027",
    ),
    "fr": (
        "Signaux",
        "Isolement social",
        "Rupture avec la famille",
        "Prochain contact",
        "3 mars 2027",
    ),
}


def test_the_exchange_page_shows_choices_and_dates_as_the_note_page_does(hub: LiveHub) -> None:
    """A checklist's choices by their labels and a date in Belgian form, in the page's language:
    the participant reads words, not the template's keys."""
    w = casework(hub)
    tid = template(hub, SIGNALS)
    values = {"signals": ["isolation", "rupture_family"], "next_contact": "2027-03-03"}
    body = {"template_id": tid, "fields": values}
    created = w.as_("sofie").post(f"/api/v1/cases/{w.ids['case']}/notes", json=body)
    w.ids["signals_note"] = str(ok(created, 201)["id"])
    w.release("sofie", "signals_note", fields=["signals", "next_contact"])
    for name in ("signals", "next_contact"):
        w.grant(member="pieter", note="signals_note", field=name)
    assert set(w.seen("pieter")) >= {"signals", "next_contact"}
    for lang, said in SAID.items():
        page = web_client(hub, w.ids["pieter"], lang=lang).get(f"/ui/exchanges/{w.ids['exchange']}")
        text = text_of(page.text)
        for words in said:
            assert words in text, (lang, words)
        for key in ("isolation", "rupture_family", "2027-03-03"):
            assert key not in text, (lang, key)
        assert {(w.ids["signals_note"], "signals"), (w.ids["signals_note"], "next_contact")} <= (
            read(page.text).shown
        )
