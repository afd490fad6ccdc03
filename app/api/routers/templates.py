"""/api/v1/templates: typed note templates, labelled in English, Dutch and French."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import template_out
from app.api.schemas.common import Cursor, Limit, Page
from app.api.schemas.templates import FieldSpecIn, PartSpecIn, TemplateIn, TemplateOut
from app.policies.vocabulary import Clearance, FieldType, Language
from app.services import templates
from app.services.templates import FieldSpec, PartSpec

router = APIRouter(tags=["templates"])

Lang = Annotated[
    Language | None,
    Query(description="language of titles and labels (else Accept-Language, else English)"),
]
AcceptLanguage = Annotated[str | None, Header(max_length=200)]
TemplateKey = Annotated[str, Path(max_length=80, pattern="^[a-z][a-z0-9_-]{0,79}$")]
VersionNumber = Annotated[int, Path(ge=1, le=2_147_483_647)]


def language(lang: Language | None, accept_language: str | None) -> Language | None:
    """``lang`` if given, else the first language of Accept-Language the templates speak."""
    if lang is not None:
        return lang
    ranked: list[tuple[float, int, Language]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().split("-")[0].lower()
        if quality > 0 and primary in {item.value for item in Language}:
            ranked.append((-quality, position, Language(primary)))
    return min(ranked)[2] if ranked else None


def _part(p: PartSpecIn) -> PartSpec:
    return PartSpec(
        name=p.name,
        label=p.label,
        type=FieldType(p.type),
        required=p.required,
        choices=tuple(p.choices),
        labels={k.value: v for k, v in p.labels.items()},
        choice_labels={c: {k.value: v for k, v in ls.items()} for c, ls in p.choice_labels.items()},
    )


def _spec(f: FieldSpecIn) -> FieldSpec:
    return FieldSpec(
        name=f.name,
        label=f.label,
        type=f.type,
        sensitivity=f.sensitivity,
        classification=None if f.classification is None else Clearance[f.classification.upper()],
        required=f.required,
        choices=tuple(f.choices),
        labels={k.value: v for k, v in f.labels.items()},
        choice_labels={c: {k.value: v for k, v in ls.items()} for c, ls in f.choice_labels.items()},
        parts=tuple(_part(p) for p in f.parts),
        max_items=f.max_items,
    )


@router.post("/templates", status_code=status.HTTP_201_CREATED)
async def create_template(
    body: TemplateIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> TemplateOut:
    """A template or a new version of one (hub admin); shipped keys change only by new files."""
    template = await templates.create_template(
        session,
        ctx,
        hub,
        key=body.key,
        title=body.title,
        titles={k.value: v for k, v in body.titles.items()} or None,
        fields=[_spec(f) for f in body.fields],
    )
    return template_out(template)


@router.get("/templates")
async def list_templates(
    session: SessionDep,
    ctx: ContextDep,
    key: Annotated[
        str | None, Query(max_length=80, pattern="^[a-z][a-z0-9_-]{0,79}$", description="one key")
    ] = None,
    writable: Annotated[
        bool,
        Query(
            description="only templates whose authors include you (your roles and your agency's "
            "kind); whether you may write on a given case is decided when you write. A page may "
            "then hold fewer than `limit` items: follow `next_cursor` to the end"
        ),
    ] = False,
    lang: Lang = None,
    accept_language: AcceptLanguage = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TemplateOut]:
    """Every template version (or every version of one key), labelled in the language asked for."""
    writer = ctx.principal if writable else None
    page = await templates.list_templates(
        session, key=key, limit=limit, cursor=cursor, writer=writer
    )
    chosen = language(lang, accept_language)
    return Page(items=[template_out(t, chosen) for t in page.items], next_cursor=page.next_cursor)


@router.get("/templates/{template_id}")
async def get_template(
    template_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    lang: Lang = None,
    accept_language: AcceptLanguage = None,
) -> TemplateOut:
    """One template version, by id (the id a note names)."""
    template = await templates.get_template(session, template_id)
    return template_out(template, language(lang, accept_language))


@router.get("/templates/{key}/versions/{version}")
async def get_template_version(
    key: TemplateKey,
    version: VersionNumber,
    session: SessionDep,
    ctx: ContextDep,
    lang: Lang = None,
    accept_language: AcceptLanguage = None,
) -> TemplateOut:
    """One version of a template key."""
    template = await templates.get_template_version(session, key, version)
    return template_out(template, language(lang, accept_language))
