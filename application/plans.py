"""Plans, features and tenant entitlements (the seed's PlanModel, FeatureModel and
TenantFeatureModel, with TenantModel.getTenantFeatures)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from application.access import (
    Permission,
    Principal,
    authorize,
    permitted,
    require_platform_admin,
)
from application.context import UseCaseDeps, check_version, jsonable
from application.entitlements import (
    USAGE_METERS,
    entitlement,
    entitlements_of,
    known_entitlement,
    usage,
)
from application.errors import NotFound
from application.pagination import Page, PageRequest, Position
from application.ports.unit_of_work import UnitOfWork
from domain.errors import InvalidStateTransition
from domain.ids import FeatureId, OverrideId, PlanId, TenantId
from domain.plans import (
    BillingCycle,
    Entitlement,
    Feature,
    FeatureType,
    FeatureValue,
    Override,
    Plan,
    check_value,
    off_value,
    on_value,
)


@attrs.frozen
class CreatePlan:
    name: str
    price: Decimal = Decimal("0")
    currency: str = "USD"
    billing_cycle: BillingCycle = BillingCycle.MONTHLY
    metadata: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class UpdatePlan:
    plan_id: PlanId
    name: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    billing_cycle: BillingCycle | None = None
    is_active: bool | None = None
    metadata: dict[str, Any] | None = None
    version: int | None = None


@attrs.frozen
class CreateFeature:
    key: str
    name: str
    type: FeatureType
    default: Any
    description: str | None = None


@attrs.frozen
class SetOverride:
    tenant_id: TenantId
    key: str
    value: Any
    expires_at: datetime | None = None
    reason: str | None = None


@attrs.frozen
class PlanFeature:
    feature: Feature
    value: FeatureValue


@attrs.frozen
class TenantFeature:
    entitlement: Entitlement
    used: int | None
    """Current usage, for metered limits; None where nothing is metered."""


def _plan_position(plan: Plan) -> Position:
    return Position(plan.created_at, plan.id)


def _feature_position(feature: Feature) -> Position:
    return Position(feature.created_at, feature.id)


async def _feature(tx: UnitOfWork, key: str) -> Feature:
    feature = await tx.features.by_key(key)
    if feature is None:
        raise NotFound("feature", key)
    return feature


class PlanService:
    """The plan catalogue: read by every signed-in caller, managed by platform admins."""

    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def list_plans(self, principal: Principal, page: PageRequest) -> Page[Plan]:
        """A page of the plans, oldest first: all of them for platform admins, the active
        ones for everyone else."""
        async with self._deps.uows() as tx:
            plans = await tx.plans.list()
        visible = [p for p in plans if p.is_active or principal.is_platform_admin]
        return Page.cut(visible, page, _plan_position)

    async def get_plan(self, principal: Principal, plan_id: PlanId) -> Plan:
        async with self._deps.uows() as tx:
            return await self._visible(tx, principal, plan_id)

    async def _visible(self, tx: UnitOfWork, principal: Principal, plan_id: PlanId) -> Plan:
        plan = await tx.plans.get(plan_id)
        if plan is None or not (plan.is_active or principal.is_platform_admin):
            raise NotFound("plan", plan_id)
        return plan

    async def plan_features(
        self, principal: Principal, plan_id: PlanId, page: PageRequest
    ) -> Page[PlanFeature]:
        """A page of the values the plan gives features, oldest feature first; NotFound
        for a plan the principal may not see."""
        async with self._deps.uows() as tx:
            await self._visible(tx, principal, plan_id)
            values = await tx.plans.values(plan_id)
            features = await tx.features.list()
        given = [PlanFeature(f, values[f.id]) for f in features if f.id in values]
        return Page.cut(given, page, lambda pf: _feature_position(pf.feature))

    async def plan_feature(self, principal: Principal, plan_id: PlanId, key: str) -> PlanFeature:
        """The value a plan gives one feature; NotFound when it gives none."""
        async with self._deps.uows() as tx:
            await self._visible(tx, principal, plan_id)
            feature = await _feature(tx, key)
            values = await tx.plans.values(plan_id)
        if feature.id not in values:
            raise NotFound("plan feature", key)
        return PlanFeature(feature, values[feature.id])

    async def create_plan(self, principal: Principal, cmd: CreatePlan) -> Plan:
        require_platform_admin(principal)
        now = self._deps.clock.now()
        plan = Plan(
            PlanId(self._deps.ids.new()),
            cmd.name,
            created_at=now,
            updated_at=now,
            price=cmd.price,
            currency=cmd.currency,
            billing_cycle=cmd.billing_cycle,
            metadata=cmd.metadata,
        )
        async with self._deps.uows() as tx:
            await tx.plans.add(plan)
            await self._deps.audit(
                tx,
                principal,
                "plan.created",
                "plan",
                plan.id,
                tenant_id=None,
                changes={"name": plan.name, "price": str(plan.price), "currency": plan.currency},
            )
            await tx.commit()
        return plan

    async def update_plan(self, principal: Principal, cmd: UpdatePlan) -> Plan:
        """Change a plan; `is_active=False` deactivates it (tenants on it keep it)."""
        require_platform_admin(principal)
        async with self._deps.uows() as tx:
            plan = await tx.plans.get(cmd.plan_id)
            if plan is None:
                raise NotFound("plan", cmd.plan_id)
            check_version(cmd.version, plan.version, "plan", plan.id)
            changes: dict[str, object] = {}
            wanted = {
                "name": cmd.name,
                "price": cmd.price,
                "currency": cmd.currency,
                "billing_cycle": cmd.billing_cycle,
                "is_active": cmd.is_active,
                "metadata": cmd.metadata,
            }
            for name, value in wanted.items():
                if value is not None and value != getattr(plan, name):
                    before = getattr(plan, name)
                    changes[name] = {"from": jsonable(before), "to": jsonable(value)}
                    setattr(plan, name, value)
            if changes:
                plan.updated_at = self._deps.clock.now()
                await tx.plans.save(plan)
                await self._deps.audit(
                    tx, principal, "plan.updated", "plan", plan.id, tenant_id=None, changes=changes
                )
                await tx.commit()
        self._deps.entitlements.forget_all()
        return plan

    async def set_plan_feature(
        self, principal: Principal, plan_id: PlanId, key: str, value: Any
    ) -> PlanFeature:
        require_platform_admin(principal)
        async with self._deps.uows() as tx:
            if await tx.plans.get(plan_id) is None:
                raise NotFound("plan", plan_id)
            feature = await _feature(tx, key)
            checked = check_value(feature.type, value)
            await tx.plans.set_value(plan_id, feature.id, checked)
            await self._deps.audit(
                tx,
                principal,
                "plan.feature_set",
                "plan",
                plan_id,
                tenant_id=None,
                changes={"feature": key, "value": checked},
            )
            await tx.commit()
        self._deps.entitlements.forget_all()
        return PlanFeature(feature, checked)

    async def remove_plan_feature(self, principal: Principal, plan_id: PlanId, key: str) -> None:
        require_platform_admin(principal)
        async with self._deps.uows() as tx:
            if await tx.plans.get(plan_id) is None:
                raise NotFound("plan", plan_id)
            feature = await _feature(tx, key)
            if not await tx.plans.remove_value(plan_id, feature.id):
                raise NotFound("plan feature", key)
            await self._deps.audit(
                tx,
                principal,
                "plan.feature_removed",
                "plan",
                plan_id,
                tenant_id=None,
                changes={"feature": key},
            )
            await tx.commit()
        self._deps.entitlements.forget_all()


class FeatureService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def list_features(self, principal: Principal, page: PageRequest) -> Page[Feature]:
        """A page of the feature catalogue, oldest first."""
        async with self._deps.uows() as tx:
            features = await tx.features.list()
        return Page.cut(features, page, _feature_position)

    async def get_feature(self, principal: Principal, key_or_id: str) -> Feature:
        """By key, or by id (the seed's getFeatureById)."""
        async with self._deps.uows() as tx:
            try:
                wanted = UUID(key_or_id)
            except ValueError:
                return await _feature(tx, key_or_id)
            found = next((f for f in await tx.features.list() if f.id == wanted), None)
        if found is None:
            raise NotFound("feature", key_or_id)
        return found

    async def create_feature(self, principal: Principal, cmd: CreateFeature) -> Feature:
        require_platform_admin(principal)
        feature = Feature(
            FeatureId(self._deps.ids.new()),
            cmd.key,
            cmd.name,
            cmd.type,
            check_value(cmd.type, cmd.default, field="default_value"),
            created_at=self._deps.clock.now(),
            description=cmd.description,
        )
        async with self._deps.uows() as tx:
            await tx.features.add(feature)
            await self._deps.audit(
                tx,
                principal,
                "feature.created",
                "feature",
                feature.id,
                tenant_id=None,
                changes={
                    "key": feature.key,
                    "type": feature.type.value,
                    "default": feature.default,
                },
            )
            await tx.commit()
        self._deps.entitlements.forget_all()
        return feature


class TenantFeatureService:
    """A tenant's effective features (every member may read them), overrides (platform
    admins) and plan (owners and platform admins)."""

    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def tenant_features(
        self, principal: Principal, tenant_id: TenantId, page: PageRequest
    ) -> Page[TenantFeature]:
        """A page of the tenant's effective features, oldest feature first, each with its
        current usage where something meters it."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await self._deps.authorize(principal, Permission.FEATURES_READ, tenant_id, tx)
            now = self._deps.clock.now()
            found = await entitlements_of(self._deps.entitlements, tx, access.tenant, now)
            cut = Page.cut(found.values(), page, lambda e: _feature_position(e.feature))
            items = [
                TenantFeature(e, await usage(tx, tenant_id, e.feature.key, now)) for e in cut.items
            ]
        return Page(items, cut.next_cursor)

    async def check_feature(
        self, principal: Principal, tenant_id: TenantId, key: str
    ) -> TenantFeature:
        """The seed's checkFeatureAccess / isTenantFeatureEnabled: value, source, usage.

        A feature nothing meters, asked by a principal whose standing and tenant's
        entitlements the process knows, is answered without the database."""
        now = self._deps.clock.now()
        if key not in USAGE_METERS:
            access = self._deps.access.access(principal, tenant_id, now, only_read=True)
            if access is not None:
                permitted(access, Permission.FEATURES_READ)
                known = known_entitlement(self._deps.entitlements, access.tenant, key, now)
                if known is not None:
                    return TenantFeature(known, None)
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await self._deps.authorize(principal, Permission.FEATURES_READ, tenant_id, tx)
            found = await entitlement(self._deps.entitlements, tx, access.tenant, key, now)
            return TenantFeature(found, await usage(tx, tenant_id, key, now))

    async def set_override(self, principal: Principal, cmd: SetOverride) -> TenantFeature:
        """Give the tenant its own value for a feature, optionally until `expires_at`."""
        return await self._override(
            principal, cmd.tenant_id, cmd.key, lambda _: cmd.value, cmd.expires_at, cmd.reason
        )

    async def enable_feature(
        self, principal: Principal, tenant_id: TenantId, key: str, *, reason: str | None = None
    ) -> TenantFeature:
        """The seed's enableFeatureForTenant: on for booleans and add-ons, unlimited for limits."""
        return await self._override(principal, tenant_id, key, on_value, None, reason)

    async def disable_feature(
        self, principal: Principal, tenant_id: TenantId, key: str, *, reason: str | None = None
    ) -> TenantFeature:
        """The seed's disableFeatureForTenant: off (false, or a limit of 0), plan or not."""
        return await self._override(principal, tenant_id, key, off_value, None, reason)

    async def _override(
        self,
        principal: Principal,
        tenant_id: TenantId,
        key: str,
        value_for: Callable[[FeatureType], Any],
        expires_at: datetime | None,
        reason: str | None,
    ) -> TenantFeature:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.FEATURES_READ, tenant_id, tx, lock=True)
            require_platform_admin(principal)
            feature = await _feature(tx, key)
            override = Override(
                OverrideId(self._deps.ids.new()),
                tenant_id,
                feature.id,
                check_value(feature.type, value_for(feature.type)),
                enabled_at=self._deps.clock.now(),
                expires_at=expires_at,
                reason=reason,
                granted_by=principal.user_id,
            )
            await tx.overrides.put(override)
            await self._deps.audit(
                tx,
                principal,
                "feature.override_set",
                "feature",
                feature.id,
                tenant_id=tenant_id,
                changes={
                    "feature": key,
                    "value": override.value,
                    "reason": reason,
                    "expires_at": expires_at.isoformat() if expires_at else None,
                },
            )
            await tx.commit()
        self._deps.entitlements.forget(tenant_id)
        return await self.check_feature(principal, tenant_id, key)

    async def remove_override(
        self, principal: Principal, tenant_id: TenantId, key: str
    ) -> TenantFeature:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.FEATURES_READ, tenant_id, tx, lock=True)
            require_platform_admin(principal)
            feature = await _feature(tx, key)
            if not await tx.overrides.remove(tenant_id, feature.id):
                raise NotFound("override", key)
            await self._deps.audit(
                tx,
                principal,
                "feature.override_removed",
                "feature",
                feature.id,
                tenant_id=tenant_id,
                changes={"feature": key},
            )
            await tx.commit()
        self._deps.entitlements.forget(tenant_id)
        return await self.check_feature(principal, tenant_id, key)

    async def change_plan(self, principal: Principal, tenant_id: TenantId, plan_id: PlanId) -> Plan:
        """Move the tenant to an active plan. Usage above the new limits stays; new
        consumption is refused until it is back under them."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            access = await authorize(principal, Permission.PLAN_CHANGE, tenant_id, tx, lock=True)
            plan = await tx.plans.get(plan_id)
            if plan is None or not (plan.is_active or principal.is_platform_admin):
                raise NotFound("plan", plan_id)
            if not plan.is_active:
                raise InvalidStateTransition("the plan is no longer offered", field="plan_id")
            tenant = access.tenant
            before = tenant.plan_id
            if before != plan.id:
                tenant.change_plan(plan.id, self._deps.clock.now())
                await tx.tenants.save(tenant)
                await self._deps.audit(
                    tx,
                    principal,
                    "tenant.plan_changed",
                    "tenant",
                    tenant_id,
                    tenant_id=tenant_id,
                    changes={
                        "plan_id": {"from": str(before) if before else None, "to": str(plan.id)}
                    },
                )
                await tx.commit()
        self._deps.entitlements.forget(tenant_id)
        return plan
