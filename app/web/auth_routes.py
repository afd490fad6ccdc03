"""/ui sign-in and sign-out, the password pages, and the language switch.

Sign-in with a username and password (when enabled) or through the identity provider
(app/web/oidc.py). Every sign-in opens a new session (the old one, if any, ends). Attempts are
limited per address and per username; failures go to the access log's failure log, never with
what was typed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from app.api.deps import hub_state, request_id
from app.api.state import HubState
from app.audit.log import AuditEvent, Outcome
from app.errors import AppError, TooManyRequests
from app.services import passwords, web_sessions
from app.services.context import RequestContext
from app.services.identity import principal_for_subject, rejected
from app.web.render import gettext_for, render
from app.web.session import (
    LOGIN_CSRF_COOKIE,
    WebSession,
    check_csrf,
    check_login_csrf,
    chosen_language,
    clear_cookie,
    current_session,
    lifetimes,
    login_csrf,
    new_login_csrf,
    now,
    optional_session,
    session_token,
    set_cookie,
)

router = APIRouter(prefix="/ui", include_in_schema=False)

HOME = "/ui"
# Where the language switch may send the person back to: /ui paths of ids and words only.
_BACK: Final = re.compile(r"^/ui(/[A-Za-z0-9_-]+)*/?$")
T = TypeVar("T")
_Text = Annotated[str, Form(max_length=passwords.MAX_LENGTH)]


def forbidden_page(request: Request) -> Response:
    """The 403 page of a refused form (CSRF token or origin)."""
    return render(request, "forbidden.html", {}, status=403)


def _event(action: str, reason: str, member_id: uuid.UUID, agency_id: uuid.UUID) -> AuditEvent:
    return AuditEvent(
        action=action,
        outcome=Outcome.ALLOW,
        reason=reason,
        actor_member_id=str(member_id),
        actor_agency_id=str(agency_id),
        object_id=str(member_id),
        owners=(str(agency_id),),
    )


async def _write(request: Request, work: Callable[[Any], Awaitable[T]], *events: AuditEvent) -> T:
    """Run ``work`` in one transaction that commits with its access-log entries."""
    state = hub_state(request)
    async with state.sessions() as db:
        state.hub.stage_entries(db)
        try:
            result = await work(db)
            if events:
                await state.hub.stage(db, events, request_id=request_id(request))
            await state.hub.commit(db)
        except BaseException:
            state.hub.discard_staged(db)
            await db.rollback()
            raise
    return result


async def start_session(
    request: Request,
    state: HubState,
    member_id: uuid.UUID,
    agency_id: uuid.UUID,
    *,
    method: str,
    then: str,
) -> Response:
    """Open a new session (ending the one the browser had: no fixation) and set its cookie."""
    when = now(request)
    old = session_token(request)
    language = chosen_language(request)

    async def work(db: Any) -> str:
        if old is not None:
            await web_sessions.revoke(db, old, when, "signed_in_again")
        return await web_sessions.open_session(
            db,
            member_id,
            method=method,
            language=language,
            now=when,
            lifetimes=lifetimes(state.settings),
        )

    token = await _write(request, work, _event("auth:sign_in", method, member_id, agency_id))
    response: Response
    if method == "oidc":
        # Back from the identity provider the navigation is cross-site, and a SameSite=Strict
        # cookie set now is not sent on a redirect: a page of the hub's own moves on instead
        # (a Refresh header: no inline script, and no head block needed in the layout).
        response = render(request, "signed_in.html", {"next": then})
        response.headers["Refresh"] = f"0;url={then}"
    else:
        response = RedirectResponse(then, status_code=303)
    set_cookie(response, state.settings, "livc_session", token)
    clear_cookie(response, state.settings, LOGIN_CSRF_COOKIE)
    return response


def _login_page(
    request: Request, *, error: str | None = None, status: int = 200, retry: int | None = None
) -> Response:
    state = hub_state(request)
    token = login_csrf(request) or new_login_csrf()
    context = {
        "login_csrf": token,
        "error": error,
        "local_login": state.settings.web_local_login,
        "oidc": state.settings.web.oidc_enabled,
    }
    response = render(request, "login.html", context, status=status)
    if retry is not None:
        response.headers["Retry-After"] = str(retry)
    set_cookie(response, state.settings, LOGIN_CSRF_COOKIE, token)
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    """The sign-in page (a signed-in member goes on to the home page)."""
    if await optional_session(request) is not None:
        return RedirectResponse(HOME, status_code=303)
    return _login_page(request)


@router.post("/login", dependencies=[Depends(check_login_csrf)])
async def login(request: Request, username: _Text = "", password: _Text = "") -> Response:
    """Sign in with a username and password."""
    state = hub_state(request)
    _ = gettext_for(request)
    if not state.settings.web_local_login:
        return _login_page(request, error=_("Sign-in with a password is not enabled."), status=404)
    address = request.client.host if request.client else ""
    typed = passwords.normal_username(username) or username
    try:
        try:
            await state.guards.throttle.hit(login_address=address, login_username=typed)
        except TooManyRequests as exc:
            raise replace_audit(exc) from None
        who = await passwords.authenticate_password(state.sessions, state.hub, username, password)
    except TooManyRequests as exc:
        await _failed(request, state, exc)
        text = _("Too many attempts. Try again in a few minutes.")
        return _login_page(request, error=text, status=429, retry=exc.retry_after)
    except AppError as exc:
        await _failed(request, state, exc)
        return _login_page(request, error=_("The username or password is not right."), status=401)
    return await start_session(
        request, state, who.member_id, who.agency_id, method="local", then=HOME
    )


def replace_audit(exc: TooManyRequests) -> TooManyRequests:
    """A refused attempt, logged as rate limited."""
    return TooManyRequests(
        exc.retry_after, exc.detail, extra=exc.extra, audit=(rejected("rate_limited"),)
    )


async def _failed(request: Request, state: HubState, exc: AppError) -> None:
    if exc.audit:
        events = tuple(replace(e, action="auth:sign_in") for e in exc.audit)
        await state.guards.failures.record(state.sessions, events, request_id=request_id(request))


@router.get("/password")
async def password_form(
    request: Request, session: Annotated[WebSession, Depends(current_session)]
) -> Response:
    """Choose a new password (required after a reset, before any other page)."""
    return render(request, "password.html", {"error": None})


@router.post("/password", dependencies=[Depends(check_csrf)])
async def change_password(
    request: Request,
    session: Annotated[WebSession, Depends(current_session)],
    current_password: _Text = "",
    new_password: _Text = "",
    repeat_password: _Text = "",
) -> Response:
    """Change the password, giving the current one; the member's other sessions end."""
    state = hub_state(request)
    _ = gettext_for(request)
    if new_password != repeat_password:
        error = _("The two new passwords are not the same.")
        return render(request, "password.html", {"error": error}, status=422)
    token = session_token(request)
    when = now(request)

    async def work(db: Any) -> None:
        principal = await principal_for_subject(db, str(session.member_id))
        ctx = RequestContext(principal=principal, request_id=request_id(request), now=when)
        await passwords.change_own(
            db, ctx, state.hub, current=current_password, new=new_password, keep_token=token
        )

    try:
        await state.guards.throttle.hit(password_member=str(session.member_id))
        await _write(request, work)
    except AppError as exc:
        await _record_refusal(request, state, exc)
        return render(
            request, "password.html", {"error": _password_error(request, exc)}, status=exc.status
        )
    return RedirectResponse(HOME, status_code=303)


