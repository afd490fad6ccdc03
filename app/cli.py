"""The ``livc-hub`` command: serve, migrate, bootstrap, demo data, tokens, the OpenAPI contract."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from app.errors import AppError
from app.settings import Mode, Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

logger = logging.getLogger("livc_hub")

DEMO_HANDLES = Path("var/demo-members.json")


class CliError(Exception):
    """A failure to report as one clear line and exit code 1."""


def _alembic_config(settings: Settings) -> Any:
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
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


async def _with_hub(settings: Settings, work: Any) -> Any:
    from app.api.app import build_keys, build_log
    from app.db.engine import make_async_engine, make_sessionmaker
    from app.services.authz import Authorizer
    from app.services.hub import Hub

    hub = Hub(keys=build_keys(settings), log=build_log(settings), authz=Authorizer())
    engine = make_async_engine(settings.database)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await work(session, hub)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def cmd_bootstrap(settings: Settings, args: argparse.Namespace) -> None:
    """Create the first hub admin."""
    from app.services.bootstrap import bootstrap_hub_admin

    async def work(session: Any, hub: Any) -> uuid.UUID:
        admin = await bootstrap_hub_admin(
            session, hub.keys, hub.log, agency_name=args.agency, admin_name=args.admin
        )
        return admin.id

    admin_id = asyncio.run(_with_hub(settings, work))
    print(f"hub admin created: {admin_id}")
    print(f"get a token with: livc-hub token --member {admin_id}")


def cmd_demo(settings: Settings, args: argparse.Namespace) -> None:
    """Load the demo world (refuses outside demo mode)."""
    from app.services.demo import has_data, load_demo

    if not settings.demo:
        raise CliError("demo data is only loaded in demo mode (LIVC_MODE=demo)")

    async def work(session: Any, hub: Any) -> dict[str, str] | None:
        if await has_data(session):
            return None
        return await load_demo(session, hub)

    handles = asyncio.run(_with_hub(settings, work))
    if handles is None:
        if not args.if_empty:
            raise CliError("the database already has data; demo data not loaded")
        print("demo data already present")
        return
    DEMO_HANDLES.parent.mkdir(parents=True, exist_ok=True)
    DEMO_HANDLES.write_text(json.dumps(handles, indent=2) + "\n")
    people = ", ".join(h for h in handles if not h.startswith("_"))
    print(f"demo data loaded; members: {people}")


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


def _audit_key(path: str) -> Ed25519PublicKey:
    """The hub's public audit key from a PEM file or the JSON of its well-known URL."""
    from app.audit.verify import load_public_key

    raw = Path(path).read_bytes()
    if raw.lstrip().startswith(b"{"):  # the JSON of /.well-known/livc-hub/audit-key
        raw = json.loads(raw)["public_key_pem"].encode()
    return load_public_key(raw)


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> None:
    """Verify an export offline: chain, Merkle roots, signed checkpoints."""
    from app.audit.verify import verify

    key = _audit_key(args.key)
    with open(args.export, encoding="utf-8") as export:
        if args.checkpoints:
            with open(args.checkpoints, encoding="utf-8") as heads:
                report = verify(export, key, heads)
        else:
            report = verify(export, key)
    if not report.ok:
        raise CliError(f"NOT VERIFIED: {report.problems[0]}")
    coverage = (
        f"the last {report.unsigned} entries (after the checkpoint at {report.signed}) are not "
        "covered by a signature"
        if report.unsigned
        else "every entry is covered by a signed checkpoint"
    )
    print(
        f"verified: {report.entries} entries, {report.checkpoints} signed checkpoints, "
        f"root {report.root}; {coverage}"
    )


def _one_entry(source: str) -> str:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise CliError(f"give one entry (one line of the export), not {len(lines)} lines")
    return lines[0]


def _hub_get(args: argparse.Namespace, path: str, params: dict[str, int] | None = None) -> str:
    import httpx

    url = httpx.URL(args.hub)
    local = url.scheme == "http" and url.host in {"127.0.0.1", "localhost", "::1"}
    if url.scheme != "https" and not local:
        raise CliError("--hub must be an https:// URL (plain http only to this machine)")
    if not args.token_file:
        raise CliError("--hub needs --token-file (a file holding the auditor's bearer token)")
    token = Path(args.token_file).read_text(encoding="utf-8").strip()
    try:
        answer = httpx.get(
            str(args.hub).rstrip("/") + path,  # keeps a path prefix the hub may be served under
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=300,
        )
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach the hub ({type(exc).__name__})") from None
    if answer.status_code != 200:
        raise CliError(f"the hub answered {answer.status_code} to GET {path}")
    return answer.text


