"""Plans, features and tenant entitlements through the use cases, on the in-memory adapters.

The entitlement cache in these tests never expires by itself (its monotonic clock only moves
when a test moves it), so every change a test sees at once was made visible by the service
that made it dropping the cached inputs, not by a TTL running out.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import attrs
import pytest

from adapters.ids import Uuid7Generator
from adapters.memory.unit_of_work import InMemoryDatabase
from application.access import Principal
from application.agents import AgentService, CreateAgent
from application.catalogue import FEATURES, PLANS, sync_catalogue
from application.context import UseCaseDeps
from application.credentials import CreateApiKey, CredentialService
from application.entitlements import EntitlementCache
from application.errors import AlreadyExists, ConcurrencyConflict, NotFound, PermissionDenied
from application.pagination import PageRequest
from application.phone_numbers import PhoneNumberService
from application.plans import (
    CreateFeature,
    CreatePlan,
    FeatureService,
    PlanService,
    SetOverride,
    TenantFeatureService,
    UpdatePlan,
)
from application.ports.unit_of_work import UnitOfWorkFactory
from application.tenancy import AddMember, MembershipService
from domain.audit import AuditEntry
from domain.errors import InvalidStateTransition, InvalidValue
from domain.ids import PlanId, TenantId
from domain.phones import PhoneNumber
from domain.plans import (
    BillingCycle,
    EntitlementExceeded,
    Feature,
    FeatureDisabled,
    FeatureType,
    Plan,
    Source,
)
from domain.tenancy import Role, Tenant, User
from domain.values import Email
from tests.fakes.telephony import FakeTelephony
from tests.support import PLATFORM, MutableClock, World, twilio_import
from tests.unit.helpers import AuditTap, snapshot

ALL = PageRequest(limit=200)
FEATURE_KEYS = sorted(spec.key for spec in FEATURES)


class FakeMonotonic:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def deps(
    memory_uows: UnitOfWorkFactory, clock: MutableClock, monotonic: FakeMonotonic
) -> UseCaseDeps:
    """The in-memory `deps`, with a cache that is never stale unless `monotonic` moves."""
    cache = EntitlementCache(ttl_seconds=10, monotonic=monotonic)
    return UseCaseDeps(uows=memory_uows, ids=Uuid7Generator(), clock=clock, entitlements=cache)


@attrs.frozen
class Svc:
    plans: PlanService
    features: FeatureService
    tenant_features: TenantFeatureService
    members: MembershipService
    credentials: CredentialService
    deps: UseCaseDeps


@pytest.fixture
def svc(deps: UseCaseDeps) -> Svc:
    return Svc(
        PlanService(deps),
        FeatureService(deps),
        TenantFeatureService(deps),
        MembershipService(deps),
        CredentialService(deps),
        deps,
    )


@attrs.frozen
class Catalogue:
    plans: dict[str, Plan]
    features: dict[str, Feature]


@pytest.fixture
async def catalogue(deps: UseCaseDeps) -> Catalogue:
    await sync_catalogue(deps)
    return await read_catalogue(deps)


async def read_catalogue(deps: UseCaseDeps) -> Catalogue:
    async with deps.uows() as tx:
        plans = {p.name: p for p in await tx.plans.list()}
        features = {f.key: f for f in await tx.features.list()}
    return Catalogue(plans, features)


@pytest.fixture
async def owner(world: World) -> User:
    return await world.user("owner@acme.example")


@pytest.fixture
async def acme(world: World, owner: User, catalogue: Catalogue) -> Tenant:
    """A tenant created after the catalogue was installed."""
    return await world.tenant(owner, "Acme")


@pytest.fixture
async def stranger(world: World) -> User:
    return await world.user("stranger@elsewhere.example")


def me(user: User) -> Principal:
    return Principal.user(user.id, is_platform_admin=user.is_platform_admin)


async def member_of(svc: Svc, world: World, owner: User, tenant: Tenant, role: Role) -> User:
    user = await world.user(f"{role}-{uuid4().hex[:8]}@acme.example")
    await svc.members.add_member(PLATFORM, AddMember(tenant.id, role, user_id=user.id))
    return user


async def add_by_email(svc: Svc, owner: User, tenant: Tenant, email: str) -> Any:
    """The user with this address (made if new), added by the platform: the one path that
    adds a member directly (people otherwise join by invitation)."""
    async with svc.deps.uows() as tx:
        user = await tx.users.by_email(Email.parse(email))
    if user is None:
        user = await World(svc.deps).user(email)
    return await svc.members.add_member(
        PLATFORM, AddMember(tenant.id, Role.MEMBER, user_id=user.id)
    )


def actions(entries: list[AuditEntry]) -> list[tuple[str, str, Any, Any, dict[str, Any]]]:
    return [(e.action, e.entity, e.entity_id, e.tenant_id, e.changes) for e in entries]


@pytest.fixture
def unchanged(memory_db: InMemoryDatabase) -> Any:
    """A context manager asserting the block committed nothing at all (no audit row either)."""

    class Unchanged:
        def __enter__(self) -> None:
            self.before = snapshot(memory_db)

        def __exit__(self, *exc: object) -> None:
            assert snapshot(memory_db) == self.before

    return Unchanged()


# --- the catalogue ----------------------------------------------------------------------


async def test_sync_installs_seventeen_features_and_three_plans_with_free_the_default(
    deps: UseCaseDeps,
) -> None:
    added = await sync_catalogue(deps)

    installed = await read_catalogue(deps)
    assert sorted(installed.features) == FEATURE_KEYS
    assert len(installed.features) == 17
    assert list(installed.plans) == ["free", "pro", "enterprise"]
    assert added == 17 + 3 + sum(len(spec.values) for spec in PLANS)
    async with deps.uows() as tx:
        default = await tx.plans.default()
        values = {
            name: {f.key: (await tx.plans.values(plan.id)).get(f.id, "absent")
                   for f in installed.features.values()}
            for name, plan in installed.plans.items()
        }  # fmt: skip
    assert default is not None
    assert default.name == "free"
    assert [p.is_default for p in installed.plans.values()] == [True, False, False]
    assert [p.price for p in installed.plans.values()] == [
        Decimal("0.00"),
        Decimal("99.00"),
        Decimal("999.00"),
    ]
    assert values == {spec.name: spec.values for spec in PLANS}
    assert values["enterprise"]["members.max"] is None  # unlimited, not missing
    assert values["free"]["members.max"] == 3
    assert values["pro"]["batch_calls"] is True


async def test_sync_again_adds_nothing_and_keeps_what_an_admin_changed(
    svc: Svc, deps: UseCaseDeps, memory_db: InMemoryDatabase
) -> None:
    await sync_catalogue(deps)
    free = (await read_catalogue(deps)).plans["free"]
    await svc.plans.set_plan_feature(PLATFORM, free.id, "members.max", 7)
    await svc.plans.update_plan(PLATFORM, UpdatePlan(free.id, price=Decimal("5.00")))
    before = snapshot(memory_db)

    assert await sync_catalogue(deps) == 0

    assert snapshot(memory_db) == before
    [members_max] = [
        pf for pf in (await svc.plans.plan_features(PLATFORM, free.id, ALL)).items
        if pf.feature.key == "members.max"
    ]  # fmt: skip
    assert members_max.value == 7
    assert (await svc.plans.get_plan(PLATFORM, free.id)).price == Decimal("5.00")


async def test_a_tenant_created_after_sync_is_on_the_free_plan(
    svc: Svc, owner: User, acme: Tenant, catalogue: Catalogue
) -> None:
    assert acme.plan_id == catalogue.plans["free"].id
    found = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert (found.entitlement.value, found.entitlement.source, found.used) == (3, Source.PLAN, 1)


async def test_a_deactivated_default_plan_is_not_given_to_new_tenants(
    svc: Svc, world: World, catalogue: Catalogue
) -> None:
    free = catalogue.plans["free"]
    await svc.plans.update_plan(PLATFORM, UpdatePlan(free.id, is_active=False))
    late = await world.user("late@example.com")

    tenant = await world.tenant(late, "Late")

    assert tenant.plan_id is None
    found = await svc.tenant_features.check_feature(me(late), tenant.id, "calls.outbound")
    assert (found.entitlement.value, found.entitlement.source) == (False, Source.DEFAULT)


# --- plans ------------------------------------------------------------------------------


async def test_inactive_plans_are_hidden_from_everyone_but_platform_admins(
    svc: Svc, owner: User, catalogue: Catalogue
) -> None:
    pro = catalogue.plans["pro"]
    await svc.plans.update_plan(PLATFORM, UpdatePlan(pro.id, is_active=False))

    assert [p.name for p in (await svc.plans.list_plans(me(owner), ALL)).items] == [
        "free",
        "enterprise",
    ]
    assert [p.name for p in (await svc.plans.list_plans(PLATFORM, ALL)).items] == [
        "free",
        "pro",
        "enterprise",
    ]
    with pytest.raises(NotFound):
        await svc.plans.get_plan(me(owner), pro.id)
    with pytest.raises(NotFound):
        await svc.plans.plan_features(me(owner), pro.id, ALL)
    assert (await svc.plans.get_plan(PLATFORM, pro.id)).is_active is False
    assert len((await svc.plans.plan_features(PLATFORM, pro.id, ALL)).items) == len(FEATURES)
    assert (await svc.plans.get_plan(me(owner), catalogue.plans["free"].id)).name == "free"
    with pytest.raises(NotFound):
        await svc.plans.get_plan(PLATFORM, PlanId(uuid4()))


async def test_plan_features_lists_the_values_the_plan_gives(
    svc: Svc, owner: User, catalogue: Catalogue
) -> None:
    enterprise = catalogue.plans["enterprise"].id
    found = (await svc.plans.plan_features(me(owner), enterprise, ALL)).items
    assert {pf.feature.key: pf.value for pf in found} == PLANS[2].values
    assert all(pf.feature == catalogue.features[pf.feature.key] for pf in found)


async def test_only_platform_admins_create_plans_and_names_are_unique(
    svc: Svc, owner: User, catalogue: Catalogue, unchanged: Any, audit_tap: AuditTap
) -> None:
    cmd = CreatePlan(
        "team",
        price=Decimal("49.50"),
        currency="EUR",
        billing_cycle=BillingCycle.YEARLY,
        metadata={"seats": 10},
    )
    with unchanged, pytest.raises(PermissionDenied):
        await svc.plans.create_plan(me(owner), cmd)

    plan = await svc.plans.create_plan(PLATFORM, cmd)

    assert (plan.name, plan.price, plan.currency, plan.billing_cycle, plan.metadata) == (
        "team",
        Decimal("49.50"),
        "EUR",
        BillingCycle.YEARLY,
        {"seats": 10},
    )
    assert (plan.is_active, plan.is_default, plan.version) == (True, False, 0)
    assert await svc.plans.get_plan(me(owner), plan.id) == plan
    assert (await svc.plans.plan_features(PLATFORM, plan.id, ALL)).items == []
    assert actions(audit_tap.new()) == [
        ("plan.created", "plan", plan.id, None,
         {"name": "team", "price": "49.50", "currency": "EUR"}),
    ]  # fmt: skip
    with unchanged, pytest.raises(AlreadyExists) as raised:
        await svc.plans.create_plan(PLATFORM, CreatePlan("team"))
    assert raised.value.field == "name"
    with unchanged, pytest.raises(InvalidValue) as invalid:
        await svc.plans.create_plan(PLATFORM, CreatePlan("cheap", price=Decimal("-1")))
    assert invalid.value.field == "price"


async def test_update_plan_changes_fields_bumps_the_version_and_audits_from_and_to(
    svc: Svc, owner: User, catalogue: Catalogue, audit_tap: AuditTap, unchanged: Any
) -> None:
    pro = catalogue.plans["pro"]
    with unchanged, pytest.raises(PermissionDenied):
        await svc.plans.update_plan(me(owner), UpdatePlan(pro.id, name="Pro+"))

    updated = await svc.plans.update_plan(
        PLATFORM, UpdatePlan(pro.id, name="Pro+", price=Decimal("89.00"), version=pro.version)
    )

    assert (updated.name, updated.price, updated.version) == ("Pro+", Decimal("89.00"), 1)
    assert await svc.plans.get_plan(PLATFORM, pro.id) == updated
    assert actions(audit_tap.new()) == [
        ("plan.updated", "plan", pro.id, None,
         {"name": {"from": "pro", "to": "Pro+"}, "price": {"from": "99.00", "to": "89.00"}}),
    ]  # fmt: skip
    with unchanged, pytest.raises(ConcurrencyConflict):
        await svc.plans.update_plan(PLATFORM, UpdatePlan(pro.id, name="stale", version=0))
    with unchanged, pytest.raises(AlreadyExists):
        await svc.plans.update_plan(PLATFORM, UpdatePlan(pro.id, name="free"))
    with unchanged, pytest.raises(InvalidValue) as invalid:
        await svc.plans.update_plan(PLATFORM, UpdatePlan(pro.id, currency="eur"))
    assert invalid.value.field == "currency"
    with unchanged, pytest.raises(NotFound):
        await svc.plans.update_plan(PLATFORM, UpdatePlan(PlanId(uuid4()), name="x"))


async def test_a_deactivated_plan_stays_with_its_tenants(
    svc: Svc, owner: User, acme: Tenant, catalogue: Catalogue
) -> None:
    free = catalogue.plans["free"]
    deactivated = await svc.plans.update_plan(PLATFORM, UpdatePlan(free.id, is_active=False))

    assert deactivated.is_active is False
    found = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert (found.entitlement.value, found.entitlement.source) == (3, Source.PLAN)


async def test_set_and_remove_a_plan_feature_value(
    svc: Svc, owner: User, acme: Tenant, catalogue: Catalogue, audit_tap: AuditTap
) -> None:
    free = catalogue.plans["free"]
    before = await svc.tenant_features.check_feature(me(owner), acme.id, "batch.size.max")
    assert (before.entitlement.value, before.entitlement.source) == (0, Source.PLAN)

    set_ = await svc.plans.set_plan_feature(PLATFORM, free.id, "batch.size.max", 50)

    assert (set_.feature.key, set_.value) == ("batch.size.max", 50)
    after = await svc.tenant_features.check_feature(me(owner), acme.id, "batch.size.max")
    assert (after.entitlement.value, after.entitlement.source) == (50, Source.PLAN)
    await svc.plans.set_plan_feature(PLATFORM, free.id, "batch.size.max", None)
    unlimited = await svc.tenant_features.check_feature(me(owner), acme.id, "batch.size.max")
    assert (unlimited.entitlement.value, unlimited.entitlement.source) == (None, Source.PLAN)

    await svc.plans.remove_plan_feature(PLATFORM, free.id, "batch.size.max")

    fallback = await svc.tenant_features.check_feature(me(owner), acme.id, "batch.size.max")
    assert (fallback.entitlement.value, fallback.entitlement.source) == (0, Source.DEFAULT)
    assert "batch.size.max" not in {
        pf.feature.key for pf in (await svc.plans.plan_features(PLATFORM, free.id, ALL)).items
    }
    assert [e.action for e in audit_tap.new()] == [
        "plan.feature_set",
        "plan.feature_set",
        "plan.feature_removed",
    ]
    with pytest.raises(NotFound):
        await svc.plans.remove_plan_feature(PLATFORM, free.id, "batch.size.max")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("members.max", True),
        ("members.max", -1),
        ("members.max", "3"),
        ("recordings", 1),
        ("recordings", None),
    ],
)
async def test_a_plan_value_that_does_not_suit_the_feature_type_is_refused(
    svc: Svc, catalogue: Catalogue, unchanged: Any, key: str, value: Any
) -> None:
    with unchanged, pytest.raises(InvalidValue) as raised:
        await svc.plans.set_plan_feature(PLATFORM, catalogue.plans["free"].id, key, value)
    assert raised.value.field == "value"


async def test_plan_feature_changes_need_an_admin_a_known_plan_and_a_known_key(
    svc: Svc, owner: User, catalogue: Catalogue, unchanged: Any
) -> None:
    free = catalogue.plans["free"]
    with unchanged:
        with pytest.raises(PermissionDenied):
            await svc.plans.set_plan_feature(me(owner), free.id, "members.max", 9)
        with pytest.raises(PermissionDenied):
            await svc.plans.remove_plan_feature(me(owner), free.id, "members.max")
        with pytest.raises(NotFound):
            await svc.plans.set_plan_feature(PLATFORM, free.id, "no.such.feature", 1)
        with pytest.raises(NotFound):
            await svc.plans.remove_plan_feature(PLATFORM, free.id, "no.such.feature")
        with pytest.raises(NotFound):
            await svc.plans.set_plan_feature(PLATFORM, PlanId(uuid4()), "members.max", 1)


# --- features ---------------------------------------------------------------------------


async def test_features_are_listed_by_key_and_found_by_key_or_id(
    svc: Svc, owner: User, catalogue: Catalogue
) -> None:
    listed = (await svc.features.list_features(me(owner), ALL)).items
    assert sorted(f.key for f in listed) == FEATURE_KEYS
    assert [(f.created_at, f.id) for f in listed] == sorted((f.created_at, f.id) for f in listed)
    members_max = catalogue.features["members.max"]
    assert await svc.features.get_feature(me(owner), "members.max") == members_max
    assert await svc.features.get_feature(me(owner), str(members_max.id)) == members_max
    assert (members_max.type, members_max.default) == (FeatureType.LIMIT, 3)
    with pytest.raises(NotFound):
        await svc.features.get_feature(me(owner), "no.such.feature")
    with pytest.raises(NotFound):
        await svc.features.get_feature(me(owner), str(uuid4()))


async def test_only_platform_admins_create_features_and_keys_are_unique(
    svc: Svc, owner: User, acme: Tenant, catalogue: Catalogue, unchanged: Any
) -> None:
    cmd = CreateFeature("webhooks.max", "Webhooks", FeatureType.LIMIT, 2, "Outgoing hooks.")
    with unchanged, pytest.raises(PermissionDenied):
        await svc.features.create_feature(me(owner), cmd)
    # Acme's entitlements are cached now; the new feature must still show at once.
    assert len((await svc.tenant_features.tenant_features(me(owner), acme.id, ALL)).items) == len(
        FEATURES
    )

    created = await svc.features.create_feature(PLATFORM, cmd)

    assert (created.key, created.name, created.type, created.default, created.description) == (
        "webhooks.max",
        "Webhooks",
        FeatureType.LIMIT,
        2,
        "Outgoing hooks.",
    )
    assert await svc.features.get_feature(me(owner), "webhooks.max") == created
    found = await svc.tenant_features.check_feature(me(owner), acme.id, "webhooks.max")
    assert (found.entitlement.value, found.entitlement.source) == (2, Source.DEFAULT)
    with unchanged, pytest.raises(AlreadyExists) as raised:
        await svc.features.create_feature(PLATFORM, cmd)
    assert raised.value.field == "feature_key"
    with unchanged, pytest.raises(InvalidValue) as invalid:
        await svc.features.create_feature(
            PLATFORM, CreateFeature("sso", "SSO", FeatureType.BOOLEAN, 1)
        )
    assert invalid.value.field == "default_value"


# --- a tenant's features ----------------------------------------------------------------


async def test_tenant_features_show_the_source_of_each_value_and_member_usage(
    svc: Svc, deps: UseCaseDeps, world: World, owner: User, acme: Tenant
) -> None:
    viewer = await member_of(svc, world, owner, acme, Role.VIEWER)
    await svc.tenant_features.set_override(PLATFORM, SetOverride(acme.id, "recordings", True))
    await svc.tenant_features.set_override(PLATFORM, SetOverride(acme.id, "phone_numbers.max", 5))
    numbers = PhoneNumberService(deps, FakeTelephony())
    lines = [
        await numbers.provision_number(me(owner), twilio_import(acme.id, PhoneNumber.parse(raw)))
        for raw in ("+12127365000", "+14155550123", "+442079460958")
    ]
    await numbers.release_number(me(owner), acme.id, lines[0].id)  # released: not counted
    agents = AgentService(deps)
    await agents.create_agent(me(owner), CreateAgent(acme.id, "Ava"))
    await svc.features.create_feature(
        PLATFORM, CreateFeature("sso", "Single sign-on", FeatureType.BOOLEAN, False)
    )

    listed = (await svc.tenant_features.tenant_features(me(viewer), acme.id, ALL)).items

    by_key = {tf.entitlement.feature.key: tf for tf in listed}
    order = [(tf.entitlement.feature.created_at, tf.entitlement.feature.id) for tf in listed]
    assert order == sorted(order)  # the catalogue's order, oldest feature first
    assert sorted(by_key) == sorted([*FEATURE_KEYS, "sso"])
    assert (by_key["recordings"].entitlement.value, by_key["recordings"].entitlement.source) == (
        True,
        Source.OVERRIDE,
    )
    assert (by_key["members.max"].entitlement.value, by_key["members.max"].entitlement.source) == (
        3,
        Source.PLAN,
    )
    assert (by_key["sso"].entitlement.value, by_key["sso"].entitlement.source) == (
        False,
        Source.DEFAULT,
    )
    # The metered limits count what their use cases count: members, active numbers, active
    # agents, calls on the line and this month's minutes; nothing else is metered.
    metered = {
        "members.max": 2,
        "phone_numbers.max": 2,
        "voice_agents.max": 1,
        "calls.concurrent.max": 0,
        "calls.minutes.monthly": 0,
        "webhooks.endpoints.max": 0,
    }
    assert {k: tf.used for k, tf in by_key.items()} == {k: metered.get(k) for k in by_key}


async def test_a_stranger_cannot_read_a_tenants_features_and_an_unknown_key_is_not_found(
    svc: Svc, owner: User, acme: Tenant, stranger: User
) -> None:
    with pytest.raises(NotFound):
        await svc.tenant_features.tenant_features(me(stranger), acme.id, ALL)
    with pytest.raises(NotFound):
        await svc.tenant_features.check_feature(me(stranger), acme.id, "members.max")
    with pytest.raises(NotFound) as raised:
        await svc.tenant_features.check_feature(me(owner), acme.id, "no.such.feature")
    assert raised.value.entity == "feature"


async def test_an_override_is_set_and_removed_by_a_platform_admin(
    svc: Svc, owner: User, acme: Tenant, clock: MutableClock, audit_tap: AuditTap
) -> None:
    until = clock.now() + timedelta(days=30)
    audit_tap.new()

    found = await svc.tenant_features.set_override(
        PLATFORM, SetOverride(acme.id, "members.max", 10, expires_at=until, reason="trial")
    )

    e = found.entitlement
    assert (e.value, e.source, e.expires_at, found.used) == (10, Source.OVERRIDE, until, 1)
    seen = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert seen == found
    [entry] = audit_tap.new()
    assert (entry.action, entry.tenant_id, entry.changes) == (
        "feature.override_set",
        acme.id,
        {"feature": "members.max", "value": 10, "reason": "trial",
         "expires_at": until.isoformat()},
    )  # fmt: skip

    back = await svc.tenant_features.remove_override(PLATFORM, acme.id, "members.max")

    assert (back.entitlement.value, back.entitlement.source) == (3, Source.PLAN)
    assert [e.action for e in audit_tap.new()] == ["feature.override_removed"]
    with pytest.raises(NotFound):
        await svc.tenant_features.remove_override(PLATFORM, acme.id, "members.max")


async def test_setting_an_override_again_replaces_it(svc: Svc, owner: User, acme: Tenant) -> None:
    await svc.tenant_features.set_override(PLATFORM, SetOverride(acme.id, "members.max", 10))
    await svc.tenant_features.set_override(PLATFORM, SetOverride(acme.id, "members.max", 4))
    found = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert (found.entitlement.value, found.entitlement.source) == (4, Source.OVERRIDE)


async def test_overrides_are_for_platform_admins_only(
    svc: Svc, owner: User, acme: Tenant, stranger: User, unchanged: Any
) -> None:
    await svc.tenant_features.set_override(PLATFORM, SetOverride(acme.id, "recordings", True))
    cmd = SetOverride(acme.id, "members.max", 100)
    with unchanged:
        with pytest.raises(PermissionDenied):
            await svc.tenant_features.set_override(me(owner), cmd)
        with pytest.raises(PermissionDenied):
            await svc.tenant_features.remove_override(me(owner), acme.id, "recordings")
        with pytest.raises(PermissionDenied):
            await svc.tenant_features.enable_feature(me(owner), acme.id, "batch_calls")
        with pytest.raises(PermissionDenied):
            await svc.tenant_features.disable_feature(me(owner), acme.id, "calls.outbound")
        with pytest.raises(NotFound):
            await svc.tenant_features.set_override(me(stranger), cmd)
        with pytest.raises(NotFound):
            await svc.tenant_features.remove_override(me(stranger), acme.id, "recordings")
        with pytest.raises(NotFound):
            await svc.tenant_features.set_override(
                PLATFORM, SetOverride(acme.id, "no.such.feature", True)
            )
        with pytest.raises(NotFound):
            await svc.tenant_features.set_override(
                PLATFORM, SetOverride(TenantId(uuid4()), "members.max", 1)
            )


@pytest.mark.parametrize(
    ("key", "value"), [("members.max", True), ("members.max", -2), ("api_keys", 0)]
)
async def test_an_override_value_must_suit_the_feature_type(
    svc: Svc, acme: Tenant, unchanged: Any, key: str, value: Any
) -> None:
    with unchanged, pytest.raises(InvalidValue) as raised:
        await svc.tenant_features.set_override(PLATFORM, SetOverride(acme.id, key, value))
    assert raised.value.field == "value"


async def test_an_override_must_expire_in_the_future(
    svc: Svc, acme: Tenant, clock: MutableClock, unchanged: Any
) -> None:
    with unchanged, pytest.raises(InvalidValue) as raised:
        await svc.tenant_features.set_override(
            PLATFORM, SetOverride(acme.id, "members.max", 9, expires_at=clock.now())
        )
    assert raised.value.field == "expires_at"


async def test_enable_and_disable_a_feature_for_a_tenant(
    svc: Svc, owner: User, acme: Tenant
) -> None:
    tf = svc.tenant_features

    on = await tf.enable_feature(PLATFORM, acme.id, "batch_calls", reason="pilot")
    unlimited = await tf.enable_feature(PLATFORM, acme.id, "voice_agents.max")
    off = await tf.disable_feature(PLATFORM, acme.id, "calls.outbound")
    zero = await tf.disable_feature(PLATFORM, acme.id, "phone_numbers.max")

    assert (on.entitlement.value, on.entitlement.source, on.entitlement.enabled) == (
        True,
        Source.OVERRIDE,
        True,
    )
    assert (unlimited.entitlement.value, unlimited.entitlement.source) == (None, Source.OVERRIDE)
    assert (off.entitlement.value, off.entitlement.enabled) == (False, False)
    assert (zero.entitlement.value, zero.entitlement.enabled) == (0, False)
    assert type(zero.entitlement.value) is int
    listed = {
        t.entitlement.feature.key: t.entitlement.value
        for t in (await tf.tenant_features(me(owner), acme.id, ALL)).items
    }
    assert (listed["batch_calls"], listed["voice_agents.max"]) == (True, None)
    assert (listed["calls.outbound"], listed["phone_numbers.max"]) == (False, 0)
    with pytest.raises(NotFound):
        await tf.enable_feature(PLATFORM, acme.id, "no.such.feature")
    with pytest.raises(NotFound):
        await tf.disable_feature(PLATFORM, acme.id, "no.such.feature")


# --- changing plan ----------------------------------------------------------------------


async def test_the_owner_changes_the_plan_and_the_new_values_apply_at_once(
    svc: Svc, owner: User, acme: Tenant, catalogue: Catalogue, audit_tap: AuditTap
) -> None:
    free, pro = catalogue.plans["free"], catalogue.plans["pro"]
    before = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert before.entitlement.value == 3
    audit_tap.new()

    changed = await svc.tenant_features.change_plan(me(owner), acme.id, pro.id)

    assert changed.id == pro.id
    after = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert (after.entitlement.value, after.entitlement.source) == (25, Source.PLAN)
    assert actions(audit_tap.new()) == [
        ("tenant.plan_changed", "tenant", acme.id, acme.id,
         {"plan_id": {"from": str(free.id), "to": str(pro.id)}}),
    ]  # fmt: skip
    await svc.tenant_features.change_plan(me(owner), acme.id, pro.id)  # no change: no audit
    assert audit_tap.new() == []
    await svc.tenant_features.change_plan(PLATFORM, acme.id, free.id)
    back = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert back.entitlement.value == 3
    assert [e.action for e in audit_tap.new()] == ["tenant.plan_changed"]


async def test_only_owners_and_platform_admins_change_the_plan(
    svc: Svc, world: World, owner: User, acme: Tenant, catalogue: Catalogue, stranger: User
) -> None:
    admin = await member_of(svc, world, owner, acme, Role.ADMIN)
    pro = catalogue.plans["pro"]

    with pytest.raises(PermissionDenied):
        await svc.tenant_features.change_plan(me(admin), acme.id, pro.id)
    with pytest.raises(NotFound):
        await svc.tenant_features.change_plan(me(stranger), acme.id, pro.id)
    with pytest.raises(NotFound):
        await svc.tenant_features.change_plan(me(owner), acme.id, PlanId(uuid4()))

    found = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert found.entitlement.value == 3  # still on free


async def test_an_inactive_plan_cannot_be_chosen(
    svc: Svc, owner: User, acme: Tenant, catalogue: Catalogue, unchanged: Any
) -> None:
    pro = catalogue.plans["pro"]
    await svc.plans.update_plan(PLATFORM, UpdatePlan(pro.id, is_active=False))

    with unchanged:
        with pytest.raises(NotFound):
            await svc.tenant_features.change_plan(me(owner), acme.id, pro.id)
        with pytest.raises(InvalidStateTransition) as raised:
            await svc.tenant_features.change_plan(PLATFORM, acme.id, pro.id)
    assert raised.value.field == "plan_id"


# --- enforcement ------------------------------------------------------------------------


async def test_the_member_limit_is_enforced_widened_by_an_override_and_back_when_it_expires(
    svc: Svc,
    owner: User,
    acme: Tenant,
    catalogue: Catalogue,
    clock: MutableClock,
    memory_db: InMemoryDatabase,
    unchanged: Any,
) -> None:
    # Acme's entitlements are cached (limit 3) before the plan changes to 2.
    assert (await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")).used == 1
    await svc.plans.set_plan_feature(PLATFORM, catalogue.plans["free"].id, "members.max", 2)
    await add_by_email(svc, owner, acme, "second@acme.example")
    for name in ("third", "fourth"):  # accounts exist; what is refused is their membership
        await World(svc.deps).user(f"{name}@acme.example")

    with unchanged, pytest.raises(EntitlementExceeded) as raised:
        await add_by_email(svc, owner, acme, "third@acme.example")

    error = raised.value
    assert (error.feature, error.limit, error.used, error.wanted) == ("members.max", 2, 2, 1)

    until = clock.now() + timedelta(hours=1)
    await svc.tenant_features.set_override(
        PLATFORM, SetOverride(acme.id, "members.max", 3, expires_at=until)
    )
    third = await add_by_email(svc, owner, acme, "third@acme.example")
    assert third.user.email == Email.parse("third@acme.example")
    found = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert (found.entitlement.value, found.entitlement.source, found.used) == (
        3,
        Source.OVERRIDE,
        3,
    )

    clock.advance(hours=1)  # exactly at expires_at: no longer in force

    found = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert (found.entitlement.value, found.entitlement.source, found.used) == (2, Source.PLAN, 3)
    with unchanged, pytest.raises(EntitlementExceeded) as raised:
        await add_by_email(svc, owner, acme, "fourth@acme.example")
    assert (raised.value.limit, raised.value.used) == (2, 3)


async def test_an_existing_user_is_refused_too_when_the_tenant_is_full(
    svc: Svc, world: World, owner: User, acme: Tenant, unchanged: Any
) -> None:
    await svc.tenant_features.set_override(PLATFORM, SetOverride(acme.id, "members.max", 1))
    user = await world.user("existing@example.com")
    with unchanged, pytest.raises(EntitlementExceeded):
        await svc.members.add_member(PLATFORM, AddMember(acme.id, Role.VIEWER, user_id=user.id))
    await svc.tenant_features.enable_feature(PLATFORM, acme.id, "members.max")  # unlimited
    for n in range(5):
        await add_by_email(svc, owner, acme, f"m{n}@acme.example")
    found = await svc.tenant_features.check_feature(me(owner), acme.id, "members.max")
    assert (found.entitlement.limit, found.used) == (None, 6)


async def test_api_keys_disabled_by_an_override_cannot_be_created(
    svc: Svc, owner: User, acme: Tenant, unchanged: Any
) -> None:
    cmd = CreateApiKey(acme.id, "ci", Role.MEMBER)
    await svc.credentials.create_api_key(me(owner), cmd)  # caches api_keys = on
    await svc.tenant_features.disable_feature(PLATFORM, acme.id, "api_keys", reason="abuse")

    with unchanged, pytest.raises(FeatureDisabled) as raised:
        await svc.credentials.create_api_key(me(owner), cmd)

    assert raised.value.feature == "api_keys"
    await svc.tenant_features.remove_override(PLATFORM, acme.id, "api_keys")
    issued = await svc.credentials.create_api_key(me(owner), cmd)
    keys = await svc.credentials.list_api_keys(me(owner), acme.id, ALL)
    assert issued.credential.id in [k.key.id for k in keys.items]
    assert len(keys.items) == 2


# --- the cache --------------------------------------------------------------------------


async def test_a_change_made_elsewhere_is_seen_once_the_ttl_has_passed(
    memory_db: InMemoryDatabase,
    clock: MutableClock,
    world: World,
    owner: User,
    acme: Tenant,
    catalogue: Catalogue,
) -> None:
    fake = FakeMonotonic()
    deps = UseCaseDeps(
        memory_db.unit_of_work,
        Uuid7Generator(),
        clock,
        entitlements=EntitlementCache(ttl_seconds=10, monotonic=fake),
    )
    features = TenantFeatureService(deps)

    async def members_max() -> tuple[Any, Source]:
        found = await features.check_feature(me(owner), acme.id, "members.max")
        return found.entitlement.value, found.entitlement.source

    assert await members_max() == (3, Source.PLAN)  # loads the cache
    # Another process changes the plan and grants an override, bypassing this one's services.
    async with memory_db.unit_of_work() as tx:
        await tx.plans.set_value(
            catalogue.plans["free"].id, catalogue.features["members.max"].id, 8
        )
        await tx.commit()

    assert await members_max() == (3, Source.PLAN)
    fake.advance(7.0)  # before it falls due for renewal (application.renewal)
    assert await members_max() == (3, Source.PLAN)
    fake.advance(3.1)
    assert await members_max() == (8, Source.PLAN)

    await TenantFeatureService(attrs.evolve(deps, entitlements=EntitlementCache())).set_override(
        PLATFORM, SetOverride(acme.id, "members.max", 20)
    )  # through another process's services: this process's cache is not told
    assert await members_max() == (8, Source.PLAN)
    fake.advance(10)
    assert await members_max() == (20, Source.OVERRIDE)
