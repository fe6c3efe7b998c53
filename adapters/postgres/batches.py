"""PostgreSQL repositories of batches (campaigns), their items and the registry of running
batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres import mapping
from adapters.postgres.repositories import VersionedUpdate, insert_tenant_row, keyset, refused
from adapters.postgres.tables import (
    ITEM_DUE_AT,
    call_batch_items,
    call_batches,
    leads,
    running_batches,
)
from application.pagination import PageRequest
from application.ports.batches import (
    BatchFilter,
    BatchItemFilter,
    DueItem,
    LeadSelection,
    RunningBatch,
    SurveyRow,
)
from domain.batches import (
    Backoff,
    Batch,
    BatchCounts,
    BatchItem,
    BatchItemStatus,
    BatchStatus,
    CallingWindow,
    DialOutcome,
    PauseReason,
    RetryPolicy,
    SkipReason,
)
from domain.ids import (
    AgentId,
    BatchId,
    BatchItemId,
    CallId,
    LeadId,
    PhoneNumberId,
    TenantId,
    UserId,
)

# --- mapping ----------------------------------------------------------------------------------

_COUNTS = ("pending", "dialling", "live", "completed", "failed", "skipped", "cancelled")
_BACKOFFS = ("busy", "no_answer", "voicemail")


def _backoff_json(backoff: Backoff) -> dict[str, Any]:
    return {
        "base_seconds": backoff.base.total_seconds(),
        "factor": backoff.factor,
        "cap_seconds": backoff.cap.total_seconds(),
    }


def _backoff_from(doc: dict[str, Any]) -> Backoff:
    return Backoff(
        timedelta(seconds=doc["base_seconds"]),
        doc["factor"],
        timedelta(seconds=doc["cap_seconds"]),
    )


def _optional(kind: Any, value: Any) -> Any:
    return kind(value) if value is not None else None


def batch_values(batch: Batch) -> dict[str, Any]:
    """Every column a save writes."""
    counts = batch.counts
    return {
        "agent_id": batch.agent_id,
        "from_number_id": batch.from_number_id,
        "name": batch.name,
        "status": batch.status.value,
        "pause_reason": batch.pause_reason.value if batch.pause_reason else None,
        "concurrency": batch.concurrency,
        "window_days": sorted(batch.window.days),
        "window_start": batch.window.start,
        "window_end": batch.window.end,
        "timezone": batch.timezone,
        "max_attempts": batch.max_attempts,
        "retry_policy": {
            name: _backoff_json(getattr(batch.retry_policy, name)) for name in _BACKOFFS
        },
        **{name: getattr(counts, name) for name in _COUNTS},
        "ended_by": {outcome.value: n for outcome, n in counts.ended_by.items()},
        "skipped_by": {reason.value: n for reason, n in counts.skipped_by.items()},
        "cost": batch.cost,
        "created_by": batch.created_by,
        "started_at": batch.started_at,
        "ended_at": batch.ended_at,
        "updated_at": batch.updated_at,
    }


# What batch_values sets: every column a save writes.
BATCH_COLUMNS = (
    "agent_id",
    "from_number_id",
    "name",
    "status",
    "pause_reason",
    "concurrency",
    "window_days",
    "window_start",
    "window_end",
    "timezone",
    "max_attempts",
    "retry_policy",
    *_COUNTS,
    "ended_by",
    "skipped_by",
    "cost",
    "created_by",
    "started_at",
    "ended_at",
    "updated_at",
)


def batch_from(row: Row[Any]) -> Batch:
    m = row._mapping
    policy = m["retry_policy"]
    return Batch(
        id=BatchId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        agent_id=AgentId(m["agent_id"]),
        from_number_id=PhoneNumberId(m["from_number_id"]),
        name=m["name"],
        window=CallingWindow(frozenset(m["window_days"]), m["window_start"], m["window_end"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        concurrency=m["concurrency"],
        timezone=m["timezone"],
        max_attempts=m["max_attempts"],
        retry_policy=RetryPolicy(**{name: _backoff_from(policy[name]) for name in _BACKOFFS}),
        status=BatchStatus(m["status"]),
        pause_reason=_optional(PauseReason, m["pause_reason"]),
        counts=BatchCounts(
            **{name: m[name] for name in _COUNTS},
            ended_by={DialOutcome(k): n for k, n in m["ended_by"].items()},
            skipped_by={SkipReason(k): n for k, n in m["skipped_by"].items()},
        ),
        cost=m["cost"],
        created_by=_optional(UserId, m["created_by"]),
        started_at=m["started_at"],
        ended_at=m["ended_at"],
        version=m["version"],
    )


_ITEM_COLUMNS = (
    "status",
    "attempts",
    "next_attempt_at",
    "last_call_id",
    "last_outcome",
    "skip_reason",
    "variables",
    "updated_at",
)


def item_values(item: BatchItem) -> dict[str, Any]:
    """Every column a save writes (an item never moves to another batch or lead)."""
    return {
        "status": item.status.value,
        "attempts": item.attempts,
        "next_attempt_at": item.next_attempt_at,
        "last_call_id": item.last_call_id,
        "last_outcome": item.last_outcome.value if item.last_outcome else None,
        "skip_reason": item.skip_reason.value if item.skip_reason else None,
        "variables": item.variables,
        "updated_at": item.updated_at,
    }


def item_from(row: Row[Any]) -> BatchItem:
    m = row._mapping
    return BatchItem(
        id=BatchItemId(m["id"]),
        tenant_id=TenantId(m["tenant_id"]),
        batch_id=BatchId(m["batch_id"]),
        lead_id=LeadId(m["lead_id"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        status=BatchItemStatus(m["status"]),
        attempts=m["attempts"],
        next_attempt_at=m["next_attempt_at"],
        last_call_id=_optional(CallId, m["last_call_id"]),
        last_outcome=_optional(DialOutcome, m["last_outcome"]),
        skip_reason=_optional(SkipReason, m["skip_reason"]),
        variables=m["variables"],
        version=m["version"],
    )


_save_batch = VersionedUpdate(call_batches, BATCH_COLUMNS, scope=("tenant_id",))
_save_item = VersionedUpdate(call_batch_items, _ITEM_COLUMNS, scope=("tenant_id",))

# --- batches ----------------------------------------------------------------------------------


# Built once, with parameters: the reads each settled call makes build no statement and
# no cache key.
_BATCH = sa.select(call_batches).where(
    call_batches.c.tenant_id == sa.bindparam("tenant_id"),
    call_batches.c.id == sa.bindparam("batch_id"),
)
_BATCH_FOR_UPDATE = _BATCH.with_for_update()


class PostgresBatchRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, batch: Batch) -> None:
        await insert_tenant_row(self._conn, call_batches, batch, batch_values(batch))

    async def _one(
        self, query: sa.Select[Any], tenant_id: TenantId, batch_id: BatchId
    ) -> Batch | None:
        parameters = {"tenant_id": tenant_id, "batch_id": batch_id}
        row = (await self._conn.execute(query, parameters)).first()
        return batch_from(row) if row else None

    async def get(self, tenant_id: TenantId, batch_id: BatchId) -> Batch | None:
        return await self._one(_BATCH, tenant_id, batch_id)

    async def get_for_update(self, tenant_id: TenantId, batch_id: BatchId) -> Batch | None:
        return await self._one(_BATCH_FOR_UPDATE, tenant_id, batch_id)

    async def save(self, batch: Batch) -> None:
        await _save_batch(
            self._conn, batch, batch_values(batch), "batch", tenant_id=batch.tenant_id
        )

    async def running(self, tenant_id: TenantId) -> list[Batch]:
        c = call_batches.c
        query = (
            sa.select(call_batches)
            .where(c.tenant_id == tenant_id, c.status == BatchStatus.RUNNING.value)
            .order_by(c.created_at, c.id)
        )
        return [batch_from(r) for r in await self._conn.execute(query)]

    async def exist_for_agent(self, tenant_id: TenantId, agent_id: AgentId) -> bool:
        c = call_batches.c
        query = sa.select(sa.exists().where(c.tenant_id == tenant_id, c.agent_id == agent_id))
        return bool(await self._conn.scalar(query))

    async def list(self, tenant_id: TenantId, where: BatchFilter, page: PageRequest) -> list[Batch]:
        c = call_batches.c
        after, order = keyset(c.created_at, c.id, page, newest_first=True)
        filters = [] if where.status is None else [c.status == where.status.value]
        query = (
            sa.select(call_batches)
            .where(c.tenant_id == tenant_id, *filters, *after)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [batch_from(r) for r in await self._conn.execute(query)]


# --- items ------------------------------------------------------------------------------------

# A UUIDv7 made by the database (PostgreSQL 14 to 17 have no uuidv7()): the millisecond of
# the row's making in the first 48 bits, then the version, then random bits, as
# adapters/ids.py makes them, so that bulk-made ids are time-ordered like every other id.
_NEW_ID = sa.literal_column(
    "encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing"
    " substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)"
    " FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid",
    PG_UUID(as_uuid=True),
)

_LEAD_COLUMNS = [column.label(f"lead__{column.name}") for column in leads.c]


def _selected(tenant_id: TenantId, selection: LeadSelection) -> list[sa.ColumnElement[bool]]:
    """The tenant's leads the selection names (its criteria together)."""
    c = leads.c
    clauses: list[sa.ColumnElement[bool]] = [c.tenant_id == tenant_id]
    if selection.lead_ids is not None:
        ids = sa.bindparam("lead_ids", list(selection.lead_ids), ARRAY(PG_UUID(as_uuid=True)))
        clauses.append(c.id == sa.any_(ids))
    if selection.status is not None:
        clauses.append(c.status == selection.status.value)
    if selection.source is not None:
        clauses.append(c.source == selection.source)
    if selection.created_from is not None:
        clauses.append(c.created_at >= selection.created_from)
    if selection.created_before is not None:
        clauses.append(c.created_at < selection.created_before)
    if selection.never_contacted:
        clauses.append(c.last_contacted_at.is_(None))
    return clauses


