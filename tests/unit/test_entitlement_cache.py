"""The entitlement cache never keeps inputs that a change overtook while they loaded."""

from __future__ import annotations

import asyncio

import pytest

from adapters.ids import Uuid7Generator
from adapters.memory.plans import InMemoryOverrideRepository
from adapters.memory.unit_of_work import InMemoryDatabase
from application.access import Principal
from application.catalogue import sync_catalogue
from application.context import UseCaseDeps
from application.entitlements import EntitlementCache
from application.plans import SetOverride, TenantFeatureService
from tests.support import PLATFORM, MutableClock, World


async def test_a_load_overtaken_by_a_change_is_not_cached(monkeypatch: pytest.MonkeyPatch):
    # A cache whose time never passes: only a forget() can make it reload.
    deps = UseCaseDeps(
        InMemoryDatabase().unit_of_work,
        Uuid7Generator(),
        MutableClock(),
        entitlements=EntitlementCache(ttl_seconds=10, monotonic=lambda: 0.0),
    )
    await sync_catalogue(deps)
    world = World(deps)
    owner = await world.user("owner@example.com")
    tenant = await world.tenant(owner)
    features = TenantFeatureService(deps)
    loaded, release = asyncio.Event(), asyncio.Event()
    original = InMemoryOverrideRepository.for_tenant

    async def slow_read(self: InMemoryOverrideRepository, tenant_id):  # type: ignore[no-untyped-def]
        rows = await original(self, tenant_id)
        if not release.is_set():
            loaded.set()
            await release.wait()
        return rows

    monkeypatch.setattr(InMemoryOverrideRepository, "for_tenant", slow_read)
    reader = asyncio.create_task(
        features.check_feature(Principal.user(owner.id), tenant.id, "members.max")
    )
    await loaded.wait()  # the reader holds the inputs from before the change
    release.set()
    changed = await features.set_override(PLATFORM, SetOverride(tenant.id, "members.max", 50))
    assert changed.entitlement.value == 50
    stale = await reader
    assert stale.entitlement.value == 3  # it read before the change, which is fine...

    after = await features.check_feature(Principal.user(owner.id), tenant.id, "members.max")

    assert after.entitlement.value == 50  # ...but it did not poison the cache


async def test_a_plan_value_an_admin_removed_stays_removed_across_syncs(deps):
    from application.plans import PlanService

    await sync_catalogue(deps)
    plans = PlanService(deps)
    free = next(p for p in await plans.list_plans(PLATFORM) if p.name == "free")
    await plans.remove_plan_feature(PLATFORM, free.id, "recordings")

    assert await sync_catalogue(deps) == 0

    keys = {pf.feature.key for pf in await plans.plan_features(PLATFORM, free.id)}
    assert "recordings" not in keys
    assert "members.max" in keys


async def test_a_feature_check_the_process_can_answer_needs_no_database():
    """The hot entitlement check: a principal whose standing and tenant's inputs are known
    gets its answer from memory, and a change made here is seen at the next check."""
    db = InMemoryDatabase()
    opened = 0

    def counted(**context):  # type: ignore[no-untyped-def]
        nonlocal opened
        opened += 1
        return db.unit_of_work(**context)

    deps = UseCaseDeps(counted, Uuid7Generator(), MutableClock())
    await sync_catalogue(deps)
    world = World(deps)
    owner = await world.user("owner@example.com")
    tenant = await world.tenant(owner)
    features = TenantFeatureService(deps)
    asker = Principal.user(owner.id)
    first = await features.check_feature(asker, tenant.id, "calls.outbound")
    before = opened

    again = await features.check_feature(asker, tenant.id, "calls.outbound")

    assert again == first
    assert opened == before
    await features.set_override(PLATFORM, SetOverride(tenant.id, "calls.outbound", False))
    changed = await features.check_feature(asker, tenant.id, "calls.outbound")
    assert changed.entitlement.value is False
    metered = await features.check_feature(asker, tenant.id, "members.max")
    assert metered.used == 1, "a metered limit counts its usage in the database"