def _inclusion_inputs(args: argparse.Namespace, seq: int) -> tuple[list[str], dict[str, Any]]:
    """The checkpoints and the proof: from the files given, or fetched from the hub."""
    if not args.hub and not (args.proof and args.checkpoints):
        raise CliError("give --proof and --checkpoints, or --hub and --token-file to fetch them")
    if args.checkpoints:
        heads = Path(args.checkpoints).read_text(encoding="utf-8").splitlines()
    else:
        heads = _hub_get(args, "/api/v1/audit/checkpoints").splitlines()
    if args.proof:
        return heads, json.loads(Path(args.proof).read_text(encoding="utf-8"))
    sizes = [json.loads(h)["tree_size"] for h in heads if h.strip()]
    covering = [size for size in sizes if isinstance(size, int) and size > seq]
    if not covering:
        raise CliError(f"no signed checkpoint covers entry {seq} yet: ask for one, then retry")
    params = {"seq": seq, "size": max(covering)}
    return heads, json.loads(_hub_get(args, "/api/v1/audit/proofs/inclusion", params))


def cmd_audit_check_entry(settings: Settings, args: argparse.Namespace) -> None:
    """Prove one entry is in the signed log: its leaf recomputed from its own content."""
    from app.audit.verify import check_entry

    key = _audit_key(args.key)
    entry = _one_entry(args.entry)
    try:
        seq = json.loads(entry)["seq"]
    except (ValueError, TypeError, KeyError):
        raise CliError("NOT INCLUDED: the entry is not a JSON object with a seq") from None
    if type(seq) is not int:
        raise CliError("NOT INCLUDED: the entry has no valid seq")
    heads, proof = _inclusion_inputs(args, seq)
    if not isinstance(proof, dict):
        raise CliError("NOT INCLUDED: the proof is not a JSON object")
    found = check_entry(entry, proof, heads, key)
    if not found.ok:
        raise CliError(f"NOT INCLUDED: {found.problems[0]}")
    print(
        f"included: entry {found.seq} is in the log of {found.tree_size} entries whose "
        f"checkpoint was signed at {found.at} (root {found.root})"
    )


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


def cmd_audit_witness(settings: Settings, args: argparse.Namespace) -> None:
    """Check that the hub's checkpoints extend each other; exit 3 if two histories show."""
    from app.audit import witness

    if args.max_polls < 1 or (args.interval is not None and args.interval < 0):
        raise CliError("--max-polls must be at least 1 and --interval not negative")
    try:
        client = witness.HubClient(witness.hub_url(args.hub), witness.token_from(args.token_file))
        try:
            store = witness.Store(args.dir)
            key = store.pinned(args.key.read_bytes() if args.key else None, client)
            code = witness.run(
                witness.Witness(store, key, client),
                pushed=args.file,
                polls=1 if args.once or args.interval is None else args.max_polls,
                interval=args.interval or 0,
                out=sys.stdout,
            )
        finally:
            client.close()
    except witness.WitnessError as exc:
        raise CliError(str(exc)) from None
    if code:
        raise SystemExit(code)


