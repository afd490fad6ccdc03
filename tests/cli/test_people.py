"""The people's commands against the real hub (uvicorn on 127.0.0.1, SQLite and PostgreSQL).

Each command runs in process through ``main([...])``, as the console script does, with its own
XDG_CONFIG_HOME. The cast is the README's consultation (tests/support/casework.py): the police
reference person reads, the social worker writes and releases, the mayor (chair) grants and
withdraws, an auditor queries, exports and verifies. Every exit code of docs/cli.md is produced.
"""

from __future__ import annotations

import io
import json
import os
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from tests.support.casework import SOCIAL, Casework, casework
from tests.support.live import LiveHub
from tests.support.world import agency, member, ok, provision


@dataclass
class Ran:
    """What one command did."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)


@dataclass
class Cli:
    """``livc-hub`` in this process, with its own configuration directory."""

    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]
    config: Path
    said: list[str] = field(default_factory=list)

    def __call__(self, *args: str, stdin: str = "") -> Ran:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        try:
            code = main(list(args))
        except SystemExit as exc:  # a command line that does not parse
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        self.said += [out, err]
        return Ran(code, out, err)

    def login(self, hub: LiveHub, member_id: str) -> str:
        token = hub.token(member_id)
        ran = self("login", "--hub", hub.base_url, "--token-stdin", stdin=token + "\n")
        assert ran.code == 0, ran.err
        return token


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("COLUMNS", "240")  # rich folds narrow tables; tests read whole values
    for name in ("LIVC_HUB_URL", "LIVC_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return Cli(monkeypatch, capsys, config)


@pytest.fixture
def scene(hub: LiveHub) -> Casework:
    """The consultation: household and health granted to Pieter (health hidden from him by the
    secrecy regime), housing released only."""
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household", "housing", "health"])
    w.grant(member="pieter", field="household", note="ocmw_note")
    w.grant(member="pieter", field="health", note="ocmw_note")
    return w


def test_a_police_reference_person_lists_and_shows_an_exchange(
    hub: LiveHub, scene: Casework, cli: Cli
) -> None:
    token = cli.login(hub, scene.ids["pieter"])
    pieter = scene.as_("pieter")
    listed = cli("exchanges", "list", "--json").json()
    assert scene.ids["exchange"] in {x["id"] for x in listed}
    assert listed == ok(pieter.get("/api/v1/exchanges"))

    view = cli("exchanges", "show", scene.ids["exchange"], "--json").json()
    assert view == ok(pieter.get(f"{scene.x}/view"))  # exactly the fields the API returns
    assert scene.seen("pieter") == {"household": scene.values["household"]}

    both = cli("exchanges", "show", scene.ids["exchange"], "--explain", "--json").json()
    assert both["explanation"] == ok(pieter.get(f"{scene.x}/explain"))
    hidden = {f["field"]: f["reasons"] for f in both["explanation"]["yours"] if not f["visible"]}
    assert hidden == {"health": ["secrecy_regime"]}

    shown = cli("exchanges", "show", scene.ids["exchange"], "--explain")
    assert shown.code == 0
    assert scene.values["household"] in shown.out
    assert scene.values["health"] not in shown.out  # a reason, never the value
    assert "secrecy_regime" in shown.out
    table = cli("exchanges", "list")
    assert scene.ids["exchange"] in table.out
    assert all(token not in said for said in cli.said)


def test_a_social_worker_writes_a_note_from_yaml_and_releases_fields(
    hub: LiveHub, scene: Casework, cli: Cli, tmp_path: Path
) -> None:
    key = "cli-" + uuid.uuid4().hex[:8]
    ok(
        hub.admin.post("/api/v1/templates", json={"key": key, "title": "CLI", "fields": SOCIAL}),
        201,
    )
    values = tmp_path / "note.yaml"
    values.write_text("household: Twee kinderen\nhousing: Sociale woning\nhealth: Goed\n")
    cli.login(hub, scene.ids["sofie"])
    made = cli(
        "notes",
        "create",
        "--case",
        scene.ids["case"],
        "--template",
        key,
        "--from",
        str(values),
        "--json",
    ).json()
    sofie = scene.as_("sofie")
    assert ok(sofie.get(f"/api/v1/notes/{made['id']}"))["fields"] == {
        "household": "Twee kinderen",
        "housing": "Sociale woning",
        "health": "Goed",
    }

    values.write_text("household: Drie kinderen\nhousing: Sociale woning\nhealth: Goed\n")
    saved = cli("notes", "version", made["id"], "--from", str(values), "--json").json()
    assert saved["version"] == 2
    assert ok(sofie.get(f"/api/v1/notes/{made['id']}"))["fields"]["household"] == "Drie kinderen"
    versions = cli("notes", "versions", made["id"], "--json").json()
    assert [v["version"] for v in versions] == [1, 2]
    stale = cli("notes", "version", made["id"], "--from", str(values), "--etag", made["etag"])
    assert stale.code == 6, stale.err  # someone (here: she herself) saved a newer version
    assert "urn:livc-hub:problem:precondition-failed" in stale.err

    released = cli(
        "release",
        scene.ids["exchange"],
        "--note",
        made["id"],
        "--field",
        "household",
        "--field",
        "housing",
        "--json",
    ).json()
    assert sorted(r["field"] for r in released) == ["household", "housing"]
    on_hub = ok(sofie.get(f"{scene.x}/releases"))
    assert {r["id"] for r in released} <= {r["id"] for r in on_hub}
    table = cli("release", scene.ids["exchange"], "--note", made["id"], "--field", "health")
    assert table.code == 0
    assert "health" in table.out

    # Invalid input: a field the template does not have, printed per field by the hub's rule.
    values.write_text("household: x\nnot_a_field: Waarde-die-niet-terugkomt\n")
    refused = cli(
        "notes", "create", "--case", scene.ids["case"], "--template", key, "--from", str(values)
    )
    assert refused.code == 7, refused.err
    assert "urn:livc-hub:problem:validation" in refused.err
    assert "not_a_field" in refused.err
    assert "Waarde-die-niet-terugkomt" not in refused.err  # a name, never the value
    values.write_text("household: [unclosed\n")
    broken = cli(
        "notes", "create", "--case", scene.ids["case"], "--template", key, "--from", str(values)
    )
    assert broken.code == 7
    assert "not valid YAML" in broken.err


def test_the_chair_grants_and_withdraws(hub: LiveHub, scene: Casework, cli: Cli) -> None:
    cli.login(hub, scene.ids["mayor"])
    x = scene.ids["exchange"]
    granted = cli(
        "grant",
        x,
        "--member",
        scene.ids["pieter"],
        "--note",
        scene.ids["ocmw_note"],
        "--field",
        "housing",
        "--json",
    ).json()
    assert granted["field"] == "housing"
    assert scene.seen("pieter")["housing"] == scene.values["housing"]
    assert cli("withdraw", x, "--grant", granted["id"], "--json").json() == {
        "withdrawn": {"grant": granted["id"]}
    }
    assert "housing" not in scene.seen("pieter")
    assert granted["id"] not in {g["id"] for g in ok(scene.as_("mayor").get(f"{scene.x}/grants"))}
    # A field nobody released: the hub's conflict (6), its type and reason printed.
    unreleased = cli(
        "grant",
        x,
        "--member",
        scene.ids["pieter"],
        "--note",
        scene.ids["ocmw_note"],
        "--field",
        "psych",
    )
    assert unreleased.code == 6, unreleased.err
    assert "urn:livc-hub:problem:conflict" in unreleased.err
    assert "not_released" in unreleased.err
    # Not the chair: forbidden (4).
    cli.login(hub, scene.ids["pieter"])
    refused = cli(
        "grant",
        x,
        "--member",
        scene.ids["els"],
        "--note",
        scene.ids["ocmw_note"],
        "--field",
        "household",
    )
    assert refused.code == 4, refused.err
    assert "urn:livc-hub:problem:forbidden" in refused.err


def _ndjson(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def test_an_auditor_queries_exports_and_verifies(
    hub: LiveHub, scene: Casework, cli: Cli, tmp_path: Path
) -> None:
    auditor = member(hub, scene.ids["stad"], "hub_auditor")
    cli.login(hub, auditor)
    x = scene.ids["exchange"]
    found = cli("audit", "query", "--exchange", x, "--json").json()
    assert found
    assert {e["exchange"] for e in found} == {x}
    api = ok(hub.client(auditor).get("/api/v1/audit/entries", params={"exchange": x}))["items"]
    assert api[: len(found)] == found  # later entries: the auditor's own queries
    assert {e["action"] for e in api[len(found) :]} <= {"audit:query"}
    table = cli("audit", "query", "--exchange", x, "--decision", "allow", "--limit", "2")
    assert table.code == 0
    assert "Access log" in table.out
    since = cli("audit", "query", "--since", "2020-01-01T00:00:00", "--json")
    assert since.code == 2
    assert "time zone" in since.err

    # The checkpoints as they stand before the export: the hub may sign one more at any time
    # (every so many entries), and one covering entries after the export's end would rightly
    # make the offline verifier report the file as cut short.
    before_export = hub.client(auditor).get("/api/v1/audit/checkpoints").text.splitlines()
    out = tmp_path / "log.ndjson"
    exported = cli("audit", "export", "--out", str(out), "--json").json()
    written = out.read_bytes()
    assert exported["bytes"] == len(written)
    assert exported["entries"] == len(_ndjson(written))
    with hub.client(auditor).stream("GET", "/api/v1/audit/export") as answer:
        again = b"".join(answer.iter_bytes())
    assert again.startswith(written)  # the file is what the API exports
    assert {e["action"] for e in _ndjson(again[len(written) :])} == {"audit:export"}

    status = cli("audit", "verify", "--json").json()
    assert status["verified"] is True
    assert status["problems"] == []
    assert status["entries"] > exported["entries"]
    assert status["latest_checkpoints"]
    heads = hub.client(auditor).get("/api/v1/audit/checkpoints").text.splitlines()
    assert status["latest_checkpoints"][-1] in [json.loads(h) for h in heads]
    shown = cli("audit", "verify")
    assert shown.code == 0
    assert "VERIFIED" in shown.out
    assert "Latest checkpoints" in shown.out

    # The offline verifier, on the file the command wrote: named by its EXPORT argument.
    key = tmp_path / "audit-key.json"
    key.write_text(hub.client().get("/.well-known/livc-hub/audit-key").text)
    checkpoints = tmp_path / "checkpoints.ndjson"
    checkpoints.write_text("\n".join(before_export) + "\n")
    offline = cli("audit", "verify", str(out), "--key", str(key), "--checkpoints", str(checkpoints))
    assert offline.code == 0, offline.err
    assert offline.out.startswith("verified:")
    lines = written.splitlines(keepends=True)
    tampered = tmp_path / "tampered.ndjson"
    tampered.write_bytes(b"".join(lines[:3] + lines[4:]))
    failed = cli("audit", "verify", str(tampered), "--key", str(key))
    assert failed.code == 1
    assert "NOT VERIFIED" in failed.err

    # An agency's auditor: the checkpoints, not a verdict on a log it only sees part of.
    cli.login(hub, member(hub, scene.ids["ocmw"], "auditor"))
    partial = cli("audit", "verify", "--json").json()
    assert partial["verified"] is None
    assert partial["checkpoints"] >= len(heads)


def test_the_credentials_file_is_private_and_the_token_never_shown(hub: LiveHub, cli: Cli) -> None:
    someone = member(hub, agency(hub), "case_worker")
    token = cli.login(hub, someone)
    path = cli.config / "livc-hub" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text())["default"] == hub.base_url
    me = cli("whoami", "--json").json()
    assert me["member_id"] == someone
    assert cli("whoami").code == 0
    assert all(token not in said for said in cli.said)
    assert cli("logout").code == 0
    assert not path.exists()
    assert cli("exchanges", "list").code == 3  # signed out
    # A token the hub refuses is not stored.
    bad = cli("login", "--hub", hub.base_url, "--token-stdin", stdin="not-a-token")
    assert bad.code == 3
    assert "urn:livc-hub:problem:unauthenticated" in bad.err
    assert not path.exists()


def test_client_credentials_sign_in_from_the_environment_or_stdin(
    hub: LiveHub, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided = provision(hub, agency(hub), "service_account", kind="service")
    client_id, secret = decided["member"]["client_id"], decided["client_secret"]
    ran = cli("login", "--hub", hub.base_url, "--client-id", client_id, stdin=secret)
    assert ran.code == 0, ran.err
    assert cli("whoami", "--json").json()["member_id"] == decided["member"]["id"]
    monkeypatch.setenv("LIVC_CLIENT_SECRET", secret)
    monkeypatch.setenv("LIVC_HUB_URL", hub.base_url)
    assert cli("login", "--client-id", client_id, "--json").json()["hub"] == hub.base_url
    assert all(secret not in said for said in cli.said)


def test_every_exit_code(hub: LiveHub, scene: Casework, cli: Cli) -> None:
    # 2: usage, among them the browser flow at a hub that names no identity provider.
    browser = cli("login", "--hub", hub.base_url, "--browser")
    assert browser.code == 2
    assert "names no identity provider" in browser.err
    assert cli("login", "--hub", hub.base_url).code == 2
    assert cli("login", "--token-stdin", stdin="x").code == 2  # no hub
    assert cli("login", "--hub", "http://hub.example.org", "--token-stdin", stdin="x").code == 2
    assert cli("exchanges", "show").code == 2
    assert cli("grant", scene.ids["exchange"], "--role", "emperor").code == 2
    # 3: not signed in; signed in to another hub than the one named.
    assert cli("exchanges", "list").code == 3
    cli.login(hub, scene.ids["sofie"])
    other = cli("exchanges", "list", "--hub", "http://127.0.0.1:1")
    assert other.code == 3
    assert "not signed in to" in other.err
    # 0, 4, 5
    assert cli("exchanges", "list").code == 0
    forbidden = cli("audit", "query")
    assert forbidden.code == 4
    assert "urn:livc-hub:problem:forbidden" in forbidden.err
    missing = cli("exchanges", "show", str(uuid.uuid4()))
    assert missing.code == 5
    assert "urn:livc-hub:problem:not-found" in missing.err
    # 6 and 7 are in the tests above (a stale version, a grant of nothing released; a field the
    # template lacks, broken YAML). 8: the hub out of reach.
    path = cli.config / "livc-hub" / "credentials.json"
    stored = json.loads(path.read_text())
    stored["hubs"]["http://127.0.0.1:1"] = stored["hubs"][hub.base_url]
    path.write_text(json.dumps(stored))
    away = cli("exchanges", "list", "--hub", "http://127.0.0.1:1")
    assert away.code == 8
    assert "cannot reach the hub" in away.err
    # 1: anything else, e.g. an export that does not verify (test above), a broken config.
    path.write_text("{")
    assert cli("exchanges", "list").code == 1


def test_values_from_the_hub_cannot_drive_the_terminal() -> None:
    from app.cli.people import safe

    shown = safe("Naam\x1b]0;Jan Janssens\x07[bold]x[/bold]\x9b2J")
    assert "\x1b" not in shown.plain
    assert "\x07" not in shown.plain
    assert "\x9b" not in shown.plain
    assert "[bold]x[/bold]" in shown.plain  # printed as text, not read as rich markup
    assert os.linesep in safe("a\nb").plain or "\n" in safe("a\nb").plain
