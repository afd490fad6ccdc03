"""The ``livc-hub`` command: serve, migrate, bootstrap, demo data, tokens, the OpenAPI contract;
and for people: login, exchanges, notes, release, grant, withdraw, the access log (docs/cli.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from app.cli.audit import add_audit_commands
from app.cli.common import CliError, Exit, with_hub
from app.cli.people import add_people_commands
from app.errors import AppError
from app.settings import Mode, Settings

logger = logging.getLogger("livc_hub")

DEMO_HANDLES = Path("var/demo-members.json")


def _alembic_config(settings: Settings) -> Any:
    from alembic.config import Config

    root = Path(__file__).resolve().parents[2]  # app/cli/__init__.py -> the checkout
    cfg = Config(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.attributes["url"] = settings.database.url
    return cfg


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    """Upgrade (or downgrade) the schema with alembic."""
    from alembic import command

    cfg = _alembic_config(settings)
    if args.downgrade:
        command.downgrade(cfg, args.downgrade)
    else:
        command.upgrade(cfg, args.revision)


def cmd_openapi(settings: Settings, args: argparse.Namespace) -> None:
    """Print the OpenAPI document the app serves, as YAML."""
    from app.api.app import create_app

    spec = create_app(settings).openapi()
    sys.stdout.write(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100))


def cmd_new_master(settings: Settings, args: argparse.Namespace) -> None:
    """Print a new random master key."""
    from app.crypto import generate_master_key

    print(generate_master_key())


def cmd_bootstrap(settings: Settings, args: argparse.Namespace) -> None:
    """Create the first hub admin."""
    from app.services.bootstrap import bootstrap_hub_admin

    async def work(session: Any, hub: Any) -> uuid.UUID:
        admin = await bootstrap_hub_admin(
            session, hub.keys, hub.log, agency_name=args.agency, admin_name=args.admin
        )
        return admin.id

    admin_id = asyncio.run(with_hub(settings, work))
    print(f"hub admin created: {admin_id}")
    print(f"get a token with: livc-hub token --member {admin_id}")


def cmd_demo(settings: Settings, args: argparse.Namespace) -> None:
    """Load the demo world (refuses outside demo mode); with --size, grow it to N notes."""
    from app.services.demo import has_data, load_demo

    if not settings.demo:
        raise CliError("demo data is only loaded in demo mode (LIVC_MODE=demo)")
    if args.size is not None and args.size < 1:
        raise CliError("--size is a number of notes, at least 1")

    async def work(session: Any, hub: Any) -> dict[str, str] | None:
        if await has_data(session):
            return None
        return await load_demo(session, hub)

    handles = asyncio.run(with_hub(settings, work))
    if handles is None:
        if args.size is not None:
            _grow_demo(settings, _stored_handles(), args.size, args.seed)
            return
        if not args.if_empty:
            raise CliError("the database already has data; demo data not loaded")
        print("demo data already present")
        return
    _store_handles(handles)
    people = ", ".join(h for h in handles if not h.startswith("_"))
    print(f"demo data loaded; members: {people}")
    if args.size is not None:
        _grow_demo(settings, handles, args.size, args.seed)


def _stored_handles() -> dict[str, str]:
    if not DEMO_HANDLES.exists():
        raise CliError(f"the database has data but {DEMO_HANDLES} does not name the demo's members")
    handles: dict[str, str] = json.loads(DEMO_HANDLES.read_text())
    return handles


def _store_handles(handles: dict[str, str]) -> None:
    DEMO_HANDLES.parent.mkdir(parents=True, exist_ok=True)
    DEMO_HANDLES.write_text(json.dumps(handles, indent=2) + "\n")


def _grow_demo(settings: Settings, handles: dict[str, str], size: int, seed: int) -> None:
    """The benchmark exchange and filler notes up to ``size``, a batch per transaction."""
    from app.api.app import build_keys, build_log
    from app.db.engine import make_async_engine, make_sessionmaker
    from app.services.authz import Authorizer
    from app.services.demo import grow
    from app.services.hub import Hub

    hub = Hub(keys=build_keys(settings), log=build_log(settings), authz=Authorizer())
    step = max(1000, size // 10)
    shown = [0]

    def progress(notes: int) -> None:
        if notes - shown[0] >= step or notes >= size:
            print(f"  {notes:,} notes", file=sys.stderr, flush=True)
            shown[0] = notes

    async def run() -> dict[str, str]:
        engine = make_async_engine(settings.database)
        try:
            return await grow(
                make_sessionmaker(engine), hub, handles, size=size, seed=seed, progress=progress
            )
        finally:
            await engine.dispose()

    try:
        grown = asyncio.run(run())
    except ValueError as exc:
        raise CliError(str(exc)) from None
    _store_handles(grown)
    print(
        f"demo grown to {size:,} notes (seed {seed}); benchmark exchange {grown['_bench_exchange']}"
    )


def cmd_token(settings: Settings, args: argparse.Namespace) -> None:
    """Issue a token from the local issuer for a member (id or demo handle)."""
    from app.api.app import build_auth

    handles = json.loads(DEMO_HANDLES.read_text()) if DEMO_HANDLES.exists() else {}
    try:
        member_id = uuid.UUID(handles.get(args.member, args.member))
    except ValueError:
        raise CliError(f"{args.member!r} is neither a member id nor a demo handle") from None
    status = asyncio.run(_member_status(settings, member_id))
    if status is None:
        raise CliError(f"no member {member_id} in this hub's database")
    if status != "active":
        raise CliError(f"member {member_id} is {status}; no token is issued for them")
    _, issuer, _ = build_auth(settings)
    if issuer is None:
        raise CliError("the local issuer is disabled (LIVC_AUTH_LOCAL_ISSUER_ENABLED=false)")
    print(issuer.issue(str(member_id), ttl_seconds=args.ttl))


async def _member_status(settings: Settings, member_id: uuid.UUID) -> str | None:
    from sqlalchemy import select

    from app.db.engine import make_async_engine
    from app.db.models import Member

    engine = make_async_engine(settings.database)
    try:
        async with engine.connect() as conn:
            found = await conn.scalar(select(Member.status).where(Member.id == member_id))
            return None if found is None else str(found)
    finally:
        await engine.dispose()


def _init_key(name: str, path: Path, create: Callable[[], str], load: Callable[[], str]) -> bool:
    """Create one key (True), or name the one that exists and leave it untouched (False)."""
    try:
        print(f"created the {name}: {path.resolve()} (key id {create()})")
        return True
    except FileExistsError:
        print(f"kept the existing {name}: {path.resolve()} (key id {load()}); not overwritten")
        return False


def cmd_keys_init(settings: Settings, args: argparse.Namespace) -> None:
    """Create the audit signing key and the token issuer key; never overwrite either."""
    from app.audit.signing import AuditSigner
    from app.auth import LocalIssuer

    audit_key, auth = settings.audit.key_path, settings.auth
    made = _init_key(
        "audit signing key (Ed25519)",
        audit_key,
        lambda: AuditSigner.create(audit_key).key_id,
        lambda: AuditSigner.load(audit_key).key_id,
    )
    if auth.local_issuer_enabled:
        path, names = auth.local_issuer_key_path, {"issuer": auth.issuer, "audience": auth.audience}
        made |= _init_key(
            "token issuer key (ES256)",
            path,
            lambda: LocalIssuer.create(path, **names).kid,
            lambda: LocalIssuer.load(path, **names).kid,
        )
    else:
        print("no token issuer key: the local issuer is off (LIVC_AUTH_LOCAL_ISSUER_ENABLED)")
    if not made:
        raise CliError("the keys already exist; keys init never overwrites a key")


def _refuse_without_keys_or_grants(settings: Settings) -> None:
    """Production: the keys exist and the log is append-only for the hub's connection."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.api.app import build_auth, build_log
    from app.db.engine import make_sync_engine
    from app.db.guards import LogNotAppendOnly, append_only_problem, enforce

    build_log(settings)  # the audit key: never created in production
    build_auth(settings)  # the issuer key: likewise
    engine = make_sync_engine(settings.database)
    try:
        with engine.connect() as conn:
            problem = append_only_problem(conn, settings.database.app_role)
        enforce(problem, refuse=True)
    except SQLAlchemyError as exc:
        raise CliError(f"cannot reach the database ({type(exc).__name__})") from None
    except LogNotAppendOnly as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    """Run the hub with uvicorn."""
    import uvicorn

    from app.api.app import build_authorizer, build_keys, create_app
    from app.services.template_files import load_catalogue

    build_keys(settings)  # refuse to start without a master key outside demo mode, clearly
    build_authorizer(settings)  # and with a local policy that would loosen the law
    load_catalogue(settings.templates.directory)  # and with a broken template file
    if settings.server.mode is Mode.PRODUCTION:
        _refuse_without_keys_or_grants(settings)
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    print(f"LIVC Hub on http://{host}:{port}  (mode: {settings.server.mode.value})")
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.server.log_level,
        access_log=False,
        server_header=False,  # no banner naming the server software
    )


