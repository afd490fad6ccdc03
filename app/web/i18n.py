"""Languages of the web client: the gettext catalogs, compiled in memory at import.

The .po files are the only form committed: Babel reads each and writes the .mo into memory, so
there is no build step and no compiled file to forget (docs/decisions.md 150). Dates are shown in
Belgian formats (nl_BE, fr_BE) in the Europe/Brussels time zone.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: Final = ("nl", "fr")
DEFAULT_LANGUAGE: Final = "nl"
LOCALES: Final = {"nl": "nl_BE", "fr": "fr_BE"}
ZONE: Final = ZoneInfo("Europe/Brussels")
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"


def _compiled(language: str) -> gettext.GNUTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


TRANSLATIONS: Final = {language: _compiled(language) for language in LANGUAGES}


def negotiate(accept_language: str | None) -> str:
    """The first of our languages the Accept-Language header prefers (by q), else Dutch."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def local_date(value: date | datetime | None, language: str) -> str:
    """A date as Belgians write it (e.g. 26 nov. 2026 / 26 nov. 2026)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZONE).date()
    return format_date(value, format="medium", locale=LOCALES[language])


def local_datetime(value: datetime | None, language: str) -> str:
    """A moment in Brussels time, in the language's Belgian format."""
    if value is None:
        return ""
    return format_datetime(value, format="medium", tzinfo=ZONE, locale=LOCALES[language])
