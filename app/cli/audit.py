"""``livc-hub audit``: what an auditor runs without the hub's help (verify, check-entry, the
witness) and the operator's clear-alarm."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli.common import CliError, with_hub
from app.settings import Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


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
    from app.cli.progress import lines_with_progress

    key = _audit_key(args.key)
    size = Path(args.export).stat().st_size
    # Binary lines with a large buffer: the verifier hashes the bytes as given (decision 75).
    with (
        open(args.export, "rb", buffering=1 << 20) as export,
        lines_with_progress(export, size, "verifying the export") as lines,
    ):
        if args.checkpoints:
            with open(args.checkpoints, encoding="utf-8") as heads:
                report = verify(lines, key, heads)
        else:
            report = verify(lines, key)
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
    # Split on newlines only: canonical JSON leaves U+2028, U+2029 and U+0085 unescaped, and
    # str.splitlines() would break an entry holding one.
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
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

    cleared = asyncio.run(with_hub(settings, work))
    if cleared is None:
        print("no integrity alarm is raised")
        return
    print(f"integrity alarm cleared (was: {cleared}); the next checkpoint checks the log again")
    if args.reset:
        print("the hub's memory of its signed head was reset: witnesses will report any rewrite")


Runner = Callable[..., None]
KEY_HELP = "the hub's audit public key (PEM or JSON)"


def add_audit_commands(audit: typer.Typer, run: Runner) -> None:
    """Register the operator's and the offline auditor's ``livc-hub audit ...`` commands.

    ``audit verify`` is registered with the people's commands (app/cli/people.py): with an export
    file it is the offline verifier below, without one it asks the hub the caller signed in to.
    """

    @audit.command("check-entry", help="prove one entry is in the signed log")
    def check_entry(
        entry: Annotated[
            str, typer.Argument(help="a file holding one line of the NDJSON export ('-': stdin)")
        ],
        key: Annotated[str, typer.Option(help=KEY_HELP)],
        proof: Annotated[
            str | None, typer.Option(help="JSON from GET /api/v1/audit/proofs/inclusion")
        ] = None,
        checkpoints: Annotated[
            str | None, typer.Option(help="NDJSON from GET /api/v1/audit/checkpoints")
        ] = None,
        hub: Annotated[
            str | None, typer.Option(help="fetch what is not given from this hub (https://...)")
        ] = None,
        token_file: Annotated[
            str | None, typer.Option(help="with --hub: a file holding the auditor's token")
        ] = None,
    ) -> None:
        run(
            cmd_audit_check_entry,
            entry=entry,
            key=key,
            proof=proof,
            checkpoints=checkpoints,
            hub=hub,
            token_file=token_file,
        )

    @audit.command("witness", help="check the hub's checkpoints extend each other")
    def witness(
        hub: Annotated[str, typer.Option(help="the hub's base URL (https://)")],
        dir: Annotated[  # noqa: A002 - the option's name since before the port to typer
            Path, typer.Option(help="where the witness keeps its copy")
        ],
        token_file: Annotated[
            Path | None, typer.Option(help="auditor token (or LIVC_WITNESS_TOKEN)")
        ] = None,
        file: Annotated[
            Path | None, typer.Option(help="a file the hub pushes checkpoints to")
        ] = None,
        key: Annotated[
            Path | None, typer.Option(help="the hub's audit public key (else fetched once)")
        ] = None,
        once: Annotated[bool, typer.Option("--once", help="poll once (the default)")] = False,
        interval: Annotated[
            float | None, typer.Option(help="seconds between polls (with --max-polls)")
        ] = None,
        max_polls: Annotated[int, typer.Option(help="polls before stopping")] = 1,
    ) -> None:
        if once and interval is not None:
            raise typer.BadParameter("--once and --interval exclude each other")
        run(
            cmd_audit_witness,
            hub=hub,
            dir=dir,
            token_file=token_file,
            file=file,
            key=key,
            once=once,
            interval=interval,
            max_polls=max_polls,
        )

    @audit.command("clear-alarm", help="clear the integrity alarm (logged)")
    def clear_alarm(
        reset: Annotated[
            bool, typer.Option("--reset", help="also forget the signed head: trust the log anew")
        ] = False,
    ) -> None:
        run(cmd_audit_clear_alarm, reset=reset)
