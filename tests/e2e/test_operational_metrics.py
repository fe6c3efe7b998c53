"""`/metrics` tells an operator what the service holds: connections, calls on the line, jobs
waiting, and whether the database could be read at all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from application.ports.calls import LiveCall
from domain.ids import CallId, TenantId
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.http.webhooks import WebhookVerifier
from tests.e2e.conftest import AddCall, AddEvent, AiohttpClient
from tests.e2e.helpers import Builder

pytestmark = pytest.mark.postgres


def _samples(text: str) -> dict[str, float]:
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("voice_agent_")
    }


async def _scrape(client) -> dict[str, float]:  # type: ignore[no-untyped-def]
    response = await client.get("/metrics")
    assert response.status == 200
    return _samples(await response.text())


async def test_metrics_count_live_calls_queued_jobs_and_held_connections(
    pg_container: Container,
    aiohttp_client: AiohttpClient,
    build: Builder,
    add_call: AddCall,
    engine,
) -> None:
    client = await aiohttp_client(
        create_app(pg_container.use_cases(), operational_figures=pg_container.operational_figures())
    )
    owner = await build.person()
    tenants = [await build.tenant(owner, "One"), await build.tenant(owner, "Two")]
    deps = pg_container.deps()
    check_at = datetime.now(UTC) + timedelta(minutes=5)
    live = {0: 2, 1: 1}
    for index, count in live.items():
        tenant_id = TenantId(UUID(tenants[index]))
        for _ in range(count):
            call_id = CallId(UUID(await add_call(tenants[index])))
            async with deps.uows(tenant_id=tenant_id) as tx:
                await tx.live_calls.hold(LiveCall(call_id, tenant_id, check_at))
                await tx.commit()
    async with engine.begin() as conn:
        for n in range(4):
            await conn.execute(
                sa.text(
                    "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status)"
                    " VALUES ('default', 'calls.reconcile', :args, :status)"
                ),
                {"args": f'{{"n": {n}}}', "status": "todo" if n < 3 else "succeeded"},
            )

    async with deps.uows() as held, deps.uows() as also_held:
        assert held is not also_held
        during = await _scrape(client)
    after = await _scrape(client)

    assert during["voice_agent_database_up"] == 1
    assert during["voice_agent_live_calls"] == sum(live.values())
    assert during["voice_agent_job_queue_depth"] == 3
    assert during["voice_agent_db_pool_in_use"] == after["voice_agent_db_pool_in_use"] + 2
    assert after["voice_agent_db_pool_waiting"] == 0


async def test_metrics_count_the_webhook_deliveries_due_and_how_long_the_oldest_waited(
    pg_container: Container,
    aiohttp_client: AiohttpClient,
    build: Builder,
    add_event: AddEvent,
    admin,  # type: ignore[no-untyped-def]
) -> None:
    client = await aiohttp_client(
        create_app(pg_container.use_cases(), operational_figures=pg_container.operational_figures())
    )
    owner = await build.person()
    tenants = [await build.tenant(owner, "One"), await build.tenant(owner, "Two")]
    for tenant in tenants:
        for key, kind, value in (
            ("webhooks", "boolean", True),
            ("webhooks.endpoints.max", "limit", 2),
        ):
            feature = {"feature_key": key, "name": key, "feature_type": kind}
            await admin.post("/v1/features", feature)  # made once; a second time is a 409
            await admin.call("PUT", f"/v1/tenants/{tenant}/features/{key}", json={"value": value})
        hook = {"url": "https://crm.example.com/hooks", "event_types": ["call.ended"]}
        status, _ = await owner.api.post(f"/v1/tenants/{tenant}/webhook-endpoints", hook)
        assert status == 201
    empty = await _scrape(client)
    await add_event(tenants[0], "call.ended")
    await add_event(tenants[0], "call.ended")
    await add_event(tenants[1], "call.ended")
    await asyncio.sleep(1.1)

    due = await _scrape(client)

    assert (empty["voice_agent_webhook_deliveries_due"], empty[OLDEST]) == (0, 0)
    assert due["voice_agent_webhook_deliveries_due"] == 3  # every tenant's
    assert 1 <= due[OLDEST] < 60


OLDEST = "voice_agent_webhook_delivery_oldest_due_seconds"


class _Unreachable:
    class pool:  # noqa: N801 - the shape of a pool watch
        in_use = 0
        waiting = 0

    async def read(self) -> None:
        raise ConnectionError("the database is gone")


async def test_a_scrape_answers_when_the_database_does_not(
    pg_container: Container, aiohttp_client: AiohttpClient
) -> None:
    client = await aiohttp_client(
        create_app(pg_container.use_cases(), operational_figures=_Unreachable())  # type: ignore[arg-type]
    )
    figures = await _scrape(client)
    assert figures["voice_agent_database_up"] == 0
    assert "voice_agent_live_calls" in figures  # the last value known, not an error page


async def test_with_every_connection_of_the_api_held_the_database_still_reads_as_up(
    pg_container: Container, aiohttp_client: AiohttpClient, engine
) -> None:
    """A busy moment that takes every connection of the API's pool is no outage: /readyz
    stays 200 (a load balancer keeps the instance) and /metrics says the database is up,
    both at once, from a small pool of their own; the pool gauges still show the API's."""
    client = await aiohttp_client(
        create_app(pg_container.use_cases(), operational_figures=pg_container.operational_figures())
    )
    pool = engine.sync_engine.pool
    capacity = pool.size() + pool._max_overflow
    held = [await engine.connect() for _ in range(capacity)]
    try:
        async with asyncio.timeout(4):  # under the API pool's timeout (5 s)
            ready = await client.get("/readyz")
            figures = await _scrape(client)
        assert ready.status == 200, await ready.text()
        assert figures["voice_agent_database_up"] == 1
        assert figures["voice_agent_db_pool_in_use"] == capacity
    finally:
        for conn in held:
            await conn.close()


async def test_webhook_lag_is_measured_from_the_time_stamped_on_the_message(
    pg_container: Container, aiohttp_client: AiohttpClient
) -> None:
    secret = "webhook-secret"
    client = await aiohttp_client(
        create_app(
            pg_container.use_cases(),
            webhook_verifier=WebhookVerifier(mode="bearer", secret=secret),
        )
    )
    sent_at = datetime.now(UTC) - timedelta(seconds=30)
    message = {
        "message": {
            "type": "status-update",
            "status": "ringing",
            "timestamp": int(sent_at.timestamp() * 1000),
            "call": {"id": "a-call-we-never-placed"},
        }
    }
    response = await client.post(
        "/v1/webhooks/vapi", json=message, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status == 200

    figures = await _scrape(client)
    assert figures["voice_agent_webhook_lag_seconds_count"] == 1
    assert 30 <= figures["voice_agent_webhook_lag_seconds_sum"] < 60
