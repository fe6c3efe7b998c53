"""Tenant webhooks delivered, through the real container on PostgreSQL, to a receiver on
loopback: a sandbox call's events arrive signed and in order and are listed with their
attempts; a retry and a replay send an event again with its id; a disabled endpoint refuses
both; a private target is refused unless allowed; bad input is a problem; nobody else's."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from dependency_injector import providers
from standardwebhooks.webhooks import Webhook

from adapters.webhook_sender import HttpWebhookSender
from application.webhook_delivery import DeliveryPolicy
from domain.webhooks import RetrySchedule
from entrypoints.container import Container
from tests.e2e.helpers import Builder, assert_problem, audit_log, expect, send
from tests.e2e.test_calls import (
    Desk,
    api_fixture,  # noqa: F401 (the app on the sandbox with short calls)
    arrange,
    call_policy_fixture,  # noqa: F401
    catalogue_fixture,  # noqa: F401 (the plans and features)
    place,
    placed,
    sandbox_script,  # noqa: F401
    set_feature,
    telephony_provider,  # noqa: F401
)

pytestmark = pytest.mark.postgres

CALL_EVENTS = ["call.queued", "call.started", "call.ended", "call.analyzed", "call.failed"]
STEPS = ["call.queued", "call.started", "call.ended", "call.analyzed"]


class Receiver:
    """A receiver on loopback: it answers `statuses` in turn (the last repeats)."""

    def __init__(self) -> None:
        self.statuses = [204]
        self.requests: list[tuple[dict[str, str], bytes]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return web.Response(status=status)

    def events(self, secret: str) -> list[dict[str, Any]]:
        """Every request's event, its signature checked by the spec's reference library."""
        return [Webhook(secret).verify(body, headers) for headers, body in self.requests]


@pytest.fixture
async def receiver(aiohttp_server: Any) -> tuple[Receiver, str]:
    made = Receiver()
    app = web.Application()
    app.add_routes([web.post("/hooks", made.handle)])
    server = await aiohttp_server(app)
    return made, str(server.make_url("/hooks"))


@pytest.fixture
def allow_loopback(pg_container: Container) -> Container:
    pg_container.webhook_sender.override(
        providers.Singleton(HttpWebhookSender, timeout_seconds=5, allow_private_targets=True)
    )
    pg_container.delivery_policy.override(
        providers.Object(
            DeliveryPolicy(schedule=RetrySchedule(delays=(timedelta(seconds=0.2),) * 3))
        )
    )
    return pg_container


async def deliver_all(container: Container) -> None:
    """Rounds until no delivery is pending (waiting out the retries' short delays)."""
    deliverer, uows = container.webhook_deliverer(), container.uows()
    deadline = asyncio.get_running_loop().time() + 10
    while asyncio.get_running_loop().time() < deadline:
        if not await deliverer.tick():
            async with uows() as tx:
                far = datetime.now(UTC) + timedelta(days=30)
                if not await tx.deliveries.due(far, 1, per_endpoint=1):
                    return
            await asyncio.sleep(0.05)
        await deliverer.drain()
    raise AssertionError("deliveries still pending after 10 s")


async def a_hooked_desk(
    build: Builder, admin: Any, url: str, types: list[str] = CALL_EVENTS
) -> tuple[Desk, dict[str, Any]]:
    desk = await arrange(build)
    await set_feature(admin, desk.tenant_id, "webhooks", True)
    await set_feature(admin, desk.tenant_id, "webhooks.endpoints.max", 3)
    body = {"url": url, "event_types": types}
    endpoint = expect(await desk.api.post(f"{desk.path}/webhook-endpoints", body), 201)
    return desk, endpoint


async def test_a_sandbox_calls_events_arrive_signed_in_order_and_are_listed(
    build, admin, catalogue, allow_loopback, receiver
):
    hook, url = receiver
    desk, endpoint = await a_hooked_desk(build, admin, url)
    call = placed(await place(desk))
    await allow_loopback.telephony().idle()

    await deliver_all(allow_loopback)

    events = hook.events(endpoint["secret"])
    assert [e["type"] for e in events] == STEPS
    assert {e["data"]["object"]["id"] for e in events} == {call["id"]}
    assert {e["tenant_id"] for e in events} == {desk.tenant_id}
    # The object is the call as the API shows it.
    shown = expect(await desk.api.get(desk.call(call["id"])), 200)
    assert events[-1]["data"]["object"] == json.loads(json.dumps(shown))
    base = f"{desk.path}/webhook-endpoints/{endpoint['id']}"
    listed = expect(await desk.api.get(f"{base}/deliveries"), 200)["items"]
    assert [d["event_type"] for d in listed] == STEPS[::-1]  # newest first
    assert {d["status"] for d in listed} == {"delivered"}
    assert [d["event_id"] for d in listed[::-1]] == [e["id"] for e in events]
    one = expect(await desk.api.get(f"{base}/deliveries/{listed[0]['id']}"), 200)
    [attempt] = one["attempt_log"]
    assert (attempt["status_code"], attempt["error"]) == (204, None)
    assert attempt["latency_ms"] >= 0
    filtered = expect(await desk.api.get(f"{base}/deliveries", params={"status": "failed"}), 200)
    assert filtered["items"] == []


async def test_a_receiver_that_fails_gets_the_event_after_a_retry_once(
    build, admin, catalogue, allow_loopback, receiver
):
    hook, url = receiver
    hook.statuses = [503, 500, 204]
    desk, endpoint = await a_hooked_desk(build, admin, url, ["call.queued"])
    placed(await place(desk))

    await deliver_all(allow_loopback)

    events = hook.events(endpoint["secret"])
    assert [e["type"] for e in events] == ["call.queued"] * 3
    assert len({e["id"] for e in events}) == 1
    base = f"{desk.path}/webhook-endpoints/{endpoint['id']}"
    [delivery] = expect(await desk.api.get(f"{base}/deliveries"), 200)["items"]
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 3)
    attempts = expect(await desk.api.get(f"{base}/deliveries/{delivery['id']}"), 200)
    assert [a["status_code"] for a in attempts["attempt_log"]] == [503, 500, 204]
    assert "503" in attempts["attempt_log"][0]["error"]