app = typer.Typer(
    name="livc-hub",
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # errors are one line on stderr (main), never a traceback
    context_settings={"help_option_names": ["-h", "--help"]},
)
keys_app = typer.Typer(help="key management", no_args_is_help=True)
audit_app = typer.Typer(help="the access log", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")


def run_with_settings(
    command: Callable[[Settings, argparse.Namespace], None], **options: Any
) -> None:
    """Run an operator's command as before the port to typer: settings, then its options."""
    command(Settings(), argparse.Namespace(**options))


@app.command(help="run the hub")
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
) -> None:
    run_with_settings(cmd_serve, host=host, port=port)


@app.command(help="upgrade the database schema")
def migrate(
    revision: Annotated[str, typer.Option()] = "head",
    downgrade: Annotated[str | None, typer.Option(metavar="REVISION")] = None,
) -> None:
    run_with_settings(cmd_migrate, revision=revision, downgrade=downgrade)


@app.command(help="create the first hub admin")
def bootstrap(
    agency: Annotated[str, typer.Option()],
    admin: Annotated[str, typer.Option()],
) -> None:
    run_with_settings(cmd_bootstrap, agency=agency, admin=admin)


@app.command(help="load demo data (demo mode only)")
def demo(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="do nothing if data exists")] = False,
    size: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="add the benchmark exchange and filler cases until the hub holds N notes",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of the generated content")] = 1,
) -> None:
    run_with_settings(cmd_demo, if_empty=if_empty, size=size, seed=seed)


