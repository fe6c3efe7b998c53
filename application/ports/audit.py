"""What the application needs to keep the audit trail."""

from __future__ import annotations

from typing import Protocol

from application.pagination import PageRequest
from domain.audit import AuditEntry
from domain.ids import TenantId


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...
    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[AuditEntry]:
        """The tenant's entries, newest first."""
        ...
