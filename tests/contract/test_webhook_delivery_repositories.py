"""The contract of events and their deliveries, the same on every adapter: an event is kept
with a delivery to each endpoint of its tenant that wants it, in the same transaction; the
queue hands out what is due across tenants, one subject's deliveries to one endpoint in
order; a claim holds a delivery for one attempt; what became of it takes it off the queue
or puts it back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import attrs
import pytest

from adapters.ids import Uuid7Generator
from application.pagination import PageRequest, Position
from application.ports.unit_of_work import UnitOfWorkFactory
from application.ports.webhooks import DueDelivery
from domain.ids import EventId, TenantId, WebhookEndpointId
from domain.tenancy import Tenant
from domain.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    EventType,
    OutboundEvent,
    RetrySchedule,
    WebhookDelivery,
    WebhookEndpoint,
    new_signing_secret,
)

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
ENDED, ANALYZED, STARTED = EventType.CALL_ENDED, EventType.CALL_ANALYZED, EventType.CALL_STARTED


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def a_tenant(uows: UnitOfWorkFactory, name: str) -> Tenant:
    tenant = Tenant(TenantId(ids.new()), name, created_at=at(0), updated_at=at(0))
    async with uows(tenant_id=tenant.id) as tx:
        await tx.tenants.add(tenant)
        await tx.commit()
    return tenant


async def an_endpoint(
    uows: UnitOfWorkFactory, tenant: Tenant, *types: EventType, enabled: bool = True
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        WebhookEndpointId(ids.new()),
        tenant.id,
        "https://crm.example.com/hooks",
        frozenset(types),
        new_signing_secret(),
        at(0),
        at(0),
        enabled=enabled,
    )
    async with uows(tenant_id=tenant.id) as tx:
        await tx.webhook_endpoints.add(endpoint)
        await tx.commit()
    return endpoint


def an_event(
    tenant: Tenant, type: EventType, when: float = 0, subject: UUID | None = None, **details: int
) -> OutboundEvent:
    return OutboundEvent(EventId(ids.new()), tenant.id, type, at(when), subject, details or None)


async def record(uows: UnitOfWorkFactory, *events: OutboundEvent) -> int:
    async with uows(tenant_id=events[0].tenant_id) as tx:
        made = await tx.events.record(list(events))
        await tx.commit()
    return made


async def due(uows: UnitOfWorkFactory, when: float, limit: int = 100) -> list[DueDelivery]:
    async with uows() as tx:
        return await tx.deliveries.due(at(when), limit, per_endpoint=limit)


async def deliveries_of(
    uows: UnitOfWorkFactory, endpoint: WebhookEndpoint, status: DeliveryStatus | None = None
) -> list[WebhookDelivery]:
    async with uows(tenant_id=endpoint.tenant_id) as tx:
        return await tx.deliveries.list(endpoint.tenant_id, endpoint.id, status, PageRequest())


@pytest.fixture
async def acme(uows: UnitOfWorkFactory) -> Tenant:
    return await a_tenant(uows, "Acme")


@pytest.fixture
async def globex(uows: UnitOfWorkFactory) -> Tenant:
    return await a_tenant(uows, "Globex")


async def test_an_event_goes_to_each_enabled_endpoint_of_its_tenant_that_wants_it(
    uows, acme, globex
):
    wants = await an_endpoint(uows, acme, ENDED, ANALYZED)
    other_type = await an_endpoint(uows, acme, STARTED)
    disabled = await an_endpoint(uows, acme, ENDED, enabled=False)
    other_tenant = await an_endpoint(uows, globex, ENDED)
    call = ids.new()
    event = an_event(acme, ENDED, 5, call, rows=3)

    assert await record(uows, event) == 1

    [delivery] = await deliveries_of(uows, wants)
    assert (delivery.event_id, delivery.event_type, delivery.subject_id) == (event.id, ENDED, call)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.PENDING,
        0,
        event.occurred_at,
    )
    for endpoint in (other_type, disabled, other_tenant):
        assert await deliveries_of(uows, endpoint) == []
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.events.get(acme.id, event.id) == event
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.events.get(globex.id, event.id) is None
    assert await due(uows, 5) == [DueDelivery(acme.id, delivery.id, wants.id)]
    assert await due(uows, 4) == []  # not before it happened


async def test_events_of_a_rolled_back_change_leave_nothing(uows, acme):
    endpoint = await an_endpoint(uows, acme, ENDED)
    event = an_event(acme, ENDED)
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.events.record([event]) == 1
        # no commit: the change that caused it rolled back
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.events.get(acme.id, event.id) is None
    assert await deliveries_of(uows, endpoint) == []
    assert await due(uows, 10) == []


async def test_events_since_a_time_of_some_types_oldest_first(uows, acme, globex):
    await an_endpoint(uows, acme, ENDED)
    events = [an_event(acme, t, when) for t, when in ((ENDED, 3), (STARTED, 1), (ENDED, 2))]
    await record(uows, *events)
    await record(uows, an_event(globex, ENDED, 4))
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.events.since(acme.id, at(2), frozenset({ENDED}), 10) == [
            events[2],
            events[0],
        ]
        assert await tx.events.since(acme.id, at(0), frozenset({ENDED, STARTED}), 2) == [
            events[1],
            events[2],
        ]


async def test_one_subjects_deliveries_to_one_endpoint_go_out_in_order(uows, acme, globex):
    endpoint = await an_endpoint(uows, acme, STARTED, ENDED, ANALYZED)
    theirs = await an_endpoint(uows, globex, STARTED)
    call, other_call = ids.new(), ids.new()
    await record(uows, an_event(acme, STARTED, 0, call), an_event(acme, ENDED, 0, call))
    await record(uows, an_event(acme, ANALYZED, 1, call))
    await record(uows, an_event(acme, STARTED, 1, other_call))
    await record(uows, an_event(globex, STARTED, 2, call))
    by_type = {d.event_type: d for d in await deliveries_of(uows, endpoint)}
    other = next(d for d in await deliveries_of(uows, endpoint) if d.subject_id == other_call)
    [their_delivery] = await deliveries_of(uows, theirs)

    # Only the first of the call's is due; the other call's, and another tenant's, beside it.
    assert {d.delivery_id for d in await due(uows, 5)} == {
        by_type[STARTED].id,
        other.id,
        their_delivery.id,
    }
    for done, following in ((STARTED, ENDED), (ENDED, ANALYZED)):
        async with uows(tenant_id=acme.id) as tx:
            delivery = by_type[done]
            delivery.succeeded(at(5), 200)
            await tx.deliveries.save(delivery)
            await tx.commit()
        ready = {d.delivery_id for d in await due(uows, 5)}
        assert by_type[following].id in ready
        assert delivery.id not in ready


async def test_a_claim_holds_a_delivery_for_one_attempt_until_its_lease_ends(uows, acme):
    endpoint = await an_endpoint(uows, acme, ENDED)
    await record(uows, an_event(acme, ENDED))
    [item] = await due(uows, 1)

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.deliveries.claim(acme.id, item.delivery_id, at(1), at(61))
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        assert not await tx.deliveries.claim(acme.id, item.delivery_id, at(2), at(62))
    assert await due(uows, 60) == []
    assert await due(uows, 61) == [item]  # the worker that took it is gone: made again
    [delivery] = await deliveries_of(uows, endpoint)
    assert delivery.status is DeliveryStatus.PENDING


async def test_a_failed_attempt_waits_its_turn_and_every_attempt_is_kept(uows, acme):
    endpoint = await an_endpoint(uows, acme, ENDED)
    await record(uows, an_event(acme, ENDED))
    [delivery] = await deliveries_of(uows, endpoint)
    schedule = RetrySchedule(delays=(timedelta(seconds=30),), jitter=0)
    attempts = [
        DeliveryAttempt(ids.new(), acme.id, delivery.id, at(1), 120, 500, "oops", "answered 500"),
        DeliveryAttempt(ids.new(), acme.id, delivery.id, at(31), 80, None, None, "refused"),
    ]
    async with uows(tenant_id=acme.id) as tx:
        await tx.deliveries.add_attempt(attempts[0])
        delivery.attempt_failed(at(1), 500, "answered 500", schedule, 0.5)
        await tx.deliveries.save(delivery)
        await tx.commit()
    assert await due(uows, 30) == []
    assert [d.delivery_id for d in await due(uows, 31)] == [delivery.id]
    async with uows(tenant_id=acme.id) as tx:
        await tx.deliveries.add_attempt(attempts[1])
        delivery.attempt_failed(at(31), None, "refused", schedule, 0.5)
        await tx.deliveries.save(delivery)
        await tx.commit()

    assert await due(uows, 10_000) == []  # no retry left
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.deliveries.get(acme.id, delivery.id) == delivery
        assert await tx.deliveries.attempts(acme.id, delivery.id) == attempts
    assert delivery.status is DeliveryStatus.FAILED
    assert await deliveries_of(uows, endpoint, DeliveryStatus.FAILED) == [delivery]
    assert await deliveries_of(uows, endpoint, DeliveryStatus.PENDING) == []
    # Retried by hand: due again, at once.
    async with uows(tenant_id=acme.id) as tx:
        delivery.retry(at(50_000))
        await tx.deliveries.save(delivery)
        await tx.commit()
    assert [d.delivery_id for d in await due(uows, 50_000)] == [delivery.id]


async def test_deliveries_page_newest_first_in_their_tenant(uows, acme, globex):
    endpoint = await an_endpoint(uows, acme, ENDED)
    for when in (3, 1, 2):
        await record(uows, an_event(acme, ENDED, when))
    newest_first = await deliveries_of(uows, endpoint)
    assert [d.created_at for d in newest_first] == [at(3), at(2), at(1)]
    async with uows(tenant_id=acme.id) as tx:
        first = await tx.deliveries.list(acme.id, endpoint.id, None, PageRequest(limit=1))
        rest = await tx.deliveries.list(
            acme.id,
            endpoint.id,
            None,
            PageRequest(limit=1, after=Position(first[0].created_at, first[0].id)),
        )
    assert first == newest_first[:2]
    assert rest == newest_first[1:]
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.deliveries.list(globex.id, endpoint.id, None, PageRequest()) == []
        assert await tx.deliveries.get(globex.id, first[0].id) is None


async def test_an_endpoints_failures_are_counted_from_the_first_and_it_is_disabled_once(
    uows, acme, globex
):
    endpoint = await an_endpoint(uows, acme, ENDED)
    await record(uows, an_event(acme, ENDED, 0, ids.new()), an_event(acme, ENDED, 0, ids.new()))
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.webhook_endpoints.note_failed(acme.id, endpoint.id, at(10)) == at(10)
        assert await tx.webhook_endpoints.note_failed(acme.id, endpoint.id, at(20)) == at(10)
        await tx.commit()
    async with uows(tenant_id=globex.id) as tx:  # another tenant cannot touch it
        assert await tx.webhook_endpoints.note_failed(globex.id, endpoint.id, at(30)) is None
        assert not await tx.webhook_endpoints.disable(globex.id, endpoint.id, "x", at(30))
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.webhook_endpoints.disable(acme.id, endpoint.id, "failing", at(40))
        assert not await tx.webhook_endpoints.disable(acme.id, endpoint.id, "failing", at(41))
        assert await tx.deliveries.fail_pending(acme.id, endpoint.id, "disabled") == 2
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.webhook_endpoints.get(acme.id, endpoint.id)
    assert stored is not None
    assert (stored.enabled, stored.disabled_reason, stored.failing_since) == (
        False,
        "failing",
        at(10),
    )
    assert stored.version == endpoint.version + 1
    assert {d.status for d in await deliveries_of(uows, endpoint)} == {DeliveryStatus.FAILED}
    assert await due(uows, 100) == []
    # Enabled again by the tenant: its failures are forgotten, and one success clears them.
    async with uows(tenant_id=acme.id) as tx:
        stored.enable()
        await tx.webhook_endpoints.save(stored)
        await tx.webhook_endpoints.note_failed(acme.id, endpoint.id, at(50))
        await tx.webhook_endpoints.note_delivered(acme.id, endpoint.id)
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        again = await tx.webhook_endpoints.get(acme.id, endpoint.id)
    assert again is not None
    assert (again.enabled, again.disabled_reason, again.failing_since) == (True, None, None)


async def test_removing_an_endpoint_takes_its_deliveries_off_the_queue(uows, acme):
    endpoint = await an_endpoint(uows, acme, ENDED)
    kept = await an_endpoint(uows, acme, ENDED)
    await record(uows, an_event(acme, ENDED))
    async with uows(tenant_id=acme.id) as tx:
        await tx.webhook_endpoints.remove(endpoint)
        await tx.commit()
    assert [d.endpoint_id for d in await due(uows, 1)] == [kept.id]
    assert await deliveries_of(uows, endpoint) == []


async def test_one_endpoints_backlog_never_fills_the_answer(uows, acme, globex):
    busy = await an_endpoint(uows, acme, ENDED)
    quiet = await an_endpoint(uows, globex, ENDED)
    await record(uows, *[an_event(acme, ENDED, 0, ids.new()) for _ in range(5)])
    await record(uows, an_event(globex, ENDED, 1, ids.new()))

    async with uows() as tx:
        two_each = await tx.deliveries.due(at(2), 3, per_endpoint=2)
        skipping = await tx.deliveries.due(at(2), 3, per_endpoint=2, skip=[busy.id])
    assert [d.endpoint_id for d in two_each] == [busy.id, busy.id, quiet.id]
    assert [d.endpoint_id for d in skipping] == [quiet.id]


async def test_what_receivers_answered_about_erased_subjects_is_dropped_in_the_tenant_only(
    uows, acme, globex
):
    person, other = ids.new(), ids.new()
    attempts = []
    for tenant, subject in ((acme, person), (acme, other), (globex, person)):
        endpoint = await an_endpoint(uows, tenant, ENDED)
        await record(uows, an_event(tenant, ENDED, subject=subject))
        [delivery] = await deliveries_of(uows, endpoint)
        attempt = DeliveryAttempt(
            ids.new(), tenant.id, delivery.id, at(1), 80, 200, "got +14155550123", None
        )
        async with uows(tenant_id=tenant.id) as tx:
            await tx.deliveries.add_attempt(attempt)
            await tx.commit()
        attempts.append(attempt)

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.deliveries.forget_responses(acme.id, [person]) == 1
        await tx.commit()

    for attempt, kept in zip(attempts, (None, "got +14155550123", "got +14155550123"), strict=True):
        async with uows(tenant_id=attempt.tenant_id) as tx:
            [stored] = await tx.deliveries.attempts(attempt.tenant_id, attempt.delivery_id)
        assert stored == attrs.evolve(attempt, response_excerpt=kept)
