"""The schema's own guarantees for calls in flight, AI usage and the webhook inbox, which
hold whoever writes; and the locks that serialise placements and the messages about a call.

Raw SQL for the constraints runs as the connecting role (the tables' owner, a superuser in
CI) with the tenant context set: row-level security cannot be what refuses."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.calls import _PLACEMENT_LOCK
from adapters.postgres.errors import constraint_of
from adapters.postgres.rls import APP_ROLE
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.ports.calls import LiveCall
from domain.calls import CallStatus, UsageKind
from tests.integration.seeding import Catalogue, session, two_tenants

pytestmark = pytest.mark.postgres


@pytest.fixture
async def tenants(pg_deps, engine) -> tuple[Catalogue, Catalogue]:
    return await two_tenants(pg_deps, engine)


LINKED = {
    "ai_usage": "INSERT INTO ai_usage (id, tenant_id, call_id, kind, item_type, cost,"
    " occurred_at) VALUES (:id, :tenant, :call, 'llm', 'model', 0.1, now())",
    "live_calls": "INSERT INTO live_calls (call_id, tenant_id, check_at)"
    " VALUES (:call, :tenant, now())",
}


async def test_raw_sql_here_runs_as_a_role_row_level_security_does_not_refuse(engine, tenants):
    a, _ = tenants
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        assert (await conn.execute(sa.text("SELECT current_user"))).scalar_one() != APP_ROLE
        calls = await conn.execute(sa.text("SELECT count(*) FROM voice_calls"))
        assert calls.scalar_one() == 2  # B's call too


@pytest.mark.parametrize("table", sorted(LINKED))
async def test_a_row_about_a_call_stays_in_the_calls_tenant(engine, tenants, table):
    a, b = tenants
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        for tenant, call in ((a.tenant_id, b.call.id), (b.tenant_id, a.call.id)):
            with pytest.raises(IntegrityError) as refused:
                async with conn.begin_nested():
                    await conn.execute(
                        sa.text(LINKED[table]), {"id": uuid.uuid4(), "tenant": tenant, "call": call}
                    )
            assert constraint_of(refused.value) == f"fk_{table}_tenant_id_call_id_voice_calls"
        # The same statement for a call of the row's own tenant goes through.
        own = await conn.execute(
            sa.text(LINKED[table]), {"id": uuid.uuid4(), "tenant": a.tenant_id, "call": a.call.id}
        )
        assert own.rowcount == 1
        # Nor can a row be moved onto another tenant's call afterwards.
        with pytest.raises(IntegrityError) as moved:
            await conn.execute(
                sa.text(f"UPDATE {table} SET call_id = :b WHERE call_id = :a"),
                {"a": a.call.id, "b": b.call.id},
            )
    assert constraint_of(moved.value) == f"fk_{table}_tenant_id_call_id_voice_calls"


async def test_usage_kinds_are_exactly_the_domains(engine, tenants):
    a, _ = tenants
    insert = sa.text(
        "INSERT INTO ai_usage (id, tenant_id, call_id, kind, item_type, cost, occurred_at)"
        " VALUES (:id, :tenant, :call, :kind, 'x', 0, now())"
    )
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        for kind in UsageKind:
            done = await conn.execute(
                insert,
                {"id": uuid.uuid4(), "tenant": a.tenant_id, "call": a.call.id, "kind": kind.value},
            )
            assert done.rowcount == 1, kind
        for bogus in ("LLM", "voice", ""):
            with pytest.raises(IntegrityError) as refused:
                async with conn.begin_nested():
                    await conn.execute(
                        insert,
                        {
                            "id": uuid.uuid4(),
                            "tenant": a.tenant_id,
                            "call": a.call.id,
                            "kind": bogus,
                        },
                    )
            assert constraint_of(refused.value) == "ck_ai_usage_kind", bogus


async def test_a_dedupe_key_is_stored_once_whichever_tenant(engine, tenants):
    a, b = tenants
    insert = sa.text(
        "INSERT INTO webhook_events (id, provider, dedupe_key, type, tenant_id, payload,"
        " received_at) VALUES (:id, 'vapi', 'the-key', 'x', :tenant, '{}', now())"
    )
    async with session(engine, role=None) as conn:
        await conn.execute(insert, {"id": uuid.uuid4(), "tenant": a.tenant_id})
        for tenant in (a.tenant_id, b.tenant_id, None):
            with pytest.raises(IntegrityError) as refused:
                async with conn.begin_nested():
                    await conn.execute(insert, {"id": uuid.uuid4(), "tenant": tenant})
            assert constraint_of(refused.value) == "uq_webhook_events_dedupe_key"


# --- locks ------------------------------------------------------------------------------------


async def waiting_on(engine: AsyncEngine, locktype: str, **where: int) -> None:
    """Return once some transaction of this database waits for a lock of that type (and
    those pg_locks fields): the other side of the race is then certainly blocked."""
    conditions = "".join(f" AND {column} = :{column}" for column in where)
    query = sa.text(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = :locktype"
        " AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())"
        + conditions
    )
    async with engine.connect() as conn:
        for _ in range(1000):
            if (await conn.execute(query, {"locktype": locktype, **where})).scalar_one():
                return
            await conn.rollback()
            await asyncio.sleep(0.005)
    raise AssertionError(f"nothing ever waited on a {locktype} lock")


async def waiting_for_placement(engine: AsyncEngine) -> None:
    await waiting_on(
        engine,
        "advisory",
        classid=_PLACEMENT_LOCK >> 32,
        objid=_PLACEMENT_LOCK & 0xFFFF_FFFF,
        objsubid=1,
    )


@pytest.mark.parametrize("counted", ["after the lock", "with the lock"])
@pytest.mark.parametrize("first_commits", [True, False], ids=["commit", "rollback"])
async def test_the_placement_lock_serialises_two_tenants_placements(
    engine, tenants, first_commits, counted
):
    a, b = tenants
    uows = PostgresUnitOfWorkFactory(engine)
    check_at = datetime.now(UTC) + timedelta(minutes=5)
    asking, locked = asyncio.Event(), asyncio.Event()

    async def second() -> int:
        async with uows(tenant_id=b.tenant_id) as tx:
            asking.set()
            if counted == "with the lock":  # one round trip: the count sees what A committed
                on_line, _ = await tx.live_calls.lock_and_count(b.tenant_id)
                locked.set()
            else:
                await tx.live_calls.lock()
                locked.set()
                on_line = await tx.live_calls.count()
            await tx.live_calls.hold(LiveCall(b.call.id, b.tenant_id, check_at))
            await tx.commit()
            return on_line

    async with uows(tenant_id=a.tenant_id) as first:
        await first.live_calls.lock()
        placing = asyncio.create_task(second())
        await asking.wait()
        await waiting_for_placement(engine)
        assert not locked.is_set()  # B waits for A, another tenant, while A counts and holds
        assert await first.live_calls.count() == 0
        await first.live_calls.hold(LiveCall(a.call.id, a.tenant_id, check_at))
        assert not locked.is_set()
        if first_commits:
            await first.commit()
    seen_by_second = await asyncio.wait_for(placing, 10)

    # Once A is done, B counts what A left: its call on the line, or nothing if it gave up.
    assert seen_by_second == (1 if first_commits else 0)
    async with uows() as tx:
        assert await tx.live_calls.count() == seen_by_second + 1


async def test_messages_about_one_call_are_applied_one_after_another(engine, tenants):
    a, _ = tenants
    uows = PostgresUnitOfWorkFactory(engine)
    asking, read = asyncio.Event(), asyncio.Event()

    async def second() -> tuple[CallStatus, int]:
        async with uows(tenant_id=a.tenant_id) as tx:
            asking.set()
            call = await tx.calls.get_for_update(a.tenant_id, a.call.id)
            read.set()
            assert call is not None
            return call.status, call.version

    async with uows(tenant_id=a.tenant_id) as first:
        call = await first.calls.get_for_update(a.tenant_id, a.call.id)
        assert call is not None
        reading = asyncio.create_task(second())
        await asking.wait()
        await waiting_on(engine, "transactionid")
        assert not read.is_set()
        call.status = CallStatus.FAILED
        await first.calls.save(call)
        await first.commit()
    # The second reads the call as the first left it, not the version it would have seen.
    assert await asyncio.wait_for(reading, 10) == (CallStatus.FAILED, 1)
