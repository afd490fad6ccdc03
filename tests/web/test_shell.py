"""The web shell: sign-in redirect, languages, headers, CSRF, error pages."""

from __future__ import annotations

import re

import pytest

from tests.support.live import LiveHub
from tests.support.web import csrf, text_of, title_of, web_client
from tests.support.world import agency, member

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _someone(hub: LiveHub) -> str:
    return member(hub, agency(hub, "social_service", "professional"), "case_worker", secrecy=True)


def test_without_a_session_the_pages_send_to_the_sign_in_page(hub: LiveHub) -> None:
    anonymous = web_client(hub)
    x = "/ui/exchanges/8f0c6f55-4b7c-4b8e-9a4b-0a3f4f9f6a11"
    for path in ("/ui", x, f"{x}/grants", f"{x}/release"):
        response = anonymous.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/ui/login"


def test_home_in_dutch_by_default_and_french_when_asked(hub: LiveHub) -> None:
    who = _someone(hub)
    name = hub.admin.get(f"/api/v1/members/{who}").json()["display_name"]
    dutch = web_client(hub, who).get("/ui")
    assert dutch.status_code == 200
    assert '<html lang="nl">' in dutch.text
    assert "Mijn casusoverleggen" in text_of(dutch.text)
    assert name in text_of(dutch.text)
    french = web_client(hub, who).get("/ui", headers={"Accept-Language": "fr-BE,fr;q=0.9"})
    assert '<html lang="fr">' in french.text
    assert "Mes concertations" in text_of(french.text)
    assert title_of(french.text) == "Aperçu – Hub CSIL"


def test_the_language_switch_is_remembered(hub: LiveHub) -> None:
    client = web_client(hub, _someone(hub))
    form = {"csrf_token": csrf(client), "language": "fr", "back": "/ui"}
    switched = client.post("/ui/language", data=form)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/ui"
    assert '<html lang="fr">' in client.get("/ui").text


def test_the_language_switch_goes_back_only_to_a_ui_page(hub: LiveHub) -> None:
    client = web_client(hub, _someone(hub))
    for back in ("https://elsewhere.example/", "//elsewhere.example/ui", "/ui/../api/v1/me"):
        form = {"csrf_token": csrf(client), "language": "nl", "back": back}
        assert client.post("/ui/language", data=form).headers["location"] == "/ui"


def test_every_ui_response_carries_the_headers(hub: LiveHub) -> None:
    client = web_client(hub, _someone(hub))
    responses = [
        client.get("/ui"),
        client.get("/ui/static/hub.css"),
        client.get("/ui/no-such-page"),
        web_client(hub).get("/ui"),
        client.post("/ui/language", data={"language": "fr"}),
    ]
    for response in responses:
        assert response.headers["content-security-policy"] == CSP, response.url
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_api_answers_do_not_get_the_page_headers(hub: LiveHub) -> None:
    response = hub.client().get("/healthz")
    assert "content-security-policy" not in response.headers


def test_a_missing_ui_page_is_a_translated_page_and_the_api_keeps_problems(hub: LiveHub) -> None:
    client = web_client(hub, _someone(hub), lang="fr")
    page = client.get("/ui/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Cette page n'existe pas" in text_of(page.text)
    api = hub.client().get("/api/v1/no-such-thing")
    assert api.headers["content-type"] == "application/problem+json"


def test_a_post_without_the_csrf_token_or_from_elsewhere_is_refused(hub: LiveHub) -> None:
    client = web_client(hub, _someone(hub))
    assert client.post("/ui/language", data={"language": "fr"}).status_code == 403
    wrong = {"csrf_token": "not-the-token", "language": "fr"}
    assert client.post("/ui/language", data=wrong).status_code == 403
    right = {"csrf_token": csrf(client), "language": "fr"}
    foreign = client.post("/ui/language", data=right, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert "livc_lang" not in foreign.headers.get("set-cookie", "")


def test_a_post_with_a_null_origin_needs_sec_fetch_site_same_origin(hub: LiveHub) -> None:
    # A browser sends "Origin: null" in some cases (no-referrer, privacy settings); then
    # Sec-Fetch-Site tells same-origin from cross-site.
    client = web_client(hub, _someone(hub))
    form = {"csrf_token": csrf(client), "language": "fr"}
    same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/ui/language", data=form, headers=same).status_code == 303
    for site in ("cross-site", "same-site", "none"):
        other = {"Origin": "null", "Sec-Fetch-Site": site}
        assert client.post("/ui/language", data=form, headers=other).status_code == 403, site
    bare = web_client(hub, _someone(hub))
    del bare.headers["Origin"]
    assert (
        bare.post("/ui/language", data={"csrf_token": csrf(bare), "language": "fr"}).status_code
        == 403
    )


def test_a_bad_id_is_not_found_and_a_bad_form_a_bad_request(hub: LiveHub) -> None:
    client = web_client(hub, _someone(hub))
    page = client.get("/ui/exchanges/not-a-uuid")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    form = client.post("/ui/language", data={"csrf_token": csrf(client)})
    assert form.status_code == 400
    assert form.headers["content-type"].startswith("text/html")


MENU_PAGES = ("/ui", "/ui/cases", "/ui/audit")


def _menu(html: str) -> set[str]:
    found = re.search(r'<nav class="nav".*?</nav>', html, re.S)
    assert found is not None
    return set(re.findall(r'href="([^"]+)"', found.group(0)))


@pytest.mark.parametrize(
    ("kind", "regime", "roles", "offered"),
    [
        ("social_service", "professional", ("case_worker",), {"/ui", "/ui/cases"}),
        ("municipality", "livc_458ter", ("chair",), {"/ui", "/ui/cases"}),
        ("social_service", "professional", ("auditor",), {"/ui", "/ui/audit"}),
        ("municipality", "livc_458ter", ("hub_auditor",), {"/ui", "/ui/audit"}),
        ("social_service", "professional", ("agency_admin",), {"/ui"}),
        ("social_service", "professional", ("case_worker", "auditor"), set(MENU_PAGES)),
    ],
)
def test_the_menu_offers_exactly_the_pages_that_answer_the_member(
    hub: LiveHub, kind: str, regime: str, roles: tuple[str, ...], offered: set[str]
) -> None:
    secrecy = bool({"case_worker", "chair"} & set(roles))
    client = web_client(hub, member(hub, agency(hub, kind, regime), *roles, secrecy=secrecy))
    menu = _menu(client.get("/ui").text)
    assert menu == offered
    for page in MENU_PAGES:
        status = client.get(page).status_code
        assert status == (200 if page in menu else 403), (page, status)
