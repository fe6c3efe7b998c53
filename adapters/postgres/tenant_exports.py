"""PostgreSQL repository of a tenant's exports, their archives' chunks and the queue of
exports due for work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres.repositories import keyset
from adapters.postgres.tables import tenant_export_chunks, tenant_export_queue, tenant_exports
from application.pagination import PageRequest
from domain.ids import TenantId, UserId
from domain.tenant_exports import ExportId, ExportStatus, TenantExport

_t = tenant_exports
_c = tenant_export_chunks
_q = tenant_export_queue


def _export(row: sa.Row[Any]) -> TenantExport:
    m = row._mapping
    return TenantExport(
        id=ExportId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        requested_by=UserId(m["requested_by"]) if m["requested_by"] else None,
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        status=ExportStatus(m["status"]),
        started_at=m["started_at"],
        completed_at=m["completed_at"],
        error=m["error"],
        counts=dict(m["counts"]),
        size_bytes=m["size_bytes"],
        chunks=m["chunks"],
        sha256=m["sha256"],
    )


def _values(export: TenantExport) -> dict[str, Any]:
    return {
        "status": export.status.value,
        "started_at": export.started_at,
        "completed_at": export.completed_at,
        "error": export.error,
        "counts": export.counts,
        "size_bytes": export.size_bytes,
        "chunks": export.chunks,
        "sha256": export.sha256,
        "expires_at": export.expires_at,
    }


class PostgresTenantExportRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, export: TenantExport) -> None:
        await self._conn.execute(
            sa.insert(_t).values(
                id=export.id,
                tenant_id=export.tenant_id,
                requested_by=export.requested_by,
                created_at=export.created_at,
                **_values(export),
            )
        )

    async def get(self, tenant_id: TenantId, export_id: ExportId) -> TenantExport | None:
        row = (
            await self._conn.execute(
                sa.select(_t).where(_t.c.tenant_id == tenant_id, _t.c.id == export_id)
            )
        ).first()
        return _export(row) if row else None

    async def save(self, export: TenantExport) -> None:
        await self._conn.execute(
            sa.update(_t)
            .where(_t.c.tenant_id == export.tenant_id, _t.c.id == export.id)
            .values(**_values(export))
        )

    async def remove(self, export: TenantExport) -> None:
        # Its chunks and its place in the queue go with it (ON DELETE CASCADE).
        await self._conn.execute(
            sa.delete(_t).where(_t.c.tenant_id == export.tenant_id, _t.c.id == export.id)
        )

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[TenantExport]:
        where, order = keyset(_t.c.created_at, _t.c.id, page, newest_first=True)
        query = (
            sa.select(_t)
            .where(_t.c.tenant_id == tenant_id, *where)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [_export(r) for r in await self._conn.execute(query)]

    async def clear_chunks(self, tenant_id: TenantId, export_id: ExportId) -> None:
        await self._conn.execute(
            sa.delete(_c).where(_c.c.tenant_id == tenant_id, _c.c.export_id == export_id)
        )

    async def add_chunk(
        self, tenant_id: TenantId, export_id: ExportId, seq: int, data: bytes
    ) -> None:
        await self._conn.execute(
            sa.insert(_c).values(tenant_id=tenant_id, export_id=export_id, seq=seq, data=data)
        )

    async def chunk(self, tenant_id: TenantId, export_id: ExportId, seq: int) -> bytes | None:
        found = await self._conn.scalar(
            sa.select(_c.c.data).where(
                _c.c.tenant_id == tenant_id, _c.c.export_id == export_id, _c.c.seq == seq
            )
        )
        return bytes(found) if found is not None else None

    async def schedule(self, tenant_id: TenantId, export_id: ExportId, due_at: datetime) -> None:
        insert = pg_insert(_q).values(tenant_id=tenant_id, export_id=export_id, due_at=due_at)
        await self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=[_q.c.tenant_id, _q.c.export_id], set_={"due_at": due_at}
            )
        )

    async def claim(
        self, tenant_id: TenantId, export_id: ExportId, now: datetime, until: datetime
    ) -> bool:
        result = await self._conn.execute(
            sa.update(_q)
            .where(_q.c.tenant_id == tenant_id, _q.c.export_id == export_id, _q.c.due_at <= now)
            .values(due_at=until)
        )
        return result.rowcount == 1

    async def due(self, now: datetime, limit: int) -> Sequence[tuple[TenantId, ExportId]]:
        rows = await self._conn.execute(
            sa.select(_q.c.tenant_id, _q.c.export_id)
            .where(_q.c.due_at <= now)
            .order_by(_q.c.due_at)
            .limit(limit)
        )
        return [(TenantId(t), ExportId(e)) for t, e in rows]
