"""Templates: one Jinja2 environment per language, autoescaped, with jinja2.ext.i18n."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.web.i18n import LANGUAGES, TRANSLATIONS, local_date, local_datetime, negotiate
from app.web.session import WebSession

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
# The language the visitor chose with the NL|FR switch (before or without a session's choice);
# with Secure cookies the web client's cookies carry the __Host- prefix.
LANGUAGE_COOKIE: Final = "livc_lang"
LANGUAGE_COOKIES: Final = (f"__Host-{LANGUAGE_COOKIE}", LANGUAGE_COOKIE)


def _environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(TRANSLATIONS[language], newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = partial(local_date, language=language)
    env.filters["datetime"] = partial(local_datetime, language=language)
    return env


ENVIRONMENTS: Final = {language: _environment(language) for language in LANGUAGES}


def language_of(request: Request, session: WebSession | None) -> str:
    """The session's choice, else the switch's cookie, else Accept-Language, else Dutch."""
    if session is not None and session.language in LANGUAGES:
        return session.language
    for name in LANGUAGE_COOKIES:
        chosen = request.cookies.get(name)
        if chosen in LANGUAGES:
            return chosen
    return negotiate(request.headers.get("accept-language"))


def gettext_for(request: Request, session: WebSession | None) -> Callable[[str], str]:
    """The translation function of the request's language (for strings built in Python)."""
    return TRANSLATIONS[language_of(request, session)].gettext


def render(
    request: Request, name: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """The template in the request's language; ``context["session"]`` is the WebSession or None."""
    session = context.get("session")
    session = session if isinstance(session, WebSession) else None
    language = language_of(request, session)
    env = ENVIRONMENTS[language]
    values = {
        "session": session,
        "csrf_token": session.csrf_token if session else "",
        "lang": language,
        "request": request,
        "path": request.url.path,
        **context,
    }
    values["_"] = env.globals["gettext"]
    body = env.get_template(name).render(values)
    return HTMLResponse(body, status_code=status)
