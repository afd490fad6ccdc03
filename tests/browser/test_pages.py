"""The web client's pages in a real browser, in Dutch and French: the police reference person
reads a consultation; the chair grants and withdraws a field and the participant's page follows.

Signed in through the stand-in session's cookies (app/web/session.py) until the sign-in form of
the web-auth branch is merged; then ``sign_in`` replaces ``set_cookies``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.web.i18n import TRANSLATIONS
from app.web.messages import REASONS
from tests.support.browser import (
    TABLET,
    check_accessibility,
    check_keyboard_focus,
    set_cookies,
    shot,
    submit,
)
from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.web import session_cookies

OPEN = {"nl-BE": "Casusoverleg openen", "fr-BE": "Ouvrir la concertation"}
SAVE = {"nl-BE": "Toegang opslaan", "fr-BE": "Enregistrer les accès"}
SIGN_OUT = {"nl-BE": "Afmelden", "fr-BE": "Se déconnecter"}
SAVED = {"nl-BE": "De toegang is opgeslagen.", "fr-BE": "Les accès ont été enregistrés."}


def _said(locale: str, code: str) -> str:
    return TRANSLATIONS[locale[:2]].gettext(REASONS[code])


def _world(hub: LiveHub) -> Casework:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household", "health"])
    w.grant(member="pieter", field="health")
    return w


def test_the_police_reference_person_reads_a_consultation(
    hub: LiveHub, context: BrowserContext, page: Page, locale: str
) -> None:
    w = _world(hub)
    w.grant(member="pieter", field="household")
    set_cookies(context, hub.base_url, session_cookies(hub, w.ids["pieter"], name="Pieter Test"))

    page.goto(f"{hub.base_url}/ui")
    expect(page.locator("html")).to_have_attribute("lang", locale[:2])
    shot(page, "home")
    check_accessibility(page)
    submit(page, page.get_by_role("link", name=OPEN[locale]).first)

    assert page.url == f"{hub.base_url}/ui/exchanges/{w.ids['exchange']}"
    main = page.get_by_role("main")
    expect(main).to_contain_text(w.values["household"])
    expect(main).to_contain_text(_said(locale, "secrecy_regime"))
    expect(main).not_to_contain_text(w.values["health"])
    shot(page, "exchange")
    check_accessibility(page)
    check_keyboard_focus(
        page,
        [page.get_by_role("button", name="NL"), page.get_by_role("button", name=SIGN_OUT[locale])],
    )


def test_the_chair_grants_and_withdraws_and_the_participants_page_follows(
    hub: LiveHub,
    context: BrowserContext,
    page: Page,
    locale: str,
    new_context: Callable[..., BrowserContext],
) -> None:
    w = _world(hub)
    x = w.ids["exchange"]
    set_cookies(context, hub.base_url, session_cookies(hub, w.ids["mayor"], name="Burgemeester"))
    participant = new_context()
    set_cookies(participant, hub.base_url, session_cookies(hub, w.ids["pieter"]))
    pieter = participant.new_page()
    pieter.goto(f"{hub.base_url}/ui/exchanges/{x}")
    expect(pieter.get_by_role("main")).not_to_contain_text(w.values["household"])

    page.goto(f"{hub.base_url}/ui/exchanges/{x}/grants")
    household = page.locator(
        f"input[name='tick'][value='{w.ids['pieter']}:{w.ids['ocmw_note']}:household']"
    )
    health = page.locator(f"input[name='tick'][value='{w.ids['els']}:{w.ids['ocmw_note']}:health']")
    expect(household).not_to_be_checked()
    # Health is blocked for the information officer by professional secrecy: no box to tick,
    # the rule stands beside it.
    expect(health).to_be_disabled()
    expect(page.get_by_role("main")).to_contain_text(_said(locale, "secrecy_regime"))
    shot(page, "matrix")
    check_accessibility(page)

    household.check()
    submit(page, page.get_by_role("button", name=SAVE[locale]))
    expect(page.get_by_role("status")).to_have_text(SAVED[locale])
    expect(household).to_be_checked()
    shot(page, "granted")
    pieter.reload()
    expect(pieter.get_by_role("main")).to_contain_text(w.values["household"])

    household.uncheck()
    submit(page, page.get_by_role("button", name=SAVE[locale]))
    expect(household).not_to_be_checked()
    pieter.reload()
    expect(pieter.get_by_role("main")).not_to_contain_text(w.values["household"])
    shot(pieter, "withdrawn")


@pytest.mark.parametrize("viewport", [TABLET], ids=["tablet"])
def test_the_grant_matrix_on_a_tablet(
    hub: LiveHub, context: BrowserContext, page: Page, locale: str
) -> None:
    w = _world(hub)
    set_cookies(context, hub.base_url, session_cookies(hub, w.ids["mayor"]))
    page.goto(f"{hub.base_url}/ui/exchanges/{w.ids['exchange']}/grants")
    save = page.get_by_role("button", name=SAVE[locale])
    expect(save).to_be_visible()
    # The page itself never scrolls sideways; a wide matrix scrolls inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "matrix-tablet")
    check_accessibility(page)
