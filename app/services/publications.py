"""The strategic publication, kept per municipality and year under its data version.

Making the publication (``app.policies.strategy.publish``) costs about a second at a few hundred
cases; its inputs change seldom. It is kept under the municipality's data version: the tokens of
its case cells, which database triggers replace in the writing transaction whenever any input of
the counts changes (migration 0017, decision 120), whoever writes. A read takes the version first
and the cases after it, so what is kept under a version is as new as the version or newer, never
older; any other version makes it afresh. Only the publication is kept (counts and labels of the
whole lattice, no person); who may read it is decided on every request.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from anyio import to_thread

from app.policies.disclosure import Publication
from app.policies.strategy import CaseRecord, Cell, publish

Version = tuple[tuple[str, str], ...]
StrategicPublication = Publication[Cell, CaseRecord]


@dataclass
class Publications:
    """At most ``size`` publications, each under the (municipality, year) and version it was made
    for (LRU); concurrent misses for one key make it once."""

    size: int = 256
    _kept: OrderedDict[tuple[str, int], tuple[Version, StrategicPublication]] = field(
        default_factory=OrderedDict
    )
    _locks: dict[tuple[str, int], asyncio.Lock] = field(default_factory=dict)
    # How many publications this worker has made (for tests and benchmarks).
    made: int = 0

    def get(self, municipality: str, year: int, version: Version) -> StrategicPublication | None:
        """The publication kept for exactly this version, or None."""
        kept = self._kept.get((municipality, year))
        if kept is None or kept[0] != version:
            return None
        self._kept.move_to_end((municipality, year))
        return kept[1]

    def put(
        self, municipality: str, year: int, version: Version, publication: StrategicPublication
    ) -> None:
        """Keep a publication made from data read under ``version``."""
        if self.size <= 0:
            return
        self._kept[(municipality, year)] = (version, publication)
        self._kept.move_to_end((municipality, year))
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    async def publication(
        self,
        municipality: str,
        year: int,
        version: Version,
        records: Callable[[], Awaitable[list[CaseRecord]]],
    ) -> StrategicPublication:
        """The kept publication for ``version``, or one made from ``records()`` (read after the
        version) off the event loop."""
        found = self.get(municipality, year, version)
        if found is not None:
            return found
        lock = self._locks.setdefault((municipality, year), asyncio.Lock())
        async with lock:
            found = self.get(municipality, year, version)
            if found is not None:
                return found
            rows = await records()
            made = await to_thread.run_sync(publish, rows, year)
            self.made += 1
            self.put(municipality, year, version, made)
            return made

    def __len__(self) -> int:
        return len(self._kept)
