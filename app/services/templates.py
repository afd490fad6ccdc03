"""Note templates: typed fields, each with a sensitivity class and optional classification."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries import notes as queries
from app.db.queries.notes import TemplateRow
from app.db.queries.pagination import Page, paginate_rows
from app.db.queries.tables import templates as template_table
from app.errors import NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.vocabulary import Clearance, FieldType, Sensitivity
from app.services.authz import event_for
from app.services.context import RequestContext
from app.services.hub import Hub


@dataclass(frozen=True)
class FieldSpec:
    """One typed field of a template."""

    name: str
    label: str
    type: FieldType
    sensitivity: Sensitivity
    classification: Clearance | None = None
    required: bool = False
    choices: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type.value,
            "sensitivity": self.sensitivity.value,
            "classification": None
            if self.classification is None
            else self.classification.name.lower(),
            "required": self.required,
            "choices": list(self.choices),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldSpec:
        """Back from the stored form."""
        level = data.get("classification")
        return cls(
            name=data["name"],
            label=data["label"],
            type=FieldType(data["type"]),
            sensitivity=Sensitivity(data["sensitivity"]),
            classification=None if level is None else Clearance[level.upper()],
            required=bool(data.get("required", False)),
            choices=tuple(data.get("choices", ())),
        )


# Templates never change (a change is a new template, with a new id): their parsed specs are
# kept by id. Field names and classes only, nothing personal.
_SPECS: dict[uuid.UUID, dict[str, FieldSpec]] = {}
_SPECS_MAX = 1024


def specs_of(template: TemplateRow) -> dict[str, FieldSpec]:
    """A template's fields by name."""
    return specs_for(template.id, template.fields)


def specs_for(template_id: uuid.UUID, fields: list[dict[str, Any]]) -> dict[str, FieldSpec]:
    """The fields by name of the template with this id (whose stored fields are ``fields``)."""
    found = _SPECS.get(template_id)
    if found is None:
        found = specs_from(fields)
        if len(_SPECS) >= _SPECS_MAX:
            _SPECS.clear()
        _SPECS[template_id] = found
    return found


def specs_from(fields: list[dict[str, Any]]) -> dict[str, FieldSpec]:
    """Fields by name, from their stored form."""
    return {f["name"]: FieldSpec.from_json(f) for f in fields}


async def create_template(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    key: str,
    title: str,
    fields: list[FieldSpec],
) -> TemplateRow:
    """A new template, or a new version of an existing key (notes keep their own version)."""
    hub.authz.require(ctx, Permission.TEMPLATE_MANAGE, Resource(ResourceKind.TEMPLATE), hide=False)
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise ValidationFailed("field names must be unique within a template")
    for spec in fields:
        if spec.type in (FieldType.CHOICE, FieldType.CHECKLIST) and not spec.choices:
            raise ValidationFailed(f"field {spec.name!r} needs choices")
    template = TemplateRow(
        id=uuid.uuid4(),
        key=key,
        version=await queries.latest_template_version(session, key) + 1,
        title=title,
        fields=[f.to_json() for f in fields],
        created_at=ctx.now,
    )
    await queries.add_template(session, template)
    await hub.record(session, ctx, event_for(ctx, "template:create", object_id=template.id))
    return template


async def get_template(session: AsyncSession, template_id: uuid.UUID) -> TemplateRow:
    """A template by id."""
    template = await queries.template(session, template_id)
    if template is None:
        raise NotFound()
    return template


async def list_templates(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> Page[TemplateRow]:
    """All templates, paged."""
    return await paginate_rows(
        session,
        queries.all_templates(),
        queries.template_row,
        created_at=template_table.c.created_at,
        row_id=template_table.c.id,
        limit=limit,
        cursor=cursor,
    )
