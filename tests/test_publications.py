"""The kept strategic publication: only under the exact version, once for concurrent misses."""

from __future__ import annotations

import asyncio

from app.policies.strategy import CaseRecord, Period
from app.services.publications import Publications

RECORD = CaseRecord("none", "signalled", "social_service", Period(2026, 1))


def test_a_publication_is_kept_only_under_its_version_and_made_once() -> None:
    kept = Publications(size=2)
    loads: list[int] = []

    async def records() -> list[CaseRecord]:
        loads.append(1)
        await asyncio.sleep(0)
        return [RECORD] * 5

    async def run() -> None:
        v1 = (("cell", "a"),)
        first, second = await asyncio.gather(
            kept.publication("Gent", 2026, v1, records),
            kept.publication("Gent", 2026, v1, records),
        )
        assert first is second
        assert len(loads) == 1
        assert kept.get("Gent", 2026, v1) is first
        assert kept.get("Gent", 2026, (("cell", "b"),)) is None
        assert kept.get("Gent", 2025, v1) is None
        again = await kept.publication("Gent", 2026, (("cell", "b"),), records)
        assert again is not first
        assert len(loads) == 2
        # Least recently used goes first.
        await kept.publication("Luik", 2026, v1, records)
        await kept.publication("Aalst", 2026, v1, records)
        assert len(kept) == 2
        assert kept.get("Gent", 2026, (("cell", "b"),)) is None

    asyncio.run(run())
    assert kept.made == 4
