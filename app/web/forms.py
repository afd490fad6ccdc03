"""Reading the pages' checkbox forms: each box names one (id, id, field) cell."""

from __future__ import annotations

import re
import uuid
from typing import Final

from fastapi import HTTPException, Request

_FIELD: Final = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
MAX_CELLS: Final = 5000


def cell_key(first: uuid.UUID, second: uuid.UUID | None, field: str) -> str:
    """The value of a checkbox for one cell."""
    return f"{first}:{second or ''}:{field}"


Cell = tuple[uuid.UUID, uuid.UUID | None, str]


def parse_cell(value: str) -> Cell:
    """A checkbox's value back into its ids and field; 400 for anything else."""
    first, _, rest = value.partition(":")
    second, _, field = rest.partition(":")
    try:
        ids = uuid.UUID(first), uuid.UUID(second) if second else None
    except ValueError:
        raise HTTPException(status_code=400) from None
    if not _FIELD.match(field):
        raise HTTPException(status_code=400)
    return ids[0], ids[1], field


async def boxes(request: Request) -> tuple[set[Cell], set[Cell]]:
    """The cells the form showed, and those of them that are ticked."""
    form = await request.form()
    shown_values = [v for v in form.getlist("shown") if isinstance(v, str)]
    ticked_values = [v for v in form.getlist("tick") if isinstance(v, str)]
    if len(shown_values) > MAX_CELLS or len(ticked_values) > MAX_CELLS:
        raise HTTPException(status_code=400)
    shown = {parse_cell(v) for v in shown_values}
    ticked = {parse_cell(v) for v in ticked_values}
    if not ticked <= shown:
        raise HTTPException(status_code=400)
    return shown, ticked
