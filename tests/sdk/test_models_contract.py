"""The SDK's hand-written models against the repository's openapi.yaml, field by field.

Every model names its component schema; its fields, their types and whether each is required must
be the schema's. A change of the hub's contract that the SDK does not follow fails here.
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import yaml
from livc_hub_client import models
from pydantic import BaseModel

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
SCHEMAS: dict[str, Any] = yaml.safe_load(OPENAPI.read_text())["components"]["schemas"]
# pydantic names a model's schema by its class; the contract's page of X is Page_XOut_.
PAGES = {
    "Page_CellOut_": models.Page[models.Cell],
    "Page_CaseOut_": models.Page[models.Case],
    "Page_NoteSummary_": models.Page[models.NoteSummary],
    "Page_TemplateOut_": models.Page[models.Template],
    "EntryPage": models.Page[models.AuditEntry],
    "Page_AgencyOut_": models.Page[models.Agency],
    "Page_MemberOut_": models.Page[models.Member],
    "Page_ProposalOut_": models.Page[models.Proposal],
}
SCALARS = {str: "string", int: "integer", bool: "boolean", float: "number"}
FORMATS = {UUID: "string:uuid", datetime: "string:date-time", date: "string:date"}


def _of_schema(schema: dict[str, Any]) -> str:
    """A normal form of an OpenAPI schema: enums spelled out, refs by name."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = SCHEMAS[name]
        return _of_schema(target) if "enum" in target else f"ref:{name}"
    if "anyOf" in schema:
        return "|".join(sorted(_of_schema(s) for s in schema["anyOf"]))
    if "enum" in schema:
        return "enum:" + ",".join(sorted(schema["enum"]))
    kind = schema.get("type")
    if kind == "array":
        return f"array<{_of_schema(schema['items'])}>"
    if kind == "object" or "additionalProperties" in schema:
        values = schema.get("additionalProperties", True)
        return f"map<{'any' if values is True else _of_schema(values)}>"
    if (
        kind == "string"
        and "format" in schema
        and schema["format"] in {"uuid", "date-time", "date"}
    ):
        return f"string:{schema['format']}"
    assert isinstance(kind, str), schema
    return kind


def _schema_name(model: type[BaseModel]) -> str:
    for name, page in PAGES.items():
        if model is page:
            return name
    name = getattr(model, "__schema__", "")
    assert name, model
    return str(name)


def _of_annotation(annotation: Any) -> str:
    """The same normal form for a model's field annotation."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return "|".join(sorted(_of_annotation(a) for a in args))
    if origin is typing.Literal:
        return "enum:" + ",".join(sorted(args))
    if origin is list:
        return f"array<{_of_annotation(args[0])}>"
    if origin is dict:
        assert args[0] is str, annotation
        return f"map<{'any' if args[1] is Any else _of_annotation(args[1])}>"
    if annotation is type(None):
        return "null"
    if annotation in FORMATS:
        return FORMATS[annotation]
    if annotation in SCALARS:
        return SCALARS[annotation]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"ref:{_schema_name(annotation)}"
    raise AssertionError(f"no contract type for {annotation!r}")


CHECKED: list[type[BaseModel]] = [*models.MODELS, *PAGES.values()]


@pytest.mark.parametrize("model", CHECKED, ids=_schema_name)
def test_model_matches_its_component_schema(model: type[BaseModel]) -> None:
    schema = SCHEMAS[_schema_name(model)]
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    fields = model.model_fields
    assert set(fields) == set(properties), "fields differ from the contract's"
    for name, info in fields.items():
        assert info.is_required() == (name in required), f"{name}: required differs"
        assert _of_annotation(info.annotation) == _of_schema(properties[name]), name


def test_every_model_names_a_schema_of_the_contract() -> None:
    names = [_schema_name(model) for model in CHECKED]
    assert len(set(names)) == len(names)
    assert set(names) <= set(SCHEMAS)


def test_the_contract_check_notices_a_drift() -> None:
    """A model with a field renamed, a type changed or an enum narrowed is caught."""

    class Drifted(models.Model):
        __schema__ = "CaseOut"
        id: UUID
        status: typing.Literal["signalled", "closed"]

    schema = SCHEMAS["CaseOut"]["properties"]
    assert set(Drifted.model_fields) != set(schema)
    status = Drifted.model_fields["status"].annotation
    assert _of_annotation(status) != _of_schema(schema["status"])
    assert _of_annotation(int) != _of_schema(schema["id"])


def test_the_sdk_stands_alone() -> None:
    """Importing the SDK loads nothing of the hub, and it declares httpx and pydantic only."""
    import subprocess
    import sys
    import tomllib

    probe = (
        "import sys, livc_hub_client; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'app', 'sqlalchemy', 'fastapi', 'cryptography', 'jose', 'yaml'}))"
    )
    loaded = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd="/"
    )
    assert loaded.stdout.strip() == "[]"
    project = tomllib.loads((OPENAPI.parent / "sdk/python/pyproject.toml").read_text())["project"]
    assert sorted(d.split(">")[0] for d in project["dependencies"]) == ["httpx", "pydantic"]
