"""PostgreSQL repositories of a tenant's webhook endpoints, its events and their
deliveries."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.prebuilt import Prebuilt
from adapters.postgres.repositories import (
    insert_row,
    insert_tenant_row,
    keyset,
    update_versioned,
)
from adapters.postgres.tables import (
    outbound_events,
    webhook_deliveries,
    webhook_delivery_attempts,
    webhook_delivery_queue,
    webhook_endpoints,
)
from application.pagination import PageRequest
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

_t = webhook_endpoints
_d = webhook_deliveries
_q = webhook_delivery_queue


class PostgresWebhookEndpointRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId
    ) -> WebhookEndpoint | None:
        query = sa.select(_t).where(_t.c.tenant_id == tenant_id, _t.c.id == endpoint_id)
        row = (await self._conn.execute(query)).first()
        return mapping.webhook_endpoint_from(row) if row else None

    async def add(self, endpoint: WebhookEndpoint) -> None:
        await insert_tenant_row(self._conn, _t, endpoint, mapping.webhook_endpoint_values(endpoint))

    async def save(self, endpoint: WebhookEndpoint) -> None:
        await update_versioned(
            self._conn,
            _t,
            endpoint,
            mapping.webhook_endpoint_values(endpoint),
            "webhook endpoint",
            _t.c.tenant_id == endpoint.tenant_id,
        )

    async def remove(self, endpoint: WebhookEndpoint) -> None:
        await self._conn.execute(
            sa.delete(_t).where(_t.c.tenant_id == endpoint.tenant_id, _t.c.id == endpoint.id)
        )

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[WebhookEndpoint]:
        after, order = keyset(_t.c.created_at, _t.c.id, page)
        query = (
            sa.select(_t)
            .where(_t.c.tenant_id == tenant_id, *after)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [mapping.webhook_endpoint_from(r) for r in await self._conn.execute(query)]

    async def count(self, tenant_id: TenantId) -> int:
        query = sa.select(sa.func.count()).select_from(_t).where(_t.c.tenant_id == tenant_id)
        return int((await self._conn.execute(query)).scalar_one())

    async def note_delivered(self, tenant_id: TenantId, endpoint_id: WebhookEndpointId) -> None:
        await self._conn.execute(
            sa.update(_t)
            .where(_t.c.tenant_id == tenant_id, _t.c.id == endpoint_id)
            .where(_t.c.failing_since.is_not(None))
            .values(failing_since=None)
        )

    async def note_failed(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId, at: datetime
    ) -> datetime | None:
        statement = (
            sa.update(_t)
            .where(_t.c.tenant_id == tenant_id, _t.c.id == endpoint_id)
            .values(failing_since=sa.func.coalesce(_t.c.failing_since, at))
            .returning(_t.c.failing_since)
        )
        since: datetime | None = (await self._conn.execute(statement)).scalar_one_or_none()
        return since

    async def disable(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId, reason: str, at: datetime
    ) -> bool:
        statement = (
            sa.update(_t)
            .where(_t.c.tenant_id == tenant_id, _t.c.id == endpoint_id, _t.c.enabled)
            .values(enabled=False, disabled_reason=reason, updated_at=at, version=_t.c.version + 1)
            .returning(_t.c.id)
        )
        return (await self._conn.execute(statement)).first() is not None


# The events, a delivery of each to every enabled endpoint of its tenant that wants its
# type, and each delivery in the queue, due at once: one statement, whatever the number of
# events. The queue numbers deliveries in the events' order (their ids grow with time), so
# one subject's go out in the order they happened.
_RECORD_EVENTS = Prebuilt(
    sa.text(
        """
    WITH event AS (
        INSERT INTO outbound_events (tenant_id, id, type, occurred_at, subject_id, details)
        SELECT * FROM unnest(
            CAST(:tenant_ids AS uuid[]), CAST(:ids AS uuid[]), CAST(:types AS text[]),
            CAST(:times AS timestamptz[]), CAST(:subject_ids AS uuid[]),
            CAST(:details AS jsonb[])
        )
        RETURNING tenant_id, id, type, occurred_at, subject_id
    ), delivery AS (
        INSERT INTO webhook_deliveries (
            tenant_id, id, endpoint_id, event_id, event_type, subject_id,
            status, attempts, next_attempt_at, created_at
        )
        SELECT event.tenant_id, gen_random_uuid(), endpoint.id, event.id, event.type,
               event.subject_id, 'pending', 0, event.occurred_at, event.occurred_at
        FROM event
        JOIN webhook_endpoints AS endpoint ON endpoint.tenant_id = event.tenant_id
        WHERE endpoint.enabled AND event.type = ANY (endpoint.event_types)
        RETURNING tenant_id, id, endpoint_id, event_id, subject_id, next_attempt_at
    )
    INSERT INTO webhook_delivery_queue (tenant_id, delivery_id, endpoint_id, subject_id, due_at)
    SELECT tenant_id, id, endpoint_id, subject_id, next_attempt_at
    FROM delivery ORDER BY event_id, endpoint_id
    """
    )
)


class PostgresOutboundEvents:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def record(self, events: Sequence[OutboundEvent]) -> int:
        if not events:
            return 0
        result = await _RECORD_EVENTS.run(
            self._conn,
            {
                "tenant_ids": [e.tenant_id for e in events],
                "ids": [e.id for e in events],
                "types": [e.type.value for e in events],
                "times": [e.occurred_at for e in events],
                "subject_ids": [e.subject_id for e in events],
                "details": [
                    json.dumps(dict(e.details)) if e.details is not None else None for e in events
                ],
            },
        )
        return result.rowcount

    async def get(self, tenant_id: TenantId, event_id: EventId) -> OutboundEvent | None:
        e = outbound_events.c
        query = sa.select(outbound_events).where(e.tenant_id == tenant_id, e.id == event_id)
        row = (await self._conn.execute(query)).first()
        return mapping.outbound_event_from(row) if row else None

    async def since(
        self, tenant_id: TenantId, since: datetime, types: frozenset[EventType], limit: int
    ) -> list[OutboundEvent]:
        e = outbound_events.c
        query = (
            sa.select(outbound_events)
            .where(
                e.tenant_id == tenant_id,
                e.occurred_at >= since,
                e.type.in_(sorted(t.value for t in types)),
            )
            .order_by(e.occurred_at, e.id)
            .limit(limit)
        )
        return [mapping.outbound_event_from(r) for r in await self._conn.execute(query)]


class PostgresWebhookDeliveries:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, delivery: WebhookDelivery) -> None:
        await insert_row(
            self._conn,
            _d,
            {
                "tenant_id": delivery.tenant_id,
                "id": delivery.id,
                "endpoint_id": delivery.endpoint_id,
                "event_id": delivery.event_id,
                "event_type": delivery.event_type.value,
                "subject_id": delivery.subject_id,
                "created_at": delivery.created_at,
                **mapping.webhook_delivery_values(delivery),
            },
        )
        await self._queue(delivery)

    async def get(
        self, tenant_id: TenantId, delivery_id: WebhookDeliveryId
    ) -> WebhookDelivery | None:
        query = sa.select(_d).where(_d.c.tenant_id == tenant_id, _d.c.id == delivery_id)
        row = (await self._conn.execute(query)).first()
        return mapping.webhook_delivery_from(row) if row else None

    async def save(self, delivery: WebhookDelivery) -> None:
        await self._conn.execute(
            sa.update(_d)
            .where(_d.c.tenant_id == delivery.tenant_id, _d.c.id == delivery.id)
            .values(**mapping.webhook_delivery_values(delivery))
        )
        await self._queue(delivery)

    async def _queue(self, delivery: WebhookDelivery) -> None:
        if delivery.status is DeliveryStatus.PENDING and delivery.next_attempt_at is not None:
            statement = pg_insert(_q).values(
                tenant_id=delivery.tenant_id,
                delivery_id=delivery.id,
                endpoint_id=delivery.endpoint_id,
                subject_id=delivery.subject_id,
                due_at=delivery.next_attempt_at,
            )
            # A delivery keeps its place in its subject's order when it is due again.
            await self._conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[_q.c.tenant_id, _q.c.delivery_id],
                    set_={"due_at": statement.excluded.due_at},
                )
            )
        else:
            await self._conn.execute(
                sa.delete(_q).where(
                    _q.c.tenant_id == delivery.tenant_id, _q.c.delivery_id == delivery.id
                )
            )

    async def due(
        self,
        at: datetime,
        limit: int,
        *,
        per_endpoint: int,
        skip: Collection[WebhookEndpointId] = (),
    ) -> list[DueDelivery]:
        earlier = _q.alias("earlier")
        waiting_behind = (
            sa.exists()
            .where(
                earlier.c.tenant_id == _q.c.tenant_id,
                earlier.c.endpoint_id == _q.c.endpoint_id,
                earlier.c.subject_id == _q.c.subject_id,
                earlier.c.seq < _q.c.seq,
            )
            .correlate(_q)
        )
        place = (
            sa.func.row_number()
            .over(partition_by=_q.c.endpoint_id, order_by=(_q.c.due_at, _q.c.seq))
            .label("place")
        )
        ready = sa.select(
            _q.c.tenant_id, _q.c.delivery_id, _q.c.endpoint_id, _q.c.due_at, _q.c.seq, place
        ).where(_q.c.due_at <= at, ~waiting_behind)
        if skip:
            ready = ready.where(_q.c.endpoint_id.not_in(list(skip)))
        r = ready.subquery()
        query = (
            sa.select(r.c.tenant_id, r.c.delivery_id, r.c.endpoint_id)
            .where(r.c.place <= per_endpoint)
            .order_by(r.c.due_at, r.c.seq)
            .limit(limit)
        )
        return [
            DueDelivery(
                TenantId(r.tenant_id),
                WebhookDeliveryId(r.delivery_id),
                WebhookEndpointId(r.endpoint_id),
            )
            for r in await self._conn.execute(query)
        ]

    async def claim(
        self, tenant_id: TenantId, delivery_id: WebhookDeliveryId, at: datetime, until: datetime
    ) -> bool:
        statement = (
            sa.update(_q)
            .where(_q.c.tenant_id == tenant_id, _q.c.delivery_id == delivery_id, _q.c.due_at <= at)
            .values(due_at=until)
            .returning(_q.c.delivery_id)
        )
        return (await self._conn.execute(statement)).first() is not None

    async def forget_responses(self, tenant_id: TenantId, subject_ids: Sequence[UUID]) -> int:
        a, d = webhook_delivery_attempts.c, webhook_deliveries.c
        about = sa.select(d.id).where(d.tenant_id == tenant_id, d.subject_id.in_(subject_ids))
        result = await self._conn.execute(
            sa.update(webhook_delivery_attempts)
            .where(
                a.tenant_id == tenant_id,
                a.delivery_id.in_(about),
                a.response_excerpt.is_not(None),
            )
            .values(response_excerpt=None)
        )
        return int(result.rowcount)

    async def add_attempt(self, attempt: DeliveryAttempt) -> None:
        await insert_row(
            self._conn,
            webhook_delivery_attempts,
            {
                "tenant_id": attempt.tenant_id,
                "id": attempt.id,
                "delivery_id": attempt.delivery_id,
                "attempted_at": attempt.attempted_at,
                "latency_ms": attempt.latency_ms,
                "status_code": attempt.status_code,
                "response_excerpt": attempt.response_excerpt,
                "error": attempt.error,
            },
        )

    async def attempts(
        self, tenant_id: TenantId, delivery_id: WebhookDeliveryId
    ) -> list[DeliveryAttempt]:
        a = webhook_delivery_attempts.c
        query = (
            sa.select(webhook_delivery_attempts)
            .where(a.tenant_id == tenant_id, a.delivery_id == delivery_id)
            .order_by(a.attempted_at, a.id)
        )
        return [mapping.delivery_attempt_from(r) for r in await self._conn.execute(query)]

    async def list(
        self,
        tenant_id: TenantId,
        endpoint_id: WebhookEndpointId,
        status: DeliveryStatus | None,
        page: PageRequest,
    ) -> list[WebhookDelivery]:
        after, order = keyset(_d.c.created_at, _d.c.id, page, newest_first=True)
        where = [_d.c.tenant_id == tenant_id, _d.c.endpoint_id == endpoint_id, *after]
        if status is not None:
            where.append(_d.c.status == status.value)
        query = sa.select(_d).where(*where).order_by(*order).limit(page.limit + 1)
        return [mapping.webhook_delivery_from(r) for r in await self._conn.execute(query)]

    async def fail_pending(
        self, tenant_id: TenantId, endpoint_id: WebhookEndpointId, reason: str
    ) -> int:
        failed = await self._conn.execute(
            sa.update(_d)
            .where(
                _d.c.tenant_id == tenant_id,
                _d.c.endpoint_id == endpoint_id,
                _d.c.status == DeliveryStatus.PENDING.value,
            )
            .values(status=DeliveryStatus.FAILED.value, last_error=reason, next_attempt_at=None)
        )
        await self._conn.execute(
            sa.delete(_q).where(_q.c.tenant_id == tenant_id, _q.c.endpoint_id == endpoint_id)
        )
        return failed.rowcount
