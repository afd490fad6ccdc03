"""The shipped templates, as members see them through the API."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.world import ok


def shipped(client: httpx.Client, key: str) -> dict[str, Any]:
    """The newest version of a shipped template."""
    items = ok(client.get("/api/v1/templates", params={"key": key, "limit": 200}))["items"]
    assert items, key
    found: dict[str, Any] = max(items, key=lambda t: t["version"])
    assert found["origin"] == "shipped"
    return found