async def test_a_retry_and_a_replay_send_events_again_with_their_ids(
    build, admin, catalogue, allow_loopback, receiver
):
    hook, url = receiver
    desk, endpoint = await a_hooked_desk(build, admin, url)
    placed(await place(desk))
    await allow_loopback.telephony().idle()
    await deliver_all(allow_loopback)
    first = hook.events(endpoint["secret"])
    base = f"{desk.path}/webhook-endpoints/{endpoint['id']}"
    newest = expect(await desk.api.get(f"{base}/deliveries"), 200)["items"][0]

    retried = expect(await desk.api.post(f"{base}/deliveries/{newest['id']}/retry"), 202)
    assert (retried["status"], retried["id"]) == ("pending", newest["id"])
    await deliver_all(allow_loopback)
    assert hook.events(endpoint["secret"])[-1]["id"] == newest["event_id"]

    since = first[0]["timestamp"]
    replay = expect(await desk.api.post(f"{base}/replay", {"since": since}), 202)
    assert replay["deliveries"] == len(STEPS)
    await deliver_all(allow_loopback)
    again = hook.events(endpoint["secret"])[len(first) + 1 :]
    assert [e["id"] for e in again] == [e["id"] for e in first]
    log = await audit_log(desk.api, desk.tenant_id)
    actions = {e["action"] for e in log}
    assert {"webhook_delivery.retried", "webhook_endpoint.replayed"} <= actions


async def test_a_disabled_endpoint_is_neither_retried_nor_replayed(
    build, admin, catalogue, allow_loopback, receiver, add_event
):
    _, url = receiver
    desk, endpoint = await a_hooked_desk(build, admin, url)
    await add_event(desk.tenant_id, "call.ended")
    base = f"{desk.path}/webhook-endpoints/{endpoint['id']}"
    [delivery] = expect(await desk.api.get(f"{base}/deliveries"), 200)["items"]
    expect(await desk.api.patch(base, {"enabled": False}), 200)

    for path, body in (
        (f"{base}/deliveries/{delivery['id']}/retry", None),
        (f"{base}/replay", {"since": "2026-01-01T00:00:00Z"}),
    ):
        reply = await desk.api.post(path, body)
        assert reply[0] == 409, reply
        assert "enable" in reply[1]["detail"]