def cmd_audit_clear_alarm(settings: Settings, args: argparse.Namespace) -> None:
    """Clear the access log's integrity alarm after examining the database (logged)."""
    from app.audit.log import AuditEvent, Outcome

    async def work(session: Any, hub: Any) -> str | None:
        guard = hub.log.guard
        if guard is None:
            raise CliError("this hub signs no checkpoints; there is no alarm to clear")
        alarm: str | None = guard.state().alarm
        if alarm is None and not args.reset:
            return None
        action = "audit:alarm_reset" if args.reset else "audit:alarm_cleared"
        event = AuditEvent(action, Outcome.ALLOW, alarm or "none", None, None)
        await hub.log.append(session, [event], request_id=f"cli-{uuid.uuid4().hex[:12]}")
        await session.commit()  # logged first: a clear that cannot be logged does not happen
        guard.clear(reset=args.reset)
        return alarm or "none"

    cleared = asyncio.run(_with_hub(settings, work))
    if cleared is None:
        print("no integrity alarm is raised")
        return
    print(f"integrity alarm cleared (was: {cleared}); the next checkpoint checks the log again")
    if args.reset:
        print("the hub's memory of its signed head was reset: witnesses will report any rewrite")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    """Run the hub with uvicorn."""
    import uvicorn

    from app.api.app import build_authorizer, build_keys, create_app

    build_keys(settings)  # refuse to start without a master key outside demo mode, clearly
    build_authorizer(settings)  # and with a local policy that would loosen the law
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livc-hub", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the hub")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    migrate = sub.add_parser("migrate", help="upgrade the database schema")
    migrate.add_argument("--revision", default="head")
    migrate.add_argument("--downgrade", metavar="REVISION")
    migrate.set_defaults(func=cmd_migrate)
    boot = sub.add_parser("bootstrap", help="create the first hub admin")
    boot.add_argument("--agency", required=True)
    boot.add_argument("--admin", required=True)
    boot.set_defaults(func=cmd_bootstrap)
    demo = sub.add_parser("demo", help="load demo data (demo mode only)")
    demo.add_argument("--if-empty", action="store_true", help="do nothing if data exists")
    demo.set_defaults(func=cmd_demo)
    token = sub.add_parser("token", help="issue a token from the local issuer")
    token.add_argument("--member", required=True, help="member id or demo handle")
    token.add_argument("--ttl", type=int, default=3600)
    token.set_defaults(func=cmd_token)
    openapi = sub.add_parser("openapi", help="print the OpenAPI contract (YAML)")
    openapi.set_defaults(func=cmd_openapi)
    audit = sub.add_parser("audit", help="the access log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    check = audit_sub.add_parser("verify", help="verify an export offline")
    check.add_argument("export", help="NDJSON from GET /api/v1/audit/export")
    check.add_argument("--key", required=True, help="the hub's audit public key (PEM or JSON)")
    check.add_argument("--checkpoints", help="NDJSON from GET /api/v1/audit/checkpoints")
    check.set_defaults(func=cmd_audit_verify)
    entry = audit_sub.add_parser("check-entry", help="prove one entry is in the signed log")
    entry.add_argument("entry", help="a file holding one line of the NDJSON export ('-': stdin)")
    entry.add_argument("--key", required=True, help="the hub's audit public key (PEM or JSON)")
    entry.add_argument("--proof", help="JSON from GET /api/v1/audit/proofs/inclusion")
    entry.add_argument("--checkpoints", help="NDJSON from GET /api/v1/audit/checkpoints")
    entry.add_argument("--hub", help="fetch what is not given from this hub (https://...)")
    entry.add_argument("--token-file", help="with --hub: a file holding the auditor's token")
    entry.set_defaults(func=cmd_audit_check_entry)
    watch = audit_sub.add_parser("witness", help="check the hub's checkpoints extend each other")
    watch.add_argument("--hub", required=True, help="the hub's base URL (https://)")
    watch.add_argument("--token-file", type=Path, help="auditor token (or LIVC_WITNESS_TOKEN)")
    watch.add_argument("--file", type=Path, help="a file the hub pushes checkpoints to")
    watch.add_argument("--key", type=Path, help="the hub's audit public key (else fetched once)")
    watch.add_argument("--dir", type=Path, required=True, help="where the witness keeps its copy")
    when = watch.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="poll once (the default)")
    when.add_argument("--interval", type=float, help="seconds between polls (with --max-polls)")
    watch.add_argument("--max-polls", type=int, default=1, help="polls before stopping")
    watch.set_defaults(func=cmd_audit_witness)
    clear = audit_sub.add_parser("clear-alarm", help="clear the integrity alarm (logged)")
    clear.add_argument(
        "--reset", action="store_true", help="also forget the signed head: trust the log anew"
    )
    clear.set_defaults(func=cmd_audit_clear_alarm)
    keys = sub.add_parser("keys", help="key management")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    new_master = keys_sub.add_parser("new-master", help="print a new random master key")
    new_master.set_defaults(func=cmd_new_master)
    init = keys_sub.add_parser("init", help="create the audit and issuer signing keys")
    init.set_defaults(func=cmd_keys_init)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; errors become one line on stderr and exit code 1."""
    from app.auth import AuthError
    from app.crypto import CryptoError

    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        args.func(Settings(), args)
    except (CliError, AppError, CryptoError, AuthError, ValueError, OSError) as exc:
        print(f"livc-hub: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
