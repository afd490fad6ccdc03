"""Rules that hold for every /ui route: CSRF on every POST, no schema, sign-in first."""

from __future__ import annotations

import uuid

from fastapi.routing import APIRoute

from app.web import ROUTERS
from app.web.session import check_csrf, current_session
from tests.support.casework import casework
from tests.support.live import LiveHub
from tests.support.web import csrf, web_client


def _ui_routes() -> list[APIRoute]:
    # Every router install() mounts (FastAPI includes routers lazily: walk the originals).
    routes = [r for router in ROUTERS for r in router.routes]
    assert all(isinstance(r, APIRoute) and r.path.startswith("/ui") for r in routes)
    return [r for r in routes if isinstance(r, APIRoute)]


def _calls(route: APIRoute) -> set[object]:
    found = set()
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if dependant.call is not None:
            found.add(dependant.call)
        stack.extend(dependant.dependencies)
    return found


def test_every_post_route_checks_csrf_and_every_route_needs_a_session() -> None:
    routes = _ui_routes()
    posts = [r for r in routes if "POST" in r.methods]
    assert len(posts) >= 3
    for route in routes:
        assert not route.include_in_schema, route.path
        assert current_session in _calls(route) or check_csrf in _calls(route), route.path
        if "POST" in route.methods:
            assert check_csrf in _calls(route), route.path


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token(hub: LiveHub) -> None:
    w = casework(hub)
    client = web_client(hub, w.ids["mayor"])
    for route in _ui_routes():
        if "POST" not in route.methods:
            continue
        path = route.path.replace("{exchange_id}", w.ids["exchange"])
        assert client.post(path, data={"language": "fr"}).status_code == 403, path
        good = {"csrf_token": csrf(client), "language": "fr"}
        foreign = client.post(path, data=good, headers={"Origin": "https://elsewhere.example"})
        assert foreign.status_code == 403, path
    assert ok_grants(w) == []


def ok_grants(w) -> list[object]:
    return list(w.as_("mayor").get(f"{w.x}/grants").json())


def test_ids_in_paths_are_uuids_only(hub: LiveHub) -> None:
    client = web_client(hub, str(uuid.uuid4()))
    assert client.get("/ui/exchanges/not-a-uuid").status_code in (303, 404)
