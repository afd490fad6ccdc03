"""An exchange's participants with their names, for the chair's and participants' list.

One statement joins the participations to members and agencies and says, per guest, whether
they accepted the cell's declaration for this exchange: the service withholds a guest's name
until then (decision 191). No statement per participant (decision 190).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries.exchanges import ParticipantRow
from app.db.queries.tables import agencies, declaration_acceptances, members, participants


@dataclass(frozen=True, slots=True)
class NamedParticipant:
    """A current participant, who they are and whether (as a guest) they accepted."""

    participant: ParticipantRow
    display_name: str
    agency_id: uuid.UUID
    agency_name: str
    accepted: bool


async def named_participants(
    session: AsyncSession, exchange_id: uuid.UUID
) -> list[NamedParticipant]:
    """Current participants, in the order they were invited, named, in one statement."""
    p, m, a = participants.c, members.c, agencies.c
    acc = declaration_acceptances.c
    accepted = exists().where(acc.exchange_id == p.exchange_id, acc.member_id == p.member_id)
    stmt = (
        select(
            p.id,
            p.member_id,
            p.invited_at,
            p.removed_at,
            p.guest,
            m.display_name,
            m.agency_id,
            a.name,
            accepted,
        )
        .join_from(participants, members, m.id == p.member_id)
        .join(agencies, a.id == m.agency_id)
        .where(p.exchange_id == exchange_id, p.removed_at.is_(None))
        .order_by(p.invited_at, p.id)
    )
    out = []
    for row in await session.execute(stmt):
        pid, mid, invited, removed, guest, name, agency_id, agency_name, ok = row
        taking_part = ParticipantRow(pid, mid, invited, removed, bool(guest))
        out.append(NamedParticipant(taking_part, name, agency_id, agency_name, bool(ok)))
    return out
