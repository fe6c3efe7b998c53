"""PostgreSQL repository of the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.repositories import keyset
from adapters.postgres.tables import audit_log
from application.pagination import PageRequest
from domain.audit import AuditEntry
from domain.ids import TenantId


class PostgresAuditLog:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(self, entry: AuditEntry) -> None:
        await self._conn.execute(
            sa.insert(audit_log).values(
                id=entry.id,
                tenant_id=entry.tenant_id,
                actor_type=entry.actor.kind.value,
                actor_id=entry.actor.id,
                action=entry.action,
                entity=entry.entity,
                entity_id=entry.entity_id,
                changes=entry.changes,
                at=entry.at,
                created_at=entry.at,
                updated_at=entry.at,
            )
        )

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[AuditEntry]:
        where, order = keyset(audit_log.c.at, audit_log.c.id, page, newest_first=True)
        query = (
            sa.select(audit_log)
            .where(audit_log.c.tenant_id == tenant_id, *where)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [mapping.audit_from(r) for r in await self._conn.execute(query)]

    async def redact(
        self, tenant_id: TenantId, entity_ids: Sequence[UUID], texts: Sequence[str]
    ) -> int:
        a = audit_log.c
        written = sa.cast(a.changes, sa.Text)
        result = await self._conn.execute(
            sa.update(audit_log)
            .where(
                a.tenant_id == tenant_id,
                a.changes != sa.literal_column("'{}'::jsonb"),
                sa.or_(
                    a.entity_id.in_(entity_ids),
                    *(written.contains(text, autoescape=True) for text in texts),
                ),
            )
            .values(changes={})
        )
        return int(result.rowcount)
