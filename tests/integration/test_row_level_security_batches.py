"""Row-level security of batches, their items and the registry of running batches, proved with
raw SQL as the application role; and the registry's read-only exception: every tenant's
running batches are read in any context (running_batches every_tenant_reads), written only in
their own tenant's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time

import attrs
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.rls import POLICIES, READ_POLICIES
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.pagination import PageRequest
from application.ports.batches import BatchFilter, BatchItemFilter, LeadSelection, RunningBatch
from domain.batches import Batch, BatchItem, BatchStatus, CallingWindow
from domain.ids import BatchId, TenantId
from tests.integration.seeding import Catalogue, ids, session, two_tenants

pytestmark = pytest.mark.postgres

TABLES = ("call_batches", "call_batch_items", "running_batches")
_KEY = {"call_batches": "id", "call_batch_items": "id", "running_batches": "batch_id"}


@attrs.frozen
class Campaign:
    """A tenant's catalogue, plus a running batch of its lead whose item's last try is the
    catalogue's call, entered in the registry."""

    catalogue: Catalogue
    batch: Batch
    item: BatchItem

    @property
    def tenant_id(self) -> TenantId:
        return self.catalogue.tenant_id

    def row(self, table: str) -> uuid.UUID:
        return self.item.id if table == "call_batch_items" else self.batch.id


async def _campaign(engine: AsyncEngine, catalogue: Catalogue) -> Campaign:
    now = datetime.now(UTC)
    tenant_id = catalogue.tenant_id
    batch = Batch(
        BatchId(ids.new()),
        tenant_id,
        catalogue.agent.id,
        catalogue.line.id,
        "Spring",
        CallingWindow(frozenset({1, 2, 3, 4, 5}), time(9), time(17)),
        now,
        now,
    )
    batch.start(now)
    async with PostgresUnitOfWorkFactory(engine)(tenant_id=tenant_id) as tx:
        await tx.batches.add(batch)
        await tx.batch_items.add_selection(batch, LeadSelection(), now)
        (item,) = await tx.batch_items.list(tenant_id, batch.id, BatchItemFilter(), PageRequest())
        item.last_call_id = catalogue.call.id
        await tx.batch_items.save(item)
        await tx.running_batches.enter(tenant_id, batch.id)
        await tx.commit()
    return Campaign(catalogue, batch, item)


@pytest.fixture
async def tenants(pg_deps, engine) -> tuple[Campaign, Campaign]:
    a, b = await two_tenants(pg_deps, engine)
    return await _campaign(engine, a), await _campaign(engine, b)


# A new row of each table for `:tenant`, naming that tenant's agent, line, lead and batch.
INSERT = {
    "call_batches": "INSERT INTO call_batches (id, tenant_id, agent_id, from_number_id, name,"
    " window_days, window_start, window_end, retry_policy) VALUES (:id, :tenant, :agent, :line,"
    " 'x', '{1}', '09:00', '17:00', '{}')",
    "call_batch_items": "INSERT INTO call_batch_items (id, tenant_id, batch_id, lead_id)"
    " VALUES (:id, :tenant, :batch, :id)",
    "running_batches": "INSERT INTO running_batches (tenant_id, batch_id) VALUES (:tenant, :spare)",
}


async def _spare_batch(engine: AsyncEngine, c: Campaign) -> BatchId:
    """A draft batch of the tenant, in no registry: what an insert into the registry names."""
    spare = attrs.evolve(
        c.batch, id=BatchId(ids.new()), status=BatchStatus.DRAFT, started_at=None, version=0
    )
    async with PostgresUnitOfWorkFactory(engine)(tenant_id=c.tenant_id) as tx:
        await tx.batches.add(spare)
        await tx.commit()
    return spare.id


async def _insert_params(engine: AsyncEngine, c: Campaign) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "tenant": c.tenant_id,
        "agent": c.catalogue.agent.id,
        "line": c.catalogue.line.id,
        "batch": c.batch.id,
        "spare": await _spare_batch(engine, c),
    }


async def _rows(engine: AsyncEngine, table: str) -> set[tuple[str, ...]]:
    """Every row of the table, whole, as the tables' owner sees them."""
    async with engine.connect() as conn:
        return {tuple(map(repr, r)) for r in await conn.execute(sa.text(f"SELECT * FROM {table}"))}


def test_the_batch_tables_are_isolated_and_the_registry_read_by_all():
    for table in TABLES:
        assert table in POLICIES
    assert READ_POLICIES["running_batches"].name == "every_tenant_reads"
    assert READ_POLICIES["running_batches"].role is None  # every role, the dispatcher's too


