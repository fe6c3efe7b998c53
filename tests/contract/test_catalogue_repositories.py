"""The plan, feature, override and member-count contract, the same on every adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from adapters.ids import Uuid7Generator
from application.errors import AlreadyExists, ConcurrencyConflict
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.ids import FeatureId, MembershipId, OverrideId, PlanId, TenantId, UserId
from domain.plans import BillingCycle, Feature, FeatureType, FeatureValue, Override, Plan
from domain.tenancy import Membership, Role, Tenant, User
from domain.values import Email

ids = Uuid7Generator()
T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def a_plan(name: str = "pro", when: float = 0, **fields: object) -> Plan:
    return Plan(PlanId(ids.new()), name, created_at=at(when), updated_at=at(when), **fields)  # type: ignore[arg-type]


def a_feature(
    key: str, feature_type: FeatureType = FeatureType.LIMIT, default: FeatureValue = 1
) -> Feature:
    return Feature(FeatureId(ids.new()), key, key.title(), feature_type, default, created_at=at(0))


def a_tenant(name: str = "Acme") -> Tenant:
    return Tenant(TenantId(ids.new()), name, created_at=at(0), updated_at=at(0))


def a_user(email: str) -> User:
    return User(UserId(ids.new()), Email.parse(email), created_at=at(0), updated_at=at(0))


def an_override(
    tenant: Tenant,
    feature: Feature,
    value: FeatureValue,
    *,
    enabled: float = 0,
    expires: float | None = None,
    reason: str | None = None,
    granted_by: UserId | None = None,
) -> Override:
    return Override(
        OverrideId(ids.new()),
        tenant.id,
        feature.id,
        value,
        enabled_at=at(enabled),
        expires_at=None if expires is None else at(expires),
        reason=reason,
        granted_by=granted_by,
    )


async def given_plans(uows: UnitOfWorkFactory, *plans: Plan) -> None:
    async with uows() as tx:
        for plan in plans:
            await tx.plans.add(plan)
        await tx.commit()


async def given_features(uows: UnitOfWorkFactory, *features: Feature) -> None:
    async with uows() as tx:
        for feature in features:
            await tx.features.add(feature)
        await tx.commit()


async def given_tenants(uows: UnitOfWorkFactory, *tenants: Tenant) -> None:
    for tenant in tenants:
        async with uows(tenant_id=tenant.id) as tx:
            await tx.tenants.add(tenant)
            await tx.commit()


# --- plans ------------------------------------------------------------------------------


async def test_plan_round_trip(uows):
    plan = a_plan(
        "team",
        price=Decimal("1234.50"),
        currency="EUR",
        billing_cycle=BillingCycle.YEARLY,
        is_active=False,
        is_default=True,
        metadata={"seats": 10, "tags": ["a", "b"], "nested": {"ok": True, "none": None}},
    )
    other = a_plan("solo", when=1, price=Decimal("9999999999.99"))
    await given_plans(uows, plan, other)

    async with uows() as tx:
        stored = await tx.plans.get(plan.id)
        listed = await tx.plans.list()
        default = await tx.plans.default()
        missing = await tx.plans.get(PlanId(ids.new()))

    assert stored == plan
    assert stored is not None
    assert (stored.price, stored.billing_cycle, stored.metadata) == (
        Decimal("1234.50"),
        BillingCycle.YEARLY,
        {"seats": 10, "tags": ["a", "b"], "nested": {"ok": True, "none": None}},
    )
    assert isinstance(stored.price, Decimal)
    assert (stored.is_active, stored.is_default, stored.version) == (False, True, 0)
    assert listed == [plan, other]
    assert default == plan
    assert missing is None


async def test_default_is_none_without_a_default_plan(uows):
    await given_plans(uows, a_plan("free"), a_plan("pro", when=1))
    async with uows() as tx:
        assert await tx.plans.default() is None


async def test_default_returns_the_plan_marked_default(uows):
    free, pro = a_plan("free"), a_plan("pro", when=1, is_default=True)
    await given_plans(uows, free, pro)
    async with uows() as tx:
        assert await tx.plans.default() == pro


async def test_plan_names_are_unique(uows):
    await given_plans(uows, a_plan("pro"))
    async with uows() as tx:
        with pytest.raises(AlreadyExists) as raised:
            await tx.plans.add(a_plan("pro", when=1))
    assert raised.value.field == "name"
    async with uows() as tx:
        assert [p.name for p in await tx.plans.list()] == ["pro"]


async def test_renaming_a_plan_to_a_taken_name_is_refused(uows):
    free, pro = a_plan("free"), a_plan("pro", when=1)
    await given_plans(uows, free, pro)
    async with uows() as tx:
        stored = await tx.plans.get(pro.id)
        assert stored is not None
        stored.name = "free"
        with pytest.raises(AlreadyExists) as raised:
            await tx.plans.save(stored)
    assert raised.value.field == "name"


async def test_save_bumps_the_version_and_keeps_every_field(uows):
    plan = a_plan("pro", price=Decimal("99.00"))
    await given_plans(uows, plan)
    async with uows() as tx:
        stored = await tx.plans.get(plan.id)
        assert stored is not None
        stored.name = "Pro+"
        stored.price = Decimal("89.90")
        stored.currency = "GBP"
        stored.billing_cycle = BillingCycle.YEARLY
        stored.is_active = False
        stored.is_default = True
        stored.metadata = {"promo": "spring"}
        stored.updated_at = at(60)
        await tx.plans.save(stored)
        await tx.commit()
    assert stored.version == 1
    async with uows() as tx:
        assert await tx.plans.get(plan.id) == stored


async def test_a_lost_plan_update_is_refused(uows):
    plan = a_plan("pro")
    await given_plans(uows, plan)
    async with uows() as a, uows() as b:
        pa, pb = await a.plans.get(plan.id), await b.plans.get(plan.id)
        assert pa is not None
        assert pb is not None
        pa.name = "A"
        await a.plans.save(pa)
        await a.commit()
        pb.name = "B"
        with pytest.raises(ConcurrencyConflict):
            await b.plans.save(pb)
    async with uows() as tx:
        stored = await tx.plans.get(plan.id)
    assert stored is not None
    assert (stored.name, stored.version) == ("A", 1)


async def test_plan_values_round_trip_exactly_and_set_value_upserts(uows):
    plan, other_plan = a_plan("pro"), a_plan("free", when=1)
    on, off, count, zero, unlimited, unmentioned = (
        a_feature("recordings", FeatureType.BOOLEAN, False),
        a_feature("batch_calls", FeatureType.BOOLEAN, False),
        a_feature("members.max"),
        a_feature("batch.size.max"),
        a_feature("voice_agents.max"),
        a_feature("phone_numbers.max"),
    )
    await given_plans(uows, plan, other_plan)
    await given_features(uows, on, off, count, zero, unlimited, unmentioned)
    async with uows() as tx:
        await tx.plans.set_value(plan.id, on.id, True)
        await tx.plans.set_value(plan.id, off.id, False)
        await tx.plans.set_value(plan.id, count.id, 3)
        await tx.plans.set_value(plan.id, zero.id, 0)
        await tx.plans.set_value(plan.id, unlimited.id, None)
        await tx.plans.set_value(other_plan.id, count.id, 1)
        await tx.commit()
    async with uows() as tx:
        await tx.plans.set_value(plan.id, count.id, 100_000)  # upsert: replaces 3
        await tx.commit()

    async with uows() as tx:
        values = await tx.plans.values(plan.id)
        others = await tx.plans.values(other_plan.id)
        nothing = await tx.plans.values(PlanId(ids.new()))

    assert values == {on.id: True, off.id: False, count.id: 100_000, zero.id: 0, unlimited.id: None}
    assert values[on.id] is True
    assert values[off.id] is False
    assert type(values[count.id]) is int
    assert type(values[zero.id]) is int  # 0, not False
    assert unlimited.id in values  # null: unlimited, which is not the same as unmentioned
    assert values[unlimited.id] is None
    assert unmentioned.id not in values
    assert others == {count.id: 1}
    assert nothing == {}


async def test_remove_value_says_whether_there_was_one(uows):
    plan, feature = a_plan("pro"), a_feature("members.max")
    await given_plans(uows, plan)
    await given_features(uows, feature)
    async with uows() as tx:
        await tx.plans.set_value(plan.id, feature.id, None)
        await tx.commit()

    async with uows() as tx:
        assert await tx.plans.remove_value(plan.id, feature.id) is True
        await tx.commit()
    async with uows() as tx:
        assert await tx.plans.values(plan.id) == {}
        assert await tx.plans.remove_value(plan.id, feature.id) is False


async def test_set_value_without_commit_is_rolled_back(uows):
    plan, feature = a_plan("pro"), a_feature("members.max")
    await given_plans(uows, plan)
    await given_features(uows, feature)
    async with uows() as tx:
        await tx.plans.set_value(plan.id, feature.id, 5)
        assert await tx.plans.values(plan.id) == {feature.id: 5}  # seen in its transaction
    async with uows() as tx:
        assert await tx.plans.values(plan.id) == {}


# --- features ---------------------------------------------------------------------------


async def test_feature_round_trip_and_lookup_by_key(uows):
    limit = a_feature("members.max", FeatureType.LIMIT, None)
    boolean = a_feature("api_keys", FeatureType.BOOLEAN, True)
    addon = Feature(
        FeatureId(ids.new()),
        "extra.storage",
        "Extra storage",
        FeatureType.ADDON,
        0,
        created_at=at(0),
        description="Gigabytes on top of the plan.",
    )
    await given_features(uows, limit, boolean, addon)

    async with uows() as tx:
        listed = await tx.features.list()
        by_key = await tx.features.by_key("members.max")
        missing = await tx.features.by_key("no.such.feature")

    assert listed == [boolean, addon, limit]  # by key
    assert by_key == limit
    assert by_key is not None
    assert by_key.default is None
    assert type(listed[1].default) is int
    assert listed[0].default is True
    assert missing is None


async def test_feature_keys_are_unique(uows):
    await given_features(uows, a_feature("members.max"))
    async with uows() as tx:
        with pytest.raises(AlreadyExists) as raised:
            await tx.features.add(a_feature("members.max", FeatureType.BOOLEAN, False))
    assert raised.value.field == "feature_key"
    async with uows() as tx:
        [only] = await tx.features.list()
    assert only.type is FeatureType.LIMIT


# --- overrides --------------------------------------------------------------------------


async def test_override_round_trip(uows):
    tenant, granter = a_tenant(), a_user("admin@platform.example")
    feature = a_feature("members.max")
    await given_features(uows, feature)
    async with uows() as tx:
        await tx.users.add(granter)
        await tx.commit()
    await given_tenants(uows, tenant)
    override = an_override(
        tenant, feature, None, enabled=5, expires=3600, reason="trial", granted_by=granter.id
    )

    async with uows(tenant_id=tenant.id) as tx:
        await tx.overrides.put(override)
        await tx.commit()

    async with uows(tenant_id=tenant.id) as tx:
        assert await tx.overrides.for_tenant(tenant.id) == [override]


async def test_put_replaces_the_tenants_override_of_the_same_feature(uows):
    tenant = a_tenant()
    members, recordings = (
        a_feature("members.max"),
        a_feature("recordings", FeatureType.BOOLEAN, False),
    )
    await given_features(uows, members, recordings)
    await given_tenants(uows, tenant)
    first = an_override(tenant, members, 10, expires=60, reason="trial")
    kept = an_override(tenant, recordings, True)
    async with uows(tenant_id=tenant.id) as tx:
        await tx.overrides.put(first)
        await tx.overrides.put(kept)
        await tx.commit()

    second = an_override(tenant, members, 0, enabled=30, reason="abuse")
    async with uows(tenant_id=tenant.id) as tx:
        await tx.overrides.put(second)
        await tx.commit()

    async with uows(tenant_id=tenant.id) as tx:
        stored = {o.feature_id: o for o in await tx.overrides.for_tenant(tenant.id)}
    assert sorted(stored) == sorted([members.id, recordings.id])
    replaced = stored[members.id]
    assert (
        replaced.value,
        replaced.enabled_at,
        replaced.expires_at,
        replaced.reason,
        replaced.granted_by,
    ) == (0, at(30), None, "abuse", None)
    assert type(replaced.value) is int
    assert stored[recordings.id] == kept


async def test_for_tenant_returns_only_that_tenants_overrides(uows):
    acme, globex = a_tenant("Acme"), a_tenant("Globex")
    feature = a_feature("members.max")
    await given_features(uows, feature)
    await given_tenants(uows, acme, globex)
    mine, theirs = an_override(acme, feature, 10), an_override(globex, feature, 20)
    for override in (mine, theirs):
        async with uows(tenant_id=override.tenant_id) as tx:
            await tx.overrides.put(override)
            await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.overrides.for_tenant(acme.id) == [mine]
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.overrides.for_tenant(globex.id) == [theirs]


async def test_remove_override_says_whether_there_was_one(uows):
    acme, globex = a_tenant("Acme"), a_tenant("Globex")
    feature = a_feature("members.max")
    await given_features(uows, feature)
    await given_tenants(uows, acme, globex)
    theirs = an_override(globex, feature, 20)
    for override in (an_override(acme, feature, 10), theirs):
        async with uows(tenant_id=override.tenant_id) as tx:
            await tx.overrides.put(override)
            await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.overrides.remove(acme.id, feature.id) is True
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.overrides.for_tenant(acme.id) == []
        assert await tx.overrides.remove(acme.id, feature.id) is False
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.overrides.for_tenant(globex.id) == [theirs]


# --- member count -----------------------------------------------------------------------


async def test_memberships_count_counts_the_tenants_members(uows):
    acme, globex = a_tenant("Acme"), a_tenant("Globex")
    users = [a_user(f"u{n}@example.com") for n in range(3)]
    async with uows() as tx:
        for user in users:
            await tx.users.add(user)
        await tx.commit()
    await given_tenants(uows, acme, globex)

    def membership(tenant: Tenant, user: User, role: Role) -> Membership:
        return Membership(
            MembershipId(ids.new()), tenant.id, user.id, role, created_at=at(0), updated_at=at(0)
        )

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.memberships.count(acme.id) == 0
        for user, role in zip(users, [Role.OWNER, Role.MEMBER, Role.VIEWER], strict=True):
            await tx.memberships.add(membership(acme, user, role))
        assert await tx.memberships.count(acme.id) == 3  # its own pending writes count
        await tx.commit()
    async with uows(tenant_id=globex.id) as tx:
        await tx.memberships.add(membership(globex, users[0], Role.OWNER))
        await tx.commit()

    async with uows(tenant_id=acme.id) as tx:
        assert await tx.memberships.count(acme.id) == 3
        removed = await tx.memberships.get(acme.id, users[1].id)
        assert removed is not None
        await tx.memberships.remove(removed)
        await tx.commit()
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.memberships.count(acme.id) == 2
    async with uows(tenant_id=globex.id) as tx:
        assert await tx.memberships.count(globex.id) == 1
