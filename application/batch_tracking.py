"""A batch follows its calls: whatever settles a call (a webhook, the provider's answer to a
create, the reconciler, an interrupted sandbox) also settles the batch item whose try it is,
in the same transaction, so that progress counts and retries never drift from the calls."""

from __future__ import annotations

from datetime import datetime

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
from domain.ids import BatchId


async def follow_batch_call(
    tx: UnitOfWork, call: VoiceCall, at: datetime, *, reported_now: bool = False
) -> None:
    """`call` (locked in `tx`) changed: move its batch item and the batch's counts along.
    Nothing for a call of no batch."""
    if call.batch_id is None:
        return
    item = await tx.batch_items.for_call(call.tenant_id, call.id)
    if item is None:  # the lead (and its item) was deleted: the call stands alone
        return
    batch = await tx.batches.get_for_update(call.tenant_id, BatchId(call.batch_id))
    if batch is None:
        return
    before = item.standing
    changed = await _move_item(tx, batch, item, call, at)
    if reported_now:
        batch.add_cost(call.cost)
    if changed:
        await tx.batch_items.save(item)
        batch.record_item_move(before, item.standing)
    if not (changed or reported_now):
        return
    await finish_if_done(tx, batch, at)
    await tx.batches.save(batch)


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


async def finish_if_done(tx: UnitOfWork, batch: Batch, at: datetime) -> None:
    """A running batch with no lead left to dial or to wait for is complete."""
    if batch.status is BatchStatus.RUNNING and batch.counts.open == 0:
        batch.complete(at)
        await tx.running_batches.leave(batch.tenant_id, batch.id)