@pytest.mark.parametrize("table", ["call_batches", "call_batch_items"])
async def test_a_tenant_sees_exactly_its_own_batches_and_items(engine, tenants, table):
    for mine, other in (tenants, tenants[::-1]):
        async with session(engine, tenant=mine.tenant_id) as conn:
            seen = (await conn.execute(sa.text(f"SELECT id, tenant_id FROM {table}"))).all()
            assert [tuple(r) for r in seen] == [(mine.row(table), mine.tenant_id)]
            by_name = await conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t OR id = :row"),
                {"t": other.tenant_id, "row": other.row(table)},
            )
            assert by_name.scalar_one() == 0
    for tenant in ("", str(uuid.UUID(int=7))):  # no tenant, an unknown one
        async with session(engine, tenant=tenant) as conn:
            assert (await conn.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one() == 0


@pytest.mark.parametrize("table", TABLES)
async def test_an_insert_for_another_tenant_is_refused(engine, tenants, table):
    a, b = tenants
    own, others = await _insert_params(engine, a), await _insert_params(engine, b)
    before = await _rows(engine, table)
    async with session(engine, tenant=a.tenant_id) as conn:
        # The same statement for the tenant's own row goes through: only the tenant differs.
        assert (await conn.execute(sa.text(INSERT[table]), own)).rowcount == 1
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(sa.text(INSERT[table]), others)
    async with session(engine) as conn:
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(sa.text(INSERT[table]), own)
    assert await _rows(engine, table) == before


@pytest.mark.parametrize("table", TABLES)
async def test_updates_and_deletes_cannot_reach_another_tenants_rows(engine, tenants, table):
    a, b = tenants
    before = await _rows(engine, table)
    key = _KEY[table]
    async with session(engine, tenant=a.tenant_id) as conn:
        for statement in (
            f"UPDATE {table} SET updated_at = now() WHERE tenant_id = :b OR {key} = :row",
            f"DELETE FROM {table} WHERE tenant_id = :b OR {key} = :row",
        ):
            result = await conn.execute(sa.text(statement), {"b": b.tenant_id, "row": b.row(table)})
            assert result.rowcount == 0, statement
        own = await conn.execute(sa.text(f"UPDATE {table} SET updated_at = now()"))
        assert own.rowcount == 1  # the same update does reach the tenant's own row
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(  # nor can the tenant's own row be moved to B
                sa.text(f"UPDATE {table} SET tenant_id = :b WHERE {key} = :row"),
                {"b": b.tenant_id, "row": a.row(table)},
            )
    assert await _rows(engine, table) == before


async def test_every_context_reads_every_tenants_running_batches(engine, tenants):
    a, b = tenants
    entries = {(a.batch.id, a.tenant_id), (b.batch.id, b.tenant_id)}
    expected = sorted(
        (RunningBatch(batch_id, tenant_id) for batch_id, tenant_id in entries),
        key=lambda r: (r.tenant_id, r.batch_id),
    )
    for tenant in (a.tenant_id, b.tenant_id, None):
        async with session(engine, tenant=tenant) as conn:
            rows = await conn.execute(sa.text("SELECT batch_id, tenant_id FROM running_batches"))
            assert set(map(tuple, rows)) == entries
        async with PostgresUnitOfWorkFactory(engine)(tenant_id=tenant) as tx:
            assert await tx.running_batches.all() == expected


async def test_reading_every_tenants_running_batches_lets_nothing_be_written(engine, tenants):
    a, b = tenants
    before = await _rows(engine, "running_batches")
    for tenant in (None, a.tenant_id):
        async with session(engine, tenant=tenant) as conn:
            for statement in (
                "UPDATE running_batches SET updated_at = now() WHERE batch_id = :b",
                "DELETE FROM running_batches WHERE batch_id = :b OR tenant_id = :bt",
            ):
                result = await conn.execute(
                    sa.text(statement), {"b": b.batch.id, "bt": b.tenant_id}
                )
                assert result.rowcount == 0, statement
            locked = await conn.execute(
                sa.text("SELECT batch_id FROM running_batches WHERE batch_id = :b FOR UPDATE"),
                {"b": b.batch.id},
            )
            assert locked.all() == []
            await conn.commit()
    assert await _rows(engine, "running_batches") == before


async def test_the_adapters_in_one_tenants_context_leave_anothers_batches_alone(engine, tenants):
    a, b = tenants
    uows = PostgresUnitOfWorkFactory(engine)
    before = {table: await _rows(engine, table) for table in TABLES}
    far = datetime.max.replace(tzinfo=UTC)
    async with uows(tenant_id=a.tenant_id) as tx:
        # Naming B as the owner does not help: the context decides.
        assert await tx.batches.get(b.tenant_id, b.batch.id) is None
        assert await tx.batches.get_for_update(b.tenant_id, b.batch.id) is None
        assert await tx.batches.list(b.tenant_id, BatchFilter(), PageRequest()) == []
        assert await tx.batches.running(b.tenant_id) == []
        assert await tx.batch_items.claim_due(b.tenant_id, b.batch.id, far, 10) == []
        assert await tx.batch_items.count_due(b.tenant_id, b.batch.id, far, 10) == 0
        assert await tx.batch_items.for_calls(b.tenant_id, [b.catalogue.call.id]) == {}
        assert await tx.calls.get_many_for_update(b.tenant_id, [b.catalogue.call.id]) == []
        assert await tx.batch_items.survey(b.tenant_id, b.batch.id) == []
        assert await tx.batch_items.count_selection(b.tenant_id, LeadSelection()) == 0
        assert await tx.batch_items.missing_leads(b.tenant_id, [b.catalogue.lead.id]) == [
            b.catalogue.lead.id
        ]
        assert await tx.batch_items.cancel_pending(b.tenant_id, b.batch.id, far) == 0
        assert await tx.batch_items.add_selection(b.batch, LeadSelection(), far) == 0
        await tx.running_batches.leave(b.tenant_id, b.batch.id)
        await tx.commit()
    assert {table: await _rows(engine, table) for table in TABLES} == before
    async with uows(tenant_id=a.tenant_id) as tx:
        with pytest.raises(DBAPIError, match="row-level security"):
            await tx.running_batches.enter(b.tenant_id, await _spare_batch(engine, b))
    async with uows(tenant_id=b.tenant_id) as tx:
        (claimed,) = await tx.batch_items.claim_due(b.tenant_id, b.batch.id, far, 10)
    assert claimed.item == b.item
    assert claimed.lead == b.catalogue.lead
