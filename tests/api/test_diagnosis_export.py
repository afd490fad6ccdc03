"""The municipal diagnosis as CSV and printable HTML, in Dutch and French, through HTTP.

Both are read from the one publication the strategic counts answer from: every count in them is
what the JSON shows for the same cell ("<5", "suppressed" or a count of 5 or more), never a
number under 5. The CSV guards against formula injection; the HTML escapes what it shows, runs
no script and loads nothing from elsewhere. Each export is logged; the same people as the counts
read it, others get 403 or 404.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.live import LiveHub
from tests.support.strategic import Town, refused, town
from tests.support.world import member, ok

YEAR = datetime.now(UTC).year
DIMENSIONS = ("total", "ocad_category", "case_status", "agency_kind", "outcome")
SHOWN = {
    "nl": {"<5": "<5", "suppressed": "verborgen", "withheld": "niet gepubliceerd"},
    "fr": {"<5": "<5", "suppressed": "masqué", "withheld": "non publié"},
}
COLUMN = {"nl": "Aantal", "fr": "Nombre"}


def _sql_id(hub: LiveHub, value: str) -> str:
    return value.replace("-", "") if hub.database.backend == "sqlite" else value


def _spread(t: Town) -> None:
    """20 cases, 5 signalled in each quarter of this year (so that some counts are shown)."""
    t.add_cases(20)
    for i, case_id in enumerate(t.cases):
        month = 3 * (i % 4) + 2
        t.hub.database.execute(
            f"UPDATE cases SET created_at = '{YEAR}-{month:02d}-15 10:00:00+00:00' "  # noqa: S608
            f"WHERE id = '{_sql_id(t.hub, case_id)}'"
        )
    t.close(t.cases[0])
    t.close(t.cases[1])


def _json(t: Town) -> dict[tuple[str, str], str]:
    """Every (period, value) of this year as the JSON counts show it."""
    out: dict[tuple[str, str], str] = {}
    for dimension in DIMENSIONS:
        for granularity in ("year", "quarter"):
            params = {"dimension": dimension, "granularity": granularity}
            body = ok(t.as_(t.reader).get(t.path("counts"), params=params))
            for r in body["rows"]:
                shown = str(r["count"]) if r["shown"] == "count" else r["shown"]
                out[(dimension, r["period"], r["value"])] = shown  # type: ignore[index]
    return out


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _priorities(t: Town, text: str) -> None:
    body = {
        "introduction": {"nl": "Inleiding", "fr": "Introduction"},
        "priorities": [
            {"theme": "online_polarisation", "text": {"nl": text, "fr": text}},
            {"theme": "primary_prevention", "text": {"nl": "=1+2", "fr": "@SUM(A1)"}},
        ],
    }
    ok(t.as_(t.chair).put(t.path(f"priorities/{YEAR}"), json=body))


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_no_count_under_5_by_any_route_and_the_same_as_the_json(hub: LiveHub, lang: str) -> None:
    t = town(hub)
    _spread(t)
    expected = _json(t)
    assert any(v.isdigit() for v in expected.values())  # some counts are shown
    assert all(int(v) >= 5 for v in expected.values() if v.isdigit())
    response = t.as_(t.reader).get(t.path("diagnosis.csv"), params={"year": YEAR, "lang": lang})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = _rows(response.text)
    assert rows[0][3] == COLUMN[lang]
    counts = [r for r in rows[1:] if len(r) == 4 and re.fullmatch(r"\d{4}(-Q\d)?", r[0])]
    # One row per cell of this year: each dimension's values, for the year and each quarter.
    assert len(counts) == len(expected)
    numbers = [int(r[3]) for r in counts if r[3].isdigit()]
    assert numbers
    assert min(numbers) >= 5
    shown_csv = sorted(r[3] for r in counts)
    shown_json = sorted(v if v.isdigit() else SHOWN[lang][v] for v in expected.values())
    assert shown_csv == shown_json
    page = t.as_(t.reader).get(t.path("diagnosis.html"), params={"year": YEAR, "lang": lang})
    assert page.status_code == 200
    found = re.findall(r'<td class="count">([^<]*)</td>', page.text)
    cells = [html.unescape(c) for c in found]
    assert sorted(cells) == shown_json
    # No number under 5 anywhere in a count cell, by any route.
    assert all(int(c) >= 5 for c in cells if c.isdigit())


def test_the_page_escapes_runs_no_script_and_loads_nothing(hub: LiveHub) -> None:
    t = town(hub, 5)
    _priorities(t, '<script>alert("x")</script><img src="https://evil.example/p.png">')
    page = t.as_(t.reader).get(t.path("diagnosis.html"), params={"lang": "fr"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # falls back to 'none'
    [style] = re.findall(r"<style>(.*?)</style>", page.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy  # only the page's own style applies
    assert "<script" not in page.text
    assert "<img" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert not re.search(r"<[^>]*\s(src|href)=", page.text)  # no tag loads anything
    assert '<html lang="fr">' in page.text
    assert "Polarisation en ligne" in page.text


def test_the_csv_guards_against_formula_injection_and_carries_the_priorities(
    hub: LiveHub,
) -> None:
    t = town(hub, 5)
    _priorities(t, "-2+3 mieux")
    text = t.as_(t.reader).get(t.path("diagnosis.csv"), params={"lang": "nl"}).text
    rows = _rows(text)
    assert ["Prioriteiten", "Thema", "", ""] in rows
    themes = {r[1]: r[3] for r in rows if len(r) == 4 and r[1] in ("Online polarisering",)}
    assert themes == {"Online polarisering": "'-2+3 mieux"}
    assert [str(YEAR), "Primaire preventie", "", "'=1+2"] in rows
    assert all(not c or c[0] not in "=+-@" for r in rows for c in r)
    french = _rows(t.as_(t.reader).get(t.path("diagnosis.csv"), params={"lang": "fr"}).text)
    assert [str(YEAR), "Prévention primaire", "", "'@SUM(A1)"] in french


def test_only_the_strategic_cells_members_export_and_each_export_is_logged(
    hub: LiveHub,
) -> None:
    t = town(hub, 5)
    for tail in ("diagnosis.csv", "diagnosis.html"):
        assert t.as_(t.reader).get(t.path(tail)).status_code == 200
        seated = member(hub, t.stad, "case_worker")
        refused(t.as_(seated).get(t.path(tail)), 403, "not_invited_to_strategic_cell")
        refused(hub.admin.get(t.path(tail)), 403, "not_invited_to_strategic_cell")
        refused(t.as_(t.worker).get(t.path(tail, t.case_cell)), 403, "not_a_strategic_cell")
        other = town(hub)
        refused(t.as_(other.chair).get(t.path(tail)), 404)
        refused(t.as_(t.reader).get(t.path(tail, str(uuid.uuid4()))), 404)
        for params in ({"year": 2017}, {"year": YEAR + 1}, {"lang": "de"}, {"year": "x"}):
            refused(t.as_(t.reader).get(t.path(tail), params=params), 422)
    auditor = hub.client(member(hub, t.stad, "hub_auditor"))

    def entries(action: str, **params: Any) -> list[dict[str, Any]]:
        page = ok(auditor.get("/api/v1/audit/entries", params={"action": action, **params}))
        return [e for e in page["items"] if e["cell"] == t.strategic]

    for export in ("csv", "html"):
        [allowed] = entries(f"strategy:diagnosis_{export}", decision="allow")
        assert allowed["actor"] == t.reader
        denials = entries(f"strategy:diagnosis_{export}", decision="deny")
        assert {e["reason"] for e in denials} >= {"not_invited_to_strategic_cell", "not_found"}
