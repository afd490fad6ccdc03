"""Note templates: typed fields, each with a sensitivity class and optional classification.

A template is keyed by (key, version) and never changes: a change is a new version, and a note
keeps the version it was written with. Most templates ship as files in the package
(``app.services.template_files``); a hub admin may add others through the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries import notes as queries
from app.db.queries import orgs as org_queries
from app.db.queries.notes import TemplateRow
from app.db.queries.pagination import Page, paginate_rows
from app.db.queries.tables import templates as template_table
from app.errors import Conflict, NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.authorship import Authors, authorship_refusal
from app.policies.vocabulary import PART_TYPES, Clearance, FieldType, Sensitivity
from app.services.authz import event_for
from app.services.context import Principal, RequestContext
from app.services.hub import Hub

# Records of a "records" field, when the template sets no limit.
DEFAULT_MAX_ITEMS = 50
MAX_ITEMS = 200

Labels = Mapping[str, str]


def _labels_json(labels: Labels) -> dict[str, str]:
    return {lang: labels[lang] for lang in sorted(labels)}


def _choice_labels_json(labels: Mapping[str, Labels]) -> dict[str, dict[str, str]]:
    return {value: _labels_json(labels[value]) for value in sorted(labels)}


@dataclass(frozen=True)
class PartSpec:
    """One typed part of a structured (record) field; parts do not nest."""

    name: str
    label: str
    type: FieldType
    required: bool = False
    choices: tuple[str, ...] = ()
    labels: Labels = field(default_factory=dict)
    choice_labels: Mapping[str, Labels] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type.value,
            "required": self.required,
            "choices": list(self.choices),
            "labels": _labels_json(self.labels),
            "choice_labels": _choice_labels_json(self.choice_labels),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PartSpec:
        """Back from the stored form."""
        return cls(
            name=data["name"],
            label=data["label"],
            type=FieldType(data["type"]),
            required=bool(data.get("required", False)),
            choices=tuple(data.get("choices", ())),
            labels=dict(data.get("labels") or {}),
            choice_labels=dict(data.get("choice_labels") or {}),
        )


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
    labels: Labels = field(default_factory=dict)
    choice_labels: Mapping[str, Labels] = field(default_factory=dict)
    # The parts of a "record" or "records" field; the whole value is sealed as one field.
    parts: tuple[PartSpec, ...] = ()
    # At most this many records in a "records" field (0: DEFAULT_MAX_ITEMS).
    max_items: int = 0

    @property
    def item_limit(self) -> int:
        """How many records a "records" field holds at most."""
        return self.max_items or DEFAULT_MAX_ITEMS

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
            "labels": _labels_json(self.labels),
            "choice_labels": _choice_labels_json(self.choice_labels),
            "parts": [p.to_json() for p in self.parts],
            "max_items": self.max_items,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldSpec:
        """Back from the stored form (older rows lack labels and parts)."""
        level = data.get("classification")
        return cls(
            name=data["name"],
            label=data["label"],
            type=FieldType(data["type"]),
            sensitivity=Sensitivity(data["sensitivity"]),
            classification=None if level is None else Clearance[level.upper()],
            required=bool(data.get("required", False)),
            choices=tuple(data.get("choices", ())),
            labels=dict(data.get("labels") or {}),
            choice_labels=dict(data.get("choice_labels") or {}),
            parts=tuple(PartSpec.from_json(p) for p in data.get("parts") or ()),
            max_items=int(data.get("max_items") or 0),
        )


def _check_choices(where: str, choices: Sequence[str], labels: Mapping[str, Labels]) -> None:
    if len(set(choices)) != len(choices):
        raise ValidationFailed(f"{where}: choices must be unique")
    unknown = sorted(set(labels) - set(choices))
    if unknown:
        raise ValidationFailed(f"{where}: labels for values that are not choices: {unknown}")


def _check_part(owner: str, part: PartSpec) -> None:
    where = f"field {owner!r}, part {part.name!r}"
    if part.type not in PART_TYPES:
        raise ValidationFailed(f"{where}: a part cannot be of type {part.type.value!r}")
    if part.type is FieldType.CHOICE and not part.choices:
        raise ValidationFailed(f"{where} needs choices")
    if part.type is not FieldType.CHOICE and part.choices:
        raise ValidationFailed(f"{where}: only a choice part has choices")
    _check_choices(where, part.choices, part.choice_labels)


def check_fields(fields: Sequence[FieldSpec]) -> None:
    """A template's fields are well formed (the API and the shipped files both pass here)."""
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise ValidationFailed("field names must be unique within a template")
    for spec in fields:
        where = f"field {spec.name!r}"
        structured = spec.type in (FieldType.RECORD, FieldType.RECORDS)
        if spec.type in (FieldType.CHOICE, FieldType.CHECKLIST) and not spec.choices:
            raise ValidationFailed(f"{where} needs choices")
        if spec.choices and spec.type not in (FieldType.CHOICE, FieldType.CHECKLIST):
            raise ValidationFailed(f"{where}: only a choice or checklist field has choices")
        _check_choices(where, spec.choices, spec.choice_labels)
        if structured != bool(spec.parts):
            raise ValidationFailed(f"{where}: a record or records field, and only it, has parts")
        parts = [p.name for p in spec.parts]
        if len(set(parts)) != len(parts):
            raise ValidationFailed(f"{where}: part names must be unique")
        for part in spec.parts:
            _check_part(spec.name, part)
        if spec.max_items and spec.type is not FieldType.RECORDS:
            raise ValidationFailed(f"{where}: only a records field has max_items")
        if not 0 <= spec.max_items <= MAX_ITEMS:
            raise ValidationFailed(f"{where}: max_items is at most {MAX_ITEMS}")


