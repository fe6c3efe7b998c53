"""A tenant's webhook endpoints in memory."""

from __future__ import annotations

from adapters.memory.repositories import Overlay, owned, page_of, save_versioned
from application.pagination import PageRequest, Position
from domain.ids import TenantId, WebhookEndpointId
from domain.webhooks import WebhookEndpoint


class InMemoryWebhookEndpointRepository:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def get(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId
    ) -> WebhookEndpoint | None:
        return owned(self._o.get("webhook_endpoints", endpoint_id), tenant_id)

    async def add(self, endpoint: WebhookEndpoint) -> None:
        self._o.put("webhook_endpoints", endpoint.id, endpoint)

    async def save(self, endpoint: WebhookEndpoint) -> None:
        save_versioned(self._o, "webhook_endpoints", endpoint, "webhook endpoint")

    async def remove(self, endpoint: WebhookEndpoint) -> None:
        if await self.get(endpoint.tenant_id, endpoint.id) is not None:
            self._o.delete("webhook_endpoints", endpoint.id)

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[WebhookEndpoint]:
        rows = [e for e in self._o.rows("webhook_endpoints") if e.tenant_id == tenant_id]
        return page_of(rows, page, lambda e: Position(e.created_at, e.id))

    async def count(self, tenant_id: TenantId) -> int:
        return sum(1 for e in self._o.rows("webhook_endpoints") if e.tenant_id == tenant_id)
