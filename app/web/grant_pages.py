"""The chair's grant matrix: participants x released fields, a box per cell.

Everything comes from the API: the released fields and each participant's decision from the
explain endpoint (the chair's view of it), the grants in force from the grants list. A cell the
rules would block is shown with the rule, and cannot be ticked; nothing is decided here.

Rows are named as the participant list names them (a guest who has not yet accepted the
declaration is not named there, decision 191); columns carry the field's label from the released
note's template, each template looked up once per page (decision 192).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from livc_hub_client import AsyncClient, ProblemError
from livc_hub_client.models import Explanation, Grant, Participant, Release

from app.web.bff import api_for
from app.web.forms import Cell, boxes, cell_key
from app.web.lookups import Labels, labels_for
from app.web.messages import problem_text, reason_text, sensitivity_text
from app.web.render import language_of, render
from app.web.session import WebSession, check_csrf, current_session

router = APIRouter(prefix="/ui", include_in_schema=False)

Session = Annotated[WebSession, Depends(current_session)]
NOT_GRANTED: Final = "not_granted"


@dataclass(frozen=True)
class Column:
    """One released field."""

    note_id: uuid.UUID
    field: str
    sensitivity: str
    agency: str
    label: str  # the field's label in the template, else its name


@dataclass(frozen=True)
class Box:
    """One participant x field cell of the matrix."""

    key: str
    ticked: bool  # a grant to this participant for this very field is in force
    visible: bool  # what the engine decides today
    other_way: bool  # granted another way (to the role, or the whole class)
    blockers: tuple[str, ...]  # msgids of the rules that keep it from them
    codes: tuple[str, ...]  # the engine's reason codes, as the API gave them

    @property
    def editable(self) -> bool:
        """A box may be changed unless a rule blocks it (and it is not granted) or it is
        granted another way (withdraw that grant to change it)."""
        return not self.other_way and (self.ticked or not self.blockers)


@dataclass(frozen=True)
class Row:
    """One participant."""

    member_id: uuid.UUID
    name: str | None  # None: a guest who has not yet accepted the declaration
    agency: str | None
    you: bool
    guest: bool
    boxes: list[Box]


@dataclass(frozen=True)
class Matrix:
    """What the page shows."""

    columns: list[Column]
    rows: list[Row]


async def _load(
    api: AsyncClient, exchange_id: uuid.UUID
) -> tuple[Explanation, list[Participant], list[Release], list[Grant]]:
    grants = await api.grants(exchange_id)  # the chair's: refused to anyone else
    participants = await api.participants(exchange_id)
    releases = await api.releases(exchange_id)
    explanation = await api.explain(exchange_id)
    return explanation, participants, releases, grants


def _direct(grants: list[Grant]) -> dict[Cell, Grant]:
    """Grants to one participant for one field, of one note or (note None) of every note."""
    return {
        (g.member_id, g.note_id, g.field): g
        for g in grants
        if g.member_id is not None
        and g.field is not None
        and g.role is None
        and g.sensitivity is None
    }


def _direct_for(direct: dict[Cell, Grant], cell: Cell) -> Grant | None:
    member_id, note_id, field = cell
    return direct.get(cell) or direct.get((member_id, None, field))


def known_agencies(participants: list[Participant]) -> dict[uuid.UUID, str]:
    """The agencies the participant list already names: no need to look them up."""
    return {
        p.agency_id: p.agency_name
        for p in participants
        if p.agency_id is not None and p.agency_name is not None
    }


def build_matrix(
    me: uuid.UUID,
    explanation: Explanation,
    participants: list[Participant],
    releases: list[Release],
    grants: list[Grant],
    labels: Labels,
) -> Matrix:
    """The matrix of the API's answers (pure, so it is tested as a table)."""
    owners = {r.note_id: r.owner_agency_id for r in releases}
    templates = {r.note_id: r.template_id for r in releases}
    agency_name = {**known_agencies(participants), **labels.agencies}
    verdicts = {
        p.member_id: {(v.note_id, v.field): v for v in p.fields} for p in explanation.participants
    }
    columns: dict[tuple[uuid.UUID, str], Column] = {}
    for per_member in verdicts.values():
        for (note_id, field), verdict in per_member.items():
            owner = owners.get(note_id)
            agency = agency_name.get(owner, "") if owner else ""
            label = labels.field(templates.get(note_id), field)
            column = Column(note_id, field, verdict.sensitivity, agency, label)
            columns.setdefault((note_id, field), column)
    ordered = sorted(columns.values(), key=lambda c: (c.agency, str(c.note_id), c.field))
    direct = _direct(grants)
    rows = []
    for p in participants:
        mine = verdicts.get(p.member_id, {})
        cells = []
        for c in ordered:
            v = mine.get((c.note_id, c.field))
            reasons = v.reasons if v is not None else []
            ticked = _direct_for(direct, (p.member_id, c.note_id, c.field)) is not None
            visible = v is not None and v.visible
            granted_somehow = v is not None and (visible or NOT_GRANTED not in reasons)
            blockers = tuple(dict.fromkeys(reason_text(r) for r in reasons if r != NOT_GRANTED))
            cells.append(
                Box(
                    key=cell_key(p.member_id, c.note_id, c.field),
                    ticked=ticked,
                    visible=visible,
                    other_way=granted_somehow and not ticked,
                    blockers=blockers,
                    codes=tuple(reasons),
                )
            )
        you = p.member_id == me
        rows.append(Row(p.member_id, p.display_name, p.agency_name, you, p.guest, cells))
    return Matrix(ordered, rows)


