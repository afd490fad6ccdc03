"""Request schemas and columns agree: no request field can hold more than the column it fills.

Every text-bearing field of every request body (each ``Input`` model the API accepts) is either
mapped to the String column it is stored in, or listed with where it goes instead (sealed, inside
a JSON document, converted). A new field fails here until it is classified; a mapped field fails
when its schema lets through a longer value (or a longer enum value) than its column holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, String

from app.api.app import create_app
from app.api.schemas.common import Input
from app.db.base import Base
from app.db.models import Agency, Cell, Exchange, Grant, Member, NoteTemplate, Release, WorkingGroup

STORED: dict[tuple[str, str], Any] = {
    ("AgencyIn", "name"): Agency.name,
    ("AgencyIn", "kind"): Agency.kind,
    ("AgencyIn", "secrecy_regime"): Agency.secrecy_regime,
    ("AgencyIn", "approver_role"): Agency.approver_role,
    ("AgencyPatch", "approver_role"): Agency.approver_role,
    ("MemberIn", "display_name"): Member.display_name,
    ("MemberIn", "kind"): Member.kind,
    ("MemberIn", "username"): Member.username,
    ("MemberPatch", "status"): Member.status,
    ("CellIn", "kind"): Cell.kind,
    ("CellIn", "name"): Cell.name,
    ("CellIn", "municipality"): Cell.municipality,
    ("WorkingGroupIn", "name"): WorkingGroup.name,
    ("TemplateIn", "key"): NoteTemplate.key,
    ("TemplateIn", "title"): NoteTemplate.title,
    ("CaseIn", "status"): "cases.status",
    ("CasePatch", "status"): "cases.status",
    ("CategoryIn", "category"): "subjects.ocad_category",
    ("ExchangeIn", "purpose"): Exchange.purpose,
    ("ExchangeIn", "legal_basis"): Exchange.legal_basis,
    ("ReleaseIn", "fields"): Release.field,
    ("ReleaseIn", "sensitivities"): Release.sensitivity,
    ("GrantIn", "role"): Grant.role,
    ("GrantIn", "field"): Grant.field,
    ("GrantIn", "sensitivity"): Grant.sensitivity,
    # A template field's name is what releases and grants store.
    ("FieldSpecIn", "name"): Release.field,
    ("AttendanceEntry", "attendance"): "meeting_invitees.attendance",
    ("RecurrenceIn", "frequency"): "meeting_series.frequency",
    ("CellSeatIn", "seat"): "cell_members.seat",
    ("RefusalIn", "reason"): "feedback_votes.reason",
}

NOT_A_COLUMN = {
    ("MemberIn", "roles"): "a JSON array of role names",
    ("PasswordChangeIn", "current_password"): "compared with the argon2id hash, never stored",
    ("PasswordChangeIn", "new_password"): "stored only as its argon2id hash",
    ("MemberPatch", "roles"): "a JSON array of role names",
    ("MemberIn", "clearance"): "stored as an integer level",
    ("MemberPatch", "clearance"): "stored as an integer level",
    ("TemplateIn", "fields"): "the template's JSON document",
    ("FieldSpecIn", "label"): "the template's JSON document",
    ("FieldSpecIn", "type"): "the template's JSON document",
    ("FieldSpecIn", "sensitivity"): "the template's JSON document",
    ("FieldSpecIn", "classification"): "the template's JSON document",
    ("FieldSpecIn", "choices"): "the template's JSON document",
    ("SubjectIn", "name"): "sealed under the agency key",
    ("SubjectIn", "national_register_number"): "sealed; only a keyed hash is indexed",
    ("NoteIn", "fields"): "sealed per field",
    ("NoteUpdate", "fields"): "sealed per field",
    ("CasePatch", "outcomes"): "closed lists (axis, outcome) into case_outcomes (30 each)",
    ("TemplateIn", "titles"): "a JSON object of titles by language",
    ("FieldSpecIn", "labels"): "the template's JSON document",
    ("FieldSpecIn", "choice_labels"): "the template's JSON document",
    ("FieldSpecIn", "parts"): "the template's JSON document",
    ("PartSpecIn", "name"): "the template's JSON document (parts are released with their field)",
    ("PartSpecIn", "label"): "the template's JSON document",
    ("PartSpecIn", "type"): "the template's JSON document",
    ("PartSpecIn", "choices"): "the template's JSON document",
    ("PartSpecIn", "labels"): "the template's JSON document",
    ("PartSpecIn", "choice_labels"): "the template's JSON document",
    ("IntakeIn", "person"): "a nested PersonIn",
    ("IntakeIn", "fields"): "sealed per field (the intake note)",
    ("PersonIn", "name"): "sealed under the agency key",
    ("PersonIn", "national_register_number"): "sealed; only a keyed hash is indexed",
    ("MinutesIn", "fields"): "sealed per field (the minutes note)",
    ("AttendanceIn", "entries"): "nested AttendanceEntry items",
    ("AgendaIn", "items"): "nested AgendaItemIn items (ids only)",
    ("SeriesIn", "recurrence"): "a nested RecurrenceIn",
    ("PrioritiesIn", "introduction"): "sealed with the whole priorities document",
    ("PrioritiesIn", "priorities"): "sealed with the whole priorities document",
    ("PriorityIn", "theme"): "sealed with the whole priorities document",
    ("PriorityIn", "text"): "sealed with the whole priorities document",
    ("Bilingual", "nl"): "sealed with the whole priorities document",
    ("Bilingual", "fr"): "sealed with the whole priorities document",
    ("RefusalIn", "comment"): "sealed under the refusing member's agency key",
    ("FeedbackSheetIn", "fields"): "sealed per field under the police agency's key",
    ("FeedbackSheetIn", "quotes"): "a JSON array of nested QuoteIn references",
    ("QuoteIn", "field"): "a field name inside feedback_sheets.quotes (JSON)",
    ("DeclarationIn", "text_nl"): "a Text column; DeclarationText caps its length",
    ("DeclarationIn", "text_fr"): "a Text column; DeclarationText caps its length",
}


def _column(target: Any) -> Column[Any]:
    if isinstance(target, str):
        table, name = target.split(".")
        return Base.metadata.tables[table].c[name]
    return target.property.columns[0]


def _request_models() -> dict[str, type[Input]]:
    """Every Input model a route of the app accepts, with the ones nested in them."""
    create_app()  # imports every router, and so every schema
    found: dict[str, type[Input]] = {}
    todo = list(Input.__subclasses__())
    while todo:
        model = todo.pop()
        found[model.__name__] = model
        todo.extend(model.__subclasses__())
    return found


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(defs[schema["$ref"].split("/")[-1]], defs)
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        return {**_resolve(options[0], defs), **{k: v for k, v in schema.items() if k != "anyOf"}}
    return schema


_NOT_TEXT = {"uuid", "date", "date-time"}


def _texts(model: type[Input]) -> list[str]:
    """The fields that can carry text: anything but numbers, booleans, ids, dates and times."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    out = []
    for name, prop in schema["properties"].items():
        field = _resolve(prop, defs)
        inner = _resolve(field["items"], defs) if field.get("type") == "array" else field
        kind = inner.get("type")
        if kind in ("integer", "number", "boolean"):
            continue
        if kind == "string" and inner.get("format") in _NOT_TEXT:
            continue
        out.append(name)
    return out


