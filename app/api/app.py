"""The app factory: settings in, a FastAPI app out; nothing global."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import anyio
import yaml
from anyio import to_thread
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp

from app.api import problems
from app.api.deps import principal_dep
from app.api.middleware import (
    BodyLimitMiddleware,
    QueryTextMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
)
from app.api.routers import (
    agencies,
    audit,
    cases,
    cells,
    declarations,
    exchanges,
    feedback,
    intake,
    me,
    meetings,
    notes,
    proposals,
    public,
    strategy,
    templates,
    working_groups,
)
from app.api.schemas.common import Problem
from app.api.state import Guards, HubState
from app.api.throttle import Throttle
from app.audit.failures import FailureLog
from app.audit.guard import LogGuard
from app.audit.log import AccessLog, as_canonical
from app.audit.push import WitnessPush
from app.audit.signing import AuditSigner
from app.audit.trust import StateFile
from app.auth import JwksKeySource, KeySource, LocalIssuer, SecretHasher, TokenVerifier
from app.crypto import KeyProvider, LocalKeyring, master_key_from
from app.db.engine import make_async_engine, make_sessionmaker
from app.db.guards import check_append_only
from app.errors import AuditUnavailable
from app.policies.local import LocalPolicy, PolicyConfigError
from app.services import template_files
from app.services.authz import Authorizer
from app.services.hub import Hub
from app.services.writer import GroupWriter
from app.settings import Mode, Settings
from app.web import install as install_web
from app.web.session import new_issuer as new_web_issuer

logger = logging.getLogger(__name__)

API_VERSION = "0.1.0"

# Paths whose responses may be cached (no personal data, no tokens); every other is no-store.
CACHEABLE = ("/healthz", "/.well-known/", "/docs", "/redoc", "/openapi.json")

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 409, 412, 413, 422, 428, 503)
}


def build_keys(settings: Settings) -> KeyProvider:
    """The key provider the settings name (the local keyring for now)."""
    keys = settings.keys
    secret = keys.master_key.get_secret_value() if keys.master_key else None
    master = master_key_from(secret, keys.master_key_file, demo=settings.demo)
    if secret is None and keys.master_key_file is None:
        logger.warning("demo mode: the keyring is sealed with the built-in demo master key")
    return LocalKeyring.open(keys.keyring_path, master, create=True)


def _production(settings: Settings) -> bool:
    return settings.server.mode is Mode.PRODUCTION


def build_log(settings: Settings) -> AccessLog:
    """The access log: signs checkpoints with the audit key (entries carry whom they concern).

    In production the key must exist (`livc-hub keys init`); elsewhere it is made on first use.
    Its guard keeps the last signed head outside the database; checkpoints go to the witnesses.
    """
    audit = settings.audit
    load = AuditSigner.load if _production(settings) else AuditSigner.load_or_create
    signer = load(audit.key_path)
    return AccessLog(
        signer=signer,
        checkpoint_every=audit.checkpoint_every,
        checkpoint_seconds=audit.checkpoint_seconds,
        guard=LogGuard(signer, StateFile(audit.state_file)),
        witnesses=WitnessPush(audit.witness_targets, timeout=audit.witness_timeout_seconds),
    )


def build_authorizer(settings: Settings) -> Authorizer:
    """The rule tables, with the municipality's local policy applied if one is configured."""
    path = settings.policy.file
    if path is None:
        return Authorizer()
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyConfigError(
            f"cannot read the local policy {path}: {type(exc).__name__}"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("sharing", {}), dict):
        raise PolicyConfigError("the local policy must be a mapping with a 'sharing' section")
    return Authorizer(sharing_rules=LocalPolicy.from_mapping(data.get("sharing", {})).rules())


def build_auth(
    settings: Settings, *, web_issuer: LocalIssuer | None = None
) -> tuple[TokenVerifier, LocalIssuer | None, bool]:
    """The token verifier, the local issuer (if enabled) and whether verifying may block.

    ``web_issuer``: the web client's in-memory issuer, whose short tokens the verifier accepts.
    """
    auth = settings.auth
    sources: list[KeySource] = []
    issuers = []
    issuer = None
    if web_issuer is not None:
        sources.append(web_issuer.key_source())
        issuers.append(web_issuer.issuer)
    if auth.local_issuer_enabled:
        # In production the key must exist (`livc-hub keys init`); elsewhere it is made if absent.
        load = LocalIssuer.load if _production(settings) else LocalIssuer.load_or_create
        issuer = load(auth.local_issuer_key_path, issuer=auth.issuer, audience=auth.audience)
        sources.append(issuer.key_source())
        issuers.append(auth.issuer)
    if auth.jwks_url:
        sources.append(JwksKeySource(auth.jwks_url))
        issuers.append(auth.jwks_issuer or auth.issuer)
    verifier = TokenVerifier(
        sources=sources, issuer=issuers, audience=auth.audience, leeway_seconds=auth.leeway_seconds
    )
    return verifier, issuer, bool(auth.jwks_url)


