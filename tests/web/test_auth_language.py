"""The sign-in pages speak Dutch and French: every msgid translated, the user's choice first."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from tests.support.live import LiveHub
from tests.support.web_client import Browser

LOCALE = Path(__file__).resolve().parents[2] / "app" / "web" / "locale"


def test_every_message_is_translated_in_dutch_and_french() -> None:
    with (LOCALE / "messages.pot").open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    for lang in ("nl", "fr"):
        with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        done = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
        assert wanted <= done, (lang, sorted(wanted - done))


def test_dutch_by_default_french_when_asked_or_chosen(hub: LiveHub) -> None:
    browser = Browser(hub)
    assert "Aanmelden" in browser.get("/ui/login").text
    french = browser.get("/ui/login", headers={"Accept-Language": "fr-BE,fr;q=0.9"})
    assert "Se connecter" in french.text
    assert 'lang="fr"' in french.text
    token = browser.csrf_of("/ui/login")
    chosen = browser.post("/ui/language", {"csrf_token": token, "language": "fr"})
    assert chosen.status_code == 303
    assert "Se connecter" in browser.get("/ui/login", headers={"Accept-Language": "nl"}).text
