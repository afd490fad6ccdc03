"""/api/v1/templates: typed note templates."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import template_out
from app.api.schemas.common import Cursor, Limit, Page
from app.api.schemas.templates import TemplateIn, TemplateOut
from app.policies.vocabulary import Clearance
from app.services import templates
from app.services.templates import FieldSpec

router = APIRouter(tags=["templates"])


@router.post("/templates", status_code=status.HTTP_201_CREATED)
async def create_template(
    body: TemplateIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> TemplateOut:
    """A template or a new version of one (hub admin)."""
    specs = [
        FieldSpec(
            name=f.name,
            label=f.label,
            type=f.type,
            sensitivity=f.sensitivity,
            classification=None
            if f.classification is None
            else Clearance[f.classification.upper()],
            required=f.required,
            choices=tuple(f.choices),
        )
        for f in body.fields
    ]
    template = await templates.create_template(
        session, ctx, hub, key=body.key, title=body.title, fields=specs
    )
    return template_out(template)


@router.get("/templates")
async def list_templates(
    session: SessionDep, ctx: ContextDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[TemplateOut]:
    """All templates."""
    page = await templates.list_templates(session, limit=limit, cursor=cursor)
    return Page(items=[template_out(t) for t in page.items], next_cursor=page.next_cursor)


@router.get("/templates/{template_id}")
async def get_template(template_id: uuid.UUID, session: SessionDep, ctx: ContextDep) -> TemplateOut:
    """One template."""
    return template_out(await templates.get_template(session, template_id))
