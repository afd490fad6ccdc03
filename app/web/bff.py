"""Backend for frontend: a page reads and writes through the hub's own public API, in process.

Each page request gets a short-lived token for the signed-in member and an SDK client whose
transport calls the app itself, so a page shows exactly what the API shows that member: the
same policy engine decides, the same access log records (with the page's request id).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import httpx
from fastapi import Request
from livc_hub_client import NO_RETRY, AsyncClient

from app.web.session import WebSession, mint_token

BASE_URL: Final = "http://hub.internal"


@asynccontextmanager
async def api_for(request: Request, session: WebSession) -> AsyncIterator[AsyncClient]:
    """An SDK client of this hub acting as the session's member, for one page request."""
    token = mint_token(request, session.member_id)
    headers = {}
    request_id = getattr(request.state, "request_id", None)
    if isinstance(request_id, str):
        headers["X-Request-ID"] = request_id
    transport = httpx.ASGITransport(app=request.app)
    async with AsyncClient(
        BASE_URL, auth=token, transport=transport, retry=NO_RETRY, headers=headers
    ) as client:
        yield client
