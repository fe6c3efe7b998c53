"""Every route is reached by its own paths, whatever order the routes are registered in: no
route stands in front of another one's requests (a `{lead_id}` taking `leads/lookup`, say)."""

from __future__ import annotations

import re
from unittest.mock import MagicMock

import pytest
from aiohttp.test_utils import make_mocked_request

from entrypoints.http.app import BUSIEST_TENANT_PATHS, ENDPOINTS, create_app

SAMPLE = "01a24969-6646-7eca-9185-1d86c78c2fcc"


def concrete(path: str) -> str:
    """The path with each variable filled as a client would fill it."""
    return re.sub(r"\{[^}]+\}", SAMPLE, path)


@pytest.fixture(scope="module")
def app():
    return create_app(MagicMock())


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
async def test_each_route_is_reached_by_its_own_paths(app, endpoint) -> None:
    request = make_mocked_request(endpoint.method, concrete(endpoint.path), app=app)

    match = await app.router.resolve(request)

    assert match.http_exception is None
    assert match.route.resource is not None
    assert match.route.resource.canonical == endpoint.path
    assert match.route.method == endpoint.method


def test_the_busiest_paths_are_tenant_routes_and_come_first() -> None:
    tenant_paths = {e.path for e in ENDPOINTS if e.path.startswith("/v1/tenants/{tenant_id}/")}
    assert tenant_paths >= BUSIEST_TENANT_PATHS
    resources = [
        r.canonical
        for r in create_app(MagicMock()).router.resources()
        if r.canonical.startswith("/v1/tenants/{tenant_id}/")
    ]
    busiest = [i for i, path in enumerate(resources) if path in BUSIEST_TENANT_PATHS]
    assert busiest == list(range(len(busiest)))
