"""Agency-scoped and hub-wide auditors, through HTTP.

An agency's auditor sees the entries whose actor is one of its members or that concern its data
(its notes, its subjects, its members); the hub auditor sees every entry. Each test would fail if
the rule or the scope filter it covers were removed.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.world import member, ok


@pytest.fixture(scope="module")
def scene(hub: LiveHub) -> tuple[Casework, dict[str, httpx.Client]]:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household"])
    w.grant(member="pieter", field="household")
    ok(w.as_("pieter").get(f"{w.x}/view"))
    auditors = {
        name: hub.client(member(hub, w.ids[name], "auditor"))
        for name in ("ocmw", "politie", "vsse")
    }
    auditors["hub"] = hub.client(member(hub, w.ids["stad"], "hub_auditor"))
    return w, auditors


def _all(client: httpx.Client, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = ok(
            client.get(
                "/api/v1/audit/entries",
                params={**params, "limit": 200, **({"cursor": cursor} if cursor else {})},
            )
        )
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def _concerns(entry: dict[str, Any], agency: str) -> bool:
    return entry["actor_agency"] == agency or agency in entry["owners"]


def test_an_agency_auditor_sees_only_entries_that_concern_the_agency(
    scene: tuple[Casework, dict[str, httpx.Client]],
) -> None:
    w, auditors = scene
    everything = _all(auditors["hub"], case=w.ids["case"])
    for name in ("ocmw", "politie", "vsse"):
        mine = _all(auditors[name], case=w.ids["case"])
        assert mine, name
        assert all(_concerns(e, w.ids[name]) for e in mine), name
        expected = {e["seq"] for e in everything if _concerns(e, w.ids[name])}
        assert expected <= {e["seq"] for e in mine}, name
    assert len(_all(auditors["vsse"], case=w.ids["case"])) < len(everything)
    # The police reference person's view of the OCMW note: the OCMW (owner of the fields shown)
    # and the police (actor) see it; State Security, whose notes were not involved, does not.
    view = {"action": "exchange:view", "member": w.ids["pieter"]}
    [seen] = _all(auditors["ocmw"], **view)
    assert w.ids["ocmw"] in seen["owners"]
    assert len(_all(auditors["politie"], **view)) == 1
    assert _all(auditors["vsse"], **view) == []


def test_the_hub_auditor_sees_every_agency(
    scene: tuple[Casework, dict[str, httpx.Client]],
) -> None:
    w, auditors = scene
    agencies = {e["actor_agency"] for e in _all(auditors["hub"], case=w.ids["case"])}
    assert {w.ids["ocmw"], w.ids["politie"], w.ids["vsse"], w.ids["stad"]} <= agencies


def test_the_subject_report_of_the_registering_agency_is_complete(
    scene: tuple[Casework, dict[str, httpx.Client]],
) -> None:
    w, auditors = scene
    subject = ok(w.as_("sofie").get(f"/api/v1/cases/{w.ids['case']}"))["subject_id"]
    url = f"/api/v1/audit/subjects/{subject}/report"
    whole = {a["seq"] for a in ok(auditors["hub"].get(url))["accesses"]}
    # The OCMW registered the subject: every access to the subject's data concerns it.
    assert whole <= {a["seq"] for a in ok(auditors["ocmw"].get(url))["accesses"]}
    # State Security sees the accesses of its own people and to its own notes, not the others'.
    theirs = ok(auditors["vsse"].get(url))["accesses"]
    assert any(a["note"] == w.ids["ltf_note"] for a in theirs)
    assert len([a for a in theirs if a["seq"] in whole]) < len(whole)
    assert not any(a["actor"] == w.ids["pieter"] for a in theirs)


def test_an_agency_auditor_exports_its_scope_only(
    scene: tuple[Casework, dict[str, httpx.Client]],
) -> None:
    w, auditors = scene
    lines = auditors["vsse"].get("/api/v1/audit/export").text.splitlines()
    entries = [json.loads(line) for line in lines]
    assert entries
    assert all(_concerns(e, w.ids["vsse"]) for e in entries)
    full = auditors["hub"].get("/api/v1/audit/export").text.splitlines()
    assert len(full) > len(entries)
    assert [json.loads(line)["seq"] for line in full] == list(range(len(full)))


def test_inclusion_proofs_only_for_entries_in_scope(
    scene: tuple[Casework, dict[str, httpx.Client]],
) -> None:
    w, auditors = scene
    size = ok(auditors["hub"].post("/api/v1/audit/checkpoints"), 201)["tree_size"]
    [foreign] = _all(auditors["hub"], action="exchange:view", member=w.ids["pieter"])
    [own] = _all(auditors["vsse"], action="note:create", member=w.ids["karim"])
    proof = "/api/v1/audit/proofs/inclusion"
    denied = auditors["vsse"].get(proof, params={"seq": foreign["seq"], "size": size})
    assert denied.status_code == 404
    assert foreign["hash"] not in denied.text
    ok(auditors["vsse"].get(proof, params={"seq": own["seq"], "size": size}))
    ok(auditors["hub"].get(proof, params={"seq": foreign["seq"], "size": size}))
    # The refusal is itself in the log, in the auditor's own scope.
    refusals = _all(auditors["vsse"], action="audit:proof", decision="deny")
    assert refusals
    assert refusals[-1]["reason"] == "out_of_scope"


def test_auditors_reads_are_logged_with_their_scope(
    scene: tuple[Casework, dict[str, httpx.Client]],
) -> None:
    w, auditors = scene
    _all(auditors["politie"], case=w.ids["case"])
    mine = _all(auditors["politie"], action="audit:query", agency=w.ids["politie"])
    assert mine
    assert {e["reason"] for e in mine} == {"agency"}
    hubs = _all(auditors["hub"], action="audit:query", agency=w.ids["stad"])
    assert {e["reason"] for e in hubs} == {"hub_wide"}
