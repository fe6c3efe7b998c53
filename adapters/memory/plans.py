"""The plan catalogue and tenants' overrides in memory."""

from __future__ import annotations

from adapters.memory.repositories import Overlay, save_versioned
from application.errors import AlreadyExists
from domain.ids import FeatureId, PlanId, TenantId
from domain.plans import Feature, FeatureValue, Override, Plan


class InMemoryPlanRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def list(self) -> list[Plan]:
        return sorted(self._o.rows("plans"), key=lambda p: (p.created_at, p.id))

    async def get(self, plan_id: PlanId) -> Plan | None:
        return self._o.get("plans", plan_id)  # type: ignore[no-any-return]

    async def default(self) -> Plan | None:
        return next((p for p in await self.list() if p.is_default), None)

    async def add(self, plan: Plan) -> None:
        if any(p.name == plan.name for p in self._o.rows("plans")):
            raise AlreadyExists("plan", "name")
        self._o.put("plans", plan.id, plan)

    async def save(self, plan: Plan) -> None:
        if any(p.name == plan.name and p.id != plan.id for p in self._o.rows("plans")):
            raise AlreadyExists("plan", "name")
        save_versioned(self._o, "plans", plan, "plan")

    async def values(self, plan_id: PlanId) -> dict[FeatureId, FeatureValue]:
        return {f: v for (p, f), v in self._o.items("plan_values") if p == plan_id}

    async def set_value(self, plan_id: PlanId, feature_id: FeatureId, value: FeatureValue) -> None:
        self._o.put("plan_values", (plan_id, feature_id), value)

    async def remove_value(self, plan_id: PlanId, feature_id: FeatureId) -> bool:
        if (plan_id, feature_id) not in dict(self._o.items("plan_values")):
            return False
        self._o.delete("plan_values", (plan_id, feature_id))
        return True


class InMemoryFeatureRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def list(self) -> list[Feature]:
        return sorted(self._o.rows("features"), key=lambda f: f.key)

    async def by_key(self, key: str) -> Feature | None:
        return next((f for f in self._o.rows("features") if f.key == key), None)

    async def add(self, feature: Feature) -> None:
        if await self.by_key(feature.key) is not None:
            raise AlreadyExists("feature", "feature_key")
        self._o.put("features", feature.id, feature)


class InMemoryOverrideRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def for_tenant(self, tenant_id: TenantId) -> list[Override]:
        return [o for o in self._o.rows("overrides") if o.tenant_id == tenant_id]

    async def put(self, override: Override) -> None:
        self._o.put("overrides", (override.tenant_id, override.feature_id), override)

    async def remove(self, tenant_id: TenantId, feature_id: FeatureId) -> bool:
        if self._o.get("overrides", (tenant_id, feature_id)) is None:
            return False
        self._o.delete("overrides", (tenant_id, feature_id))
        return True
