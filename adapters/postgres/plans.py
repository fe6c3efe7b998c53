"""PostgreSQL repositories of the plan catalogue and tenants' overrides."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.repositories import insert_row, update_versioned
from adapters.postgres.tables import features, plan_features, plans, tenant_features
from domain.ids import FeatureId, PlanId, TenantId
from domain.plans import Feature, FeatureValue, Override, Plan


class PostgresPlanRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def list(self) -> list[Plan]:
        query = sa.select(plans).order_by(plans.c.created_at, plans.c.id)
        return [mapping.plan_from(r) for r in await self._conn.execute(query)]

    async def get(self, plan_id: PlanId) -> Plan | None:
        row = (await self._conn.execute(sa.select(plans).where(plans.c.id == plan_id))).first()
        return mapping.plan_from(row) if row else None

    async def default(self) -> Plan | None:
        row = (await self._conn.execute(sa.select(plans).where(plans.c.is_default))).first()
        return mapping.plan_from(row) if row else None

    async def add(self, plan: Plan) -> None:
        await insert_row(
            self._conn,
            plans,
            {
                "id": plan.id,
                "created_at": plan.created_at,
                "version": plan.version,
                **mapping.plan_values(plan),
            },
        )

    async def save(self, plan: Plan) -> None:
        await update_versioned(self._conn, plans, plan, mapping.plan_values(plan), "plan")

    async def values(self, plan_id: PlanId) -> dict[FeatureId, FeatureValue]:
        query = sa.select(plan_features.c.feature_id, plan_features.c.feature_value).where(
            plan_features.c.plan_id == plan_id
        )
        return {FeatureId(r.feature_id): r.feature_value for r in await self._conn.execute(query)}

    async def set_value(self, plan_id: PlanId, feature_id: FeatureId, value: FeatureValue) -> None:
        statement = pg_insert(plan_features).values(
            id=uuid.uuid4(), plan_id=plan_id, feature_id=feature_id, feature_value=value
        )
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=[plan_features.c.plan_id, plan_features.c.feature_id],
                set_={
                    "feature_value": statement.excluded.feature_value,
                    "updated_at": sa.func.now(),
                },
            )
        )

    async def remove_value(self, plan_id: PlanId, feature_id: FeatureId) -> bool:
        result = await self._conn.execute(
            sa.delete(plan_features).where(
                plan_features.c.plan_id == plan_id, plan_features.c.feature_id == feature_id
            )
        )
        return bool(result.rowcount)


class PostgresFeatureRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def list(self) -> list[Feature]:
        query = sa.select(features).order_by(features.c.feature_key)
        return [mapping.feature_from(r) for r in await self._conn.execute(query)]

    async def by_key(self, key: str) -> Feature | None:
        query = sa.select(features).where(features.c.feature_key == key)
        row = (await self._conn.execute(query)).first()
        return mapping.feature_from(row) if row else None

    async def add(self, feature: Feature) -> None:
        await insert_row(
            self._conn,
            features,
            {
                "id": feature.id,
                "feature_key": feature.key,
                "name": feature.name,
                "description": feature.description,
                "feature_type": feature.type.value,
                "default_value": feature.default,
                "created_at": feature.created_at,
                "updated_at": feature.created_at,
            },
        )


class PostgresOverrideRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def for_tenant(self, tenant_id: TenantId) -> list[Override]:
        query = sa.select(tenant_features).where(tenant_features.c.tenant_id == tenant_id)
        return [mapping.override_from(r) for r in await self._conn.execute(query)]

    async def put(self, override: Override) -> None:
        values = {
            "feature_value": override.value,
            "enabled_at": override.enabled_at,
            "expires_at": override.expires_at,
            "reason": override.reason,
            "granted_by": override.granted_by,
        }
        statement = pg_insert(tenant_features).values(
            id=override.id, tenant_id=override.tenant_id, feature_id=override.feature_id, **values
        )
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=[tenant_features.c.tenant_id, tenant_features.c.feature_id],
                set_={**values, "updated_at": sa.func.now()},
            )
        )

    async def remove(self, tenant_id: TenantId, feature_id: FeatureId) -> bool:
        result = await self._conn.execute(
            sa.delete(tenant_features).where(
                tenant_features.c.tenant_id == tenant_id, tenant_features.c.feature_id == feature_id
            )
        )
        return bool(result.rowcount)
