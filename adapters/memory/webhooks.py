"""A tenant's webhook endpoints, its events and their deliveries, in memory."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

import attrs

from adapters.memory.repositories import Overlay, owned, page_of, save_versioned
from application.pagination import PageRequest, Position
from application.ports.webhooks import DueDelivery
from domain.ids import EventId, TenantId, WebhookDeliveryId, WebhookEndpointId
from domain.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    EventType,
    OutboundEvent,
    WebhookDelivery,
    WebhookEndpoint,
)

_queue_order = itertools.count(1)


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
        if await self.get(endpoint.tenant_id, endpoint.id) is None:
            return
        self._o.delete("webhook_endpoints", endpoint.id)
        # Its deliveries go with it, as PostgreSQL's cascade takes them.
        gone = {d.id for d in self._o.rows("webhook_deliveries") if d.endpoint_id == endpoint.id}
        for delivery_id in gone:
            self._o.delete("webhook_deliveries", delivery_id)
            self._o.delete("webhook_delivery_queue", (endpoint.tenant_id, delivery_id))
        for attempt in self._o.rows("webhook_delivery_attempts"):
            if attempt.delivery_id in gone:
                self._o.delete("webhook_delivery_attempts", attempt.id)

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[WebhookEndpoint]:
        rows = [e for e in self._o.rows("webhook_endpoints") if e.tenant_id == tenant_id]
        return page_of(rows, page, lambda e: Position(e.created_at, e.id))

    async def count(self, tenant_id: TenantId) -> int:
        return sum(1 for e in self._o.rows("webhook_endpoints") if e.tenant_id == tenant_id)

    async def note_delivered(self, tenant_id: TenantId, endpoint_id: WebhookEndpointId) -> None:
        endpoint = await self.get(tenant_id, endpoint_id)
        if endpoint is not None and endpoint.failing_since is not None:
            endpoint.failing_since = None
            self._o.put("webhook_endpoints", endpoint.id, endpoint)

    async def note_failed(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId, at: datetime
    ) -> datetime | None:
        endpoint = await self.get(tenant_id, endpoint_id)
        if endpoint is None:
            return None
        if endpoint.failing_since is None:
            endpoint.failing_since = at
            self._o.put("webhook_endpoints", endpoint.id, endpoint)
        return endpoint.failing_since

    async def disable(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId, reason: str, at: datetime
    ) -> bool:
        endpoint = await self.get(tenant_id, endpoint_id)
        if endpoint is None or not endpoint.enabled:
            return False
        endpoint.enabled, endpoint.disabled_reason, endpoint.updated_at = False, reason, at
        endpoint.version += 1
        self._o.put("webhook_endpoints", endpoint.id, endpoint)
        return True


@attrs.frozen
class _Queued:
    tenant_id: TenantId
    delivery_id: WebhookDeliveryId
    endpoint_id: WebhookEndpointId
    subject_id: UUID | None
    seq: int
    due_at: datetime


class InMemoryOutboundEvents:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def record(self, events: Sequence[OutboundEvent]) -> int:
        made = 0
        for event in events:
            made += await self._record(event)
        return made

    async def _record(self, event: OutboundEvent) -> int:
        self._o.put("outbound_events", event.id, event)
        wanting = [
            e
            for e in self._o.rows("webhook_endpoints")
            if e.tenant_id == event.tenant_id and e.wants(event.type)
        ]
        deliveries = InMemoryWebhookDeliveries(self._o)
        for endpoint in sorted(wanting, key=lambda e: e.id):
            await deliveries.add(
                WebhookDelivery(
                    id=WebhookDeliveryId(uuid.uuid4()),
                    tenant_id=event.tenant_id,
                    endpoint_id=endpoint.id,
                    event_id=event.id,
                    event_type=event.type,
                    created_at=event.occurred_at,
                    subject_id=event.subject_id,
                    next_attempt_at=event.occurred_at,
                )
            )
        return len(wanting)

    async def get(self, tenant_id: TenantId, event_id: EventId) -> OutboundEvent | None:
        return owned(self._o.get("outbound_events", event_id), tenant_id)

    async def since(
        self, tenant_id: TenantId, since: datetime, types: frozenset[EventType], limit: int
    ) -> list[OutboundEvent]:
        rows = self._o.rows_where(
            "outbound_events",
            lambda e: e.tenant_id == tenant_id and e.occurred_at >= since and e.type in types,
        )
        return sorted(rows, key=lambda e: (e.occurred_at, e.id))[:limit]


class InMemoryWebhookDeliveries:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def add(self, delivery: WebhookDelivery) -> None:
        self._o.put("webhook_deliveries", delivery.id, delivery)
        self._queue(delivery)

    async def get(
        self, tenant_id: TenantId, delivery_id: WebhookDeliveryId
    ) -> WebhookDelivery | None:
        return owned(self._o.get("webhook_deliveries", delivery_id), tenant_id)

    async def save(self, delivery: WebhookDelivery) -> None:
        if await self.get(delivery.tenant_id, delivery.id) is None:
            return
        self._o.put("webhook_deliveries", delivery.id, delivery)
        self._queue(delivery)

    def _queue(self, delivery: WebhookDelivery) -> None:
        key = (delivery.tenant_id, delivery.id)
        queued: _Queued | None = self._o.get("webhook_delivery_queue", key)
        if delivery.status is DeliveryStatus.PENDING and delivery.next_attempt_at is not None:
            seq = queued.seq if queued is not None else next(_queue_order)
            self._o.put(
                "webhook_delivery_queue",
                key,
                _Queued(
                    delivery.tenant_id,
                    delivery.id,
                    delivery.endpoint_id,
                    delivery.subject_id,
                    seq,
                    delivery.next_attempt_at,
                ),
            )
        elif queued is not None:
            self._o.delete("webhook_delivery_queue", key)

    async def due(
        self,
        at: datetime,
        limit: int,
        *,
        per_endpoint: int,
        skip: Collection[WebhookEndpointId] = (),
    ) -> list[DueDelivery]:
        queued: list[_Queued] = self._o.rows("webhook_delivery_queue")

        def waiting_behind(q: _Queued) -> bool:
            return q.subject_id is not None and any(
                p.tenant_id == q.tenant_id
                and p.endpoint_id == q.endpoint_id
                and p.subject_id == q.subject_id
                and p.seq < q.seq
                for p in queued
            )

        ready = sorted(
            (
                q
                for q in queued
                if q.due_at <= at and q.endpoint_id not in skip and not waiting_behind(q)
            ),
            key=lambda q: (q.due_at, q.seq),
        )
        taken: Counter[WebhookEndpointId] = Counter()
        chosen: list[DueDelivery] = []
        for q in ready:
            if taken[q.endpoint_id] < per_endpoint and len(chosen) < limit:
                taken[q.endpoint_id] += 1
                chosen.append(DueDelivery(q.tenant_id, q.delivery_id, q.endpoint_id))
        return chosen

    async def claim(
        self, tenant_id: TenantId, delivery_id: WebhookDeliveryId, at: datetime, until: datetime
    ) -> bool:
        key = (tenant_id, delivery_id)
        queued: _Queued | None = self._o.get("webhook_delivery_queue", key)
        if queued is None or queued.due_at > at:
            return False
        self._o.put("webhook_delivery_queue", key, attrs.evolve(queued, due_at=until))
        return True

    async def add_attempt(self, attempt: DeliveryAttempt) -> None:
        self._o.put("webhook_delivery_attempts", attempt.id, attempt)

    async def forget_responses(self, tenant_id: TenantId, subject_ids: Sequence[UUID]) -> int:
        about = {
            d.id
            for d in self._o.rows_where(
                "webhook_deliveries",
                lambda d: d.tenant_id == tenant_id and d.subject_id in subject_ids,
            )
        }
        found = self._o.rows_where(
            "webhook_delivery_attempts",
            lambda a: (
                a.tenant_id == tenant_id
                and a.delivery_id in about
                and a.response_excerpt is not None
            ),
        )
        for attempt in found:
            self._o.put(
                "webhook_delivery_attempts",
                attempt.id,
                attrs.evolve(attempt, response_excerpt=None),
            )
        return len(found)

    async def attempts(
        self, tenant_id: TenantId, delivery_id: WebhookDeliveryId
    ) -> list[DeliveryAttempt]:
        rows = self._o.rows_where(
            "webhook_delivery_attempts",
            lambda a: a.tenant_id == tenant_id and a.delivery_id == delivery_id,
        )
        return sorted(rows, key=lambda a: (a.attempted_at, a.id))

    async def list(
        self,
        tenant_id: TenantId,
        endpoint_id: WebhookEndpointId,
        status: DeliveryStatus | None,
        page: PageRequest,
    ) -> list[WebhookDelivery]:
        rows = self._o.rows_where(
            "webhook_deliveries",
            lambda d: (
                d.tenant_id == tenant_id
                and d.endpoint_id == endpoint_id
                and (status is None or d.status is status)
            ),
        )
        return page_of(rows, page, lambda d: Position(d.created_at, d.id), newest_first=True)

    async def fail_pending(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId, reason: str
    ) -> int:
        pending = self._o.rows_where(
            "webhook_deliveries",
            lambda d: (
                d.tenant_id == tenant_id
                and d.endpoint_id == endpoint_id
                and d.status is DeliveryStatus.PENDING
            ),
        )
        for delivery in pending:
            delivery.give_up(reason)
            await self.save(delivery)
        return len(pending)
