"""A batch follows its calls: whatever settles a call (a webhook, the provider's answer to a
create, the reconciler, an interrupted sandbox) also settles the batch item whose try it is,
in the same transaction, so that progress counts and retries never drift from the calls."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from application.events import batch_event
from application.ports.ids import IdGenerator
from application.ports.unit_of_work import UnitOfWork
from domain.batches import (
    Batch,
    BatchItem,
    BatchItemStatus,
    BatchStatus,
    DialOutcome,
    outcome_of_call,
    zone_for,
)
from domain.calls import VoiceCall
from domain.ids import BatchId, CallId
from domain.webhooks import EventType


async def follow_batch_call(
    tx: UnitOfWork,
    ids: IdGenerator,
    call: VoiceCall,
    at: datetime,
    *,
    reported_now: bool = False,
) -> None:
    """`call` (locked in `tx`) changed: move its batch item and the batch's counts along.
    Nothing for a call of no batch."""
    await follow_batch_calls(tx, ids, [call], at, reported_now={call.id} if reported_now else ())


async def follow_batch_calls(
    tx: UnitOfWork,
    ids: IdGenerator,
    calls: Sequence[VoiceCall],
    at: datetime,
    *,
    reported_now: Collection[CallId] = (),
) -> None:
    """`follow_batch_call` of each of one tenant's `calls` (locked in `tx`), their items
    read and saved together and each batch saved once; `reported_now` are the calls whose
    report (and cost) arrived with this change."""
    in_batches = [call for call in calls if call.batch_id is not None]
    if not in_batches:
        return
    tenant_id = in_batches[0].tenant_id
    items = await tx.batch_items.for_calls(tenant_id, [call.id for call in in_batches])
    batches: dict[BatchId, Batch] = {}
    # Locked in id order, after the calls and items, as every writer of a batch does.
    for batch_id in sorted({_batch_of(c) for c in in_batches if c.id in items}):
        batch = await tx.batches.get_for_update(tenant_id, batch_id)
        if batch is not None:
            batches[batch_id] = batch
    moved: list[BatchItem] = []
    touched: dict[BatchId, Batch] = {}
    for call in in_batches:
        item, batch = items.get(call.id), batches.get(_batch_of(call))
        if item is None or batch is None:  # the lead (and its item) was deleted meanwhile
            continue
        before = item.standing
        changed = await _move_item(tx, batch, item, call, at)
        reported = call.id in reported_now
        if reported:
            batch.add_cost(call.cost)
        if changed:
            moved.append(item)
            batch.record_item_move(before, item.standing)
        if changed or reported:
            touched[batch.id] = batch
    await tx.batch_items.save_many(moved)
    for batch in touched.values():
        await finish_if_done(tx, ids, batch, at)
        await tx.batches.save(batch)


def _batch_of(call: VoiceCall) -> BatchId:
    assert call.batch_id is not None
    return BatchId(call.batch_id)


async def _move_item(
    tx: UnitOfWork, batch: Batch, item: BatchItem, call: VoiceCall, at: datetime
) -> bool:
    if not item.status.on_the_line:
        return False  # settled already (a repeated message)
    outcome = outcome_of_call(call.status.value, call.ended_reason)
    if outcome is None:
        if item.status is BatchItemStatus.DIALLING and call.vapi_call_id is not None:
            item.placed(call.id, at)
            return True
        return False
    if outcome is DialOutcome.UNKNOWN and item.last_outcome is DialOutcome.UNKNOWN:
        return False
    lead = await tx.leads.get(call.tenant_id, item.lead_id)
    zones = zone_for(lead.timezone if lead else None, lead.phone if lead else None, batch.timezone)
    item.record_outcome(outcome, at, batch=batch, window=batch.window.for_lead(zones))
    return True


async def finish_if_done(tx: UnitOfWork, ids: IdGenerator, batch: Batch, at: datetime) -> None:
    """A running batch with no lead left to dial or to wait for is complete."""
    if batch.status is BatchStatus.RUNNING and batch.counts.open == 0:
        batch.complete(at)
        await tx.running_batches.leave(batch.tenant_id, batch.id)
        await batch_event(tx, ids, EventType.BATCH_COMPLETED, batch, at)