@app.command(help="issue a token from the local issuer")
def token(
    member: Annotated[str, typer.Option(help="member id or demo handle")],
    ttl: Annotated[int, typer.Option()] = 3600,
) -> None:
    run_with_settings(cmd_token, member=member, ttl=ttl)


@app.command(help="print the OpenAPI contract (YAML)")
def openapi() -> None:
    run_with_settings(cmd_openapi)


@keys_app.command("new-master", help="print a new random master key")
def keys_new_master() -> None:
    run_with_settings(cmd_new_master)


@keys_app.command("init", help="create the audit and issuer signing keys")
def keys_init() -> None:
    run_with_settings(cmd_keys_init)


add_audit_commands(audit_app, run_with_settings)
add_people_commands(app, audit_app)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the exit code (docs/cli.md); errors become one line (or a problem) on stderr.

    A command line that does not parse raises SystemExit(2), as it did with argparse.
    """
    from app.auth import AuthError
    from app.cli.people import report_failure
    from app.crypto import CryptoError

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    command = typer.main.get_command(app)
    try:
        # Standalone: typer prints usage errors and help itself and ends with SystemExit.
        command.main(
            args=None if argv is None else list(argv), prog_name="livc-hub", standalone_mode=True
        )
    except SystemExit as exc:
        if exc.code == Exit.USAGE:
            raise  # as argparse did: a command line that does not parse
        return exc.code if isinstance(exc.code, int) else (Exit.OK if exc.code is None else 1)
    except CliError as exc:
        print(f"livc-hub: error: {exc}", file=sys.stderr)
        return exc.code
    except Exception as exc:
        code = report_failure(exc)  # a problem from the hub, a hub out of reach
        if code is not None:
            return code
        if not isinstance(exc, AppError | CryptoError | AuthError | ValueError | OSError):
            raise
        print(f"livc-hub: error: {exc}", file=sys.stderr)
        return Exit.OTHER
    return Exit.OK


# Tests and tools that build hubs from the command line's way of doing it.
_with_hub = with_hub
