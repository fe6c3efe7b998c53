"""What the application needs to keep the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from application.pagination import PageRequest
from domain.audit import AuditEntry
from domain.ids import TenantId


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...
    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[AuditEntry]:
        """The tenant's entries, newest first."""
        ...

    async def redact(
        self, tenant_id: TenantId, entity_ids: Sequence[UUID], texts: Sequence[str]
    ) -> int:
        """Empty the changes of the tenant's entries about any of `entity_ids`, or whose
        changes hold any of `texts` (a data subject's erasure: who did what, and when, stays);
        how many."""
        ...