def _of_batch(tenant_id: TenantId, batch_id: BatchId) -> list[sa.ColumnElement[bool]]:
    return [call_batch_items.c.tenant_id == tenant_id, call_batch_items.c.batch_id == batch_id]


def _waiting(tenant_id: TenantId, batch_id: BatchId) -> list[sa.ColumnElement[bool]]:
    return [
        *_of_batch(tenant_id, batch_id),
        call_batch_items.c.status == BatchItemStatus.PENDING.value,
    ]


def _due(tenant_id: TenantId, batch_id: BatchId, at: datetime) -> list[sa.ColumnElement[bool]]:
    return [*_waiting(tenant_id, batch_id), at >= ITEM_DUE_AT]


def due_items(tenant_id: TenantId, batch_id: BatchId, at: datetime, limit: int) -> sa.Select[Any]:
    """The batch's due items, earliest due first, each with its lead (or NULLs), locked; items
    another transaction holds are passed over. Only the items are locked: a lead being
    edited meanwhile does not hold up the dispatch."""
    i = call_batch_items
    lead_of_item = sa.and_(leads.c.tenant_id == i.c.tenant_id, leads.c.id == i.c.lead_id)
    return (
        sa.select(i, *_LEAD_COLUMNS)
        .select_from(i.outerjoin(leads, lead_of_item))
        .where(*_due(tenant_id, batch_id, at))
        .order_by(ITEM_DUE_AT, i.c.id)
        .limit(limit)
        .with_for_update(of=i, skip_locked=True)
    )


