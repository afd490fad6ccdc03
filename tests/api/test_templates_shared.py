"""Shipped templates in a case consultation: a structured field is released, granted and shown
as one field, under the same rules as any other; the LTF fiche flows only to the cleared."""

from __future__ import annotations

from tests.support.casework import casework
from tests.support.live import LiveHub
from tests.support.shipped import shipped
from tests.support.world import ok

OBSERVED = {"status": "observed", "date": "2026-10-01", "source": "youth_work", "comment": "c"}


def test_an_observation_is_shared_whole_and_only_where_granted(hub: LiveHub) -> None:
    w = casework(hub)
    sofie = w.as_("sofie")
    signals = shipped(sofie, "signals")["id"]
    fields = {"social_isolation": OBSERVED, "family_bonds": {"status": "unknown"}}
    note = ok(
        sofie.post(
            f"/api/v1/cases/{w.ids['case']}/notes", json={"template_id": signals, "fields": fields}
        ),
        201,
    )
    w.ids["signals_note"] = note["id"]
    w.release("sofie", "signals_note", sensitivities=["radicalisation_signals"])
    w.grant(member="pieter", note="signals_note", field="social_isolation")
    assert w.seen("pieter") == {"social_isolation": OBSERVED}
    assert "social_isolation" not in w.seen("els")  # not granted to her
    assert "family_bonds" not in w.seen("pieter")  # another class, not released


def test_the_ltf_fiche_reaches_only_participants_cleared_for_it(hub: LiveHub) -> None:
    w = casework(hub)
    els = w.as_("els")  # the information officer, cleared "secret"
    ltf = shipped(els, "ltf_information")["id"]
    note = ok(
        els.post(
            f"/api/v1/cases/{w.ids['case']}/notes",
            json={"template_id": ltf, "fields": {"summary": "LTF-samenvatting"}},
        ),
        201,
    )
    w.ids["fiche"] = note["id"]
    w.release("els", "fiche", fields=["summary"])
    for person in ("pieter", "sofie"):
        w.grant(member=person, note="fiche", field="summary")
    assert w.seen("pieter")["summary"] == "LTF-samenvatting"  # cleared "secret"
    assert "summary" not in w.seen("sofie")  # no clearance (rule 6)