# Templates never change (a change is a new version, with a new id): their parsed specs are
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
    titles: Labels | None = None,
) -> TemplateRow:
    """A new template, or a new version of an existing key (notes keep their own version).

    A key the shipped files maintain gets new versions only from files.
    """
    hub.authz.require(ctx, Permission.TEMPLATE_MANAGE, Resource(ResourceKind.TEMPLATE), hide=False)
    if await queries.is_shipped_key(session, key):
        raise Conflict(
            f"template {key!r} ships with the hub: a new version comes with a new template file"
        )
    check_fields(fields)
    template = TemplateRow(
        id=uuid.uuid4(),
        key=key,
        version=await queries.latest_template_version(session, key) + 1,
        title=title,
        fields=[f.to_json() for f in fields],
        created_at=ctx.now,
        titles=None if titles is None else _labels_json(titles),
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


async def get_template_version(session: AsyncSession, key: str, version: int) -> TemplateRow:
    """One version of a template key."""
    template = await queries.template_version(session, key, version)
    if template is None:
        raise NotFound()
    return template


async def list_templates(
    session: AsyncSession,
    *,
    key: str | None = None,
    limit: int,
    cursor: str | None,
    writer: Principal | None = None,
) -> Page[TemplateRow]:
    """All templates (or every version of one key), paged; with ``writer``, only those whose
    authors include them (the authorship rule notes are written under). A page so filtered may
    hold fewer than ``limit`` items; its cursor goes on where the unfiltered page ended."""
    page = await paginate_rows(
        session,
        queries.all_templates(key),
        queries.template_row,
        created_at=template_table.c.created_at,
        row_id=template_table.c.id,
        limit=limit,
        cursor=cursor,
    )
    if writer is None:
        return page
    kind = writer.agency_kind or await org_queries.agency_kind(session, writer.agency_id)
    kept = [
        t
        for t in page.items
        if authorship_refusal(Authors.from_json(t.authors), roles=writer.roles, agency_kind=kind)
        is None
    ]
    return Page(items=kept, next_cursor=page.next_cursor)
