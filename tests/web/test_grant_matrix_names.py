"""The grant matrix names who and what: rows by display name and agency, columns by the field's
label in the page's language (decisions 190-192); a guest not yet accepted stays unnamed. Every
signed-in page links to the password page (decision 193)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
import pytest

from app.web.i18n import TRANSLATIONS
from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.web import text_of, web_client
from tests.support.world import agency, member, ok

GUEST_WORDING = "Guest (not yet accepted the declaration)"
PASSWORD_LINK = {"nl": "Wachtwoord en sessies", "fr": "Mot de passe et sessions"}
ROW = re.compile(r'<th scope="row">(.*?)</th>', re.S)
COLUMN = re.compile(r'<th scope="col">([^<]*)<br>')
DECLARATION = {"text_nl": "Ik bewaar het geheim.", "text_fr": "Je garde le secret."}


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The API calls the pages make in process (the web client's SDK transport)."""
    seen: list[str] = []
    original = httpx.ASGITransport.handle_async_request

    async def counting(self: httpx.ASGITransport, request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return await original(self, request)

    monkeypatch.setattr(httpx.ASGITransport, "handle_async_request", counting)
    return seen


def _rows(html: str) -> list[str]:
    return [text_of(cell) for cell in ROW.findall(html)]


def _who(hub: LiveHub, member_id: str) -> str:
    found = ok(hub.admin.get(f"/api/v1/members/{member_id}"))
    name = ok(hub.admin.get(f"/api/v1/agencies/{found['agency_id']}"))["name"]
    return f"{found['display_name']} ({name})"


def _labels(w: Casework, lang: str, owner: str, note: str) -> dict[str, str]:
    note_body = ok(w.as_(owner).get(f"/api/v1/notes/{w.ids[note]}"))
    path = f"/api/v1/templates/{note_body['template_id']}"
    template: dict[str, Any] = ok(w.as_("mayor").get(path, params={"lang": lang}))
    return {f["name"]: f["label"] for f in template["fields"]}


def _world(hub: LiveHub) -> Casework:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household", "health"])
    w.release("pieter", "police_note", fields=["risk"])
    return w


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_rows_are_people_and_columns_are_labels(
    hub: LiveHub, lang: str, api_calls: list[str]
) -> None:
    w = _world(hub)
    mayor = web_client(hub, w.ids["mayor"], lang=lang)
    api_calls.clear()
    page = mayor.get(f"/ui/exchanges/{w.ids['exchange']}/grants")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert rows == [_who(hub, w.ids[p]) for p in ("sofie", "pieter", "els", "karim")]
    assert "Participant 1" not in page.text
    assert "Deelnemer 1" not in page.text
    social, police = (
        _labels(w, lang, "sofie", "ocmw_note"),
        _labels(w, lang, "pieter", "police_note"),
    )
    columns = {text_of(c) for c in COLUMN.findall(page.text)}
    assert columns == {social["household"], social["health"], police["risk"]}
    # The rule that blocks a grant still stands beside its box.
    assert "disabled" in page.text
    # One lookup per distinct template; the owners' agencies come with the participant list.
    looked_up = Counter(c.rsplit("/", 1)[0] for c in api_calls)
    assert looked_up["GET /api/v1/templates"] == 2
    assert looked_up["GET /api/v1/agencies"] == 0
    assert len(api_calls) == 7, api_calls


def test_the_number_of_calls_does_not_grow_with_the_rows(
    hub: LiveHub, api_calls: list[str]
) -> None:
    w = _world(hub)
    mayor = web_client(hub, w.ids["mayor"])
    path = f"/ui/exchanges/{w.ids['exchange']}/grants"
    api_calls.clear()
    assert len(_rows(mayor.get(path).text)) == 4
    four = len(api_calls)
    for person in ("ocmw_admin", "colleague"):
        body = {"member_id": w.ids[person]}
        ok(w.as_("mayor").post(f"{w.x}/participants", json=body), 201)
    api_calls.clear()
    assert len(_rows(mayor.get(path).text)) == 6
    assert len(api_calls) == four


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_a_guest_is_unnamed_until_they_accepted(hub: LiveHub, lang: str) -> None:
    w = _world(hub)
    ok(w.as_("mayor").put(f"/api/v1/cells/{w.ids['cell']}/declaration", json=DECLARATION))
    guest = member(hub, agency(hub, "youth", "professional"), "case_worker", secrecy=True)
    w.ids["guest"] = guest
    body = {"member_id": guest, "guest": True}
    ok(w.as_("mayor").post(f"{w.x}/participants", json=body), 201)
    mayor = web_client(hub, w.ids["mayor"], lang=lang)
    path = f"/ui/exchanges/{w.ids['exchange']}/grants"
    page = mayor.get(path)
    wording = TRANSLATIONS[lang].gettext(GUEST_WORDING)
    assert wording != GUEST_WORDING
    last = _rows(page.text)[-1]
    assert last.startswith(wording)
    assert _who(hub, guest) not in page.text
    ok(w.as_("guest").post(f"{w.x}/declaration/accept"))
    named = _rows(mayor.get(path).text)[-1]
    guest_mark = TRANSLATIONS[lang].gettext("guest")
    assert named == f"{_who(hub, guest)} {guest_mark}"


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_signed_in_page_links_to_the_password_page(hub: LiveHub, lang: str) -> None:
    w = casework(hub)
    pages = ("/ui", "/ui/cases", "/ui/audit", f"/ui/exchanges/{w.ids['exchange']}")
    link = f'<a href="/ui/password">{PASSWORD_LINK[lang]}</a>'
    for who in ("mayor", "sofie"):
        client = web_client(hub, w.ids[who], lang=lang)
        for path in pages:
            page = client.get(path)
            assert page.status_code in (200, 403), path  # a refusal page has the header too
            assert link in page.text, (who, path)
    anonymous = web_client(hub, lang=lang).get("/ui/login")
    assert "/ui/password" not in anonymous.text
