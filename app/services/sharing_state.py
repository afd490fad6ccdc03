"""What an exchange shares (its releases and grants), kept between reads while it is unchanged.

An exchange's releases and grants change seldom and are read on every view. Each exchange row
carries a ``sharing_token`` that database triggers replace with a fresh random value in the same
transaction as any insert, update or delete of its releases or grants (migration 0011), whoever
writes: this worker, another worker, an operator's SQL. The view reads the token with the
exchange (the statement it makes anyway) and uses what is kept only under that exact token;
any other token loads afresh. Nothing kept is a decision or a note value: decisions are made
on every read, with the participant's standing, status, the exchange's window and the time
read afresh; only release and grant rows (names of fields, classes, ids and times) are kept.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass

from app.db.queries.exchanges import GrantRow, ReleaseRow
from app.policies.sharing import GrantFacts, ReleaseFacts


@dataclass(frozen=True, slots=True)
class SharingState:
    """An exchange's releases and grants, as rows and as the engine's facts."""

    releases: tuple[ReleaseRow, ...]
    grants: tuple[GrantRow, ...]
    release_facts: tuple[ReleaseFacts, ...]
    grant_facts: tuple[GrantFacts, ...]


class SharingStates:
    """At most ``size`` exchanges' states, each under the token it was read with (LRU)."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._kept: OrderedDict[uuid.UUID, tuple[str, SharingState]] = OrderedDict()

    def get(self, exchange_id: uuid.UUID, token: str | None) -> SharingState | None:
        """The state kept for this exchange under exactly this token, or None."""
        if token is None or self.size <= 0:
            return None
        kept = self._kept.get(exchange_id)
        if kept is None or kept[0] != token:
            return None
        self._kept.move_to_end(exchange_id)
        return kept[1]

    def put(self, exchange_id: uuid.UUID, token: str | None, state: SharingState) -> None:
        """Keep a state read under ``token`` (an exchange without a token is never kept)."""
        if token is None or self.size <= 0:
            return
        self._kept[exchange_id] = (token, state)
        self._kept.move_to_end(exchange_id)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)
