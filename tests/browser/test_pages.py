"""The web client's pages in a real browser, in Dutch and French: the police reference person
signs in, chooses a password and reads a consultation; the chair grants and withdraws a field and
the participant's page follows; a member signs out, and out everywhere.

People sign in through the /ui/login form with a one-time password from the four-eyes reset and
choose their own on /ui/password, as a first sign-in goes. A second person's session beside the
first is opened in the database (session_cookies), where the test says so.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.web.i18n import TRANSLATIONS
from app.web.messages import REASONS
from tests.support.browser import (
    TABLET,
    change_password,
    check_accessibility,
    check_fits,
    check_keyboard_focus,
    first_sign_in,
    set_cookies,
    shot,
    sign_in,
    submit,
)
from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.web import session_cookies
from tests.support.web_client import person

OPEN = {"nl-BE": "Casusoverleg openen", "fr-BE": "Ouvrir la concertation"}
SAVE = {"nl-BE": "Toegang opslaan", "fr-BE": "Enregistrer les accès"}
SIGN_OUT = {"nl-BE": "Afmelden", "fr-BE": "Se déconnecter"}
SAVED = {"nl-BE": "De toegang is opgeslagen.", "fr-BE": "Les accès ont été enregistrés."}
SIGN_IN = {"nl-BE": "Aanmelden", "fr-BE": "Se connecter"}
USERNAME = {"nl-BE": "Gebruikersnaam", "fr-BE": "Nom d'utilisateur"}
PASSWORD = {"nl-BE": "Wachtwoord", "fr-BE": "Mot de passe"}
CHANGE = {"nl-BE": "Wachtwoord wijzigen", "fr-BE": "Modifier le mot de passe"}
EVERYWHERE = {"nl-BE": "Overal afmelden", "fr-BE": "Se déconnecter partout"}


def _said(locale: str, code: str) -> str:
    return TRANSLATIONS[locale[:2]].gettext(REASONS[code])


def _world(hub: LiveHub) -> Casework:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household", "health"])
    w.grant(member="pieter", field="health")
    return w


def test_the_police_reference_person_reads_a_consultation(
    hub: LiveHub, page: Page, locale: str
) -> None:
    w = _world(hub)
    w.grant(member="pieter", field="household")
    one_time = w.one_time_password("pieter")

    page.goto(f"{hub.base_url}/ui")
    assert page.url == f"{hub.base_url}/ui/login"  # not signed in: the sign-in page
    expect(page.locator("html")).to_have_attribute("lang", locale[:2])
    shot(page, "sign-in")
    check_accessibility(page)
    check_keyboard_focus(
        page,
        [
            page.get_by_label(USERNAME[locale]),
            page.get_by_label(PASSWORD[locale], exact=True),
            page.get_by_role("button", name=SIGN_IN[locale], exact=True),
        ],
    )
    sign_in(page, hub.base_url, w.usernames["pieter"], one_time)

    # A one-time password: the first page is the one to choose a password of one's own.
    assert page.url == f"{hub.base_url}/ui/password"
    page.goto(f"{hub.base_url}/ui")
    assert page.url == f"{hub.base_url}/ui/password"  # no other page until it is changed
    shot(page, "password")
    check_accessibility(page)
    check_keyboard_focus(page, [page.get_by_role("button", name=CHANGE[locale])])
    chosen = f"{w.usernames['pieter']}-own-words"
    change_password(page, one_time, chosen)

    assert page.url == f"{hub.base_url}/ui"
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
    page: Page,
    locale: str,
    new_context: Callable[..., BrowserContext],
) -> None:
    w = _world(hub)
    x = w.ids["exchange"]
    first_sign_in(page, hub.base_url, w.usernames["mayor"], w.one_time_password("mayor"))
    # The participant's screen beside the chair's is arranged, not the subject of the test: his
    # session is opened in the database (signing in is the first test's).
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
def test_the_grant_matrix_on_a_tablet(hub: LiveHub, page: Page, locale: str) -> None:
    w = _world(hub)
    first_sign_in(page, hub.base_url, w.usernames["mayor"], w.one_time_password("mayor"))
    page.goto(f"{hub.base_url}/ui/exchanges/{w.ids['exchange']}/grants")
    save = page.get_by_role("button", name=SAVE[locale])
    expect(save).to_be_visible()
    check_fits(page)  # no sideways scroll on the tablet
    shot(page, "matrix-tablet")
    check_accessibility(page)


def test_signing_out_and_signing_out_everywhere(
    hub: LiveHub, page: Page, locale: str, new_context: Callable[..., BrowserContext]
) -> None:
    who = person(hub, "case_worker")
    chosen = first_sign_in(page, hub.base_url, who.username, who.password)
    other = new_context().new_page()  # the same member at a second screen
    sign_in(other, hub.base_url, who.username, chosen)
    assert other.url == f"{hub.base_url}/ui"

    # Signing out ends this browser's session only.
    submit(page, page.get_by_role("button", name=SIGN_OUT[locale]))
    assert page.url == f"{hub.base_url}/ui/signed-out"
    shot(page, "signed-out")
    check_accessibility(page)
    page.goto(f"{hub.base_url}/ui")
    assert page.url == f"{hub.base_url}/ui/login"
    other.reload()
    assert other.url == f"{hub.base_url}/ui"

    # Signing out everywhere (on the password page) ends the other screen's session too.
    sign_in(page, hub.base_url, who.username, chosen)
    page.goto(f"{hub.base_url}/ui/password")
    check_keyboard_focus(page, [page.get_by_role("button", name=EVERYWHERE[locale])])
    submit(page, page.get_by_role("button", name=EVERYWHERE[locale]))
    assert page.url == f"{hub.base_url}/ui/signed-out"
    other.reload()
    assert other.url == f"{hub.base_url}/ui/login"
    expect(other.get_by_role("button", name=SIGN_IN[locale], exact=True)).to_be_visible()
    page.goto(f"{hub.base_url}/ui")
    assert page.url == f"{hub.base_url}/ui/login"
