"""A tenant's exports, their chunks and the queue of exports due, in memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.memory.repositories import Overlay, owned, page_of
from application.pagination import PageRequest, Position
from domain.ids import TenantId
from domain.tenant_exports import ExportId, TenantExport

EXPORT_TABLES = ("tenant_exports", "tenant_export_chunks", "tenant_export_queue")


class InMemoryTenantExportRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def add(self, export: TenantExport) -> None:
        self._o.put("tenant_exports", export.id, export)

    async def get(self, tenant_id: TenantId, export_id: ExportId) -> TenantExport | None:
        found: TenantExport | None = owned(self._o.get("tenant_exports", export_id), tenant_id)
        return found

    async def save(self, export: TenantExport) -> None:
        if await self.get(export.tenant_id, export.id) is not None:
            self._o.put("tenant_exports", export.id, export)

    async def remove(self, export: TenantExport) -> None:
        if await self.get(export.tenant_id, export.id) is None:
            return
        await self.clear_chunks(export.tenant_id, export.id)
        self._o.delete("tenant_export_queue", (export.tenant_id, export.id))
        self._o.delete("tenant_exports", export.id)

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[TenantExport]:
        rows = [e for e in self._o.rows("tenant_exports") if e.tenant_id == tenant_id]
        return page_of(rows, page, lambda e: Position(e.created_at, e.id), newest_first=True)

    async def clear_chunks(self, tenant_id: TenantId, export_id: ExportId) -> None:
        for key, _ in self._o.items("tenant_export_chunks"):
            if key[:2] == (tenant_id, export_id):
                self._o.delete("tenant_export_chunks", key)

    async def add_chunk(
        self, tenant_id: TenantId, export_id: ExportId, seq: int, data: bytes
    ) -> None:
        self._o.put("tenant_export_chunks", (tenant_id, export_id, seq), bytes(data))

    async def chunk(self, tenant_id: TenantId, export_id: ExportId, seq: int) -> bytes | None:
        found: bytes | None = self._o.get("tenant_export_chunks", (tenant_id, export_id, seq))
        return found

    async def schedule(self, tenant_id: TenantId, export_id: ExportId, due_at: datetime) -> None:
        self._o.put("tenant_export_queue", (tenant_id, export_id), due_at)

    async def claim(
        self, tenant_id: TenantId, export_id: ExportId, now: datetime, until: datetime
    ) -> bool:
        due_at = self._o.get("tenant_export_queue", (tenant_id, export_id))
        if due_at is None or due_at > now:
            return False
        self._o.put("tenant_export_queue", (tenant_id, export_id), until)
        return True

    async def due(self, now: datetime, limit: int) -> Sequence[tuple[TenantId, ExportId]]:
        waiting = sorted(
            (due_at, key) for key, due_at in self._o.items("tenant_export_queue") if due_at <= now
        )
        return [key for _, key in waiting[:limit]]