def build_guards(settings: Settings, log: AccessLog, hasher: SecretHasher | None = None) -> Guards:
    """Attempt limits, bounded hashing and the failure log of the credential endpoints."""
    limits = settings.rate_limit
    return Guards(
        throttle=Throttle(
            limits.storage_uri,
            {
                "token_address": limits.token_per_address,
                "token_client": limits.token_per_client,
                "login_address": settings.web.login_per_address,
                "login_username": settings.web.login_per_username,
                "password_member": settings.web.password_per_member,
                "device_address": limits.device_per_address,
                "device_member": limits.device_code_per_member,
                "device_wrong": limits.device_code_wrong,
            },
        ),
        hasher=hasher or SecretHasher(settings.auth.hash_concurrency),
        failures=FailureLog(log, settings.audit.failure_window_seconds),
    )


class _HubApp(FastAPI):
    """FastAPI whose whole stack, the server-error page included, gets the security headers."""

    def build_middleware_stack(self) -> ASGIApp:
        """The usual stack, wrapped (Starlette's error middleware is otherwise outermost)."""
        return SecurityHeadersMiddleware(super().build_middleware_stack(), cacheable=CACHEABLE)


async def _prime(hub: Hub, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Recompute the log up to its latest checkpoint before serving, if nothing is trusted yet."""
    if hub.log.guard is None:
        return
    try:
        await hub.log.guard.prime(sessions, as_canonical)
    except SQLAlchemyError as exc:  # the first checkpoint will do it under the lock instead
        logger.warning("audit guard not primed (%s)", type(exc).__name__)


def _routes(app: FastAPI) -> None:
    app.include_router(public.router)
    v1 = APIRouter(prefix="/api/v1", dependencies=[Depends(principal_dep)], responses=_ERRORS)
    for module in (
        me,
        agencies,
        proposals,
        cells,
        templates,
        cases,
        intake,
        notes,
        exchanges,
        feedback,
        declarations,
        working_groups,
        audit,
        strategy,
        meetings,
    ):
        v1.include_router(module.router)
    app.include_router(v1)


def create_app(settings: Settings | None = None, *, keys: KeyProvider | None = None) -> FastAPI:
    """A hub for these settings; ``keys`` lets tests and tools hand in a provider."""
    settings = settings or Settings()
    settings.check_web()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        catalogue = template_files.catalogue_for(settings.templates.directory)
        hasher = SecretHasher(settings.auth.hash_concurrency)
        hub = Hub(
            keys=keys or build_keys(settings),
            log=build_log(settings),
            authz=build_authorizer(settings),
            proposal_ttl=timedelta(hours=settings.governance.proposal_ttl_hours),
            hasher=hasher,
        )
        web_issuer = new_web_issuer(settings)
        verifier, issuer, blocks = build_auth(settings, web_issuer=web_issuer)
        engine = make_async_engine(settings.database)
        try:
            await check_append_only(
                engine, settings.database.app_role, refuse=_production(settings)
            )
        except Exception:
            verifier.close()
            await engine.dispose()
            raise
        sessions = make_sessionmaker(engine)
        guards = build_guards(settings, hub.log, hasher)
        await _prime(hub, sessions)
        try:
            await template_files.load_at_start(sessions, hub.log, catalogue)
        except Exception:
            verifier.close()
            await engine.dispose()
            raise
        audit = settings.audit
        writer = (
            GroupWriter(sessions, hub.log, max_batch=audit.group_commit_max)
            if audit.group_commit
            else None
        )
        app.state.hub = HubState(
            settings=settings,
            engine=engine,
            sessions=sessions,
            hub=hub,
            verifier=verifier,
            issuer=issuer,
            verify_blocks=blocks,
            guards=guards,
            writer=writer,
            web_issuer=web_issuer,
        )
        try:
            async with anyio.create_task_group() as tasks:
                if writer is not None:
                    tasks.start_soon(writer.run)
                if guards.failures.window:
                    tasks.start_soon(guards.failures.flush_periodically, sessions)
                try:
                    yield
                finally:
                    tasks.cancel_scope.cancel()
            await _flush_failures(guards.failures, sessions)
        finally:
            if hub.log.witnesses is not None:
                # Bounded: what is queued is sent for a few seconds at most.
                await to_thread.run_sync(hub.log.witnesses.close)
            verifier.close()  # the identity provider's JWKS client, if the hub made one
            await engine.dispose()

    docs = settings.api_docs
    app = _HubApp(
        title="LIVC Hub",
        version=API_VERSION,
        description=(
            "Need-to-know sharing of case notes between the LIVC-R, the LTF and social services. "
            "Every note field is sealed per agency; every access is decided by the policy engine "
            "and recorded in the access log. Errors are RFC 9457 problem details."
        ),
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    problems.install(app)
    _routes(app)
    install_web(app, settings)
    app.add_middleware(QueryTextMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RequestIdMiddleware, header=settings.audit.request_id_header)
    return app


async def _flush_failures(failures: FailureLog, sessions: Any) -> None:
    # At shutdown, counted failures are written even if their window is still open.
    try:
        await failures.flush(sessions, everything=True)
    except AuditUnavailable:
        logger.error("could not write %d counted authentication failures", failures.pending)
