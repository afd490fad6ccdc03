"""The auditor's API: queries, the subject report and RFC 9162 proofs, through HTTP."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from app.audit import merkle
from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.world import member, ok


@pytest.fixture(scope="module")
def scene(hub: LiveHub) -> tuple[Casework, httpx.Client]:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household", "health"])
    w.grant(member="pieter", field="household")
    w.grant(member="pieter", field="health")
    ok(w.as_("pieter").get(f"{w.x}/view"))
    auditor = hub.client(member(hub, w.ids["stad"], "hub_auditor"))
    return w, auditor


def test_query_by_exchange_member_and_decision_pages_through(
    hub: LiveHub, scene: tuple[Casework, httpx.Client]
) -> None:
    w, auditor = scene
    views = ok(
        auditor.get(
            "/api/v1/audit/entries",
            params={
                "exchange": w.ids["exchange"],
                "member": w.ids["pieter"],
                "action": "exchange:view",
            },
        )
    )
    [entry] = views["items"]
    assert entry["purpose"].startswith("Casusoverleg")
    assert any(f.endswith("/household") for f in entry["fields"])
    assert any("health=secrecy_regime" in d for d in entry["denied"])
    assert w.values["household"] not in str(entry)
    seen, cursor = [], None
    while True:
        page = ok(
            auditor.get(
                "/api/v1/audit/entries",
                params={
                    "exchange": w.ids["exchange"],
                    "limit": 3,
                    **({"cursor": cursor} if cursor else {}),
                },
            )
        )
        seen += [e["seq"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) >= 8
    denied = ok(auditor.get("/api/v1/audit/entries", params={"decision": "deny", "limit": 5}))
    assert all(e["decision"] == "deny" for e in denied["items"])
    assert auditor.get("/api/v1/audit/entries", params={"cursor": "x"}).status_code == 400


def test_the_subject_report_lists_every_access_as_json_and_csv(
    hub: LiveHub, scene: tuple[Casework, httpx.Client]
) -> None:
    w, auditor = scene
    case = ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))
    subject = case["subject_id"]
    report = ok(auditor.get(f"/api/v1/audit/subjects/{subject}/report"))
    actions = {(a["actor"], a["action"]) for a in report["accesses"]}
    assert (w.ids["pieter"], "exchange:view") in actions
    assert (w.ids["sofie"], "note:create") in actions
    text = auditor.get(f"/api/v1/audit/subjects/{subject}/report", params={"format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    # The CSV also lists the JSON report just fetched: looking a person up in the log is an
    # access to their data too.
    seqs = {a["seq"] for a in report["accesses"]}
    assert seqs < {int(r["seq"]) for r in rows}
    assert {r["action"] for r in rows if int(r["seq"]) not in seqs} == {"audit:subject_report"}
    assert w.values["household"] not in text


def test_only_auditors_query(hub: LiveHub, scene: tuple[Casework, httpx.Client]) -> None:
    w, _ = scene
    for who in ("mayor", "pieter", "ocmw_admin"):
        assert w.as_(who).get("/api/v1/audit/entries").status_code == 403
    assert (
        hub.admin.get("/api/v1/audit/proofs/inclusion", params={"seq": 0, "size": 1}).status_code
        == 403
    )


def test_proofs_verify_against_a_signed_checkpoint(
    hub: LiveHub, scene: tuple[Casework, httpx.Client]
) -> None:
    _, auditor = scene
    first = ok(auditor.post("/api/v1/audit/checkpoints"), 201)
    second = ok(auditor.post("/api/v1/audit/checkpoints"), 201)
    m, n = first["tree_size"], second["tree_size"]
    for seq in (0, m // 2, m - 1):
        p = ok(auditor.get("/api/v1/audit/proofs/inclusion", params={"seq": seq, "size": m}))
        assert p["root_hash"] == first["root_hash"]
        path = [bytes.fromhex(h) for h in p["audit_path"]]
        assert merkle.verify_inclusion(
            bytes.fromhex(p["leaf_hash"]), seq, m, path, bytes.fromhex(first["root_hash"])
        )
    c = ok(auditor.get("/api/v1/audit/proofs/consistency", params={"from": m, "to": n}))
    assert (c["old_root"], c["new_root"]) == (first["root_hash"], second["root_hash"])
    assert merkle.verify_consistency(
        m,
        n,
        bytes.fromhex(c["old_root"]),
        bytes.fromhex(c["new_root"]),
        [bytes.fromhex(h) for h in c["proof"]],
    )
    too_big = auditor.get("/api/v1/audit/proofs/inclusion", params={"seq": 0, "size": 10**9})
    assert too_big.status_code == 422
    backwards = auditor.get("/api/v1/audit/proofs/consistency", params={"from": n, "to": m})
    assert backwards.status_code == 422
