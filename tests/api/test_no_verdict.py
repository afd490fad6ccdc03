"""Rule 14 over the whole API: the signals instrument records observations, and nothing else.

No score, ranking or verdict is computed or stored (no column, no response property), no
parameter of any operation names an indicator or an answer, nothing sorts or filters by them, and
listings never show an answer: answers are only ever inside the note's own (sealed, then
decrypted for its readers) fields.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from app.db.base import Base
from app.services.template_files import shipped_catalogue
from tests.api.test_no_plaintext import _database_bytes
from tests.support.live import LiveHub
from tests.support.shipped import shipped
from tests.support.world import ok, team

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
SIGNALS = next(s for s in shipped_catalogue() if s.key == "signals")
# The instrument's items (indicators and protective factors) and its answers.
ITEMS = {f["name"] for f in SIGNALS.fields if f["type"] == "record"}
ANSWERS = {
    c for f in SIGNALS.fields for p in f["parts"] if p["name"] == "status" for c in p["choices"]
}
JUDGING = re.compile(r"sort|order|rank|score|risk|verdict|signal|indicator|observ|answer|rating")


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method == "parameters":
                continue
            yield path, method, {**op, "parameters": shared + op.get("parameters", [])}


def _enums(schema: Any, spec: dict[str, Any]) -> Iterator[str]:
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            yield from _enums(spec["components"]["schemas"][name], spec)
        yield from (str(v) for v in schema.get("enum", ()))
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, ()):
                yield from _enums(sub, spec)
        if "items" in schema:
            yield from _enums(schema["items"], spec)


def test_the_vocabulary_is_what_the_instrument_ships() -> None:
    assert {"social_isolation", "travel_plans", "family_bonds", "leisure"} <= ITEMS
    assert ANSWERS == {"observed", "not_observed", "unknown"}


def test_no_parameter_of_any_operation_names_an_item_or_an_answer() -> None:
    spec = yaml.safe_load(OPENAPI.read_text())
    seen = 0
    for path, method, op in _operations(spec):
        for param in op["parameters"]:
            seen += 1
            name = param["name"].lower()
            where = f"{method.upper()} {path} ?{name}"
            assert name not in ITEMS | ANSWERS, where
            assert not JUDGING.search(name), f"{where}: nothing sorts or ranks by observations"
            assert not set(_enums(param.get("schema"), spec)) & (ITEMS | ANSWERS), where
    assert seen > 40  # the walk saw the API


def test_no_response_or_column_holds_a_score_or_an_answer() -> None:
    spec = yaml.safe_load(OPENAPI.read_text())
    for name, schema in spec["components"]["schemas"].items():
        for prop in schema.get("properties", {}):
            assert prop not in ITEMS | ANSWERS, (name, prop)
            assert not re.search(r"score|rank|verdict|risk", prop), (name, prop)
    for table in Base.metadata.tables.values():
        for column in table.columns:
            assert not re.search(r"score|rank|verdict|risk|signal", column.name), column


def test_listings_never_show_answers(hub: LiveHub) -> None:
    t = team(hub)
    marker = f"MARKER-signals-{uuid.uuid4().hex}"
    answers = {
        "context": marker,
        "social_isolation": {"status": "observed", "comment": marker},
        "online_propaganda": {"status": "not_observed", "source": "youth_work"},
        "leisure": {"status": "unknown"},
    }
    signals = shipped(t.worker, "signals")["id"]
    note = ok(
        t.worker.post(
            f"/api/v1/cases/{t.case_id}/notes", json={"template_id": signals, "fields": answers}
        ),
        201,
    )
    assert ok(t.worker.get(f"/api/v1/notes/{note['id']}"))["fields"] == answers  # its own reader
    plain = ok(t.worker.get("/api/v1/cases", params={"cell_id": t.cell_id}))
    listings = [
        plain,
        ok(t.worker.get(f"/api/v1/cases/{t.case_id}")),
        ok(t.worker.get(f"/api/v1/cases/{t.case_id}/notes")),
        ok(t.worker.get(f"/api/v1/notes/{note['id']}/versions")),
    ]
    for listing in listings:
        text = str(listing)
        assert marker not in text
        assert not re.search(r"not_observed|'observed'|'unknown'", text), text
        assert "social_isolation" not in text
    # Asking to sort or filter by an answer changes nothing: no such parameter exists.
    for params in ({"social_isolation": "observed"}, {"sort": "social_isolation"}):
        asked = ok(t.worker.get("/api/v1/cases", params={"cell_id": t.cell_id, **params}))
        assert asked == plain
    assert marker.encode() not in _database_bytes(hub)