def _password_error(request: Request, exc: AppError) -> str:
    _ = gettext_for(request)
    reason = exc.extra.get("reason")
    texts = {
        "current_password_wrong": _("The current password is not right."),
        "password_too_short": _("A password has at least 12 characters."),
        "password_too_long": _("A password has at most 200 characters."),
        "password_is_username": _("The password may not be your username."),
        "password_unchanged": _("The new password must differ from the current one."),
    }
    if isinstance(exc, TooManyRequests):
        return str(_("Too many attempts. Try again in a few minutes."))
    return str(texts.get(str(reason), _("The password was not changed.")))


async def _record_refusal(request: Request, state: HubState, exc: AppError) -> None:
    # A refusal is still a fact to log, in its own transaction after the work was rolled back.
    if not exc.audit:
        return
    async with state.sessions() as db:
        state.hub.stage_entries(db)
        await state.hub.stage(db, exc.audit, request_id=request_id(request))
        await state.hub.commit(db)


async def _end(request: Request, session: WebSession, *, everywhere: bool) -> Response:
    state = hub_state(request)
    token = session_token(request) or ""
    when = now(request)
    member = await _member_agency(request, session.member_id)

    async def work(db: Any) -> None:
        if everywhere:
            await web_sessions.revoke_member(db, session.member_id, when, "signed_out_everywhere")
        else:
            await web_sessions.revoke(db, token, when, "signed_out")

    action = "auth:sign_out_everywhere" if everywhere else "auth:sign_out"
    await _write(request, work, _event(action, "", session.member_id, member))
    response = RedirectResponse("/ui/signed-out", status_code=303)
    clear_cookie(response, state.settings, "livc_session")
    return response


async def _member_agency(request: Request, member_id: uuid.UUID) -> uuid.UUID:
    async with hub_state(request).sessions() as db:
        principal = await principal_for_subject(db, str(member_id))
    return principal.agency_id


@router.post("/logout", dependencies=[Depends(check_csrf)])
async def logout(
    request: Request, session: Annotated[WebSession, Depends(current_session)]
) -> Response:
    """Sign out of this browser."""
    return await _end(request, session, everywhere=False)


@router.post("/logout-everywhere", dependencies=[Depends(check_csrf)])
async def logout_everywhere(
    request: Request, session: Annotated[WebSession, Depends(current_session)]
) -> Response:
    """Sign out of every browser where this member is signed in."""
    return await _end(request, session, everywhere=True)


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    """Said after signing out."""
    return render(request, "signed_out.html", {})


@router.post("/language")
async def choose_language(
    request: Request,
    language: Annotated[str, Form(max_length=2)],
    back: Annotated[str, Form(max_length=200)] = HOME,
) -> Response:
    """Switch between Dutch and French (kept in the session, or before sign-in in a cookie)."""
    if language not in web_sessions.LANGUAGES:
        language = "nl"
    session = await optional_session(request)
    if session is None:
        await check_login_csrf(request)
    else:
        await check_csrf(request)
        token = session_token(request) or ""

        async def work(db: Any) -> None:
            found = await web_sessions.find(
                db, token, now=now(request), lifetimes=lifetimes(hub_state(request).settings)
            )
            if found is not None:
                found.row.language = language

        await _write(request, work)
    # Back to the page the switch was on: /ui paths of ids and words only, never a query.
    target = back if session and _BACK.match(back) else (HOME if session else "/ui/login")
    response = RedirectResponse(target, status_code=303)
    settings = hub_state(request).settings
    set_cookie(response, settings, "livc_lang", language)
    return response
