"""Typed note values: checked against the template, JSON-encoded before sealing.

A record (or a list of records) is one field: its parts are checked one by one, and the whole
value is sealed together under the field's sensitivity class.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from app.errors import ValidationFailed
from app.policies.vocabulary import FieldType
from app.services.templates import FieldSpec, PartSpec

MAX_TEXT = 20_000


def _bad(name: str, why: str) -> ValidationFailed:
    # Names the field and the rule, never the value (it may be personal data).
    return ValidationFailed(f"field {name!r}: {why}", extra={"field": name})


def _check_scalar(name: str, kind: FieldType, choices: Sequence[str], value: Any) -> Any:
    if kind is FieldType.TEXT:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise _bad(name, f"expected text of at most {MAX_TEXT} characters")
        return value
    if kind is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise _bad(name, "expected true or false")
        return value
    if kind is FieldType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**53:
            raise _bad(name, "expected an integer")
        return value
    if kind is FieldType.DATE:
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise _bad(name, "expected a date as YYYY-MM-DD") from None
    if kind is FieldType.AGENCY:
        try:
            return str(uuid.UUID(value))
        except (TypeError, ValueError, AttributeError):
            raise _bad(name, "expected an agency id") from None
    if kind is FieldType.CHOICE:
        if not isinstance(value, str) or value not in choices:
            raise _bad(name, "expected one of the template's choices")
        return value
    if not isinstance(value, list) or any(
        not isinstance(v, str) or v not in choices for v in value
    ):
        raise _bad(name, "expected a list of the template's choices")
    return sorted(set(value))


def _check_record(spec: FieldSpec, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(spec.name, "expected an object with the template's parts")
    parts: dict[str, PartSpec] = {p.name: p for p in spec.parts}
    unknown = sorted(set(value) - set(parts))
    if unknown:
        raise _bad(spec.name, f"parts not in the template: {unknown}")
    missing = sorted(n for n, p in parts.items() if p.required and value.get(n) is None)
    if missing:
        raise _bad(spec.name, f"required parts are missing: {missing}")
    return {
        name: _check_scalar(f"{spec.name}.{name}", parts[name].type, parts[name].choices, part)
        for name, part in sorted(value.items())
        if part is not None
    }


def _check_value(spec: FieldSpec, value: Any) -> Any:
    if spec.type is FieldType.RECORD:
        return _check_record(spec, value)
    if spec.type is FieldType.RECORDS:
        if not isinstance(value, list) or len(value) > spec.item_limit:
            raise _bad(spec.name, f"expected a list of at most {spec.item_limit} records")
        return [_check_record(spec, item) for item in value]
    return _check_scalar(spec.name, spec.type, spec.choices, value)


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


def agency_references(
    specs: Mapping[str, FieldSpec], encoded: Mapping[str, str]
) -> dict[str, set[uuid.UUID]]:
    """The agency ids each field of validated values names (they must exist)."""
    found: dict[str, set[uuid.UUID]] = {}
    for name, raw in encoded.items():
        spec = specs[name]
        if spec.type is FieldType.AGENCY:
            found.setdefault(name, set()).add(uuid.UUID(json.loads(raw)))
            continue
        if spec.type not in (FieldType.RECORD, FieldType.RECORDS):
            continue
        value = json.loads(raw)
        records = value if isinstance(value, list) else [value]
        for part in spec.parts:
            if part.type is FieldType.AGENCY:
                ids = {uuid.UUID(r[part.name]) for r in records if part.name in r}
                if ids:
                    found.setdefault(name, set()).update(ids)
    return found


def decode_fields(opened: Mapping[str, str]) -> dict[str, Any]:
    """Back from the sealed JSON form."""
    return {name: json.loads(raw) for name, raw in opened.items()}