def _longest(field: dict[str, Any], defs: dict[str, Any]) -> int | None:
    inner = _resolve(field["items"], defs) if field.get("type") == "array" else field
    if "enum" in inner:
        return max(len(str(v)) for v in inner["enum"])
    return inner.get("maxLength")


def test_every_text_field_of_every_request_body_is_classified() -> None:
    unclassified = [
        (name, field)
        for name, model in _request_models().items()
        for field in _texts(model)
        if (name, field) not in STORED and (name, field) not in NOT_A_COLUMN
    ]
    assert not unclassified, f"map these to their column or say where they go: {unclassified}"


def test_no_request_field_can_exceed_its_column() -> None:
    models = _request_models()
    too_long = []
    for (name, field), target in STORED.items():
        model = models[name]
        schema = model.model_json_schema()
        prop = _resolve(schema["properties"][field], schema.get("$defs", {}))
        column = _column(target)
        assert isinstance(column.type, String), (name, field)
        assert column.type.length, (name, field)
        longest = _longest(prop, schema.get("$defs", {}))
        if longest is None or longest > column.type.length:
            too_long.append((name, field, longest, f"{column.table.name}.{column.name}"))
    assert not too_long, f"schema allows more than the column holds: {too_long}"


def test_the_check_sees_a_field_that_is_too_long() -> None:
    # The test above would catch the municipality the schema once allowed (200 > 120).
    prop = {"type": "string", "maxLength": 200}
    assert _longest(prop, {}) == 200 > _column(Cell.municipality).type.length  # type: ignore[attr-defined]
    assert _longest({"type": "string", "pattern": "^[a-z]+$"}, {}) is None
    assert _longest({"type": "array", "items": {"enum": ["ab", "abcd"]}}, {}) == 4