async def test_a_private_target_is_refused_unless_allowed(
    build, admin, catalogue, pg_container, receiver, add_event
):
    hook, url = receiver
    desk, endpoint = await a_hooked_desk(build, admin, url)
    await add_event(desk.tenant_id, "call.ended")
    deliverer = pg_container.webhook_deliverer()  # the default sender: public targets only

    await deliverer.tick()
    await deliverer.drain()

    assert hook.requests == []
    base = f"{desk.path}/webhook-endpoints/{endpoint['id']}"
    [delivery] = expect(await desk.api.get(f"{base}/deliveries"), 200)["items"]
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert "not a public address" in delivery["last_error"]


async def test_bad_delivery_input_is_a_problem(build, admin, catalogue, receiver):
    _, url = receiver
    desk, endpoint = await a_hooked_desk(build, admin, url)
    base = f"{desk.path}/webhook-endpoints/{endpoint['id']}"
    api, unknown = desk.api, "0190f5a2-7c1e-7d3a-9b2f-4e5d6c7b8a90"
    for method, path, body, status in (
        ("POST", f"{base}/replay", {"since": "yesterday"}, 422),
        ("POST", f"{base}/replay", {}, 422),
        ("GET", f"{base}/deliveries?status=lost", None, 422),
        ("GET", f"{base}/deliveries/not-an-id", None, 404),
        ("GET", f"{base}/deliveries/{unknown}", None, 404),
        ("POST", f"{base}/deliveries/{unknown}/retry", None, 404),
    ):
        reply = await send(api, method, path, json_body=body)
        assert_problem(reply, status)


async def test_an_import_a_batch_and_a_limit_reached_announce_themselves(
    build, admin, catalogue, allow_loopback, receiver
):
    hook, url = receiver
    types = ["lead.import.completed", "batch.started", "batch.paused", "entitlement.limit_reached"]
    desk, endpoint = await a_hooked_desk(build, admin, url, types)
    base = desk.path
    await set_feature(admin, desk.tenant_id, "batch_calls", True)
    await set_feature(admin, desk.tenant_id, "batch.size.max", 10)
    csv = "phone,name\n+14155550911,Grace\nnot a phone,Bad\n"
    imported = await send(
        desk.api,
        "POST",
        f"{base}/leads/import",
        data=csv.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status == 200, imported.body
    window = {"days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:59"}
    batch_body = {
        "name": "Spring",
        "agent_id": desk.agent_id,
        "leads": {"ids": [desk.lead_id]},
        "calling_window": window,
    }
    batch = expect(await desk.api.post(f"{base}/batches", batch_body), 201)
    expect(await desk.api.post(f"{base}/batches/{batch['id']}/start"), 200)
    expect(await desk.api.post(f"{base}/batches/{batch['id']}/pause"), 200)
    # The agents' limit set to one more than the tenant has: the next agent reaches it.
    await set_feature(admin, desk.tenant_id, "voice_agents.max", 2)
    expect(await desk.api.post(f"{base}/agents", {"name": "Second"}), 201)
    refused = await send(desk.api, "POST", f"{base}/agents", json_body={"name": "Third"})
    assert refused.status == 403  # refused, rolled back: announced by nothing

    await deliver_all(allow_loopback)

    events = {e["type"]: e for e in hook.events(endpoint["secret"])}
    assert sorted(events) == sorted(types)
    assert len(hook.requests) == len(types)
    report = imported.body
    assert events["lead.import.completed"]["data"] == {
        "import_id": report["id"],
        "rows": report["rows"],
        "created": report["created"],
        "updated": report["updated"],
        "failed": report["failed"],
    }
    assert events["batch.started"]["data"]["object"]["id"] == batch["id"]
    assert events["batch.paused"]["data"]["pause_reason"] == "requested"
    assert events["entitlement.limit_reached"]["data"] == {
        "feature": "voice_agents.max",
        "limit": 2,
        "used": 2,
    }
