"""The printable municipal diagnosis in a real browser: the infrastructure proved end to end on a
page the hub serves today (GET /api/v1/cells/{id}/strategy/diagnosis.html, bearer token sent by
the browser). It renders under its own strict Content-Security-Policy, in Dutch and French, and
axe-core finds nothing wrong with it."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import BrowserContext, Page, expect

from tests.support.browser import check_accessibility, check_keyboard_focus, shot, use_token
from tests.support.live import LiveHub
from tests.support.strategic import town
from tests.support.world import ok

YEAR = datetime.now(UTC).year
TITLE = {"nl-BE": "Gemeentelijke diagnose", "fr-BE": "Diagnostic communal"}
PRIORITIES = {"nl-BE": "Prioriteiten", "fr-BE": "Priorités"}


def test_the_printable_diagnosis(
    hub: LiveHub, context: BrowserContext, page: Page, locale: str
) -> None:
    t = town(hub, 6)
    body = {
        "introduction": {"nl": "Inleiding van het jaar", "fr": "Introduction de l'année"},
        "priorities": [
            {
                "theme": "online_polarisation",
                "text": {"nl": "Ouders bereiken", "fr": "Atteindre les parents"},
            }
        ],
    }
    ok(t.as_(t.chair).put(t.path(f"priorities/{YEAR}"), json=body))
    use_token(context, locale, hub.token(t.reader))

    response = page.goto(f"{hub.base_url}{t.path('diagnosis.html')}?year={YEAR}&lang={locale[:2]}")

    assert response is not None
    assert response.status == 200
    # The browser announced the context's language.
    assert response.request.all_headers()["accept-language"].startswith(locale)
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE[locale])
    expect(page.get_by_role("heading", name=PRIORITIES[locale])).to_be_visible()
    # The page's own style sheet applied under its CSP (allowed by hash): the tables have borders.
    cell = page.locator("th").first
    assert cell.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    shot(page, "diagnosis")
    lesser = check_accessibility(page)
    assert lesser == [], "\n".join(v.describe() for v in lesser)
    # Nothing on the printable page takes the focus (no links, no controls).
    assert check_keyboard_focus(page) == []
