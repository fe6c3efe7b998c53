"""Batches, their items and the registry of running batches in memory.

Row locks are the unit of work's (`lock_row`, `try_lock_row`): held until it ends, like
PostgreSQL's. A claim passes over items another open unit of work holds (SKIP LOCKED); a
locked read or a cancellation waits for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from adapters.ids import Uuid7Generator
from adapters.memory.repositories import Overlay, owned, page_of, save_versioned
from application.pagination import PageRequest, Position
from application.ports.batches import (
    BatchFilter,
    BatchItemFilter,
    DueItem,
    LeadSelection,
    RunningBatch,
    SurveyRow,
)
from domain.batches import Batch, BatchItem, BatchItemStatus, BatchStatus
from domain.errors import InvalidValue
from domain.ids import AgentId, BatchId, BatchItemId, CallId, LeadId, TenantId
from domain.leads import Lead

if TYPE_CHECKING:
    from adapters.memory.unit_of_work import InMemoryUnitOfWork

_ids = Uuid7Generator()


def _not_in_tenant(field: str) -> InvalidValue:
    # As PostgreSQL's in-tenant links refuse it (adapters/postgres/repositories.py).
    return InvalidValue(f"{field} does not name a record of this tenant", field=field)


class InMemoryBatchRepository:
    def __init__(self, overlay: Overlay, unit: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._unit = unit

    async def add(self, batch: Batch) -> None:
        if owned(self._o.get("agents", batch.agent_id), batch.tenant_id) is None:
            raise _not_in_tenant("agent_id")
        if owned(self._o.get("phone_numbers", batch.from_number_id), batch.tenant_id) is None:
            raise _not_in_tenant("from_number_id")
        self._o.put("batches", batch.id, batch)

    async def get(self, tenant_id: TenantId, batch_id: BatchId) -> Batch | None:
        return owned(self._o.get("batches", batch_id), tenant_id)

    async def get_for_update(self, tenant_id: TenantId, batch_id: BatchId) -> Batch | None:
        if await self.get(tenant_id, batch_id) is None:
            return None
        await self._unit.lock_row("batches", batch_id)
        return await self.get(tenant_id, batch_id)  # as it is once the lock is ours

    async def save(self, batch: Batch) -> None:
        save_versioned(self._o, "batches", batch, "batch")

    async def running(self, tenant_id: TenantId) -> list[Batch]:
        rows = self._o.rows_where(
            "batches", lambda b: b.tenant_id == tenant_id and b.status is BatchStatus.RUNNING
        )
        return sorted(rows, key=lambda b: (b.created_at, b.id))

    async def exist_for_agent(self, tenant_id: TenantId, agent_id: AgentId) -> bool:
        return bool(
            self._o.rows_where(
                "batches", lambda b: b.tenant_id == tenant_id and b.agent_id == agent_id
            )
        )

    async def list(self, tenant_id: TenantId, where: BatchFilter, page: PageRequest) -> list[Batch]:
        rows = self._o.rows_where(
            "batches",
            lambda b: b.tenant_id == tenant_id and where.status in (None, b.status),
        )
        return page_of(rows, page, lambda b: Position(b.created_at, b.id), newest_first=True)


def _selected(lead: Lead, tenant_id: TenantId, selection: LeadSelection) -> bool:
    return (
        lead.tenant_id == tenant_id
        and (selection.lead_ids is None or lead.id in selection.lead_ids)
        and selection.status in (None, lead.status)
        and selection.source in (None, lead.source)
        and (selection.created_from is None or lead.created_at >= selection.created_from)
        and (selection.created_before is None or lead.created_at < selection.created_before)
        and not (selection.never_contacted and lead.last_contacted_at is not None)
    )


def _due_key(item: BatchItem) -> tuple[bool, datetime | None, BatchItemId]:
    """Earliest due first; an item with no time set is due at once (first of all)."""
    return (item.next_attempt_at is not None, item.next_attempt_at, item.id)


def _item_matches(item: BatchItem, where: BatchItemFilter) -> bool:
    return (
        where.status in (None, item.status)
        and where.outcome in (None, item.last_outcome)
        and where.skip_reason in (None, item.skip_reason)
    )


class InMemoryBatchItemRepository:
    def __init__(self, overlay: Overlay, unit: InMemoryUnitOfWork) -> None:
        self._o = overlay
        self._unit = unit

    def _waiting(self, tenant_id: TenantId, batch_id: BatchId) -> list[BatchItem]:
        return self._o.rows_where(
            "batch_items",
            lambda i: (
                i.tenant_id == tenant_id
                and i.batch_id == batch_id
                and i.status is BatchItemStatus.PENDING
            ),
        )

    async def forget_lead(self, tenant_id: TenantId, lead_id: LeadId) -> int:
        found = self._o.rows_where(
            "batch_items",
            lambda i: i.tenant_id == tenant_id and i.lead_id == lead_id and i.variables,
        )
        for item in found:
            self._o.put(
                "batch_items", item.id, attrs.evolve(item, variables={}, version=item.version + 1)
            )
        return len(found)

    async def count_selection(self, tenant_id: TenantId, selection: LeadSelection) -> int:
        return len(self._o.rows_where("leads", lambda lead: _selected(lead, tenant_id, selection)))

    async def missing_leads(self, tenant_id: TenantId, lead_ids: Sequence[LeadId]) -> list[LeadId]:
        return [
            lead_id
            for lead_id in dict.fromkeys(lead_ids)
            if owned(self._o.get("leads", lead_id), tenant_id) is None
        ]

    async def add_selection(self, batch: Batch, selection: LeadSelection, at: datetime) -> int:
        chosen = self._o.rows_where(
            "leads", lambda lead: _selected(lead, batch.tenant_id, selection)
        )
        present = {
            i.lead_id
            for i in self._o.rows_where(
                "batch_items", lambda i: i.tenant_id == batch.tenant_id and i.batch_id == batch.id
            )
        }
        added = 0
        for lead in sorted(chosen, key=lambda lead: (lead.created_at, lead.id)):
            if lead.id in present:
                continue
            item = BatchItem(
                BatchItemId(_ids.new()),
                batch.tenant_id,
                batch.id,
                lead.id,
                created_at=at,
                updated_at=at,
                next_attempt_at=at,
            )
            self._o.put("batch_items", item.id, item)
            added += 1
        return added

    async def get(
        self, tenant_id: TenantId, batch_id: BatchId, item_id: object
    ) -> BatchItem | None:
        item: BatchItem | None = owned(self._o.get("batch_items", item_id), tenant_id)
        return item if item is not None and item.batch_id == batch_id else None

    async def for_calls(
        self, tenant_id: TenantId, call_ids: Sequence[CallId]
    ) -> dict[CallId, BatchItem]:
        wanted = set(call_ids)
        found = self._o.rows_where(
            "batch_items", lambda i: i.tenant_id == tenant_id and i.last_call_id in wanted
        )
        items: dict[CallId, BatchItem] = {}
        for item in sorted(found, key=lambda i: i.id):
            await self._unit.lock_row("batch_items", item.id)
            locked: BatchItem | None = owned(self._o.get("batch_items", item.id), tenant_id)
            # Like FOR UPDATE: looked at again once the lock is ours.
            if locked is not None and locked.last_call_id == item.last_call_id:
                items.setdefault(CallId(item.last_call_id), locked)
        return items

    async def claim_due(
        self, tenant_id: TenantId, batch_id: BatchId, at: datetime, limit: int
    ) -> list[DueItem]:
        claimed: list[DueItem] = []
        for item in sorted(
            (i for i in self._waiting(tenant_id, batch_id) if i.due(at)), key=_due_key
        ):
            if len(claimed) >= limit:
                break
            if not await self._unit.try_lock_row("batch_items", item.id):
                continue  # another unit of work holds it: passed over
            lead = owned(self._o.get("leads", item.lead_id), tenant_id)
            claimed.append(DueItem(item, lead))
        return claimed

    async def count_due(
        self, tenant_id: TenantId, batch_id: BatchId, at: datetime, limit: int
    ) -> int:
        due = sum(1 for i in self._waiting(tenant_id, batch_id) if i.due(at))
        return max(0, min(due, limit))

    async def next_due(self, tenant_id: TenantId, batch_id: BatchId) -> datetime | None:
        waiting = self._waiting(tenant_id, batch_id)
        if not waiting:
            return None
        first = min(waiting, key=_due_key)
        return first.next_attempt_at or first.created_at

    async def save(self, item: BatchItem) -> None:
        save_versioned(self._o, "batch_items", item, "batch item")

    async def save_many(self, items: Sequence[BatchItem]) -> None:
        for item in items:
            await self.save(item)

    async def cancel_pending(self, tenant_id: TenantId, batch_id: BatchId, at: datetime) -> int:
        cancelled = 0
        for waiting in self._waiting(tenant_id, batch_id):
            # Like UPDATE: waits for a holder of the item, then looks at it again.
            await self._unit.lock_row("batch_items", waiting.id)
            item: BatchItem | None = self._o.get("batch_items", waiting.id)
            if item is None or item.status is not BatchItemStatus.PENDING:
                continue
            self._o.based_on.setdefault(("batch_items", item.id), item.version)
            item = attrs.evolve(
                item,
                status=BatchItemStatus.CANCELLED,
                updated_at=max(item.updated_at, at),
                version=item.version + 1,
            )
            self._o.put("batch_items", item.id, item)
            cancelled += 1
        return cancelled

    async def survey(self, tenant_id: TenantId, batch_id: BatchId) -> list[SurveyRow]:
        groups: dict[tuple[bool, str | None, str | None], int] = {}
        for item in self._waiting(tenant_id, batch_id):
            lead: Lead | None = owned(self._o.get("leads", item.lead_id), tenant_id)
            if lead is None:
                continue  # deleted since: nothing to survey
            phone = lead.phone.e164 if lead.timezone is None else None
            key = (lead.do_not_call, lead.timezone, phone)
            groups[key] = groups.get(key, 0) + 1
        return [
            SurveyRow(dnc, zone, phone, count)
            for (dnc, zone, phone), count in sorted(groups.items(), key=_survey_order)
        ]

    async def list(
        self, tenant_id: TenantId, batch_id: BatchId, where: BatchItemFilter, page: PageRequest
    ) -> list[BatchItem]:
        rows = self._o.rows_where(
            "batch_items",
            lambda i: (
                i.tenant_id == tenant_id and i.batch_id == batch_id and _item_matches(i, where)
            ),
        )
        return page_of(rows, page, lambda i: Position(i.created_at, i.id))


def _survey_order(entry: tuple[tuple[bool, str | None, str | None], int]) -> tuple[Any, ...]:
    (dnc, zone, phone), _ = entry
    return (dnc, zone is None, zone or "", phone or "")


class InMemoryRunningBatches:
    def __init__(self, overlay: Overlay) -> None:
        self._o = overlay

    async def enter(self, tenant_id: TenantId, batch_id: BatchId) -> None:
        if owned(self._o.get("batches", batch_id), tenant_id) is None:
            raise _not_in_tenant("batch_id")
        key = (tenant_id, batch_id)
        if self._o.get("running_batches", key) is None:
            self._o.put("running_batches", key, RunningBatch(batch_id, tenant_id))

    async def leave(self, tenant_id: TenantId, batch_id: BatchId) -> None:
        key = (tenant_id, batch_id)
        if self._o.get("running_batches", key) is not None:
            self._o.delete("running_batches", key)

    async def all(self) -> list[RunningBatch]:
        rows: list[RunningBatch] = self._o.rows("running_batches")
        return sorted(rows, key=lambda r: (r.tenant_id, r.batch_id))
