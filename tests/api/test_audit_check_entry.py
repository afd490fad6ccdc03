"""`livc-hub audit check-entry`: an agency's auditor proves one entry of its export is in the log.

The auditor exports the entries that concern its agency, then checks one against a signed
checkpoint with the inclusion proof the hub gives, or lets the command fetch both (--hub).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.cli import main
from tests.support.casework import casework
from tests.support.live import LiveHub
from tests.support.world import member, ok


@dataclass
class Evidence:
    """What an agency auditor holds: its export, the checkpoints, the key, its token."""

    hub: LiveHub
    auditor: httpx.Client
    entries: list[dict[str, Any]]
    size: int
    folder: Path

    def write(self, name: str, content: str) -> str:
        path = self.folder / name
        path.write_text(content)
        return str(path)

    def proof(self, seq: int) -> dict[str, Any]:
        params = {"seq": seq, "size": self.size}
        return dict(ok(self.auditor.get("/api/v1/audit/proofs/inclusion", params=params)))

    def check(self, entry: dict[str, Any], proof: dict[str, Any], heads: str) -> int:
        return main(
            [
                "audit",
                "check-entry",
                self.write("entry.json", json.dumps(entry) + "\n"),
                "--key",
                str(self.folder / "audit-key.json"),
                "--proof",
                self.write("proof.json", json.dumps(proof)),
                "--checkpoints",
                self.write("checkpoints.ndjson", heads),
            ]
        )


@pytest.fixture(scope="module")
def evidence(hub: LiveHub, tmp_path_factory: pytest.TempPathFactory) -> Evidence:
    w = casework(hub)
    auditor = hub.client(member(hub, w.ids["ocmw"], "auditor"))
    size = ok(auditor.post("/api/v1/audit/checkpoints"), 201)["tree_size"]
    lines = auditor.get("/api/v1/audit/export").text.splitlines()
    entries = [e for e in map(json.loads, lines) if e["seq"] < size]
    assert len(entries) >= 2
    folder = tmp_path_factory.mktemp("agency-auditor")
    found = Evidence(hub, auditor, entries, size, folder)
    found.write("audit-key.json", httpx.get(f"{hub.base_url}/.well-known/livc-hub/audit-key").text)
    found.write("checkpoints.ndjson", auditor.get("/api/v1/audit/checkpoints").text)
    token = auditor.headers["Authorization"].removeprefix("Bearer ")
    found.write("token", token + "\n")
    return found


def _heads(evidence: Evidence) -> str:
    return (evidence.folder / "checkpoints.ndjson").read_text()


def test_a_real_entry_is_included(evidence: Evidence, capsys: pytest.CaptureFixture[str]) -> None:
    entry = evidence.entries[-1]
    assert evidence.check(entry, evidence.proof(entry["seq"]), _heads(evidence)) == 0
    out = capsys.readouterr().out
    assert f"included: entry {entry['seq']} is in the log of {evidence.size} entries" in out


def test_the_command_fetches_the_proof_and_checkpoints_itself(evidence: Evidence) -> None:
    entry = evidence.entries[0]
    args = [
        "audit",
        "check-entry",
        evidence.write("one.json", json.dumps(entry)),
        "--key",
        str(evidence.folder / "audit-key.json"),
        "--hub",
        evidence.hub.base_url,
        "--token-file",
        str(evidence.folder / "token"),
    ]
    result = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments, a hub on 127.0.0.1
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"included: entry {entry['seq']}" in result.stdout
    entry = {**entry, "action": "note:list"}
    evidence.write("one.json", json.dumps(entry))
    result = subprocess.run(  # noqa: S603 - as above
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "NOT INCLUDED" in result.stderr


def test_the_same_entry_with_one_field_changed_fails(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = evidence.entries[-1]
    proof = evidence.proof(entry["seq"])
    changed = {**entry, "decision": "deny" if entry["decision"] == "allow" else "allow"}
    assert evidence.check(changed, proof, _heads(evidence)) == 1
    assert "does not match its hash" in capsys.readouterr().err
    del changed["hash"]  # and without the hash that gives it away: the path does not lead home
    assert evidence.check(changed, proof, _heads(evidence)) == 1
    assert f"entry {entry['seq']} is not in the log signed" in capsys.readouterr().err


def test_a_proof_for_another_entry_fails(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    entry, other = evidence.entries[-1], evidence.entries[0]
    proof = evidence.proof(other["seq"])
    assert evidence.check(entry, proof, _heads(evidence)) == 1
    assert f"the proof is for entry {other['seq']}" in capsys.readouterr().err
    assert evidence.check(entry, {**proof, "seq": entry["seq"]}, _heads(evidence)) == 1
    assert "is not in the log signed" in capsys.readouterr().err


def test_a_checkpoint_with_a_bad_signature_fails(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = evidence.entries[-1]
    heads = [json.loads(line) for line in _heads(evidence).splitlines()]
    signed = next(h for h in heads if h["tree_size"] == evidence.size)
    other = next(h for h in heads if h["tree_size"] != evidence.size)
    signed["signature"] = other["signature"]
    forged = "".join(json.dumps(h) + "\n" for h in heads)
    assert evidence.check(entry, evidence.proof(entry["seq"]), forged) == 1
    assert "the signature does not verify" in capsys.readouterr().err


def test_the_token_is_only_sent_over_https_or_to_this_machine(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = evidence.write("plain.json", json.dumps(evidence.entries[0]))
    key, token = str(evidence.folder / "audit-key.json"), str(evidence.folder / "token")
    args = ["audit", "check-entry", entry, "--key", key, "--token-file", token]
    assert main([*args, "--hub", "http://hub.example.org"]) == 1
    assert "--hub must be an https:// URL" in capsys.readouterr().err
    assert main(["audit", "check-entry", entry, "--key", key]) == 1
    assert "give --proof and --checkpoints, or --hub" in capsys.readouterr().err


def test_a_hub_that_cannot_be_reached_is_one_clear_line(
    evidence: Evidence, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = evidence.write("unreached.json", json.dumps(evidence.entries[0]))
    key, token = str(evidence.folder / "audit-key.json"), str(evidence.folder / "token")
    args = ["audit", "check-entry", entry, "--key", key, "--token-file", token]
    assert main([*args, "--hub", "http://127.0.0.1:1"]) == 1
    assert "cannot reach the hub (ConnectError)" in capsys.readouterr().err
