"""What the application needs to keep a tenant's webhook endpoints."""

from __future__ import annotations

from typing import Protocol

from application.pagination import PageRequest
from domain.ids import TenantId, WebhookEndpointId
from domain.webhooks import WebhookEndpoint


class WebhookEndpointRepository(Protocol):
    async def get(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId
    ) -> WebhookEndpoint | None: ...
    async def add(self, endpoint: WebhookEndpoint) -> None: ...
    async def save(self, endpoint: WebhookEndpoint) -> None:
        """Version-checked: raises ConcurrencyConflict when the stored version moved on."""
        ...

    async def remove(self, endpoint: WebhookEndpoint) -> None: ...
    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[WebhookEndpoint]:
        """Oldest first, at most `page.limit + 1`."""
        ...

    async def count(self, tenant_id: TenantId) -> int: ...
