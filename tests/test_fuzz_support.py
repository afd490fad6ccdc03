"""The fuzz run's own judgement (tests/support/fuzz.py), without a hub: what it flags and mutates."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from tests.support.fuzz import (
    _max_lengths,
    _not_a_problem,
    _offset_datetime,
    _strings,
    load_schema,
)


def _response(status: int, content_type: str, body: Any) -> SimpleNamespace:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return SimpleNamespace(
        status_code=status,
        headers={"content-type": [content_type]} if content_type else {},
        content=content,
        text=content.decode(errors="replace"),
    )


PROBLEM = {"type": "urn:livc-hub:problem:not-found", "title": "Not found", "status": 404}


def test_a_problem_passes() -> None:
    assert _not_a_problem(_response(404, "application/problem+json", PROBLEM)) is None


@pytest.mark.parametrize(
    ("content_type", "body", "why"),
    [
        ("application/json", PROBLEM, "content-type 'application/json'"),
        ("text/plain", b"Internal Server Error", "content-type 'text/plain'"),
        ("", b"", "content-type '(none)'"),
        ("application/problem+json", b"<html>", "not JSON"),
        ("application/problem+json", [PROBLEM], "not an object"),
        ("application/problem+json", {**PROBLEM, "status": 500}, "differs from 404"),
        ("application/problem+json", {"status": 404, "title": "x"}, "without a type"),
    ],
)
def test_an_error_that_is_not_a_problem_is_flagged(content_type: str, body: Any, why: str) -> None:
    reason = _not_a_problem(_response(404, content_type, body))
    assert reason is not None
    assert why in reason


def test_only_date_times_with_an_offset_are_made_naive() -> None:
    assert _offset_datetime("2026-01-09T10:00:00Z") is not None
    assert _offset_datetime("2026-01-09T10:00:00+01:00") is not None
    assert _offset_datetime("2026-01-09T10:00:00") is None
    assert _offset_datetime("2026-01-09") is None
    assert _offset_datetime("T for text") is None


def test_max_lengths_are_read_from_bodies_and_queries() -> None:
    limits = _max_lengths(load_schema().raw_schema)
    assert limits["POST /api/v1/cells"][("body", ("municipality",))] == 120  # its column
    assert limits["GET /api/v1/audit/entries"][("query", ("action",))] == 60
    assert limits["GET /healthz"] == {}


def test_every_string_of_a_body_is_found_with_its_path() -> None:
    body = {"a": "x", "b": [1, "y", {"c": "z"}], "d": None}
    assert list(_strings(body, ())) == [(("a",), "x"), (("b", 1), "y"), (("b", 2, "c"), "z")]
