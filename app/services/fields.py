"""Typed note values: checked against the template, JSON-encoded before sealing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.errors import ValidationFailed
from app.policies.vocabulary import FieldType
from app.services.templates import FieldSpec

MAX_TEXT = 20_000


def _bad(name: str, why: str) -> ValidationFailed:
    # Names the field and the rule, never the value (it may be personal data).
    return ValidationFailed(f"field {name!r}: {why}", extra={"field": name})


def _check_value(spec: FieldSpec, value: Any) -> Any:
    kind = spec.type
    if kind is FieldType.TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise _bad(spec.name, f"expected text of at most {MAX_TEXT} characters")
        return value
    if kind is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise _bad(spec.name, "expected true or false")
        return value
    if kind is FieldType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**53:
            raise _bad(spec.name, "expected an integer")
        return value
    if kind is FieldType.DATE:
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise _bad(spec.name, "expected a date as YYYY-MM-DD") from None
    if kind is FieldType.CHOICE:
        if value not in spec.choices:
            raise _bad(spec.name, "expected one of the template's choices")
        return value
    if not isinstance(value, list) or any(v not in spec.choices for v in value):
        raise _bad(spec.name, "expected a list of the template's choices")
    return sorted(set(value))


def encode_fields(specs: Mapping[str, FieldSpec], values: Mapping[str, Any]) -> dict[str, str]:
    """Validate every value and JSON-encode it; unknown or missing required fields fail."""
    unknown = sorted(set(values) - set(specs))
    if unknown:
        raise ValidationFailed("fields not in the template", extra={"fields": unknown})
    missing = sorted(n for n, s in specs.items() if s.required and values.get(n) is None)
    if missing:
        raise ValidationFailed("required fields are missing", extra={"fields": missing})
    return {
        name: json.dumps(_check_value(specs[name], value), ensure_ascii=False)
        for name, value in values.items()
        if value is not None
    }


def decode_fields(opened: Mapping[str, str]) -> dict[str, Any]:
    """Back from the sealed JSON form."""
    return {name: json.loads(raw) for name, raw in opened.items()}
