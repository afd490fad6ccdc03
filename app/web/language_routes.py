"""The NL|FR switch of the header (docs/decisions.md 151)."""

from __future__ import annotations

import re
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from app.web.i18n import LANGUAGES
from app.web.render import LANGUAGE_COOKIE
from app.web.session import check_csrf

router = APIRouter(prefix="/ui", include_in_schema=False)

# Where the switch may send the person back to: /ui paths of ids and words only.
_BACK: Final = re.compile(r"^/ui(/[A-Za-z0-9_-]+)*$")


@router.post("/language", dependencies=[Depends(check_csrf)])
async def choose_language(
    language: Annotated[str, Form()], back: Annotated[str, Form()] = "/ui"
) -> Response:
    """Remember the language chosen with the NL|FR switch, and go back to the page."""
    response = RedirectResponse(back if _BACK.match(back) else "/ui", status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            path="/ui",
            httponly=True,
            samesite="strict",
        )
    return response
