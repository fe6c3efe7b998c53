"""The audit trail in memory."""

from __future__ import annotations

from adapters.memory.repositories import Overlay, page_of
from application.pagination import PageRequest, Position
from domain.audit import AuditEntry
from domain.ids import TenantId


class InMemoryAuditLog:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def record(self, entry: AuditEntry) -> None:
        self._o.put("audit", entry.id, entry)

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[AuditEntry]:
        rows = [e for e in self._o.rows("audit") if e.tenant_id == tenant_id]
        return page_of(rows, page, lambda e: Position(e.at, e.id), newest_first=True)
