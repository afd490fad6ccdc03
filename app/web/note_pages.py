"""Cases and notes: the member's cases, a note written from a template as a real form, and a
new version of it (If-Match). Everything is read and written through the API, which checks the
values; the page only places its answer beside the fields."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from livc_hub_client import (
    AsyncClient,
    PreconditionFailed,
    ProblemError,
    ValidationProblem,
)
from livc_hub_client import models as m

from app.web import note_forms
from app.web.bff import api_for
from app.web.lookups import all_agencies
from app.web.messages import problem_text
from app.web.note_problems import FieldProblem, note_problems
from app.web.render import language_of, render
from app.web.session import WebSession, check_csrf, current_session

router = APIRouter(prefix="/ui", include_in_schema=False)

Session = Annotated[WebSession, Depends(current_session)]
TemplateKey = Annotated[str, Query(alias="template", max_length=80)]
_KEY: Final = re.compile(r"^[a-z][a-z0-9_-]{0,79}$")
# Written through their own flows (a feedback sheet by consensus, an intake by POST /intakes).
NOT_FROM_A_FORM: Final = frozenset({"feedback_sheet", "intake"})
MAX_CASES: Final = 500


def _lang(request: Request, session: WebSession) -> m.Language:
    return "fr" if language_of(request, session) == "fr" else "nl"


async def _newest_templates(api: AsyncClient, lang: m.Language) -> list[m.Template]:
    """The newest version of each template the member may write with (the API's authorship
    rule: the LTF fiche for the information officer, the police fiche for the police, ...)."""
    newest: dict[str, m.Template] = {}
    async for template in api.iter_templates(lang=lang, writable=True):
        if template.key in NOT_FROM_A_FORM:
            continue
        if template.key not in newest or newest[template.key].version < template.version:
            newest[template.key] = template
    return sorted(newest.values(), key=lambda t: t.title.lower())


async def _template_by_key(api: AsyncClient, key: str, lang: m.Language) -> m.Template:
    if not _KEY.match(key) or key in NOT_FROM_A_FORM:
        raise HTTPException(status_code=404)
    versions = [t async for t in api.iter_templates(key=key, lang=lang)]
    if not versions:
        raise HTTPException(status_code=404)
    return max(versions, key=lambda t: t.version)


@router.get("/cases")
async def cases(request: Request, session: Session) -> Response:
    """The cases the API lists for the member (the cells their agency sits in)."""
    async with api_for(request, session) as api:
        found: list[m.Case] = []
        async for case in api.iter_cases(limit=100):
            found.append(case)
            if len(found) >= MAX_CASES:
                break
    found.sort(key=lambda c: c.updated_at, reverse=True)
    context = {"session": session, "cases": found, "more": len(found) >= MAX_CASES}
    return render(request, "cases.html", context)


@router.get("/cases/{case_id}")
async def case(case_id: uuid.UUID, request: Request, session: Session) -> Response:
    """One case: the agency's notes on it, the templates to write one, the consultations."""
    lang = _lang(request, session)
    async with api_for(request, session) as api:
        found = await api.get_case(case_id)
        notes = [n async for n in api.iter_notes(case_id)]
        templates = await _newest_templates(api, lang)
        titles = {t.id: t.title for t in templates}
        for note in notes:
            if note.template_id not in titles:
                titles[note.template_id] = (
                    await api.get_template(note.template_id, lang=lang)
                ).title
        exchanges = [x for x in await api.list_exchanges() if x.case_id == case_id]
    context = {
        "session": session,
        "case": found,
        "notes": sorted(notes, key=lambda n: n.updated_at, reverse=True),
        "titles": titles,
        "templates": templates,
        "exchanges": exchanges,
    }
    return render(request, "case.html", context)


def _form_context(
    request: Request,
    session: WebSession,
    template: m.Template,
    form: note_forms.Entered,
    agencies: list[tuple[str, str]],
    **more: Any,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "session": session,
        "template": template,
        "widgets": note_forms.widgets(template, form, _lang(request, session)),
        "form": form,
        "agencies": agencies,
        "problems": {},
        "general": [],
        "conflict": None,
        "conflict_shown": [],
        "etag": None,
        "labels": {spec.name: spec.label for spec in template.fields},
    }
    context.update(more)
    return context


def _refused(
    template: m.Template, exc: ProblemError
) -> tuple[dict[str, list[FieldProblem]], list[str]]:
    if isinstance(exc, ValidationProblem):
        return note_problems(template, exc)
    return {}, [problem_text(exc)]


@router.get("/cases/{case_id}/notes/new")
async def new_note(
    case_id: uuid.UUID, key: TemplateKey, request: Request, session: Session
) -> Response:
    """An empty form of the template's newest version."""
    async with api_for(request, session) as api:
        found = await api.get_case(case_id)
        template = await _template_by_key(api, key, _lang(request, session))
        agencies = await all_agencies(api)
    form = note_forms.with_blank_rows(template, note_forms.Entered())
    context = _form_context(request, session, template, form, agencies, case=found)
    return render(request, "note_form.html", context)


