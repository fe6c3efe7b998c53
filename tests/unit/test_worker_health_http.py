"""What an operator sees of serve's in-process job worker: a `worker` field in /readyz
(reported, never failing readiness) and `voice_agent_worker_*` figures on /metrics."""

from __future__ import annotations

from datetime import datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.worker_health import WorkerHealth


@pytest.fixture
def health() -> WorkerHealth:
    return WorkerHealth()


@pytest.fixture
async def client(memory_container: Container, aiohttp_client, health: WorkerHealth):
    return await aiohttp_client(create_app(memory_container.use_cases(), worker_health=health))


async def worker_samples(client) -> dict[str, float]:
    response = await client.get("/metrics")
    assert response.status == 200
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(await response.text())
        for sample in family.samples
        if sample.name.startswith("voice_agent_worker_")
    }


async def test_readiness_reports_a_worker_that_is_restarting_without_failing(client, health):
    health.stopped("OperationalError: connection refused")

    response = await client.get("/readyz")

    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    worker = body["worker"]
    assert (worker["state"], worker["restarts"], worker["last_sweep_at"]) == (
        "restarting",
        1,
        None,
    )
    assert datetime.fromisoformat(worker["last_stopped_at"]) == health.last_stopped_at
    # The reason is in the log, not on an unauthenticated endpoint.
    assert "connection refused" not in await response.text()


async def test_readiness_says_when_the_worker_last_swept(client, health):
    health.started()
    health.swept()

    worker = (await (await client.get("/readyz")).json())["worker"]

    assert worker["state"] == "running"
    assert datetime.fromisoformat(worker["last_sweep_at"]) == health.last_sweep_at


async def test_readiness_of_a_process_without_a_worker_has_no_worker_field(
    memory_container: Container, aiohttp_client
):
    client = await aiohttp_client(create_app(memory_container.use_cases()))

    response = await client.get("/readyz")

    assert (response.status, await response.json()) == (200, {"status": "ok"})
    assert await worker_samples(client) == {}


async def test_metrics_give_the_last_sweep_time_running_and_restarts(client, health):
    assert await worker_samples(client) == {
        "voice_agent_worker_last_sweep_timestamp": 0.0,
        "voice_agent_worker_running": 0.0,
        "voice_agent_worker_restarts_total": 0.0,
    }

    health.started()
    health.swept()
    first_sweep = health.last_sweep_at
    assert first_sweep is not None
    health.stopped("it returned by itself")
    health.started()

    assert await worker_samples(client) == {
        "voice_agent_worker_last_sweep_timestamp": first_sweep.timestamp(),
        "voice_agent_worker_running": 1.0,
        "voice_agent_worker_restarts_total": 1.0,
    }
