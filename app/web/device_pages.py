"""/ui/device: the signed-in member approves (or denies) the command line's sign-in (RFC 8628).

Not a case-data page: it decides a credential, as signing in does, so it works on the device
grants and the access log itself rather than through the public API (docs/decisions.md 180):
the API offers no way for a bearer token to approve a device, so one token cannot breed another.

Guessing a user code is limited twice: each member may type a few wrong codes (``device_member``)
and the whole hub a bounded number (``device_wrong``), so any one pending code, in its life,
meets at most that many guesses out of 20^8 codes. Both are checked before the lookup and
counted only when the code is wrong.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Final

from babel.dates import format_timedelta
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import hub_state, request_id
from app.audit.log import AuditEvent, Outcome
from app.db.models import DeviceGrant
from app.db.queries import orgs
from app.db.queries.orgs import MemberRow
from app.errors import AppError, StorageUnavailable, TooManyRequests
from app.policies.vocabulary import MemberStatus
from app.web.i18n import LOCALES
from app.web.messages import N_
from app.web.render import language_of, render
from app.web.session import WebSession, check_csrf, current_session

router = APIRouter(prefix="/ui", include_in_schema=False)

Session = Annotated[WebSession, Depends(current_session)]
_Code = Annotated[str, Form(max_length=40)]

WRONG_CODE: Final = N_("This code is unknown or has expired. Check it on the other device.")
TOO_MANY: Final = N_("Too many wrong codes. Wait a few minutes before you try again.")
NOT_ACTIVE: Final = N_("Your account is not active; it cannot approve a device.")
GONE: Final = N_("This request was already decided or has expired. Start again on the device.")
DECISIONS: Final = ("approve", "deny")


@router.get("/device")
async def device_form(request: Request, session: Session, user_code: str = "") -> Response:
    """The form to type the code the command line shows (filled in from its link, if any)."""
    return _form(request, session, user_code=_clean(user_code))


@router.post("/device", dependencies=[Depends(check_csrf)])
async def device_submit(
    request: Request,
    session: Session,
    user_code: _Code,
    decision: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """A typed code: what is asking, with approve and deny; or, with a decision, the decision."""
    state = hub_state(request)
    limits = {"device_member": str(session.member_id), "device_wrong": "hub"}
    try:
        await state.guards.throttle.check(**limits)
    except TooManyRequests as exc:
        return _form(request, session, user_code="", problem=TOO_MANY, status=429, exc=exc)
    try:
        async with state.sessions() as db:
            member = await orgs.member_row(db, session.member_id)
            if member is None or member.status != MemberStatus.ACTIVE.value:
                return _form(request, session, user_code="", problem=NOT_ACTIVE, status=403)
            grant = await state.device.find(db, user_code)
            if grant is None:
                await _wrong(request, member, limits)
                return _form(request, session, user_code="", problem=WRONG_CODE, status=400)
            if decision not in DECISIONS:
                return _confirm(request, session, grant, user_code)
            decided = await state.device.decide(
                db,
                state.hub.log,
                grant,
                member,
                approve=decision == "approve",
                request_id=request_id(request),
            )
            await db.commit()
    except SQLAlchemyError:
        raise StorageUnavailable() from None
    if not decided:
        return _form(request, session, user_code="", problem=GONE, status=409)
    context = {"session": session, "approved": decision == "approve"}
    return render(request, "device_done.html", context)


async def _wrong(request: Request, member: MemberRow, limits: dict[str, str]) -> None:
    # Counted against the member and the hub; logged (identical ones aggregated) with the member.
    state = hub_state(request)
    event = AuditEvent(
        action="auth:device_verify",
        outcome=Outcome.DENY,
        reason="wrong_user_code",
        actor_member_id=str(member.id),
        actor_agency_id=str(member.agency_id),
        owners=(str(member.agency_id),),
    )
    try:
        await state.guards.throttle.hit(**limits)
    except TooManyRequests:
        pass  # this one was wrong and is counted; the next is refused before the lookup
    await state.guards.failures.record(state.sessions, [event], request_id=request_id(request))


def _clean(typed: str) -> str:
    # Only what a code can hold goes back into the form (the link's query may carry anything).
    kept = "".join(c for c in typed.upper() if c.isascii() and (c.isalpha() or c == "-"))
    return kept[:9]


def _form(
    request: Request,
    session: WebSession,
    *,
    user_code: str,
    problem: str | None = None,
    status: int = 200,
    exc: AppError | None = None,
) -> Response:
    context: dict[str, Any] = {"session": session, "user_code": user_code, "problem": problem}
    response = render(request, "device.html", context, status=status)
    if exc is not None:
        response.headers.update(exc.headers)
    return response


def _confirm(request: Request, session: WebSession, grant: DeviceGrant, user_code: str) -> Response:
    ttl = hub_state(request).settings.auth.token_ttl_seconds
    context = {
        "session": session,
        "user_code": _clean(user_code),
        "duration": format_timedelta(
            timedelta(seconds=ttl), locale=LOCALES[language_of(request, session)]
        ),
        "expires_at": grant.expires_at,
    }
    return render(request, "device_confirm.html", context)
