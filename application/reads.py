"""QuickReads through an ordinary unit of work: right on every adapter, quick on none."""

from __future__ import annotations

from application.pagination import PageRequest
from application.ports.calls import CallFilter, CallListItem
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.calls import VoiceCall
from domain.ids import CallId, LeadId, TenantId


class UnitOfWorkReads:
    def __init__(self, uows: UnitOfWorkFactory) -> None:
        self._uows = uows

    async def call(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        async with self._uows(tenant_id=tenant_id) as tx:
            return await tx.calls.get(tenant_id, call_id)

    async def calls(
        self, tenant_id: TenantId, where: CallFilter, page: PageRequest
    ) -> list[CallListItem]:
        async with self._uows(tenant_id=tenant_id) as tx:
            return await tx.calls.list(tenant_id, where, page)

    async def lead_calls(
        self, tenant_id: TenantId, lead_id: LeadId, page: PageRequest
    ) -> list[CallListItem] | None:
        async with self._uows(tenant_id=tenant_id) as tx:
            if await tx.leads.get(tenant_id, lead_id) is None:
                return None
            return await tx.calls.of_lead(tenant_id, lead_id, page)
