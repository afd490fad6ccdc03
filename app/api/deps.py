"""Request dependencies: the session (one transaction owner), the principal and the context.

Every router hangs under one authenticated parent, so a forgotten check is impossible.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.state import HubState
from app.auth import AuthError, Claims
from app.db.engine import wrote
from app.errors import AppError, AuditUnavailable, StorageUnavailable, Unauthenticated
from app.services.context import Principal, RequestContext
from app.services.hub import Hub
from app.services.identity import principal_for_subject, rejected

logger = logging.getLogger(__name__)


def hub_state(request: Request) -> HubState:
    """The running hub's long-lived objects."""
    state: HubState = request.app.state.hub
    return state


def request_id(request: Request) -> str:
    """The id set by RequestIdMiddleware."""
    return str(request.state.request_id)


async def _record_after_rollback(state: HubState, error: AppError, rid: str) -> None:
    # A denial is still a fact to log: its entries go in their own transaction, after the work
    # of the failed request was rolled back. If that fails too, the answer becomes 503.
    try:
        if state.writer is not None:
            await state.writer.submit([(rid, error.audit)])
            return
        async with state.sessions() as session:
            state.hub.stage_entries(session)
            await state.hub.stage(session, error.audit, request_id=rid)
            await state.hub.commit(session)
    except (AuditUnavailable, SQLAlchemyError):
        raise AuditUnavailable() from None


async def session_dep(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; its entries are appended and it commits before the response is
    sent (``Hub.commit``); it rolls back on any error."""
    state = hub_state(request)
    async with state.sessions() as session:
        state.hub.stage_entries(session)
        try:
            yield session
        except AppError as exc:
            await _rollback(state, session)
            if exc.audit:
                await _record_after_rollback(state, exc, request_id(request))
            raise
        except SQLAlchemyError as exc:
            await _rollback(state, session)
            raise _storage_failed(exc, request) from None
        except BaseException:
            await _rollback(state, session)
            raise
        try:
            await _finish(state, session)
        except SQLAlchemyError as exc:
            raise _storage_failed(exc, request) from None


async def _finish(state: HubState, session: AsyncSession) -> None:
    """Make the request durable: a request that changed no data hands its entries to the group
    writer (one commit for many requests); one that did commits its work with its entries."""
    if state.writer is None or await _changed_data(session):
        await state.hub.commit(session)
        return
    batches = state.hub.take_staged(session)
    await session.rollback()  # it only read: end its transaction and free its connection
    await state.writer.submit(batches)


async def _changed_data(session: AsyncSession) -> bool:
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    sync = (await session.connection()).sync_connection
    return sync is None or wrote(sync)


async def _rollback(state: HubState, session: AsyncSession) -> None:
    state.hub.discard_staged(session)
    await session.rollback()


def _storage_failed(exc: SQLAlchemyError, request: Request) -> StorageUnavailable:
    # The operator needs a trace; the exception's text can carry bound values, so only its class
    # and the request id are logged.
    logger.error(
        "storage failed (%s); request %s answered 503", type(exc).__name__, request_id(request)
    )
    return StorageUnavailable()


SessionDep = Annotated[AsyncSession, Depends(session_dep, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="JWT access token (RS256 or ES256)")


async def _verify(state: HubState, token: str) -> Claims:
    if state.verify_blocks:
        # A JWKS refresh is network I/O: keep it off the event loop.
        return await anyio.to_thread.run_sync(state.verifier.verify, token)
    return state.verifier.verify(token)


async def principal_dep(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The member named by a valid bearer token; 401 (logged) otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    try:
        claims = await _verify(hub_state(request), credentials.credentials)
    except AuthError as exc:
        raise Unauthenticated(
            "the token was rejected", extra={"reason": exc.reason}, audit=(rejected(exc.reason),)
        ) from None
    try:
        return await principal_for_subject(session, claims.subject)
    except Unauthenticated as exc:
        audit = exc.audit or (rejected("unknown_member"),)
        raise Unauthenticated(exc.detail, audit=audit) from None


PrincipalDep = Annotated[Principal, Depends(principal_dep)]


async def context_dep(request: Request, principal: PrincipalDep) -> RequestContext:
    """Principal, request id and the request's clock, for the use cases."""
    return RequestContext(
        principal=principal, request_id=request_id(request), now=datetime.now(UTC)
    )


ContextDep = Annotated[RequestContext, Depends(context_dep)]


def hub_dep(request: Request) -> Hub:
    """Keys, access log and authoriser."""
    return hub_state(request).hub


HubDep = Annotated[Hub, Depends(hub_dep)]
