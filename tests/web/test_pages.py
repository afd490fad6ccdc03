"""The pages show exactly what the API shows the member, in Dutch and French."""

from __future__ import annotations

import re

import pytest

from app.web.i18n import TRANSLATIONS
from app.web.messages import REASONS
from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.web import text_of, title_of, web_client
from tests.support.world import ok
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
