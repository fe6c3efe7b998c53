"""Reading the audit trail (writing it is part of every use case's transaction)."""

from __future__ import annotations

from application.access import Permission, Principal
from application.context import UseCaseDeps
from application.pagination import Page, PageRequest, Position
from domain.audit import AuditEntry
from domain.ids import TenantId


def audit_position(entry: AuditEntry) -> Position:
    return Position(entry.at, entry.id)


class AuditService:
    def __init__(self, deps: UseCaseDeps) -> None:
        self._deps = deps

    async def tenant_audit_log(
        self, principal: Principal, tenant_id: TenantId, page: PageRequest
    ) -> Page[AuditEntry]:
        """Newest first; for owners, admins and platform admins."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.AUDIT_READ, tenant_id, tx)
            rows = await tx.audit.list(tenant_id, page)
        return Page.from_rows(rows, page, audit_position)
