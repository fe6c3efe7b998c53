"""Delivering events on the in-memory adapters, with a receiver the test scripts: signed
requests, retries on schedule, an endpoint disabled after failing too long, a slow receiver
holding only its own slots, one call's events in order, and a delivery whose worker died
made again after its lease."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from uuid import UUID

import attrs
import pytest
from standardwebhooks.webhooks import Webhook

from application.context import UseCaseDeps
from application.pagination import PageRequest
from application.ports.webhooks import ReceiverAnswer
from application.webhook_delivery import ENDPOINT_DISABLED, DeliveryPolicy, WebhookDeliverer
from domain.ids import EventId, TenantId, WebhookEndpointId
from domain.tenancy import Tenant
from domain.webhooks import (
    DeliveryStatus,
    EventType,
    OutboundEvent,
    RetrySchedule,
    WebhookDelivery,
    WebhookEndpoint,
    new_signing_secret,
)
from entrypoints.http.events import PublicEventPayloads
from tests.support import MutableClock


@attrs.define
class Sent:
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(self.body)
        return loaded


@attrs.define
class ScriptedReceiver:
    """Answers each URL with its script's statuses in turn (the last one repeats); a URL
    that is held waits until released."""

    statuses: dict[str, list[int]] = attrs.field(factory=dict)
    held: dict[str, asyncio.Event] = attrs.field(factory=dict)
    sent: list[Sent] = attrs.field(factory=list)
    in_flight: dict[str, int] = attrs.field(factory=lambda: defaultdict(int))
    most_in_flight: dict[str, int] = attrs.field(factory=lambda: defaultdict(int))

    async def send(self, url: str, headers: Mapping[str, str], body: bytes) -> ReceiverAnswer:
        self.in_flight[url] += 1
        self.most_in_flight[url] = max(self.most_in_flight[url], self.in_flight[url])
        try:
            if url in self.held:
                await self.held[url].wait()
            self.sent.append(Sent(url, dict(headers), body))
            script = self.statuses.get(url, [200])
            status = script.pop(0) if len(script) > 1 else script[0]
            error = None if 200 <= status < 300 else f"the receiver answered {status}"
            return ReceiverAnswer(12, status, "ok" if status < 300 else "boom", error)
        finally:
            self.in_flight[url] -= 1


@attrs.define
class Setup:
    deps: UseCaseDeps
    clock: MutableClock
    tenant: Tenant
    receiver: ScriptedReceiver

    async def endpoint(self, url: str, *types: EventType) -> WebhookEndpoint:
        now = self.clock.now()
        endpoint = WebhookEndpoint(
            WebhookEndpointId(self.deps.ids.new()),
            self.tenant.id,
            url,
            frozenset(types or EventType),
            new_signing_secret(),
            now,
            now,
        )
        async with self.deps.uows(tenant_id=self.tenant.id) as tx:
            await tx.webhook_endpoints.add(endpoint)
            await tx.commit()
        return endpoint

    async def events(self, *typed: tuple[EventType, UUID | None]) -> list[OutboundEvent]:
        events = [
            OutboundEvent(
                EventId(self.deps.ids.new()),
                self.tenant.id,
                type,
                self.clock.now(),
                subject,
                {"feature": "voice_agents.max", "limit": 3, "used": 3}
                if type is EventType.ENTITLEMENT_LIMIT_REACHED
                else None,
            )
            for type, subject in typed
        ]
        async with self.deps.uows(tenant_id=self.tenant.id) as tx:
            await tx.events.record(events)
            await tx.commit()
        return events

    def deliverer(self, **policy: object) -> WebhookDeliverer:
        settings = {"schedule": RetrySchedule(jitter=0), **policy}
        return WebhookDeliverer(
            self.deps,
            self.receiver,
            PublicEventPayloads(),
            DeliveryPolicy(**settings),  # type: ignore[arg-type]
            spread=lambda: 0.5,
        )

    async def deliveries(self, endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
        async with self.deps.uows(tenant_id=self.tenant.id) as tx:
            return await tx.deliveries.list(self.tenant.id, endpoint.id, None, PageRequest())

    async def stored(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        async with self.deps.uows(tenant_id=self.tenant.id) as tx:
            found = await tx.webhook_endpoints.get(self.tenant.id, endpoint.id)
        assert found is not None
        return found


async def round_(deliverer: WebhookDeliverer) -> int:
    started = await deliverer.tick()
    await deliverer.drain()
    return started


@pytest.fixture
async def setup(deps: UseCaseDeps, clock: MutableClock) -> Setup:
    clock.current = datetime.now(UTC)  # receivers refuse signatures of long ago
    tenant = Tenant(
        TenantId(deps.ids.new()), "Acme", created_at=clock.now(), updated_at=clock.now()
    )
    async with deps.uows(tenant_id=tenant.id) as tx:
        await tx.tenants.add(tenant)
        await tx.commit()
    return Setup(deps, clock, tenant, ScriptedReceiver())


LIMIT = EventType.ENTITLEMENT_LIMIT_REACHED


async def test_a_due_event_is_posted_once_signed_and_its_delivery_recorded(setup: Setup):
    endpoint = await setup.endpoint("https://crm.example.com/hooks", LIMIT)
    [event] = await setup.events((LIMIT, None))
    deliverer = setup.deliverer()

    assert await round_(deliverer) == 1
    assert await round_(deliverer) == 0  # delivered: never sent again

    [sent] = setup.receiver.sent
    assert sent.url == endpoint.url
    assert sent.headers["webhook-id"] == str(event.id)
    Webhook(endpoint.secret).verify(sent.body, sent.headers)  # the spec's own check
    assert sent.json == {
        "id": str(event.id),
        "type": "entitlement.limit_reached",
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "tenant_id": str(setup.tenant.id),
        "data": {"feature": "voice_agents.max", "limit": 3, "used": 3},
    }
    [delivery] = await setup.deliveries(endpoint)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    async with setup.deps.uows(tenant_id=setup.tenant.id) as tx:
        [attempt] = await tx.deliveries.attempts(setup.tenant.id, delivery.id)
    assert (attempt.status_code, attempt.latency_ms, attempt.response_excerpt) == (200, 12, "ok")


async def test_a_failing_receiver_is_retried_on_schedule_until_it_takes_the_event(
    setup: Setup,
):
    endpoint = await setup.endpoint("https://crm.example.com/hooks", LIMIT)
    setup.receiver.statuses[endpoint.url] = [500, 503, 200]
    await setup.events((LIMIT, None))
    delays = (timedelta(seconds=5), timedelta(minutes=5))
    deliverer = setup.deliverer(schedule=RetrySchedule(delays=delays, jitter=0))

    await round_(deliverer)
    [delivery] = await setup.deliveries(endpoint)
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.next_attempt_at == setup.clock.now() + delays[0]
    setup.clock.advance(seconds=4)
    assert await round_(deliverer) == 0  # not yet
    setup.clock.advance(seconds=1)
    await round_(deliverer)
    setup.clock.advance(minutes=5)
    await round_(deliverer)

    [delivery] = await setup.deliveries(endpoint)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 3)
    async with setup.deps.uows(tenant_id=setup.tenant.id) as tx:
        attempts = await tx.deliveries.attempts(setup.tenant.id, delivery.id)
    assert [a.status_code for a in attempts] == [500, 503, 200]
    assert len({s.headers["webhook-id"] for s in setup.receiver.sent}) == 1  # one event
    assert (await setup.stored(endpoint)).failing_since is None  # the success cleared it


async def test_an_endpoint_failing_too_long_is_disabled_once_and_its_deliveries_failed(
    setup: Setup,
):
    endpoint = await setup.endpoint("https://down.example.com/hooks", EventType.CALL_ENDED)
    healthy = await setup.endpoint("https://up.example.com/hooks", EventType.CALL_ENDED)
    setup.receiver.statuses[endpoint.url] = [500]
    await setup.events(*[(EventType.CALL_ENDED, setup.deps.ids.new()) for _ in range(3)])
    schedule = RetrySchedule(
        delays=(timedelta(seconds=10),) * 20, jitter=0, disable_after=timedelta(seconds=60)
    )
    deliverer = setup.deliverer(schedule=schedule)

    for _ in range(10):
        await round_(deliverer)
        setup.clock.advance(seconds=10)

    stored = await setup.stored(endpoint)
    assert not stored.enabled
    assert stored.disabled_reason is not None
    assert {d.status for d in await setup.deliveries(endpoint)} == {DeliveryStatus.FAILED}
    assert {d.last_error for d in await setup.deliveries(endpoint)} == {ENDPOINT_DISABLED}
    assert {d.status for d in await setup.deliveries(healthy)} == {DeliveryStatus.DELIVERED}
    to_the_failing = [s for s in setup.receiver.sent if s.url == endpoint.url]
    sent_at = {int(s.headers["webhook-timestamp"]) for s in to_the_failing}
    assert max(sent_at) - min(sent_at) == 60  # tried every 10 s until the bound, not after
    for _ in range(3):
        await round_(deliverer)
        setup.clock.advance(seconds=10)
    assert len([s for s in setup.receiver.sent if s.url == endpoint.url]) == len(to_the_failing)
    async with setup.deps.uows(tenant_id=setup.tenant.id) as tx:
        entries = await tx.audit.list(setup.tenant.id, PageRequest())
    disabled = [e for e in entries if e.action == "endpoint.disabled"]
    assert [e.entity_id for e in disabled] == [endpoint.id]
    assert "api_key" not in json.dumps(disabled[0].changes)


async def test_a_slow_receiver_holds_only_its_own_slots(setup: Setup):
    slow = await setup.endpoint("https://slow.example.com/hooks", EventType.CALL_ENDED)
    fast = await setup.endpoint("https://fast.example.com/hooks", EventType.CALL_STARTED)
    setup.receiver.held[slow.url] = asyncio.Event()
    await setup.events(*[(EventType.CALL_ENDED, setup.deps.ids.new()) for _ in range(6)])
    await setup.events(*[(EventType.CALL_STARTED, setup.deps.ids.new()) for _ in range(3)])
    deliverer = setup.deliverer(in_flight=4, per_endpoint=2)

    await deliverer.tick()
    for _ in range(20):  # the fast receiver's answers come back meanwhile
        await asyncio.sleep(0)
    await deliverer.tick()
    for _ in range(20):
        await asyncio.sleep(0)

    assert {d.status for d in await setup.deliveries(fast)} == {DeliveryStatus.DELIVERED}
    assert setup.receiver.most_in_flight[slow.url] == 2
    setup.receiver.held[slow.url].set()
    for _ in range(4):
        await round_(deliverer)
    assert {d.status for d in await setup.deliveries(slow)} == {DeliveryStatus.DELIVERED}
    assert setup.receiver.most_in_flight[slow.url] == 2


async def test_one_calls_events_reach_an_endpoint_one_at_a_time_in_order(setup: Setup):
    endpoint = await setup.endpoint("https://crm.example.com/hooks")
    call = setup.deps.ids.new()
    steps = [EventType.CALL_QUEUED, EventType.CALL_STARTED, EventType.CALL_ENDED]
    await setup.events(*[(step, call) for step in steps])
    await setup.events((EventType.CALL_ANALYZED, call))
    deliverer = setup.deliverer(in_flight=8, per_endpoint=8)

    while await round_(deliverer):
        pass

    assert [s.json["type"] for s in setup.receiver.sent] == [
        *steps,
        EventType.CALL_ANALYZED,
    ]
    assert setup.receiver.most_in_flight[endpoint.url] == 1
    # The call is gone (never stored here): the event still goes, with no object.
    assert setup.receiver.sent[0].json["data"] == {"object": None}


async def test_an_endpoint_turned_off_by_its_tenant_gets_nothing(setup: Setup):
    endpoint = await setup.endpoint("https://crm.example.com/hooks", LIMIT)
    await setup.events((LIMIT, None))
    stored = await setup.stored(endpoint)
    async with setup.deps.uows(tenant_id=setup.tenant.id) as tx:
        stored.enabled = False
        await tx.webhook_endpoints.save(stored)
        await tx.commit()

    await round_(setup.deliverer())

    assert setup.receiver.sent == []
    [delivery] = await setup.deliveries(endpoint)
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, ENDPOINT_DISABLED)


async def test_a_delivery_whose_worker_died_is_made_again_after_its_lease(setup: Setup):
    endpoint = await setup.endpoint("https://crm.example.com/hooks", LIMIT)
    setup.receiver.held[endpoint.url] = asyncio.Event()
    [event] = await setup.events((LIMIT, None))
    lease = timedelta(seconds=60)
    dying = setup.deliverer(lease=lease)
    await dying.tick()
    await asyncio.sleep(0)
    for task in list(dying._running.values()):  # the worker is killed mid-request
        task.cancel()
    await asyncio.gather(*dying._running.values(), return_exceptions=True)
    del setup.receiver.held[endpoint.url]

    other = setup.deliverer(lease=lease)
    setup.clock.advance(seconds=59)
    assert await round_(other) == 0  # still the dead worker's
    setup.clock.advance(seconds=1)
    assert await round_(other) == 1

    [sent] = setup.receiver.sent
    assert sent.headers["webhook-id"] == str(event.id)
    [delivery] = await setup.deliveries(endpoint)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)
