"""What the application needs to keep the plan catalogue and tenants' overrides."""

from __future__ import annotations

from typing import Protocol

from domain.ids import FeatureId, PlanId, TenantId
from domain.plans import Feature, FeatureValue, Override, Plan


class PlanRepository(Protocol):
    """The plan catalogue (global, not tenant-scoped)."""

    async def list(self) -> list[Plan]:
        """Every plan, oldest first (a catalogue is small)."""
        ...

    async def get(self, plan_id: PlanId) -> Plan | None: ...
    async def default(self) -> Plan | None:
        """The plan new tenants get, if one is marked default."""
        ...

    async def add(self, plan: Plan) -> None:
        """Raises AlreadyExists(field="name") when the name is taken."""
        ...

    async def save(self, plan: Plan) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def values(self, plan_id: PlanId) -> dict[FeatureId, FeatureValue]:
        """What the plan gives each feature it mentions."""
        ...

    async def set_value(
        self, plan_id: PlanId, feature_id: FeatureId, value: FeatureValue
    ) -> None: ...
    async def remove_value(self, plan_id: PlanId, feature_id: FeatureId) -> bool:
        """False when the plan did not mention the feature."""
        ...


class FeatureRepository(Protocol):
    async def list(self) -> list[Feature]:
        """Every feature, by key."""
        ...

    async def by_key(self, key: str) -> Feature | None: ...
    async def add(self, feature: Feature) -> None:
        """Raises AlreadyExists(field="feature_key") when the key is taken."""
        ...


class OverrideRepository(Protocol):
    """Tenant feature overrides (tenant-scoped)."""

    async def for_tenant(self, tenant_id: TenantId) -> list[Override]: ...
    async def put(self, override: Override) -> None:
        """Insert, or replace the tenant's override of the same feature."""
        ...

    async def remove(self, tenant_id: TenantId, feature_id: FeatureId) -> bool:
        """False when there was none."""
        ...
