"""What the application needs to keep batches (campaigns), their items (one per lead) and the
registry of running batches the dispatcher works through."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import attrs

from application.pagination import PageRequest
from domain.batches import (
    Batch,
    BatchItem,
    BatchItemStatus,
    BatchStatus,
    DialOutcome,
    SkipReason,
)
from domain.ids import AgentId, BatchId, CallId, LeadId, TenantId
from domain.leads import Lead, LeadStatus


@attrs.frozen
class LeadSelection:
    """Which of the tenant's leads a batch calls: the given ids, or every lead that matches
    the filter (None means any). Do-not-call leads are selected too: the preflight reports
    them and they are skipped when their turn comes."""

    lead_ids: tuple[LeadId, ...] | None = None
    status: LeadStatus | None = None
    source: str | None = None
    created_from: datetime | None = None
    """Inclusive."""
    created_before: datetime | None = None
    """Exclusive."""
    never_contacted: bool = False
    """Only leads no call has reached yet (`last_contacted_at` unset)."""


@attrs.frozen
class BatchFilter:
    status: BatchStatus | None = None


@attrs.frozen
class BatchItemFilter:
    status: BatchItemStatus | None = None
    outcome: DialOutcome | None = None
    """The outcome of the item's last try."""
    skip_reason: SkipReason | None = None


@attrs.frozen
class DueItem:
    """An item claimed for dialling with its lead as it is now (None: deleted since)."""

    item: BatchItem
    lead: Lead | None


@attrs.frozen
class SurveyRow:
    """A group of a batch's pending items, for the preflight: how many have this lead zone
    and this do-not-call mark. `phone` is given (and `count` is 1) only for leads with no
    zone of their own, whose zone the number must tell."""

    do_not_call: bool
    timezone: str | None
    phone: str | None
    count: int


class BatchRepository(Protocol):
    async def add(self, batch: Batch) -> None: ...
    async def get(self, tenant_id: TenantId, batch_id: BatchId) -> Batch | None: ...
    async def get_for_update(self, tenant_id: TenantId, batch_id: BatchId) -> Batch | None:
        """Read and lock the batch until the transaction ends (its counts change with every
        item; changes to one batch are made one after another)."""
        ...

    async def save(self, batch: Batch) -> None:
        """Version-checked: ConcurrencyConflict when the stored version moved on."""
        ...

    async def running(self, tenant_id: TenantId) -> list[Batch]:
        """The tenant's running batches, oldest first."""
        ...

    async def exist_for_agent(self, tenant_id: TenantId, agent_id: AgentId) -> bool:
        """Whether any batch (in any state) calls with the agent."""
        ...

    async def list(self, tenant_id: TenantId, where: BatchFilter, page: PageRequest) -> list[Batch]:
        """Newest first, at most `page.limit + 1`."""
        ...


class BatchItemRepository(Protocol):
    async def forget_lead(self, tenant_id: TenantId, lead_id: LeadId) -> int:
        """Empty the variables of the lead's items in every batch of the tenant (a data
        subject's erasure); how many held some."""
        ...

    async def count_selection(self, tenant_id: TenantId, selection: LeadSelection) -> int:
        """How many of the tenant's leads the selection names (ids of no lead of the tenant
        are not counted; each lead once)."""
        ...

    async def missing_leads(self, tenant_id: TenantId, lead_ids: Sequence[LeadId]) -> list[LeadId]:
        """Those of `lead_ids` that are no lead of the tenant, in the order given."""
        ...

    async def add_selection(self, batch: Batch, selection: LeadSelection, at: datetime) -> int:
        """One pending item per selected lead of the batch's tenant (due at `at`, no tries
        yet); a lead already in the batch is not added again. Returns how many were added."""
        ...

    async def get(
        self, tenant_id: TenantId, batch_id: BatchId, item_id: object
    ) -> BatchItem | None: ...

    async def for_calls(
        self, tenant_id: TenantId, call_ids: Sequence[CallId]
    ) -> dict[CallId, BatchItem]:
        """The item whose last try is each of `call_ids` (calls of no batch are absent), all
        locked until the transaction ends, in id order."""
        ...

    async def claim_due(
        self, tenant_id: TenantId, batch_id: BatchId, at: datetime, limit: int
    ) -> list[DueItem]:
        """Up to `limit` pending items of the batch due at `at` (next_attempt_at <= at),
        earliest due first, each with its lead; each locked until the transaction ends, and
        items other transactions hold are passed over (two dispatchers never take the
        same item)."""
        ...

    async def count_due(
        self, tenant_id: TenantId, batch_id: BatchId, at: datetime, limit: int
    ) -> int:
        """How many pending items of the batch are due at `at`, counting up to `limit`."""
        ...

    async def next_due(self, tenant_id: TenantId, batch_id: BatchId) -> datetime | None:
        """When the batch's next pending item falls due; None when none is pending. An item
        with no time set is due at once: the creation time of one such item is returned then,
        a moment already past."""
        ...

    async def save(self, item: BatchItem) -> None:
        """Version-checked: ConcurrencyConflict when the stored version moved on."""
        ...

    async def save_many(self, items: Sequence[BatchItem]) -> None:
        """`save` of each, in one go: ConcurrencyConflict when the stored version of any
        moved on (the transaction is then to be abandoned: which were saved is not said)."""
        ...

    async def cancel_pending(self, tenant_id: TenantId, batch_id: BatchId, at: datetime) -> int:
        """Every pending item of the batch becomes cancelled; returns how many."""
        ...

    async def survey(self, tenant_id: TenantId, batch_id: BatchId) -> list[SurveyRow]:
        """The batch's pending items grouped for the preflight (see SurveyRow)."""
        ...

    async def list(
        self, tenant_id: TenantId, batch_id: BatchId, where: BatchItemFilter, page: PageRequest
    ) -> list[BatchItem]:
        """Oldest first (created_at, then id), at most `page.limit + 1`."""
        ...


@attrs.frozen
class RunningBatch:
    """A running batch in the registry the dispatcher reads across tenants: ids only, no
    tenant's data."""

    batch_id: BatchId
    tenant_id: TenantId


class RunningBatches(Protocol):
    async def enter(self, tenant_id: TenantId, batch_id: BatchId) -> None:
        """The batch runs: the dispatcher serves it. Idempotent."""
        ...

    async def leave(self, tenant_id: TenantId, batch_id: BatchId) -> None:
        """The batch stopped running (paused, cancelled, completed). Idempotent."""
        ...

    async def all(self) -> list[RunningBatch]:
        """Every tenant's running batches, by tenant then batch id."""
        ...
