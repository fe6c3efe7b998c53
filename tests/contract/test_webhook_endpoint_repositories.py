"""The webhook endpoint contract, the same on every adapter: every field round trips, saves
are version-checked, pages go oldest first, counts and removals stay in their tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from adapters.ids import Uuid7Generator
from application.errors import ConcurrencyConflict
from application.pagination import PageRequest, Position
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.ids import TenantId, WebhookEndpointId
from domain.tenancy import Tenant
from domain.webhooks import EventType, WebhookEndpoint, new_signing_secret

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_tenant(name: str = "Acme") -> Tenant:
    return Tenant(TenantId(ids.new()), name, created_at=at(0), updated_at=at(0))


def an_endpoint(tenant: Tenant, when: float = 0, **fields: object) -> WebhookEndpoint:
    return WebhookEndpoint(
        WebhookEndpointId(ids.new()),
        tenant.id,
        "https://crm.example.com/hooks?token=x",
        frozenset({EventType.CALL_ENDED, EventType.BATCH_COMPLETED}),
        new_signing_secret(),
        at(when),
        at(when),
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
async def acme(uows: UnitOfWorkFactory) -> Tenant:
    return await given_tenant(uows, a_tenant())


@pytest.fixture
async def globex(uows: UnitOfWorkFactory) -> Tenant:
    return await given_tenant(uows, a_tenant("Globex"))


async def given_tenant(uows: UnitOfWorkFactory, tenant: Tenant) -> Tenant:
    async with uows(tenant_id=tenant.id) as tx:
        await tx.tenants.add(tenant)
        await tx.commit()
    return tenant


async def add(uows: UnitOfWorkFactory, *endpoints: WebhookEndpoint) -> None:
    for endpoint in endpoints:
        async with uows(tenant_id=endpoint.tenant_id) as tx:
            await tx.webhook_endpoints.add(endpoint)
            await tx.commit()


async def read(
    uows: UnitOfWorkFactory, tenant: Tenant, endpoint: WebhookEndpoint
) -> WebhookEndpoint | None:
    async with uows(tenant_id=tenant.id) as tx:
        return await tx.webhook_endpoints.get(tenant.id, endpoint.id)


async def test_an_endpoint_round_trips_every_field_and_saves_version_checked(uows, acme, globex):
    endpoint = an_endpoint(acme, description="CRM", enabled=False)
    await add(uows, endpoint)

    assert await read(uows, acme, endpoint) == endpoint
    assert await read(uows, globex, endpoint) is None
    async with uows(tenant_id=acme.id) as tx:
        stored = await tx.webhook_endpoints.get(acme.id, endpoint.id)
        assert stored is not None
        stored.rotate_secret(new_signing_secret(), at(60), timedelta(hours=2))
        stored.event_types = frozenset({EventType.CALL_FAILED})
        await tx.webhook_endpoints.save(stored)
        await tx.commit()
    saved = await read(uows, acme, endpoint)
    assert saved == attrs.evolve(stored, version=endpoint.version + 1)
    assert saved is not None
    assert saved.previous_secret == endpoint.secret
    # A save from the version read before that one is refused, and changes nothing.
    async with uows(tenant_id=acme.id) as tx:
        with pytest.raises(ConcurrencyConflict):
            await tx.webhook_endpoints.save(attrs.evolve(endpoint, enabled=True))
    assert await read(uows, acme, endpoint) == saved


async def test_pages_go_oldest_first_and_counts_and_removals_stay_in_the_tenant(uows, acme, globex):
    mine = [an_endpoint(acme, when) for when in (3, 1, 2)]
    theirs = an_endpoint(globex, 0)
    await add(uows, *mine, theirs)
    oldest_first = sorted(mine, key=lambda e: (e.created_at, e.id))

    async with uows(tenant_id=acme.id) as tx:
        first = await tx.webhook_endpoints.list(acme.id, PageRequest(limit=2))
        rest = await tx.webhook_endpoints.list(
            acme.id, PageRequest(limit=2, after=_position(first[1]))
        )
        counted = await tx.webhook_endpoints.count(acme.id)
        await tx.webhook_endpoints.remove(attrs.evolve(theirs, tenant_id=acme.id))
        await tx.webhook_endpoints.remove(oldest_first[0])
        await tx.commit()

    assert first == oldest_first  # limit + 1: there is more
    assert rest == oldest_first[2:]
    assert counted == 3
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.webhook_endpoints.list(globex.id, PageRequest()) == [theirs]
        assert await tx.webhook_endpoints.count(globex.id) == 1
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.webhook_endpoints.list(acme.id, PageRequest()) == oldest_first[1:]


def _position(endpoint: WebhookEndpoint) -> Position:
    return Position(endpoint.created_at, endpoint.id)
