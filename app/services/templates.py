"""Note templates: typed fields, each with a sensitivity class and optional classification."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import NoteTemplate
from app.errors import NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.vocabulary import Clearance, FieldType, Sensitivity
from app.services.authz import event_for
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.pagination import Page, paginate


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


def specs_of(template: NoteTemplate) -> dict[str, FieldSpec]:
    """A template's fields by name."""
    return {f["name"]: FieldSpec.from_json(f) for f in template.fields}


async def create_template(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    key: str,
    title: str,
    fields: list[FieldSpec],
) -> NoteTemplate:
    """A new template, or a new version of an existing key (notes keep their own version)."""
    hub.authz.require(ctx, Permission.TEMPLATE_MANAGE, Resource(ResourceKind.TEMPLATE), hide=False)
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise ValidationFailed("field names must be unique within a template")
    for spec in fields:
        if spec.type in (FieldType.CHOICE, FieldType.CHECKLIST) and not spec.choices:
            raise ValidationFailed(f"field {spec.name!r} needs choices")
    latest = await session.scalar(
        select(func.max(NoteTemplate.version)).where(NoteTemplate.key == key)
    )
    template = NoteTemplate(
        id=uuid.uuid4(),
        key=key,
        version=(latest or 0) + 1,
        title=title,
        fields=[f.to_json() for f in fields],
    )
    session.add(template)
    await hub.record(session, ctx, event_for(ctx, "template:create", object_id=template.id))
    return template


async def get_template(session: AsyncSession, template_id: uuid.UUID) -> NoteTemplate:
    """A template by id."""
    template = await session.get(NoteTemplate, template_id)
    if template is None:
        raise NotFound()
    return template


async def list_templates(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> Page[NoteTemplate]:
    """All templates, paged."""
    return await paginate(
        session,
        select(NoteTemplate),
        created_at=NoteTemplate.created_at,
        row_id=NoteTemplate.id,
        limit=limit,
        cursor=cursor,
    )
