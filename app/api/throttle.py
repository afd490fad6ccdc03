"""Attempt limits for the credential endpoints, with the ``limits`` library (moving window).

One ``Throttle`` per hub holds named limits (``token_client``, ``token_address``, and whatever a
password login adds later). Keys are stored as SHA-256 pseudonyms, so a shared store (redis,
memcached) never holds a client id or an address in clear. A store that fails refuses the
attempt (503): the limits fail closed.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from app.errors import StorageUnavailable, TooManyRequests


def _pseudonym(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _async_uri(uri: str) -> str:
    return uri if uri.startswith("async+") else f"async+{uri}"


class Throttle:
    """Named rate limits over one storage; ``hit`` counts an attempt or answers 429."""

    def __init__(self, storage_uri: str, limits: Mapping[str, str]) -> None:
        storage = storage_from_string(_async_uri(storage_uri), wrap_exceptions=True)
        self._limiter = MovingWindowRateLimiter(storage)
        self._limits: dict[str, list[RateLimitItem]] = {
            name: parse_many(spec) for name, spec in limits.items()
        }

    async def hit(self, **keys: str) -> None:
        """Count one attempt for each named key, in order; 429 at the first that is spent.

        A key refused stops the count there, so a refused address does not also use up the
        client id's allowance.
        """
        await self._each(keys, count=True)

    async def check(self, **keys: str) -> None:
        """429 if any named key's allowance is spent, counting nothing (then ``hit`` on failure).

        For limits on failures only (wrong user codes): a request checks first and is counted
        only when it fails. Concurrent failures may overshoot a limit by how many run at once.
        """
        await self._each(keys, count=False)

    async def _each(self, keys: Mapping[str, str], *, count: bool) -> None:
        for name, value in keys.items():
            key = _pseudonym(value)
            for item in self._limits[name]:
                try:
                    if count:
                        allowed = await self._limiter.hit(item, name, key)
                    else:
                        allowed = await self._limiter.test(item, name, key)
                    if allowed:
                        continue
                    stats = await self._limiter.get_window_stats(item, name, key)
                except StorageError:
                    raise StorageUnavailable("the rate limiter's store is unavailable") from None
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                raise TooManyRequests(
                    wait, f"too many attempts; try again in {wait} seconds", extra={"limit": name}
                )