async def _page(
    request: Request,
    session: WebSession,
    exchange_id: uuid.UUID,
    problems: list[str],
    status: int = 200,
) -> Response:
    async with api_for(request, session) as api:
        exchange = await api.get_exchange(exchange_id)
        explanation, participants, releases, grants = await _load(api, exchange_id)
        named = known_agencies(participants)
        labels = await labels_for(
            api,
            language_of(request, session),
            {r.template_id for r in releases},
            {r.owner_agency_id for r in releases} - named.keys(),
        )
    matrix = build_matrix(session.member_id, explanation, participants, releases, grants, labels)
    columns = [(c, sensitivity_text(c.sensitivity)) for c in matrix.columns]
    context = {
        "session": session,
        "exchange": exchange,
        "matrix": matrix,
        "columns": columns,
        "problems": problems,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "grants.html", context, status=status)


@router.get("/exchanges/{exchange_id}/grants")
async def grant_matrix(exchange_id: uuid.UUID, request: Request, session: Session) -> Response:
    """The chair's matrix."""
    return await _page(request, session, exchange_id, [])


@router.post("/exchanges/{exchange_id}/grants", dependencies=[Depends(check_csrf)])
async def save_grants(exchange_id: uuid.UUID, request: Request, session: Session) -> Response:
    """Grant each newly ticked cell and withdraw each unticked one, through the API."""
    shown, ticked = await boxes(request)
    if any(note_id is None for _, note_id, _ in shown):
        raise HTTPException(status_code=400)
    problems: list[str] = []
    status = 200
    async with api_for(request, session) as api:
        direct = _direct(await api.grants(exchange_id))
        for member_id, note_id, field in sorted(ticked, key=str):
            if _direct_for(direct, (member_id, note_id, field)) is not None:
                continue
            try:
                await api.grant(exchange_id, member_id=member_id, note_id=note_id, field=field)
            except ProblemError as exc:
                problems.append(problem_text(exc))
                status = exc.status
        for cell in sorted(shown - ticked, key=str):
            grant = _direct_for(direct, cell)
            if grant is None:
                continue
            try:
                await api.withdraw_grant(exchange_id, grant.id)
            except ProblemError as exc:
                problems.append(problem_text(exc))
                status = exc.status
    if problems:
        return await _page(request, session, exchange_id, list(dict.fromkeys(problems)), status)
    return RedirectResponse(f"/ui/exchanges/{exchange_id}/grants?saved=1", status_code=303)
