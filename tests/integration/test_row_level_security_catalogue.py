"""Row-level security of the catalogue and the lead book (voices, phone numbers, agents,
leads, calls), proved with raw SQL as the application role; and the one exception, inbound
routing, which shows the routing role a single active phone number its context names."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres.rls import POLICIES, READ_POLICIES, ROUTER_ROLE
from adapters.postgres.unit_of_work import PostgresUnitOfWork, PostgresUnitOfWorkFactory
from application.phone_resolution import PhoneResolver
from domain.phones import NumberProvider, NumberStatus, PhoneLine, PhoneNumber
from tests.integration.seeding import (
    LEAD_PHONE,
    NEW_TABLES,
    NUMBER_A,
    NUMBER_B,
    Catalogue,
    ids,
    session,
    two_tenants,
)

pytestmark = pytest.mark.postgres

ONLY_RELEASED = "+14155550177"
NOBODYS = "+14155550188"

# The seeded rows: phone_numbers holds an active and a released number per tenant.
ROWS_PER_TENANT = {"voices": 1, "phone_numbers": 2, "voice_agents": 1, "leads": 1, "voice_calls": 1}

# The least a row of each table needs; ":tenant" is the tenant it claims to belong to.
MINIMAL_INSERT = {
    "voices": "INSERT INTO voices (id, tenant_id, name, provider, provider_voice_id)"
    " VALUES (:id, :tenant, 'Nova', 'openai', 'nova')",
    "phone_numbers": "INSERT INTO phone_numbers (id, tenant_id, number, provider)"
    " VALUES (:id, :tenant, :phone, 'vapi')",
    "voice_agents": "INSERT INTO voice_agents (id, tenant_id, name) VALUES (:id, :tenant, 'Bot')",
    "leads": "INSERT INTO leads (id, tenant_id, phone) VALUES (:id, :tenant, :phone)",
    "voice_calls": "INSERT INTO voice_calls (id, tenant_id, to_number, direction, status)"
    " VALUES (:id, :tenant, :phone, 'outbound', 'queued')",
}


def _row_of(catalogue: Catalogue, table: str) -> uuid.UUID:
    return {
        "voices": catalogue.voice.id,
        "phone_numbers": catalogue.line.id,
        "voice_agents": catalogue.agent.id,
        "leads": catalogue.lead.id,
        "voice_calls": catalogue.call.id,
    }[table]


@pytest.fixture
async def tenants(pg_deps, engine) -> tuple[Catalogue, Catalogue]:
    return await two_tenants(pg_deps, engine)


async def _snapshot(engine, tenant_id, table: str) -> set[tuple[object, ...]]:
    """Every row of the tenant in the table, whole, as the tenant itself sees it."""
    async with session(engine, tenant=tenant_id) as conn:
        rows = await conn.execute(sa.text(f"SELECT * FROM {table}"))
        return {tuple(map(repr, row)) for row in rows}


def test_the_new_tables_are_tenant_scoped():
    assert set(NEW_TABLES) <= set(POLICIES)
    assert {
        "phone_numbers",
        "voice_calls",
        "live_calls",
        "running_batches",
        "webhook_delivery_queue",
        "tenant_export_queue",
        "phone_number_settling",
    } == set(READ_POLICIES)


# --- isolation between tenants ----------------------------------------------------------


@pytest.mark.parametrize("table", NEW_TABLES)
async def test_a_raw_select_sees_exactly_the_tenants_own_rows(engine, tenants, table):
    for mine, other in (tenants, tenants[::-1]):
        async with session(engine, tenant=mine.tenant_id) as conn:
            seen = list((await conn.execute(sa.text(f"SELECT tenant_id FROM {table}"))).scalars())
            assert seen == [mine.tenant_id] * ROWS_PER_TENANT[table]
            # The filter is the policy, not a WHERE clause: naming the other tenant finds nothing.
            by_name = await conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t OR id = :id"),
                {"t": other.tenant_id, "id": _row_of(other, table)},
            )
            assert by_name.scalar_one() == 0


@pytest.mark.parametrize("table", NEW_TABLES)
@pytest.mark.parametrize("tenant", ["", str(uuid.UUID(int=7))], ids=["none", "unknown"])
async def test_without_a_tenant_context_nothing_is_visible(engine, tenants, table, tenant):
    async with session(engine, tenant=tenant) as conn:
        assert (await conn.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one() == 0


@pytest.mark.parametrize("table", NEW_TABLES)
async def test_without_a_tenant_context_nothing_can_be_written(engine, tenants, table):
    a, _ = tenants
    async with session(engine) as conn:
        updated = await conn.execute(sa.text(f"UPDATE {table} SET updated_at = now()"))
        deleted = await conn.execute(sa.text(f"DELETE FROM {table}"))
        assert (updated.rowcount, deleted.rowcount) == (0, 0)
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                sa.text(MINIMAL_INSERT[table]),
                {"id": uuid.uuid4(), "tenant": a.tenant_id, "phone": "+14155550150"},
            )


@pytest.mark.parametrize("table", NEW_TABLES)
async def test_an_insert_carrying_another_tenants_id_is_refused(engine, tenants, table):
    a, b = tenants
    before = await _snapshot(engine, b.tenant_id, table)
    async with session(engine, tenant=a.tenant_id) as conn:
        # The same statement for the tenant's own id goes through: only the tenant differs.
        own = await conn.execute(
            sa.text(MINIMAL_INSERT[table]),
            {"id": uuid.uuid4(), "tenant": a.tenant_id, "phone": "+14155550150"},
        )
        assert own.rowcount == 1
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                sa.text(MINIMAL_INSERT[table]),
                {"id": uuid.uuid4(), "tenant": b.tenant_id, "phone": "+14155550151"},
            )
    assert await _snapshot(engine, b.tenant_id, table) == before


@pytest.mark.parametrize("table", NEW_TABLES)
async def test_updates_and_deletes_cannot_reach_another_tenants_rows(engine, tenants, table):
    a, b = tenants
    before = await _snapshot(engine, b.tenant_id, table)
    async with session(engine, tenant=a.tenant_id) as conn:
        for statement in (
            f"UPDATE {table} SET updated_at = now(), version = version + 1 WHERE tenant_id = :b",
            f"UPDATE {table} SET tenant_id = :a WHERE id = :row",
            f"DELETE FROM {table} WHERE tenant_id = :b OR id = :row",
        ):
            result = await conn.execute(
                sa.text(statement),
                {"a": a.tenant_id, "b": b.tenant_id, "row": _row_of(b, table)},
            )
            assert result.rowcount == 0, statement
        # The same kind of update does reach the tenant's own rows.
        own = await conn.execute(sa.text(f"UPDATE {table} SET version = version + 1"))
        assert own.rowcount == ROWS_PER_TENANT[table]
        await conn.commit()
    assert await _snapshot(engine, b.tenant_id, table) == before


@pytest.mark.parametrize("table", NEW_TABLES)
async def test_an_update_cannot_move_a_row_into_another_tenant(engine, tenants, table):
    a, b = tenants
    async with session(engine, tenant=a.tenant_id) as conn:
        with pytest.raises(DBAPIError, match="row-level security"):
            await conn.execute(
                sa.text(f"UPDATE {table} SET tenant_id = :b WHERE id = :row"),
                {"b": b.tenant_id, "row": _row_of(a, table)},
            )


# --- inbound routing: the called number's one active row, to the routing role ------------


async def _committing(uow: PostgresUnitOfWork, work: Callable[[PostgresUnitOfWork], Any]) -> None:
    """`work` in `uow`, then its commit."""
    async with uow as tx:
        await work(tx)
        await tx.commit()


async def _refused(conn: AsyncConnection, statement: str, **params: object) -> None:
    """`statement` is refused for want of a privilege (in a savepoint: the transaction
    goes on)."""
    with pytest.raises(DBAPIError, match="permission denied"):
        async with conn.begin_nested():
            await conn.execute(sa.text(statement), params)


@pytest.mark.parametrize("holder", [0, 1], ids=["A", "B"])
async def test_the_called_number_alone_shows_its_one_active_row(engine, tenants, holder):
    line = tenants[holder].line
    async with session(engine, role=ROUTER_ROLE, called=line.number.e164) as conn:
        rows = (
            await conn.execute(sa.text("SELECT id, tenant_id, number, status FROM phone_numbers"))
        ).all()
        # Not the other tenant's released row with the same number, not any other number.
        assert [tuple(r) for r in rows] == [(line.id, line.tenant_id, line.number.e164, "active")]
        # And nothing else of that tenant: no call is named, the rest cannot even be read.
        calls = await conn.execute(sa.text("SELECT count(*) FROM voice_calls"))
        assert calls.scalar_one() == 0
        for table in set(NEW_TABLES) - {"phone_numbers", "voice_calls"}:
            await _refused(conn, f"SELECT count(*) FROM {table}")


@pytest.mark.parametrize("called", [ONLY_RELEASED, NOBODYS])
async def test_a_number_active_nowhere_shows_nothing(engine, tenants, called):
    a, _ = tenants
    async with PostgresUnitOfWorkFactory(engine)(tenant_id=a.tenant_id) as tx:
        line = PhoneLine(
            ids.new(),
            a.tenant_id,
            PhoneNumber.parse(ONLY_RELEASED),
            NumberProvider.VAPI,
            a.line.created_at,
            a.line.created_at,
            status=NumberStatus.RELEASED,
        )
        await tx.phone_numbers.add(line)
        await tx.commit()
    async with session(engine, role=ROUTER_ROLE, called=called) as conn:
        rows = await conn.execute(sa.text("SELECT count(*) FROM phone_numbers"))
        assert rows.scalar_one() == 0


async def test_routing_visibility_lets_nothing_be_changed(engine, tenants):
    _, b = tenants
    before = await _snapshot(engine, b.tenant_id, "phone_numbers")
    async with session(engine, role=ROUTER_ROLE, called=NUMBER_B) as conn:
        visible = await conn.execute(
            sa.text("SELECT count(*) FROM phone_numbers WHERE id = :id"), {"id": b.line.id}
        )
        assert visible.scalar_one() == 1
        for statement in (
            "UPDATE phone_numbers SET label = 'hijacked' WHERE number = :n",
            "UPDATE phone_numbers SET inbound_agent_id = NULL WHERE id = :id",
            "UPDATE phone_numbers SET status = 'released', inbound_agent_id = NULL",
            "DELETE FROM phone_numbers WHERE number = :n",
            "DELETE FROM phone_numbers",
            # Not even a row lock: routing must never hold up the tenant's own writes.
            "SELECT id FROM phone_numbers WHERE id = :id FOR UPDATE",
            "SELECT id FROM phone_numbers WHERE id = :id FOR KEY SHARE",
        ):
            await _refused(conn, statement, n=NUMBER_B, id=b.line.id)
        await _refused(
            conn,
            MINIMAL_INSERT["phone_numbers"],
            id=uuid.uuid4(),
            tenant=b.tenant_id,
            phone=NOBODYS,
        )
        await conn.commit()
    assert await _snapshot(engine, b.tenant_id, "phone_numbers") == before


async def test_a_called_number_shows_the_application_role_nothing_of_another_tenant(
    engine, tenants
):
    # The routing policy applies to the routing role alone: the application role, given
    # another tenant's number as the called one, sees only its own tenant's lines.
    a, b = tenants
    before = await _snapshot(engine, b.tenant_id, "phone_numbers")
    async with session(engine, tenant=a.tenant_id, called=NUMBER_B) as conn:
        seen = set((await conn.execute(sa.text("SELECT id FROM phone_numbers"))).scalars())
        assert seen == {a.line.id, a.released.id}
        for statement in (
            "UPDATE phone_numbers SET label = 'hijacked' WHERE id = :id",
            "UPDATE phone_numbers SET tenant_id = :a, inbound_agent_id = NULL WHERE id = :id",
            "UPDATE phone_numbers SET inbound_agent_id = :agent WHERE id = :id",
            "UPDATE phone_numbers SET status = 'released', inbound_agent_id = NULL"
            " WHERE tenant_id = :b",
            "DELETE FROM phone_numbers WHERE id = :id OR tenant_id = :b",
        ):
            result = await conn.execute(
                sa.text(statement),
                {"a": a.tenant_id, "b": b.tenant_id, "id": b.line.id, "agent": a.agent.id},
            )
            assert result.rowcount == 0, statement
        own = await conn.execute(
            sa.text("UPDATE phone_numbers SET label = 'mine' WHERE id = :id"), {"id": a.line.id}
        )
        assert own.rowcount == 1
        await conn.commit()
    async with session(engine, called=NUMBER_B) as conn:
        rows = await conn.execute(sa.text("SELECT count(*) FROM phone_numbers"))
        assert rows.scalar_one() == 0
    assert await _snapshot(engine, b.tenant_id, "phone_numbers") == before


async def test_the_unit_of_work_finds_the_route_and_cannot_save_through_it(engine, tenants):
    _, b = tenants
    uows = PostgresUnitOfWorkFactory(engine)
    called = PhoneNumber.parse(NUMBER_B)
    async with uows(called_number=called) as tx:
        line = await tx.phone_numbers.routing(called)
        assert line == b.line
        assert await tx.phone_numbers.routing(PhoneNumber.parse(NUMBER_A)) is None
    assert line is not None
    line.label = "hijacked"
    for work in (
        lambda tx: tx.phone_numbers.save(line),
        lambda tx: tx.agents.get(b.tenant_id, b.agent.id),
    ):
        with pytest.raises(DBAPIError, match="permission denied"):
            await _committing(uows(called_number=called), work)
    async with uows(called_number=called) as tx:  # in the line's tenant, it reads the rest
        await tx.switch_tenant(b.tenant_id)
        assert await tx.agents.get(b.tenant_id, b.agent.id) == b.agent
        assert await tx.phone_numbers.routing(PhoneNumber.parse(NUMBER_A)) is None
    async with uows(tenant_id=b.tenant_id) as tx:
        assert await tx.phone_numbers.get(b.tenant_id, b.line.id) == b.line


async def test_inbound_resolution_finds_the_holder_and_its_own_lead(pg_deps, tenants):
    _, b = tenants
    route = await PhoneResolver(pg_deps).resolve(
        PhoneNumber.parse(NUMBER_B), PhoneNumber.parse(LEAD_PHONE)
    )
    assert route is not None
    assert (route.tenant.id, route.line.id) == (b.tenant_id, b.line.id)
    assert route.agent is not None
    assert route.agent.id == b.agent.id
    assert route.lead is not None
    assert route.lead.id == b.lead.id  # not A's lead with the same phone
    assert await PhoneResolver(pg_deps).resolve(PhoneNumber.parse(NOBODYS), None) is None
