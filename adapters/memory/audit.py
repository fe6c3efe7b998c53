"""The audit trail in memory."""

from __future__ import annotations

import json
from collections.abc import Sequence
from uuid import UUID

import attrs

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

    async def redact(
        self, tenant_id: TenantId, entity_ids: Sequence[UUID], texts: Sequence[str]
    ) -> int:
        def mentions(entry: AuditEntry) -> bool:
            if entry.tenant_id != tenant_id or not entry.changes:
                return False
            written = json.dumps(entry.changes, ensure_ascii=False)
            return entry.entity_id in entity_ids or any(t in written for t in texts)

        found = self._o.rows_where("audit", mentions)
        for entry in found:
            self._o.put("audit", entry.id, attrs.evolve(entry, changes={}))
        return len(found)
