"""/api/v1: a cell's confidentiality declaration (art. 458ter §2) and a guest's acceptance."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.schemas.cells import DeclarationIn, DeclarationOut, ExchangeDeclarationOut
from app.db.queries.cells import DeclarationRow
from app.services import declarations
from app.services.declarations import ExchangeDeclaration

router = APIRouter(tags=["cells"])


def _out(row: DeclarationRow) -> DeclarationOut:
    return DeclarationOut(
        id=row.id,
        cell_id=row.cell_id,
        version=row.version,
        text_nl=row.text_nl,
        text_fr=row.text_fr,
        set_by=row.set_by,
        set_at=row.set_at,
    )


def _exchange_out(found: ExchangeDeclaration) -> ExchangeDeclarationOut:
    return ExchangeDeclarationOut(
        exchange_id=found.exchange_id,
        declaration=None if found.declaration is None else _out(found.declaration),
        required=found.required,
        accepted_at=found.accepted_at,
        accepted_version=found.accepted_version,
        accept=f"/api/v1/exchanges/{found.exchange_id}/declaration/accept",
    )


@router.put("/cells/{cell_id}/declaration")
async def set_declaration(
    cell_id: uuid.UUID, body: DeclarationIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> DeclarationOut:
    """Set the cell's confidentiality declaration in Dutch and French (the chair): a new
    version; earlier ones are kept, and acceptances name the version accepted."""
    row = await declarations.set_declaration(
        session, ctx, hub, cell_id, text_nl=body.text_nl, text_fr=body.text_fr
    )
    return _out(row)


@router.get("/cells/{cell_id}/declaration")
async def get_declaration(
    cell_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> DeclarationOut:
    """The cell's current declaration (404 if it has none)."""
    return _out(await declarations.current(session, ctx, hub, cell_id))


@router.get("/cells/{cell_id}/declaration/versions")
async def list_declarations(
    cell_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[DeclarationOut]:
    """Every version of the cell's declaration, oldest first."""
    return [_out(r) for r in await declarations.versions(session, ctx, hub, cell_id)]


@router.get("/exchanges/{exchange_id}/declaration")
async def exchange_declaration(
    exchange_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ExchangeDeclarationOut:
    """The cell's declaration for a participant or the chair of the exchange; `required` is
    true for a guest, who accepts it before reading anything here."""
    return _exchange_out(await declarations.for_exchange(session, ctx, hub, exchange_id))


@router.post("/exchanges/{exchange_id}/declaration/accept")
async def accept_declaration(
    exchange_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ExchangeDeclarationOut:
    """Accept the cell's current declaration for this exchange (a guest; once, logged);
    409 `not_a_guest` for members of the cell, who need not."""
    return _exchange_out(await declarations.accept(session, ctx, hub, exchange_id))
