"""Pages from templates (stand-in for the web shell's renderer; the integrator keeps H2's).

Jinja2 with autoescape and ``jinja2.ext.i18n`` over the Babel catalogs of app/web/locale.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from app.web.session import chosen_language

HERE = Path(__file__).resolve().parent
LANGUAGES = ("nl", "fr")
DEFAULT_LANGUAGE = "nl"


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The catalog of a language, compiled from its .po file in memory."""
    po = HERE / "locale" / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


@functools.cache
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def language(request: Request) -> str:
    """The session's language, else the language cookie, else Accept-Language, else Dutch."""
    session = getattr(request.state, "web_session", None)
    chosen = getattr(session, "language", None) or chosen_language(request)
    if chosen in LANGUAGES:
        return str(chosen)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def gettext_for(request: Request) -> Any:
    """The gettext function for the request's language (for text made in Python)."""
    return translations(language(request)).gettext


def render(
    request: Request, name: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """A page: the template with ``_``, ``session``, ``csrf_token`` and ``lang`` added."""
    lang = language(request)
    session = getattr(request.state, "web_session", None)
    values = {
        "_": translations(lang).gettext,
        "session": session,
        "csrf_token": getattr(session, "csrf_token", ""),
        "lang": lang,
        **context,
    }
    html = _environment(lang).get_template(name).render(values)
    return HTMLResponse(html, status_code=status)
