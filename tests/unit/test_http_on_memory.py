"""The real app and container with the in-memory adapters swapped in (no database)."""

from __future__ import annotations

import pytest

from domain.values import Email
from entrypoints.container import Container
from entrypoints.http.app import create_app
from tests.support import Api


@pytest.fixture
async def memory_api(memory_container: Container, aiohttp_client) -> Api:
    client = await aiohttp_client(create_app(memory_container.use_cases()))
    issued = await memory_container.bootstrap().create_platform_admin(Email.parse("op@example.com"))
    return Api(client, issued.token)


async def test_the_container_serves_the_api_from_overridden_adapters(memory_api):
    status, created = await memory_api.post("/v1/tenants", {"name": "Memory Co"})
    assert status == 201
    status, mine = await memory_api.get("/v1/me/tenants")
    assert status == 200
    assert [(t["name"], t["role"]) for t in mine["items"]] == [("Memory Co", "owner")]
    assert (created["object"], created["id"]) == ("tenant", mine["items"][0]["id"])


async def test_metrics_count_answers_by_route_template(memory_api):
    await memory_api.get("/v1/me")
    await memory_api.as_(None).get("/v1/me")
    response = await memory_api.client.get("/metrics")
    assert response.status == 200
    text = await response.text()
    assert 'http_requests_total{method="GET",route="/v1/me",status="200"} 1.0' in text
    assert 'http_requests_total{method="GET",route="/v1/me",status="401"} 1.0' in text


async def test_each_answer_is_counted_by_status_and_timed_by_route(memory_api):
    await memory_api.get("/v1/me")
    await memory_api.get("/v1/me")
    await memory_api.as_(None).get("/v1/me")
    await memory_api.get("/v1/nowhere")
    text = await (await memory_api.client.get("/metrics")).text()
    assert 'http_requests_total{method="GET",route="/v1/me",status="200"} 2.0' in text
    assert 'http_requests_total{method="GET",route="/v1/me",status="401"} 1.0' in text
    assert 'http_request_duration_seconds_count{method="GET",route="/v1/me"} 3.0' in text
    assert 'http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