@router.post("/cases/{case_id}/notes/new", dependencies=[Depends(check_csrf)])
async def create_note(
    case_id: uuid.UUID, key: TemplateKey, request: Request, session: Session
) -> Response:
    """Write the note through the API; a refusal shows the form again with the reasons."""
    submitted = await request.form()
    async with api_for(request, session) as api:
        found = await api.get_case(case_id)
        template = await _template_by_key(api, key, _lang(request, session))
        form = note_forms.entered(template, submitted)
        more = submitted.get("more")
        if more is None:
            try:
                note = await api.create_note(
                    case_id, template_id=template.id, fields=note_forms.values(template, form)
                )
            except ProblemError as exc:
                problems, general = _refused(template, exc)
                status = exc.status
            else:
                return RedirectResponse(f"/ui/notes/{note.id}?saved=1", status_code=303)
        else:
            problems, general, status = {}, [], 200
        agencies = await all_agencies(api)
    form = note_forms.with_blank_rows(template, form, more=str(more) if more else None)
    context = _form_context(
        request, session, template, form, agencies, case=found, problems=problems, general=general
    )
    return render(request, "note_form.html", context, status=status)


async def _note_page_data(
    api: AsyncClient, note_id: uuid.UUID, lang: m.Language
) -> tuple[m.Note, m.Template, list[m.Exchange]]:
    note = await api.get_note(note_id)
    template = await api.get_template(note.template_id, lang=lang)
    exchanges = [
        x for x in await api.list_exchanges() if x.case_id == note.case_id and x.you_participate
    ]
    return note, template, exchanges


@router.get("/notes/{note_id}")
async def note(note_id: uuid.UUID, request: Request, session: Session) -> Response:
    """The current version of one of the agency's notes, and where it can be released."""
    async with api_for(request, session) as api:
        found, template, exchanges = await _note_page_data(api, note_id, _lang(request, session))
        versions = await api.note_versions(note_id)
        agencies = dict(await all_agencies(api))
    lang = _lang(request, session)
    context = {
        "session": session,
        "note": found,
        "shown": note_forms.shown(template, found.fields, lang, agencies),
        "template": template,
        "exchanges": exchanges,
        "versions": sorted(versions, key=lambda v: v.version, reverse=True),
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "note.html", context)


@router.get("/notes/{note_id}/edit")
async def edit_note(note_id: uuid.UUID, request: Request, session: Session) -> Response:
    """The current version in the form; saving makes a new version."""
    async with api_for(request, session) as api:
        found = await api.get_note(note_id)
        template = await api.get_template(found.template_id, lang=_lang(request, session))
        agencies = await all_agencies(api)
    form = note_forms.with_blank_rows(template, note_forms.from_note(template, found.fields))
    context = _form_context(request, session, template, form, agencies, note=found)
    return render(request, "note_form.html", context)


@router.post("/notes/{note_id}/edit", dependencies=[Depends(check_csrf)])
async def save_note(note_id: uuid.UUID, request: Request, session: Session) -> Response:
    """A new version with If-Match: the ETag of the version the form was filled from."""
    submitted = await request.form()
    etag = str(submitted.get("etag", ""))
    more = submitted.get("more")
    conflict: m.Note | None = None
    problems: dict[str, list[FieldProblem]] = {}
    general: list[str] = []
    status = 200
    async with api_for(request, session) as api:
        current = await api.get_note(note_id)
        template = await api.get_template(current.template_id, lang=_lang(request, session))
        form = note_forms.entered(template, submitted)
        if more is None:
            try:
                await api.update_note(note_id, fields=note_forms.values(template, form), etag=etag)
            except PreconditionFailed as exc:
                # Someone saved meanwhile: keep what was typed, show theirs, and let a second
                # save knowingly replace it (the form now carries the newest ETag).
                conflict = await api.get_note(note_id)
                etag = exc.etag or conflict.etag
                status = exc.status
            except ProblemError as exc:
                problems, general = _refused(template, exc)
                status = exc.status
            else:
                return RedirectResponse(f"/ui/notes/{note_id}?saved=1", status_code=303)
        agencies = await all_agencies(api)
    form = note_forms.with_blank_rows(template, form, more=str(more) if more else None)
    context = _form_context(
        request,
        session,
        template,
        form,
        agencies,
        note=current,
        etag=etag,
        conflict=conflict,
        conflict_shown=[]
        if conflict is None
        else note_forms.shown(template, conflict.fields, _lang(request, session), dict(agencies)),
        problems=problems,
        general=general,
    )
    return render(request, "note_form.html", context, status=status)
