"""The auditor's pages: search the access log, export it, and see whether it verifies.

Searches are POST forms, so a subject's or a member's id never lands in a URL or the browser's
history. The API decides who may audit and what part of the log they see (a hub auditor the
whole log, an agency auditor what concerns their agency); these pages show its answers.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from livc_hub_client import AsyncClient, AuditIntegrityAlarm, ProblemError
from livc_hub_client import models as m
from starlette.datastructures import FormData

from app.audit.verify import load_public_key, verify
from app.web.bff import api_for
from app.web.i18n import ZONE
from app.web.messages import N_
from app.web.render import render
from app.web.session import WebSession, check_csrf, current_session

router = APIRouter(prefix="/ui", include_in_schema=False)

Session = Annotated[WebSession, Depends(current_session)]
PAGE: Final = 50
LATEST_CHECKPOINTS: Final = 5
ID_FIELDS: Final = ("subject", "member", "exchange")
NOT_AN_ID: Final = N_(
    "Enter an id as the hub shows it (e.g. 8f0c6f55-4b7c-4b8e-9a4b-0a3f4f9f6a11)."
)
NOT_A_DATE: Final = N_("Enter a date.")
EXPORTS: Final = {
    "ndjson": ("application/x-ndjson", "livc-hub-access-log.ndjson"),
    "csv": ("text/csv; charset=utf-8", "livc-hub-access-log.csv"),
}


@dataclass
class Search:
    """The search form: the terms as typed, the API's filters, and the problems with the terms."""

    typed: dict[str, str] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def search_of(form: FormData) -> Search:
    """Read the terms; ids must be ids, dates dates (the period is in Brussels days)."""
    found = Search()
    for name in (*ID_FIELDS, "since", "until"):
        found.typed[name] = str(form.get(name, "")).strip()[:100]
    for name in ID_FIELDS:
        if found.typed[name]:
            try:
                found.filters[name] = str(uuid.UUID(found.typed[name]))
            except ValueError:
                found.problems[name] = NOT_AN_ID
    for name, shift in (("since", 0), ("until", 1)):  # "until" includes the whole day
        if found.typed[name]:
            day = _day(found.typed[name])
            if day is None:
                found.problems[name] = NOT_A_DATE
            else:
                start = datetime.combine(day + timedelta(days=shift), time(), tzinfo=ZONE)
                found.filters[name] = start
    return found


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head as the API lists it."""

    tree_size: int
    root_hash: str
    at: datetime | None
    key_id: str


async def _checkpoints(api: AsyncClient) -> list[Checkpoint]:
    body = (await api.request("GET", "/api/v1/audit/checkpoints")).text
    found = []
    for line in body.splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        at = item.get("at")
        found.append(
            Checkpoint(
                tree_size=int(item["tree_size"]),
                root_hash=str(item["root_hash"]),
                at=datetime.fromisoformat(at) if isinstance(at, str) else None,
                key_id=str(item.get("key_id", "")),
            )
        )
    return found


async def _integrity(api: AsyncClient) -> str | None:
    """None if the log passed its last integrity check, else the alarm's reason code."""
    try:
        await api.request("GET", "/readyz")
    except AuditIntegrityAlarm as alarm:
        return alarm.reason or "alarm"
    except ProblemError:
        return None  # not ready for another cause (e.g. the database): not the log's integrity
    return None


async def _status(api: AsyncClient) -> dict[str, Any]:
    checkpoints = await _checkpoints(api)  # an auditor's read: everyone else is refused here
    me = await api.me()
    return {
        "checkpoints": list(reversed(checkpoints))[:LATEST_CHECKPOINTS],
        "checkpoint_count": len(checkpoints),
        "alarm": await _integrity(api),
        "whole_log": "hub_auditor" in me.roles,
    }


def _entry_time(entry: m.AuditEntry) -> datetime | None:
    try:
        return datetime.fromisoformat(entry.at)
    except ValueError:
        return None


async def _page(
    request: Request,
    session: WebSession,
    search: Search | None = None,
    entries: list[m.AuditEntry] | None = None,
    next_cursor: str | None = None,
    report: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    async with api_for(request, session) as api:
        state = await _status(api)
    context = {
        "session": session,
        "search": search or Search(),
        "searched": entries is not None,
        "entries": [(e, _entry_time(e)) for e in entries or []],
        "next_cursor": next_cursor,
        "report": report,
        **state,
    }
    return render(request, "audit.html", context, status=status)


@router.get("/audit")
async def audit(request: Request, session: Session) -> Response:
    """The search form, the exports and the log's verification status."""
    return await _page(request, session)


@router.post("/audit", dependencies=[Depends(check_csrf)])
async def search(request: Request, session: Session) -> Response:
    """The entries the API returns for the terms (POST: the terms stay out of every URL)."""
    form = await request.form()
    terms = search_of(form)
    if terms.problems:
        return await _page(request, session, terms, status=422)
    cursor = str(form.get("cursor", "")) or None
    async with api_for(request, session) as api:
        found = await api.audit_entries(**terms.filters, limit=PAGE, cursor=cursor)
    return await _page(request, session, terms, found.items, found.next_cursor)


def _download(content: bytes, kind: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=kind, headers=headers)


@router.post("/audit/export", dependencies=[Depends(check_csrf)])
async def export(request: Request, session: Session) -> Response:
    """The API's export of the auditor's whole scope, as a download."""
    fmt = str((await request.form()).get("format", "ndjson"))
    if fmt not in EXPORTS:
        raise HTTPException(status_code=400)
    async with api_for(request, session) as api:
        answer = await api.request("GET", "/api/v1/audit/export", params={"format": fmt})
    kind, filename = EXPORTS[fmt]
    return _download(answer.content, kind, filename)


@router.post("/audit/report", dependencies=[Depends(check_csrf)])
async def subject_report(request: Request, session: Session) -> Response:
    """Every access to one subject's data (the API's subject report), as a CSV download."""
    form = await request.form()
    terms = search_of(form)
    subject = terms.filters.get("subject")
    if subject is None:
        terms.problems.setdefault("subject", NOT_AN_ID)
        return await _page(request, session, terms, status=422)
    async with api_for(request, session) as api:
        answer = await api.request(
            "GET", f"/api/v1/audit/subjects/{subject}/report", params={"format": "csv"}
        )
    return _download(answer.content, "text/csv; charset=utf-8", "livc-hub-subject-accesses.csv")


@router.post("/audit/verify", dependencies=[Depends(check_csrf)])
async def verify_log(request: Request, session: Session) -> Response:
    """Check the whole log as the offline verifier does: the export, the hub's public key and
    the signed checkpoints, all as the API gives them to this auditor."""
    async with api_for(request, session) as api:
        me = await api.me()
        if "hub_auditor" not in me.roles:
            report: dict[str, Any] = {"scope": "agency"}
        else:
            key = (await api.request("GET", "/.well-known/livc-hub/audit-key")).json()
            heads = (await api.request("GET", "/api/v1/audit/checkpoints")).text
            lines = (await api.request("GET", "/api/v1/audit/export")).content
            found = verify(
                lines.splitlines(keepends=True),
                load_public_key(str(key["public_key_pem"]).encode()),
                heads.splitlines(),
            )
            report = {
                "scope": "hub",
                "ok": found.ok,
                "entries": found.entries,
                "checkpoints": found.checkpoints,
                "unsigned": found.unsigned,
                "root": found.root,
                "problem": found.problems[0] if found.problems else None,
            }
    return await _page(request, session, report=report)
