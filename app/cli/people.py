"""The commands for people: sign in, read exchanges, write and release notes, grant, audit.

Everything goes through the SDK (``livc_hub_client``) to the hub's public API, so a person sees
exactly what the API shows them. Output is rich tables by default and stable JSON with ``--json``
(on stdout; messages go to stderr). Exit codes: app/cli/common.py ``Exit`` and docs/cli.md.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, cast, get_args
from uuid import UUID

import httpx
import typer
import yaml
from livc_hub_client import BadRequest as HubBadRequest
from livc_hub_client import (
    Client,
    Conflict,
    Forbidden,
    HubError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    ProblemError,
    RefreshRefused,
    ServiceUnavailable,
    TooManyRequests,
    Unauthenticated,
    ValidationProblem,
)
from livc_hub_client import models as m
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from app.cli import device as device_flow
from app.cli import session
from app.cli.common import CliError, Exit, stderr

API = "/api/v1"

HubOption = Annotated[
    str | None,
    typer.Option(
        "--hub",
        metavar="URL",
        help="the hub (default: the one you signed in to last, or LIVC_HUB_URL)",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="print JSON on stdout for scripts (messages on stderr)")
]
Id = Annotated[str, typer.Argument(metavar="ID")]

# C0 and C1 control characters but tab and newline: a value from the hub must not move the
# cursor, retitle the terminal (OSC 0) or hide text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# Output


def _stdout() -> Console:
    return Console(highlight=False, soft_wrap=False)


def safe(value: Any) -> Text:
    """A value from the hub as plain text: no rich markup, no terminal control characters."""
    if value is None:
        return Text("-", style="dim")
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    if isinstance(value, datetime):
        return Text(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return Text(_CONTROL.sub("\N{REPLACEMENT CHARACTER}", str(value)))


def plain(value: Any) -> Any:
    """A model (or models) as JSON-ready data."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def emit_json(data: Any) -> None:
    """Stable JSON on stdout: sorted keys, one document."""
    sys.stdout.write(json.dumps(plain(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    """A message for the person, on stderr (stdout stays for data)."""
    stderr().print(Text(message), soft_wrap=True)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A rich table of hub values, every cell escaped."""
    rows = [list(row) for row in rows]
    grid = Table(title=title, title_justify="left", caption=None if rows else "(none)")
    for index, column in enumerate(columns):
        # Ids are copied into the next command: never folded or cut.
        ids = any(isinstance(row[index], UUID) for row in rows)
        grid.add_column(column, overflow="fold", no_wrap=ids, min_width=36 if ids else None)
    for row in rows:
        grid.add_row(*(safe(cell) for cell in row))
    return grid


def record(title: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    """One object as a table of name and value (rows holds the one object's values)."""
    grid = Table(title=title, title_justify="left", show_header=False)
    grid.add_column("", style="bold", no_wrap=True)
    grid.add_column("", overflow="fold")
    for name, value in zip(names, rows[0], strict=True):
        grid.add_row(name, safe(value))
    return grid


def show(*renderables: Any) -> None:
    """Tables and text on stdout."""
    console = _stdout()
    for renderable in renderables:
        console.print(renderable)


# Failures


_EXIT_OF_PROBLEM: tuple[tuple[type[ProblemError], Exit], ...] = (
    (Unauthenticated, Exit.NOT_SIGNED_IN),
    (Forbidden, Exit.FORBIDDEN),
    (NotFound, Exit.NOT_FOUND),
    (Conflict, Exit.CONFLICT),
    (PreconditionFailed, Exit.CONFLICT),
    (PreconditionRequired, Exit.CONFLICT),
    (ValidationProblem, Exit.INVALID),
    (HubBadRequest, Exit.INVALID),
    (PayloadTooLarge, Exit.INVALID),
    (ServiceUnavailable, Exit.UNAVAILABLE),
    (TooManyRequests, Exit.UNAVAILABLE),
)


def exit_code_of(problem: ProblemError) -> Exit:
    """The exit code for a problem answer of the hub."""
    for kind, code in _EXIT_OF_PROBLEM:
        if isinstance(problem, kind):
            return code
    return Exit.OTHER


def _location(loc: Any) -> str:
    parts = [str(p) for p in loc] if isinstance(loc, list) else [str(loc)]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def print_problem(problem: ProblemError) -> None:
    """The problem's type, title, detail (and reason, request id, each invalid field)."""
    err = stderr()
    err.print(Text(f"livc-hub: error: {problem.status} {problem.title}"))
    err.print(Text(f"  type:   {problem.type}"))
    if problem.detail:
        err.print(Text(f"  detail: {_CONTROL.sub('?', problem.detail)}"))
    if problem.reason:
        err.print(Text(f"  reason: {problem.reason}"))
    if isinstance(problem, ValidationProblem):
        for item in problem.errors:
            where = _location(item.get("loc", []))
            err.print(Text(f"  {where}: {item.get('msg', '')} ({item.get('type', '')})"))
        field = problem.extra.get("field")
        if isinstance(field, str):
            err.print(Text(f"  field:  {field}"))
        named = problem.extra.get("fields")
        for item in named if isinstance(named, list) else []:
            shown = item if isinstance(item, str) else json.dumps(item, sort_keys=True)
            err.print(Text(f"  field:  {_CONTROL.sub('?', shown)}"))
    if problem.request_id:
        err.print(Text(f"  request id: {problem.request_id}"))


def report_failure(exc: BaseException) -> int | None:
    """Print a failure of a people's command; its exit code, or None if it is not one."""
    if isinstance(exc, ProblemError):
        print_problem(exc)
        if isinstance(exc, Unauthenticated):
            say("  the hub does not accept your credential (expired?): run `livc-hub login`")
        return exit_code_of(exc)
    if isinstance(exc, RefreshRefused):
        # The refresh token expired or was revoked: only a new sign-in helps (decision 201).
        say(f"livc-hub: error: {exc} with `livc-hub login --browser` (or --device)")
        return Exit.NOT_SIGNED_IN
    if isinstance(exc, httpx.TransportError):
        say(f"livc-hub: error: cannot reach the hub ({type(exc).__name__})")
        return Exit.UNAVAILABLE
    if isinstance(exc, HubError):
        say(f"livc-hub: error: {exc}")
        return Exit.OTHER
    return None


# Parsing


def _one_of(kind: Any, value: str, option: str) -> str:
    allowed = get_args(kind)
    if value not in allowed:
        raise typer.BadParameter(f"one of {', '.join(allowed)}", param_hint=option)
    return value


def _sensitivity(value: str | None, option: str = "--sensitivity") -> m.Sensitivity | None:
    return None if value is None else cast(m.Sensitivity, _one_of(m.Sensitivity, value, option))


def _instant(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("an ISO 8601 date and time", param_hint=option) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(
            "give a time zone, e.g. 2026-11-26T09:00:00+01:00 or ...Z", param_hint=option
        )
    return moment


def read_values(source: Path) -> dict[str, Any]:
    """A note's values from a YAML file (a mapping of field name to value)."""
    try:
        text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {source}: {exc.strerror}", Exit.INVALID) from None
    try:
        values = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise CliError(f"{source} is not valid YAML{where}", Exit.INVALID) from None
    if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
        raise CliError(f"{source} must map field names to values", Exit.INVALID)
    return {str(k): _jsonable(v) for k, v in values.items()}


def _jsonable(value: Any) -> Any:
    """YAML's dates and times as the ISO strings the API takes."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# Sign-in


def _secret_from_stdin(what: str) -> str:
    if sys.stdin.isatty():
        value = getpass.getpass(f"{what}: ")
    else:
        value = sys.stdin.read()
    value = value.strip()
    if not value:
        raise CliError(f"no {what} on standard input", Exit.USAGE)
    return value


def login(
    hub: HubOption = None,
    token_stdin: Annotated[
        bool, typer.Option("--token-stdin", help="read a bearer token from standard input")
    ] = False,
    client_id: Annotated[
        str | None,
        typer.Option(
            "--client-id",
            help="alone: sign in with client credentials, the secret from LIVC_CLIENT_SECRET or "
            "stdin; with --browser or --device: the public client id at the identity provider",
        ),
    ] = None,
    device: Annotated[
        bool,
        typer.Option(
            "--device",
            help="approve this sign-in in a browser (OAuth device grant): at the identity "
            "provider if it offers one, else at the hub",
        ),
    ] = False,
    browser: Annotated[
        bool,
        typer.Option(
            "--browser",
            help="sign in at the identity provider in this machine's browser (authorization code "
            "with PKCE)",
        ),
    ] = False,
    issuer: Annotated[
        str | None,
        typer.Option(
            "--issuer",
            metavar="URL",
            help="with --browser or --device: the identity provider, instead of the one the hub "
            "names",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Sign in: check the credential against the hub, then store it for the next commands."""
    interactive = device or browser
    if [device, browser, token_stdin, client_id is not None and not interactive].count(True) != 1:
        raise typer.BadParameter("give one of --browser, --device, --token-stdin and --client-id")
    if issuer is not None and not interactive:
        raise typer.BadParameter("--issuer goes with --browser or --device")
    url = session.hub_url(hub or os.environ.get(session.HUB_VARIABLE))
    if interactive:
        credential = _interactive(url, browser=browser, issuer=issuer, client_id=client_id)
    elif client_id is not None:
        secret = os.environ.get(session.SECRET_VARIABLE) or _secret_from_stdin("client secret")
        credential = session.Credential(
            "client_credentials", client_id=client_id, client_secret=secret
        )
    else:
        credential = session.Credential("bearer", token=_secret_from_stdin("token"))
    # A token just received is not renewed: a refusal is the hub's answer to it.
    with session.client_for(url, credential, renew=False) as client:
        try:
            me = client.me()  # a credential the hub refuses is not stored (exit 3)
        except Unauthenticated as refused:
            if credential.issuer is None:
                raise
            print_problem(refused)
            # The hub maps a token's subject to a member by id (decision 199).
            raise CliError(
                f"the hub does not take the token of {credential.issuer} for a member: its "
                "subject (sub) must be your member id at the hub; nothing stored",
                Exit.NOT_SIGNED_IN,
            ) from None
    session.store(url, credential)
    if as_json:
        emit_json({"hub": url, "member_id": str(me.member_id), "roles": list(me.roles)})
        return
    say(
        f"signed in to {url} as member {me.member_id} ({', '.join(me.roles)}) with "
        f"{credential.describe()}"
    )


def _interactive(
    hub: str, *, browser: bool, issuer: str | None, client_id: str | None
) -> session.Credential:
    """The credential of a sign-in in a browser: at the identity provider, or the hub's device
    grant when there is no provider (exit codes: decision 197)."""
    from app.cli import browser as browser_flow
    from app.cli import provider as providers

    found = providers.discover(hub, issuer=issuer, client_id=client_id)
    if browser:
        if found is None:
            raise CliError(
                "the hub names no identity provider: sign in with --device (at the hub), or "
                "name one with --issuer",
                Exit.USAGE,
            )
        return browser_flow.sign_in(found)
    if found is not None and found.device_authorization_endpoint is not None:
        return device_flow.sign_in(device_flow.Endpoints.of_provider(found))
    if issuer is not None:
        raise CliError(f"{issuer} offers no device authorization: use --browser", Exit.USAGE)
    return device_flow.sign_in(device_flow.Endpoints.of_hub(hub, client_id))


def logout(hub: HubOption = None) -> None:
    """Forget the stored credential of a hub (default: the hub you signed in to last)."""
    given = hub or os.environ.get(session.HUB_VARIABLE)
    forgotten = session.forget(session.hub_url(given) if given else None)
    say(f"signed out of {forgotten}" if forgotten else "not signed in; nothing to forget")


def whoami(hub: HubOption = None, as_json: JsonOption = False) -> None:
    """Who the hub takes you for."""
    with session.connect(hub) as client:
        me = client.me()
    if as_json:
        emit_json(me)
        return
    show(
        record(
            "Signed in as",
            ["member", "agency", "roles", "clearance", "bound by secrecy"],
            [[me.member_id, me.agency_id, ", ".join(me.roles), me.clearance, me.bound_by_secrecy]],
        )
    )


# Exchanges

exchanges_app = typer.Typer(help="the exchanges you chair or take part in", no_args_is_help=True)


@exchanges_app.command("list")
def exchanges_list(hub: HubOption = None, as_json: JsonOption = False) -> None:
    """The exchanges you chair or take part in."""
    with session.connect(hub) as client:
        found = client.list_exchanges()
    if as_json:
        emit_json(found)
        return
    rows = [
        [x.id, x.purpose, x.opens_at, x.expires_at, x.open, x.you_chair, x.you_participate]
        for x in found
    ]
    columns = ["id", "purpose", "opens", "expires", "open", "you chair", "you take part"]
    show(table("Exchanges", columns, rows))


@exchanges_app.command("show")
def exchanges_show(
    exchange_id: Id,
    explain: Annotated[
        bool, typer.Option("--explain", help="also why each hidden field is hidden (no values)")
    ] = False,
    hub: HubOption = None,
    as_json: JsonOption = False,
) -> None:
    """What you may see in an exchange: the visible fields of each shared note."""
    with session.connect(hub) as client:
        view = client.view(exchange_id)
        why = client.explain(exchange_id) if explain else None
    if as_json:
        emit_json({"view": view, "explanation": why} if explain else view)
        return
    x = view.exchange
    show(
        record(
            "Exchange",
            ["id", "case", "subject", "purpose", "legal basis", "expires", "open"],
            [
                [
                    x.id,
                    view.case_id,
                    view.subject_pseudonym,
                    x.purpose,
                    x.legal_basis,
                    x.expires_at,
                    x.open,
                ]
            ],
        )
    )
    rows = [[n.note_id, n.version, k, v] for n in view.notes for k, v in n.fields.items()]
    show(table("Visible fields", ["note", "version", "field", "value"], rows))
    if why is not None:
        hidden = [
            [f.note_id, f.field, f.sensitivity, "; ".join(f.reasons)]
            for f in why.yours
            if not f.visible
        ]
        show(table("Hidden fields and why", ["note", "field", "sensitivity", "reasons"], hidden))


# Notes

notes_app = typer.Typer(help="write notes from templates, and new versions", no_args_is_help=True)

FromOption = Annotated[
    Path,
    typer.Option(
        "--from", metavar="FILE.yaml", help="the values: field name to value ('-': stdin)"
    ),
]


def _template_id(client: Client, key: str, version: int | None) -> str:
    if version is not None:
        return str(client.get_template_version(key, version).id)
    versions = [t for t in client.iter_templates(key=key) if t.key == key]
    if not versions:
        raise CliError(f"no template {key!r} you may use", Exit.NOT_FOUND)
    return str(max(versions, key=lambda t: t.version).id)


def _note_out(note: Any, as_json: bool, what: str) -> None:
    if as_json:
        emit_json(note)
        return
    say(f"{what} note {note.id}, version {note.version}")
    show(
        record(
            "Note",
            ["id", "case", "version", "etag", "fields"],
            [[note.id, note.case_id, note.version, note.etag, ", ".join(note.fields)]],
        )
    )


@notes_app.command("create")
def notes_create(
    case: Annotated[str, typer.Option("--case", metavar="ID", help="the case")],
    template: Annotated[str, typer.Option("--template", metavar="KEY", help="the template key")],
    source: FromOption,
    template_version: Annotated[
        int | None, typer.Option("--template-version", help="default: the latest")
    ] = None,
    hub: HubOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a note on a case from a template, with values from YAML."""
    values = read_values(source)
    with session.connect(hub) as client:
        template_id = _template_id(client, template, template_version)
        note = client.create_note(case, template_id=template_id, fields=values)
    _note_out(note, as_json, "created")


@notes_app.command("version")
def notes_version(
    note_id: Id,
    source: FromOption,
    etag: Annotated[
        str | None,
        typer.Option(
            "--etag", help="the version you edited (default: the current one, read just before)"
        ),
    ] = None,
    hub: HubOption = None,
    as_json: JsonOption = False,
) -> None:
    """Save a new version of a note (all its values, from YAML); 6 if someone saved first."""
    values = read_values(source)
    with session.connect(hub) as client:
        # The latest version's etag from the list of versions: reading the note would open
        # (and log) every value just to learn it.
        match = etag or max(client.note_versions(note_id), key=lambda v: v.version).etag
        note = client.update_note(note_id, fields=values, etag=match)
    _note_out(note, as_json, "saved")


@notes_app.command("versions")
def notes_versions(note_id: Id, hub: HubOption = None, as_json: JsonOption = False) -> None:
    """Every saved version of a note (no values)."""
    with session.connect(hub) as client:
        found = client.note_versions(note_id)
    if as_json:
        emit_json(found)
        return
    rows = [[v.version, v.author_id, v.created_at, v.etag] for v in found]
    show(table("Versions", ["version", "author", "saved", "etag"], rows))


# Releases and grants


def _releases_out(found: Sequence[Any], as_json: bool) -> None:
    if as_json:
        emit_json(found)
        return
    rows = [[r.id, r.note_id, r.version, r.field, r.sensitivity, r.released_at] for r in found]
    show(table("Released", ["release", "note", "version", "field", "class", "at"], rows))


def release(
    exchange_id: Id,
    note: Annotated[str, typer.Option("--note", metavar="ID", help="your agency's note")],
    field: Annotated[
        list[str] | None, typer.Option("--field", help="a field to release (repeat for more)")
    ] = None,
    sensitivity: Annotated[
        list[str] | None,
        typer.Option("--sensitivity", help="release every field of a class (repeatable)"),
    ] = None,
    version: Annotated[
        int | None, typer.Option("--version", help="pin a version (default: always the current)")
    ] = None,
    hub: HubOption = None,
    as_json: JsonOption = False,
) -> None:
    """Release fields (or sensitivity classes) of your agency's note into an exchange."""
    if not field and not sensitivity:
        raise typer.BadParameter("give at least one --field or --sensitivity")
    classes = [s for s in map(_sensitivity, sensitivity or []) if s]
    with session.connect(hub) as client:
        made = client.release(
            exchange_id,
            note_id=note,
            version=version,
            fields=field or None,
            sensitivities=classes or None,
        )
    _releases_out(made, as_json)


def grant(
    exchange_id: Id,
    member: Annotated[str | None, typer.Option("--member", metavar="ID")] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="every participant with a role")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", metavar="ID")] = None,
    field: Annotated[str | None, typer.Option("--field", help="a released field of --note")] = None,
    sensitivity: Annotated[
        str | None, typer.Option("--sensitivity", help="a released sensitivity class")
    ] = None,
    hub: HubOption = None,
    as_json: JsonOption = False,
) -> None:
    """Grant a released field or class to a participant or a role (the chair)."""
    if (member is None) == (role is None):
        raise typer.BadParameter("give one of --member and --role")
    to_role = None if role is None else cast(m.Role, _one_of(m.Role, role, "--role"))
    of_class = _sensitivity(sensitivity)
    with session.connect(hub) as client:
        made = client.grant(
            exchange_id,
            member_id=member,
            role=to_role,
            note_id=note,
            field=field,
            sensitivity=of_class,
        )
    if as_json:
        emit_json(made)
        return
    show(
        record(
            "Granted",
            ["grant", "member", "role", "note", "field", "class", "at"],
            [
                [
                    made.id,
                    made.member_id,
                    made.role,
                    made.note_id,
                    made.field,
                    made.sensitivity,
                    made.granted_at,
                ]
            ],
        )
    )


def withdraw(
    exchange_id: Id,
    grant_id: Annotated[
        str | None, typer.Option("--grant", metavar="ID", help="a grant (the chair)")
    ] = None,
    release_id: Annotated[
        str | None, typer.Option("--release", metavar="ID", help="a release (its owner)")
    ] = None,
    hub: HubOption = None,
    as_json: JsonOption = False,
) -> None:
    """Withdraw a grant (the chair) or a release (the owner's agency)."""
    if (grant_id is None) == (release_id is None):
        raise typer.BadParameter("give one of --grant and --release")
    with session.connect(hub) as client:
        if grant_id is not None:
            client.withdraw_grant(exchange_id, grant_id)
        else:
            assert release_id is not None  # noqa: S101 - narrowed above
            client.withdraw_release(exchange_id, release_id)
    what = {"grant": grant_id} if grant_id is not None else {"release": release_id}
    if as_json:
        emit_json({"withdrawn": what})
        return
    say(f"withdrawn: {next(iter(what))} {next(iter(what.values()))}")


# The access log


def audit_query(
    subject: Annotated[str | None, typer.Option(metavar="ID")] = None,
    case: Annotated[str | None, typer.Option(metavar="ID")] = None,
    member: Annotated[str | None, typer.Option(metavar="ID")] = None,
    agency: Annotated[str | None, typer.Option(metavar="ID")] = None,
    exchange: Annotated[str | None, typer.Option(metavar="ID")] = None,
    action: Annotated[str | None, typer.Option(help="e.g. exchange:view")] = None,
    decision: Annotated[str | None, typer.Option(help="allow or deny")] = None,
    since: Annotated[str | None, typer.Option(help="ISO 8601 with a time zone")] = None,
    until: Annotated[str | None, typer.Option(help="ISO 8601 with a time zone")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many entries")] = 100,
    hub: HubOption = None,
    as_json: JsonOption = False,
) -> None:
    """Query the access log (the entries your auditor role may see), oldest first."""
    start, end = _instant(since, "--since"), _instant(until, "--until")
    with session.connect(hub) as client:
        entries = client.iter_audit_entries(
            subject=subject,
            case=case,
            member=member,
            agency=agency,
            exchange=exchange,
            action=action,
            decision=decision,
            since=start,
            until=end,
            limit=min(limit, 100),
        )
        found = [entry for _, entry in zip(range(limit), entries, strict=False)]
    if as_json:
        emit_json(found)
        return
    rows = [
        [e.seq, e.at, e.actor, e.action, e.decision, e.reason, ", ".join(e.fields)] for e in found
    ]
    show(
        table("Access log", ["seq", "at", "actor", "action", "decision", "reason", "fields"], rows)
    )


class _Counted(httpx.SyncByteStream):
    """A response body passed on as it is, counting bytes and lines for a progress bar."""

    def __init__(self, inner: httpx.SyncByteStream, seen: Callable[[bytes], None]) -> None:
        self._inner = inner
        self._seen = seen

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._seen(chunk)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _Watched(httpx.BaseTransport):
    """The SDK's transport, with the body of one path counted as it arrives."""

    def __init__(self, path: str, seen: Callable[[bytes], None]) -> None:
        self._inner = httpx.HTTPTransport()
        self._path = path
        self._seen = seen

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if not request.url.path.endswith(self._path) or response.status_code != 200:
            return response
        assert isinstance(response.stream, httpx.SyncByteStream)  # noqa: S101 - sync transport
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Counted(response.stream, self._seen),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


def fetch_with_progress(hub: str | None, path: str, params: dict[str, str], quiet: bool) -> bytes:
    """GET a long answer through the SDK with a progress bar (entries, bytes) on stderr."""
    url, credential = session.signed_in(hub)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[lines]:,} entries"),
        DownloadColumn(),
        console=stderr(),
        transient=False,
        disable=quiet,
    )
    task = progress.add_task("exporting the access log", total=None, lines=0)
    counts = {"lines": 0}

    def seen(chunk: bytes) -> None:
        counts["lines"] += chunk.count(b"\n")
        progress.update(task, advance=len(chunk), lines=counts["lines"])

    transport = _Watched(path, seen)
    with (
        progress,
        Client(
            url, auth=credential.auth(url), timeout=session.TIMEOUT, transport=transport
        ) as client,
    ):
        body = client.request("GET", API + path, params=params).content
        progress.update(task, total=len(body), completed=len(body))
    return body


def audit_export(
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help="where to write it")],
    format: Annotated[  # noqa: A002 - the API's parameter name
        str, typer.Option("--format", help="ndjson (verifiable) or csv")
    ] = "ndjson",
    hub: HubOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export the access log in your scope to a file, as the API exports it."""
    if format not in {"ndjson", "csv"}:
        raise typer.BadParameter("ndjson or csv", param_hint="--format")
    body = fetch_with_progress(hub, "/audit/export", {"format": format}, quiet=as_json)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(body)
    partial.replace(out)
    entries = body.count(b"\n") - (1 if format == "csv" and body else 0)
    if as_json:
        emit_json({"out": str(out), "bytes": len(body), "entries": entries, "format": format})
        return
    say(f"exported {entries:,} entries ({len(body):,} bytes) to {out}")


def _checkpoint_rows(lines: Sequence[str]) -> list[dict[str, Any]]:
    heads = []
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            heads.append(item)
    return heads


def verify_online(hub: str | None, key_file: str | None, latest: int, as_json: bool) -> None:
    """The log's verification status from the hub: export, checkpoints, key, the verifier."""
    from app.audit.verify import load_public_key, verify

    with session.connect(hub) as client:
        me = client.me()
        heads_text = client.request("GET", f"{API}/audit/checkpoints").text
        published = client.request("GET", "/.well-known/livc-hub/audit-key").json()
    heads = [line for line in heads_text.split("\n") if line.strip()]
    checkpoints = _checkpoint_rows(heads)
    key_source = "pinned" if key_file else "published by the hub"
    pem = (
        _key_pem(Path(key_file)) if key_file else str(published.get("public_key_pem", "")).encode()
    )
    status: dict[str, Any] = {
        "key_id": published.get("key_id"),
        "key": key_source,
        "checkpoints": len(checkpoints),
        "latest_checkpoints": checkpoints[-latest:] if latest else [],
    }
    if "hub_auditor" in me.roles:
        export = fetch_with_progress(hub, "/audit/export", {"format": "ndjson"}, quiet=as_json)
        report = verify(export.splitlines(keepends=True), load_public_key(pem), heads)
        status.update(
            scope="the whole log",
            verified=report.ok,
            entries=report.entries,
            signed_checkpoints=report.checkpoints,
            root=report.root,
            signed_entries=report.signed,
            unsigned_entries=report.unsigned,
            problems=report.problems,
        )
    else:
        status.update(
            scope="checkpoints only: your export holds your agency's entries, prove each with "
            "`livc-hub audit check-entry`",
            verified=None,
        )
    if as_json:
        emit_json(status)
    else:
        _show_status(status)
    if status["verified"] is False:
        raise typer.Exit(Exit.OTHER)


def _key_pem(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw.lstrip().startswith(b"{"):
        return str(json.loads(raw)["public_key_pem"]).encode()
    return raw


def _show_status(status: dict[str, Any]) -> None:
    verdict = {True: "VERIFIED", False: "NOT VERIFIED", None: "not checked"}[status["verified"]]
    rows = [
        ["status", verdict],
        ["scope", status["scope"]],
        ["key", f"{status['key_id']} ({status['key']})"],
        ["signed checkpoints", status["checkpoints"]],
    ]
    if status["verified"] is not None:
        rows += [
            ["entries", status["entries"]],
            ["root", status["root"]],
            ["entries under a signature", status["signed_entries"]],
            ["entries after the last checkpoint", status["unsigned_entries"]],
        ]
        rows += [["problem", p] for p in status["problems"]]
    show(record("The access log", [name for name, _ in rows], [[v for _, v in rows]]))
    heads = status["latest_checkpoints"]
    rows = [[h.get("tree_size"), h.get("at"), h.get("root_hash")] for h in reversed(heads)]
    show(table("Latest checkpoints", ["tree size", "signed at", "root"], rows))


def audit_verify(
    export: Annotated[
        str | None,
        typer.Argument(
            metavar="[EXPORT]",
            help="offline: an NDJSON export file; without it: ask the hub you signed in to",
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="the hub's audit public key (PEM or JSON); required offline, pins it online",
        ),
    ] = None,
    checkpoints: Annotated[
        str | None,
        typer.Option("--checkpoints", help="offline: NDJSON from GET /api/v1/audit/checkpoints"),
    ] = None,
    latest: Annotated[int, typer.Option("--latest", min=0, help="checkpoints to list")] = 5,
    hub: HubOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify the access log: offline from an export file, or online against the hub.

    Offline (EXPORT given, --key required): chain, Merkle roots and signed checkpoints, without
    the hub. Online (no EXPORT, signed in as an auditor): the hub's signed checkpoints and, for a
    hub auditor, the whole log fetched and verified the same way.
    """
    from app.cli import run_with_settings
    from app.cli.audit import cmd_audit_verify

    if export is not None:
        if key is None:
            raise typer.BadParameter("verifying an export file needs --key")
        run_with_settings(cmd_audit_verify, export=export, key=key, checkpoints=checkpoints)
        return
    if checkpoints is not None:
        raise typer.BadParameter("--checkpoints is for an export file; online they are fetched")
    verify_online(hub, key, latest, as_json)


def add_people_commands(app: typer.Typer, audit: typer.Typer) -> None:
    """Register the people's commands beside the operator's."""
    app.command(help="sign in to a hub (stores the hub and a credential)")(login)
    app.command(help="forget the stored credential")(logout)
    app.command(help="who the hub takes you for")(whoami)
    app.add_typer(exchanges_app, name="exchanges")
    app.add_typer(notes_app, name="notes")
    app.command(help="release fields of your agency's note into an exchange")(release)
    app.command(help="grant a released field to a participant or role (the chair)")(grant)
    app.command(help="withdraw a grant (the chair) or a release (its owner)")(withdraw)
    audit.command("query", help="query the access log through the hub")(audit_query)
    audit.command("export", help="export the access log through the hub, to a file")(audit_export)
    audit.command("verify", help="verify the log: an export offline, or the hub's online")(
        audit_verify
    )
