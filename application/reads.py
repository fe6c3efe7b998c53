"""QuickReads through an ordinary unit of work: right on every adapter, quick on none."""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.calls import VoiceCall
from domain.ids import CallId, TenantId


class UnitOfWorkReads:
    def __init__(self, uows: UnitOfWorkFactory) -> None:
        self._uows = uows

    async def call(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        async with self._uows(tenant_id=tenant_id) as tx:
            return await tx.calls.get(tenant_id, call_id)
