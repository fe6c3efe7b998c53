"""Events for a tenant's webhook endpoints, recorded in the transaction of the change that
caused them (an outbox): an event is never lost, and never sent for a change that rolled
back. The worker delivers them (application.webhook_delivery)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from application.ports.ids import IdGenerator
from application.ports.unit_of_work import UnitOfWork
from domain.batches import Batch
from domain.calls import CallMilestones, VoiceCall
from domain.ids import EventId, TenantId
from domain.webhooks import EventType, OutboundEvent

_CALL_MILESTONES = {
    "started": EventType.CALL_STARTED,
    "ended": EventType.CALL_ENDED,
    "analyzed": EventType.CALL_ANALYZED,
    "failed": EventType.CALL_FAILED,
}


async def record_event(
    tx: UnitOfWork,
    ids: IdGenerator,
    type: EventType,
    tenant_id: TenantId,
    at: datetime,
    subject_id: UUID | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    await tx.events.record(
        [OutboundEvent(EventId(ids.new()), tenant_id, type, at, subject_id, details)]
    )


async def calls_queued(
    tx: UnitOfWork, ids: IdGenerator, calls: Iterable[VoiceCall], at: datetime
) -> None:
    await tx.events.record(
        [
            OutboundEvent(EventId(ids.new()), call.tenant_id, EventType.CALL_QUEUED, at, call.id)
            for call in calls
        ]
    )


async def call_progressed(
    tx: UnitOfWork, ids: IdGenerator, call: VoiceCall, before: CallMilestones, at: datetime
) -> None:
    """The events of the milestones `call` reached since `before` (its state when read)."""
    reached = CallMilestones.of(call).reached_since(before)
    if reached:
        await tx.events.record(
            [
                OutboundEvent(EventId(ids.new()), call.tenant_id, _CALL_MILESTONES[m], at, call.id)
                for m in reached
            ]
        )


async def batch_event(
    tx: UnitOfWork, ids: IdGenerator, type: EventType, batch: Batch, at: datetime
) -> None:
    details = {"pause_reason": batch.pause_reason.value} if batch.pause_reason else None
    await record_event(tx, ids, type, batch.tenant_id, at, batch.id, details)
