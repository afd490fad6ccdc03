"""Retries with exponential backoff and full jitter, for idempotent calls only.

A POST or PATCH is never sent twice: the hub may have acted on the first one (a note written,
a grant given) even when its answer was lost.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import httpx

from livc_hub_client.errors import retry_after_seconds

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before sending an idempotent request again.

    ``retries`` is how many times a call is repeated after the first attempt (0: never). A
    connection error, or an answer whose status is in ``statuses`` (429, 503), is retried after
    ``Retry-After`` when the hub sends one (up to ``max_retry_after`` seconds; longer: the problem
    is raised), else after a random delay in [0, min(max_backoff, backoff * 2**n)).
    """

    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    statuses: frozenset[int] = frozenset({429, 503})
    methods: frozenset[str] = IDEMPOTENT
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def applies(self, method: str) -> bool:
        """Whether a call with this method may be retried at all."""
        return method.upper() in self.methods

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float | None:
        """Seconds to wait before retry number ``attempt`` (0-based), or None: do not retry."""
        if attempt >= self.retries:
            return None
        if response is not None:
            if response.status_code not in self.statuses:
                return None
            after = retry_after_seconds(response.headers)
            if after is not None:
                return after if after <= self.max_retry_after else None
        return self.rng.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))


NO_RETRY = RetryPolicy(retries=0)
