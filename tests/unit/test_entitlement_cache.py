"""The entitlement cache never keeps inputs that a change overtook while they loaded; the
month's talk time it keeps is read again after its ttl, or at once when a call reports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.ids import Uuid7Generator
from adapters.memory.plans import InMemoryOverrideRepository
from adapters.memory.unit_of_work import InMemoryDatabase
from application.access import Principal
from application.catalogue import sync_catalogue
from application.context import UseCaseDeps
from application.entitlements import EntitlementCache, TenantInputs
from application.pagination import PageRequest
from application.plans import SetOverride, TenantFeatureService
from domain.ids import FeatureId, TenantId
from domain.plans import FeatureValue, Override
from tests.support import PLATFORM, MutableClock, World
from tests.unit.test_entitlement_rules import features, instants, overrides, plan_values_for


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
    every = PageRequest(limit=200)
    free = next(p for p in (await plans.list_plans(PLATFORM, every)).items if p.name == "free")
    await plans.remove_plan_feature(PLATFORM, free.id, "recordings")

    assert await sync_catalogue(deps) == 0

    keys = {pf.feature.key for pf in (await plans.plan_features(PLATFORM, free.id, every)).items}
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


@st.composite
def tenant_inputs(draw: st.DrawFn) -> TenantInputs:
    """A catalogue of distinct keys, with plan values and overrides for some of them."""
    catalogue = draw(st.lists(features(), max_size=6, unique_by=lambda f: f.key))
    plan_values: dict[FeatureId, FeatureValue] = {}
    overridden: dict[FeatureId, Override] = {}
    for feature in catalogue:
        plan_values |= draw(plan_values_for(feature))
        if draw(st.booleans()):
            overridden[feature.id] = draw(overrides(feature))
    return TenantInputs(tuple(catalogue), plan_values, overridden)


@given(
    inputs=tenant_inputs(),
    key=st.from_regex(r"[a-z][a-z_.]{0,20}", fullmatch=True),
    at=instants,
    pick=st.booleans(),
)
def test_one_features_entitlement_is_the_one_in_the_whole_set(
    inputs: TenantInputs, key: str, at: datetime, pick: bool
) -> None:
    if pick and inputs.features:
        key = inputs.features[0].key  # half the time a key the catalogue has
    assert inputs.entitlement(key, at) == inputs.entitlements(at).get(key)


class _TalkTimeStore:
    """A unit of work's part that the month's talk time reads: the sum (which a test may
    hold while it loads), how often it was read, and the commit callbacks."""

    def __init__(self) -> None:
        self.seconds = 0
        self.reads = 0
        self.committed: list[Any] = []
        self.hold: asyncio.Event | None = None
        self.calls = self

    async def seconds_since(self, _tenant_id: Any, _since: datetime) -> int:
        self.reads += 1
        seconds = self.seconds
        if self.hold is not None:
            await self.hold.wait()
        return seconds

    def after_commit(self, callback: Any) -> None:
        self.committed.append(callback)

    def commit(self) -> None:
        for callback in self.committed:
            callback()
        self.committed.clear()


async def test_the_months_talk_time_is_read_once_a_ttl_and_again_once_a_call_reports():
    now = [0.0]
    cache = EntitlementCache(ttl_seconds=10, monotonic=lambda: now[0])
    store, tenant = _TalkTimeStore(), TenantId(Uuid7Generator().new())
    june, july = datetime(2026, 6, 30, 23, 59, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
    tx: Any = store

    async def seen(at: datetime = june) -> tuple[int, int]:
        return await cache.seconds_this_month(tx, tenant, at), store.reads

    store.seconds = 60
    assert await seen() == (60, 1)
    store.seconds = 120  # another process's call reported: counted within the ttl
    now[0] = 9.9
    assert await seen() == (60, 1)
    now[0] = 10.0
    assert await seen() == (120, 2)
    store.seconds = 180
    cache.talk_time_changed(tx, tenant)  # a call of this process reported: once committed...
    assert await seen() == (120, 2)
    store.commit()
    assert await seen() == (180, 3)  # ...read again at once
    assert await seen(july) == (180, 4)  # another month is another sum


async def test_a_talk_time_read_overtaken_by_a_report_is_not_kept():
    cache = EntitlementCache(ttl_seconds=10, monotonic=lambda: 0.0)
    store, tenant = _TalkTimeStore(), TenantId(Uuid7Generator().new())
    at, tx = datetime(2026, 6, 1, tzinfo=UTC), cast(Any, store)
    store.seconds, store.hold = 60, asyncio.Event()
    reading = asyncio.create_task(cache.seconds_this_month(tx, tenant, at))
    await asyncio.sleep(0)
    store.seconds = 120
    cache.talk_time_changed(tx, tenant)
    store.commit()
    store.hold.set()
    assert await reading == 60  # read before the report, which is fine...
    store.hold = None

    assert await cache.seconds_this_month(tx, tenant, at) == 120  # ...but it was not kept
