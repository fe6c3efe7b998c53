"""PostgreSQL repository of a tenant's webhook endpoints."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.repositories import insert_tenant_row, keyset, update_versioned
from adapters.postgres.tables import webhook_endpoints
from application.pagination import PageRequest
from domain.ids import TenantId, WebhookEndpointId
from domain.webhooks import WebhookEndpoint

_t = webhook_endpoints


class PostgresWebhookEndpointRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId
    ) -> WebhookEndpoint | None:
        query = sa.select(_t).where(_t.c.tenant_id == tenant_id, _t.c.id == endpoint_id)
        row = (await self._conn.execute(query)).first()
        return mapping.webhook_endpoint_from(row) if row else None

    async def add(self, endpoint: WebhookEndpoint) -> None:
        await insert_tenant_row(self._conn, _t, endpoint, mapping.webhook_endpoint_values(endpoint))

    async def save(self, endpoint: WebhookEndpoint) -> None:
        await update_versioned(
            self._conn,
            _t,
            endpoint,
            mapping.webhook_endpoint_values(endpoint),
            "webhook endpoint",
            _t.c.tenant_id == endpoint.tenant_id,
        )

    async def remove(self, endpoint: WebhookEndpoint) -> None:
        await self._conn.execute(
            sa.delete(_t).where(_t.c.tenant_id == endpoint.tenant_id, _t.c.id == endpoint.id)
        )

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[WebhookEndpoint]:
        after, order = keyset(_t.c.created_at, _t.c.id, page)
        query = (
            sa.select(_t)
            .where(_t.c.tenant_id == tenant_id, *after)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [mapping.webhook_endpoint_from(r) for r in await self._conn.execute(query)]

    async def count(self, tenant_id: TenantId) -> int:
        query = sa.select(sa.func.count()).select_from(_t).where(_t.c.tenant_id == tenant_id)
        return int((await self._conn.execute(query)).scalar_one())
