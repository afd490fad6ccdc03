"""The witness's checks against a hub played in memory: growth is accepted, two histories not."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit import merkle
from app.audit.signing import AuditSigner, Checkpoint, public_pem
from app.audit.witness import Inconsistent, Seen, Store, Witness, WitnessError, hub_url, run

SIGNER = AuditSigner(Ed25519PrivateKey.generate())


def leaves(n: int, salt: str = "") -> list[bytes]:
    return [merkle.leaf_hash(f"{salt}{i}".encode()) for i in range(n)]


def signed(tree: list[bytes], size: int, signer: AuditSigner = SIGNER) -> str:
    at = f"2026-11-25T09:{size % 60:02d}:00.000000Z"
    head = Checkpoint(size, merkle.root(tree[:size]).hex(), at, signer.key_id)
    body = {**head.__dict__, "signature": signer.sign(head)}
    return json.dumps(body)


class FakeHub:
    """Serves checkpoints and proofs from whatever leaves it holds now."""

    def __init__(self, tree: list[bytes], sizes: list[int]) -> None:
        self.tree = tree
        self.lines = [signed(tree, s) for s in sizes]
        self.asked: list[tuple[int, int]] = []

    def checkpoints(self) -> list[str]:
        return list(self.lines)

    def consistency(self, first: int, second: int) -> dict[str, Any] | None:
        self.asked.append((first, second))
        if second > len(self.tree):
            return None
        proof = [] if first == second else merkle.consistency_proof(first, self.tree[:second])
        return {
            "old_root": merkle.root(self.tree[:first]).hex(),
            "new_root": merkle.root(self.tree[:second]).hex(),
            "proof": [h.hex() for h in proof],
        }

    def audit_key(self) -> bytes:
        return public_pem(SIGNER.public).encode()


def witness(tmp_path: Path, hub: FakeHub) -> Witness:
    store = Store(tmp_path / "witness")
    return Witness(store, store.pinned(None, hub), hub)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(1, 60), min_size=1, max_size=6), st.integers(0, 5))
def test_a_growing_log_is_accepted_poll_after_poll(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], split: int
) -> None:
    tree = leaves(60)
    sizes = sorted(set(sizes))
    hub = FakeHub(tree, sizes[:split])
    w = witness(tmp_path_factory.mktemp("w"), hub)
    w.poll()
    hub.lines = [signed(tree, s) for s in sizes]
    result = w.poll()
    assert result.latest is not None
    assert result.latest.tree_size == sizes[-1]
    assert [s.tree_size for s in w.store.accepted()] == sizes
    assert w.poll().accepted == 0  # nothing new: nothing more kept


def test_the_same_size_with_another_root_is_a_conflict(tmp_path: Path) -> None:
    hub = FakeHub(leaves(20), [10])
    w = witness(tmp_path, hub)
    w.poll()
    hub.lines.append(signed(leaves(20, "forged"), 10))
    with pytest.raises(Inconsistent) as found:
        w.poll()
    assert "the same size with two different roots" in found.value.report
    assert found.value.report.count("10 entries") == 2


def test_a_larger_checkpoint_of_another_history_is_a_conflict(tmp_path: Path) -> None:
    hub = FakeHub(leaves(20), [10])
    w = witness(tmp_path, hub)
    w.poll()
    forged = leaves(5) + leaves(25, "forged")[5:]
    hub.tree, hub.lines = forged, [signed(forged, 25)]
    with pytest.raises(Inconsistent) as found:
        w.poll()
    assert "no longer holds the first" in found.value.report
    assert [s.tree_size for s in w.store.accepted()] == [10]  # the forgery was not kept


def test_a_smaller_checkpoint_that_is_not_a_prefix_is_a_conflict(tmp_path: Path) -> None:
    tree = leaves(30)
    hub = FakeHub(tree, [30])
    w = witness(tmp_path, hub)
    w.poll()
    hub.lines.append(signed(leaves(30, "forged"), 12))
    with pytest.raises(Inconsistent) as found:
        w.poll()
    assert "12 entries" in found.value.report
    assert "30 entries" in found.value.report


def test_a_log_rewritten_or_cut_under_the_latest_checkpoint_is_found(tmp_path: Path) -> None:
    tree = leaves(30)
    hub = FakeHub(tree, [10, 30])
    w = witness(tmp_path, hub)
    w.poll()
    hub.lines = hub.lines[:1]  # the later checkpoint deleted from the hub's list
    hub.tree = tree[:3] + leaves(40, "x")[3:]
    with pytest.raises(Inconsistent) as rewritten:
        w.poll()
    assert "no longer holds a checkpoint it signed" in rewritten.value.report
    hub.tree = tree[:20]
    with pytest.raises(Inconsistent) as cut:
        w.poll()
    assert "fewer than 30 entries" in cut.value.report


def test_lines_not_signed_by_the_pinned_key_are_ignored_and_reported(tmp_path: Path) -> None:
    tree = leaves(20)
    hub = FakeHub(tree, [10])
    w = witness(tmp_path, hub)
    stranger = AuditSigner(Ed25519PrivateKey.generate())
    bad = json.loads(signed(tree, 15))
    bad["signature"] = json.loads(signed(tree, 10))["signature"]
    hub.lines += [signed(tree, 20, stranger), json.dumps(bad), "not json"]
    out = io.StringIO()
    with pytest.raises(WitnessError, match="3 checkpoint line"):
        run(w, pushed=None, polls=1, interval=0, out=out)
    assert [s.tree_size for s in w.store.accepted()] == [10]


def test_run_reports_exit_3_and_keeps_the_evidence(tmp_path: Path) -> None:
    hub = FakeHub(leaves(20), [10])
    w = witness(tmp_path, hub)
    pushed = tmp_path / "pushed.ndjson"
    pushed.write_text(signed(leaves(20, "forged"), 10) + "\n")
    out = io.StringIO()
    assert run(w, pushed=pushed, polls=1, interval=0, out=out) == 3
    assert "INCONSISTENT" in out.getvalue()
    [evidence] = w.store.conflicts.read_text().splitlines()
    assert len(json.loads(evidence)["checkpoints"]) == 2


def test_the_key_is_pinned_on_the_first_run(tmp_path: Path) -> None:
    hub = FakeHub(leaves(5), [5])
    store = Store(tmp_path / "w")
    store.pinned(None, hub)
    assert store.key.read_text() == public_pem(SIGNER.public)
    other = public_pem(AuditSigner(Ed25519PrivateKey.generate()).public).encode()
    with pytest.raises(WitnessError, match="differs from the key pinned"):
        store.pinned(other, hub)
    assert Seen.parse(hub.lines[0]).signed_by(store.pinned(None, hub))


def test_only_https_or_the_loopback_is_a_hub() -> None:
    assert hub_url("https://hub.example/") == "https://hub.example"
    assert hub_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    for bad in ("http://hub.example", "ftp://127.0.0.1", "hub.example"):
        with pytest.raises(WitnessError):
            hub_url(bad)


def test_bounded_polling_and_its_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIVC_WITNESS_TOKEN", raising=False)
    tree = leaves(20)
    hub = FakeHub(tree, [5])
    w = witness(tmp_path, hub)
    hub.lines.append(signed(tree, 20))
    out = io.StringIO()
    assert run(w, pushed=None, polls=3, interval=0, out=out) == 0
    assert out.getvalue().count("witness:") == 3
    assert (5, 20) in hub.asked
    from app.cli import main

    base = ["audit", "witness", "--hub", "http://127.0.0.1:9", "--dir", str(tmp_path / "x")]
    assert main([*base, "--interval", "1", "--max-polls", "0"]) == 1
    assert "--max-polls must be at least 1" in capsys.readouterr().err
    assert main([*base, "--once"]) == 1  # no token anywhere
    assert "an auditor token is needed" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--once", "--interval", "1"])