# Built once, with parameters (each settled call of a batch reads its item).
_ITEMS_OF_CALLS = (
    sa.select(call_batch_items)
    .where(
        call_batch_items.c.tenant_id == sa.bindparam("tenant_id"),
        call_batch_items.c.last_call_id
        == sa.any_(sa.bindparam("call_ids", type_=ARRAY(PG_UUID(as_uuid=True)))),
    )
    .order_by(call_batch_items.c.id)
    .with_for_update()
)


def _item_filter(where: BatchItemFilter) -> list[sa.ColumnElement[bool]]:
    c = call_batch_items.c
    clauses: list[sa.ColumnElement[bool]] = []
    if where.status is not None:
        clauses.append(c.status == where.status.value)
    if where.outcome is not None:
        clauses.append(c.last_outcome == where.outcome.value)
    if where.skip_reason is not None:
        clauses.append(c.skip_reason == where.skip_reason.value)
    return clauses


class PostgresBatchItemRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def forget_lead(self, tenant_id: TenantId, lead_id: LeadId) -> int:
        i = call_batch_items.c
        result = await self._conn.execute(
            sa.update(call_batch_items)
            .where(
                i.tenant_id == tenant_id,
                i.lead_id == lead_id,
                i.variables != sa.literal_column("'{}'::jsonb"),
            )
            .values(variables={}, version=i.version + 1)
        )
        return int(result.rowcount)

    async def count_selection(self, tenant_id: TenantId, selection: LeadSelection) -> int:
        query = (
            sa.select(sa.func.count()).select_from(leads).where(*_selected(tenant_id, selection))
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def missing_leads(self, tenant_id: TenantId, lead_ids: Sequence[LeadId]) -> list[LeadId]:
        if not lead_ids:
            return []
        named = (
            sa.func.unnest(sa.bindparam("ids", list(lead_ids), ARRAY(PG_UUID(as_uuid=True))))
            .table_valued("id", with_ordinality="n")
            .render_derived(name="named")
        )
        known = sa.exists().where(leads.c.tenant_id == tenant_id, leads.c.id == named.c.id)
        query = sa.select(named.c.id).where(~known).order_by(named.c.n)
        found = (await self._conn.execute(query)).scalars()
        return [LeadId(lead_id) for lead_id in dict.fromkeys(found)]

    async def add_selection(self, batch: Batch, selection: LeadSelection, at: datetime) -> int:
        # One statement whatever the size: the rows are made by the database from the lead
        # book, none passes through Python.
        made = sa.select(
            _NEW_ID,
            leads.c.tenant_id,
            sa.literal(batch.id, PG_UUID(as_uuid=True)),
            leads.c.id,
            sa.literal(BatchItemStatus.PENDING.value),
            sa.literal(0),
            sa.literal(at, sa.DateTime(timezone=True)),
            sa.literal({}, JSONB),
            sa.literal(0),
            sa.literal(at, sa.DateTime(timezone=True)),
            sa.literal(at, sa.DateTime(timezone=True)),
        ).where(*_selected(batch.tenant_id, selection))
        statement = (
            pg_insert(call_batch_items)
            .from_select(
                [
                    "id",
                    "tenant_id",
                    "batch_id",
                    "lead_id",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "variables",
                    "version",
                    "created_at",
                    "updated_at",
                ],
                made,
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "batch_id", "lead_id"])
            # SQLAlchemy keeps the row count of UPDATE and DELETE only, unless asked.
            .execution_options(preserve_rowcount=True)
        )
        return int((await self._conn.execute(statement)).rowcount)

    async def get(
        self, tenant_id: TenantId, batch_id: BatchId, item_id: object
    ) -> BatchItem | None:
        query = sa.select(call_batch_items).where(
            *_of_batch(tenant_id, batch_id), call_batch_items.c.id == item_id
        )
        row = (await self._conn.execute(query)).first()
        return item_from(row) if row else None

    async def for_calls(
        self, tenant_id: TenantId, call_ids: Sequence[CallId]
    ) -> dict[CallId, BatchItem]:
        if not call_ids:
            return {}
        parameters = {"tenant_id": tenant_id, "call_ids": list(call_ids)}
        found: dict[CallId, BatchItem] = {}
        for row in await self._conn.execute(_ITEMS_OF_CALLS, parameters):
            item = item_from(row)
            found.setdefault(CallId(row.last_call_id), item)
        return found

    async def claim_due(
        self, tenant_id: TenantId, batch_id: BatchId, at: datetime, limit: int
    ) -> list[DueItem]:
        if limit <= 0:
            return []
        rows = await self._conn.execute(due_items(tenant_id, batch_id, at, limit))
        return [
            DueItem(
                item_from(r), mapping.lead_from(r, "lead__") if r.lead__id is not None else None
            )
            for r in rows
        ]

    async def count_due(
        self, tenant_id: TenantId, batch_id: BatchId, at: datetime, limit: int
    ) -> int:
        if limit <= 0:
            return 0
        due = (
            sa.select(call_batch_items.c.id)
            .where(*_due(tenant_id, batch_id, at))
            .limit(limit)
            .subquery()
        )
        query = sa.select(sa.func.count()).select_from(due)
        return int((await self._conn.execute(query)).scalar_one())

    async def next_due(self, tenant_id: TenantId, batch_id: BatchId) -> datetime | None:
        c = call_batch_items.c
        query = (
            sa.select(sa.func.coalesce(c.next_attempt_at, c.created_at))
            .where(*_waiting(tenant_id, batch_id))
            .order_by(ITEM_DUE_AT, c.id)
            .limit(1)
        )
        found: datetime | None = (await self._conn.execute(query)).scalar_one_or_none()
        return found

    async def save(self, item: BatchItem) -> None:
        await _save_item(
            self._conn, item, item_values(item), "batch item", tenant_id=item.tenant_id
        )

    async def save_many(self, items: Sequence[BatchItem]) -> None:
        await _save_item.many(
            self._conn,
            [(item, item_values(item), {"tenant_id": item.tenant_id}) for item in items],
            "batch item",
        )

    async def cancel_pending(self, tenant_id: TenantId, batch_id: BatchId, at: datetime) -> int:
        c = call_batch_items.c
        statement = (
            sa.update(call_batch_items)
            .where(*_waiting(tenant_id, batch_id))
            .values(
                status=BatchItemStatus.CANCELLED.value,
                updated_at=sa.func.greatest(c.updated_at, at),
                version=c.version + 1,
            )
        )
        return int((await self._conn.execute(statement)).rowcount)

    async def survey(self, tenant_id: TenantId, batch_id: BatchId) -> list[SurveyRow]:
        i, lead = call_batch_items.c, leads.c
        # A lead with no zone of its own is a group of its own: its number tells its zone.
        phone = sa.case((lead.timezone.is_(None), lead.phone)).label("phone")
        query = (
            sa.select(lead.do_not_call, lead.timezone, phone, sa.func.count().label("n"))
            .select_from(
                call_batch_items.join(
                    leads, sa.and_(lead.tenant_id == i.tenant_id, lead.id == i.lead_id)
                )
            )
            .where(*_waiting(tenant_id, batch_id))
            .group_by(lead.do_not_call, lead.timezone, phone)
            .order_by(
                lead.do_not_call,
                sa.nulls_last(sa.collate(lead.timezone, "C")),
                sa.collate(phone, "C"),
            )
        )
        return [
            SurveyRow(r.do_not_call, r.timezone, r.phone, int(r.n))
            for r in await self._conn.execute(query)
        ]

    # --- the registry of running batches ----------------------------------------------------------

    async def list(
        self, tenant_id: TenantId, batch_id: BatchId, where: BatchItemFilter, page: PageRequest
    ) -> list[BatchItem]:
        c = call_batch_items.c
        after, order = keyset(c.created_at, c.id, page)
        query = (
            sa.select(call_batch_items)
            .where(*_of_batch(tenant_id, batch_id), *_item_filter(where), *after)
            .order_by(*order)
            .limit(page.limit + 1)
        )
        return [item_from(r) for r in await self._conn.execute(query)]


class PostgresRunningBatches:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def enter(self, tenant_id: TenantId, batch_id: BatchId) -> None:
        statement = (
            pg_insert(running_batches)
            .values(tenant_id=tenant_id, batch_id=batch_id)
            .on_conflict_do_nothing(index_elements=["tenant_id", "batch_id"])
        )
        try:
            await self._conn.execute(statement)
        except IntegrityError as error:
            known = refused(error)
            if known is None:
                raise
            raise known from None

    async def leave(self, tenant_id: TenantId, batch_id: BatchId) -> None:
        await self._conn.execute(
            sa.delete(running_batches).where(
                running_batches.c.tenant_id == tenant_id, running_batches.c.batch_id == batch_id
            )
        )

    async def all(self) -> list[RunningBatch]:
        c = running_batches.c
        query = sa.select(c.batch_id, c.tenant_id).order_by(c.tenant_id, c.batch_id)
        return [
            RunningBatch(BatchId(r.batch_id), TenantId(r.tenant_id))
            for r in await self._conn.execute(query)
        ]
