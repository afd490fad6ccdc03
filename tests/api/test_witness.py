"""History rewritten by someone with database access, with and without the signing key.

Each test runs on a hub of its own (the damage is not undone), with the hub pushing checkpoints
to a witness file. An agency's auditor runs ``livc-hub audit witness`` before the attack and
keeps what it saw. Without the key the hub itself refuses to sign the forged log, says so on
/readyz and in the log; with the key (and the hub's state file) the hub is fooled, and the
witness still catches the rewrite of history it had seen.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import forgery
from tests.support.databases import ThrowawayDatabase, create_database
from tests.support.live import LiveHub, start_hub
from tests.support.witnessing import run_witness, until
from tests.support.world import Team, member, ok, team

ALARM = "urn:livc-hub:problem:audit-integrity-alarm"


@dataclass
class Victim:
    """A hub, its auditors, and the witness an agency auditor runs."""

    hub: LiveHub
    team: Team
    auditor: httpx.Client  # a hub auditor: exports, queries the whole log
    token_file: Path  # an agency auditor's token: runs the witness
    pushed: Path
    witness_dir: Path

    def witness(self, *extra: str) -> tuple[int, str]:
        done = run_witness(self.hub.base_url, self.witness_dir, self.token_file, "--once", *extra)
        return done.returncode, done.stdout + done.stderr

    def checkpoint(self) -> dict[str, object]:
        made: dict[str, object] = ok(self.auditor.post("/api/v1/audit/checkpoints"), 201)
        until(lambda: f'"tree_size":{made["tree_size"]},' in _read(self.pushed), "the push")
        return made

    def size(self) -> int:
        return int(str(self.hub.database.scalar("SELECT size FROM audit_head WHERE id = 1")))

    def alarms(self) -> list[dict[str, object]]:
        page = ok(
            self.auditor.get("/api/v1/audit/entries", params={"action": "audit:integrity_alarm"})
        )
        return list(page["items"])


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@pytest.fixture
def victim(
    database: ThrowawayDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Victim]:
    pushed = tmp_path / "pushed.ndjson"
    monkeypatch.setenv("LIVC_AUDIT_WITNESSES", str(pushed))
    for folder in ("db", "hub", "witness"):
        (tmp_path / folder).mkdir()
    db = create_database(database.backend, tmp_path / "db")
    hub: LiveHub | None = None
    try:
        db.migrate()
        hub = start_hub(db, tmp_path / "hub", master_key=secrets.token_urlsafe(32))
        t = team(hub)
        for _ in range(4):
            ok(t.note(), 201)
        token_file = tmp_path / "auditor.token"
        token_file.write_text(hub.token(member(hub, t.agency_id, "auditor")))
        yield Victim(
            hub=hub,
            team=t,
            auditor=hub.client(member(hub, t.agency_id, "hub_auditor")),
            token_file=token_file,
            pushed=pushed,
            witness_dir=tmp_path / "witness",
        )
    finally:
        if hub is not None:
            hub.stop()
        db.drop()


def _grow_past_a_checkpoint(v: Victim) -> None:
    """Write notes until the log crosses the next multiple of N (automatic checkpoints)."""
    every = v.hub.settings.audit.checkpoint_every
    target = (v.size() // every + 1) * every
    while v.size() < target:
        ok(v.team.note(), 201)


def _stored_checkpoints_above(v: Victim, size: int) -> int:
    sql = f"SELECT count(*) FROM audit_checkpoints WHERE tree_size > {size}"
    return int(str(v.hub.database.scalar(sql)))


def _readyz(v: Victim) -> httpx.Response:
    return httpx.get(f"{v.hub.base_url}/readyz", timeout=30)


def test_a_rewrite_with_database_access_only_is_refused_and_witnessed(victim: Victim) -> None:
    v = victim
    first = v.checkpoint()
    code, out = v.witness("--file", str(v.pushed))
    assert code == 0, out
    for _ in range(3):
        ok(v.team.note(), 201)
    v.checkpoint()  # the hub now trusts a later head than the witness saw
    assert _readyz(v).status_code == 200

    entries = forgery.export(v.auditor)
    at = int(str(first["tree_size"])) - 5  # an entry the witness's checkpoint covers
    forgery.rewrite(v.hub.database, entries, at, reason="forged")
    assert _stored_checkpoints_above(v, at) == 0

    # On demand: refused with a problem, nothing stored.
    refused = v.auditor.post("/api/v1/audit/checkpoints")
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert (problem["type"], problem["reason"]) == (ALARM, "chain_broken")
    # Automatically: requests go on being served and logged, and nothing is signed.
    _grow_past_a_checkpoint(v)
    assert _stored_checkpoints_above(v, at) == 0
    ready = _readyz(v)
    assert ready.status_code == 503
    assert (ready.json()["type"], ready.json()["reason"]) == (ALARM, "chain_broken")
    [alarm] = v.alarms()
    assert (alarm["decision"], alarm["reason"], alarm["actor"]) == ("deny", "chain_broken", None)

    code, out = v.witness("--file", str(v.pushed))
    assert code == 3, out
    assert "INCONSISTENT" in out
    assert f"{first['tree_size']} entries, root {first['root_hash']}" in out
    assert (v.witness_dir / "conflicts.ndjson").exists()


def test_a_cut_tail_is_refused_and_witnessed(victim: Victim) -> None:
    v = victim
    every = v.hub.settings.audit.checkpoint_every
    while v.size() < every + 5:
        ok(v.team.note(), 201)
    made = v.checkpoint()
    code, out = v.witness()
    assert code == 0, out
    entries = forgery.export(v.auditor)
    # Cut a few entries below a multiple of N that the signed head covers, so that the hub's
    # next automatic checkpoint comes while its log is shorter than what it signed.
    keep = int(str(made["tree_size"])) // every * every - 3
    forgery.cut_tail(v.hub.database, entries, keep)

    # Automatically first: the request that crosses N succeeds, the alarm is logged with it.
    _grow_past_a_checkpoint(v)
    assert _stored_checkpoints_above(v, keep) == 0
    [alarm] = v.alarms()
    assert alarm["reason"] == "tail_cut"
    refused = v.auditor.post("/api/v1/audit/checkpoints")
    assert (refused.status_code, refused.json()["reason"]) == (503, "tail_cut")
    assert _readyz(v).json()["reason"] == "tail_cut"
    assert len(v.alarms()) == 1  # one alarm, one entry

    code, out = v.witness()
    assert code == 3, out
    assert f"kept:     {made['tree_size']} entries, root {made['root_hash']}" in out


@pytest.mark.parametrize("forged_sizes", ["same_size", "larger_only"])
def test_a_rewrite_signed_with_the_stolen_key_is_still_witnessed(
    victim: Victim, forged_sizes: str
) -> None:
    v = victim
    for _ in range(3):
        ok(v.team.note(), 201)
    seen = v.checkpoint()
    code, out = v.witness("--file", str(v.pushed))
    assert code == 0, out

    entries = forgery.export(v.auditor)
    size = int(str(seen["tree_size"]))
    forged = forgery.rewrite(v.hub.database, entries, size - 4, reason="forged")
    signer = forgery.stolen_signer(v.hub.settings.audit.key_path)
    if forged_sizes == "same_size":
        forgery.forge_checkpoint(v.hub.database, signer, forged, size)
    forgery.forge_checkpoint(v.hub.database, signer, forged, len(forged))
    forgery.forge_state(v.hub.settings.audit.state_file, signer, forged)

    # The hub cannot tell: its trusted state and its key were the attacker's to use.
    made = ok(v.auditor.post("/api/v1/audit/checkpoints"), 201)
    assert made["tree_size"] > len(forged)
    assert _readyz(v).status_code == 200

    code, out = v.witness("--file", str(v.pushed))
    assert code == 3, out
    assert f"{size} entries, root {seen['root_hash']}" in out
    if forged_sizes == "same_size":
        assert "the same size with two different roots" in out
    else:
        assert "the second does not extend the first" in out
    evidence = json.loads((v.witness_dir / "conflicts.ndjson").read_text().splitlines()[-1])
    assert seen["root_hash"] in {c["root_hash"] for c in evidence["checkpoints"]}
