"""The schema's own guarantees for the catalogue and the lead book, which hold whoever
writes: links never leave their tenant, an active number belongs to one tenant, a released
number routes nowhere, numbers are E.164.

Raw SQL here runs as the connecting role (the tables' owner, a superuser in CI), not the
application role, with the tenant context set: row-level security cannot be what refuses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import attrs
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from adapters.postgres.errors import constraint_of
from adapters.postgres.rls import APP_ROLE
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.errors import AlreadyExists, ConcurrencyConflict
from domain.agents import VoiceAgent
from domain.calls import CallDirection, CallStatus, VoiceCall
from domain.errors import InvalidValue
from domain.ids import AgentId, CallId, PhoneNumberId
from domain.leads import Lead
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from tests.integration.seeding import (
    LEAD_PHONE,
    NUMBER_B,
    Catalogue,
    enter,
    ids,
    session,
    two_tenants,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
async def tenants(pg_deps, engine) -> tuple[Catalogue, Catalogue]:
    return await two_tenants(pg_deps, engine)


def _parent(catalogue: Catalogue, parent: str) -> uuid.UUID:
    return {
        "voices": catalogue.voice.id,
        "phone_numbers": catalogue.line.id,
        "voice_agents": catalogue.agent.id,
        "leads": catalogue.lead.id,
        "voice_calls": catalogue.call.id,
    }[parent]


# (table, column, parent): every link between the new tables, all (tenant_id, column).
IMMEDIATE_LINKS = [
    ("voice_agents", "voice_id", "voices"),
    ("voice_agents", "default_number_id", "phone_numbers"),
    ("voice_calls", "agent_id", "voice_agents"),
    ("voice_calls", "lead_id", "leads"),
    ("voice_calls", "voice_id", "voices"),
    ("voice_calls", "from_number_id", "phone_numbers"),
]
DEFERRED_LINKS = [
    ("phone_numbers", "inbound_agent_id", "voice_agents"),
    ("leads", "last_call_id", "voice_calls"),
]


def _fk(table: str, column: str, parent: str) -> str:
    return f"fk_{table}_tenant_id_{column}_{parent}"


async def test_raw_sql_runs_as_a_role_row_level_security_does_not_refuse(engine, tenants):
    """What the tests below rely on: their refusals come from the constraints."""
    a, _ = tenants
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        assert (await conn.execute(sa.text("SELECT current_user"))).scalar_one() != APP_ROLE
        agents = await conn.execute(
            sa.text("SELECT count(*) FROM voice_agents WHERE tenant_id = :a"), {"a": a.tenant_id}
        )
        assert agents.scalar_one() == 1


# --- links stay in the tenant -------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "parent"), [("voice_id", "voices"), ("default_number_id", "phone_numbers")]
)
async def test_the_database_refuses_an_agent_linked_into_another_tenant(
    engine, tenants, column, parent
):
    a, b = tenants
    insert = sa.text(
        f"INSERT INTO voice_agents (id, tenant_id, name, {column}) VALUES (:id, :t, 'X', :link)"
    )
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        own = await conn.execute(
            insert, {"id": uuid.uuid4(), "t": a.tenant_id, "link": _parent(a, parent)}
        )
        assert own.rowcount == 1
        with pytest.raises(IntegrityError) as refused:
            await conn.execute(
                insert, {"id": uuid.uuid4(), "t": a.tenant_id, "link": _parent(b, parent)}
            )
    assert constraint_of(refused.value) == _fk("voice_agents", column, parent)


async def _relink(engine, tenant_id, table: str, column: str, row, link) -> None:
    async with session(engine, role=None, tenant=tenant_id) as conn:
        await conn.execute(
            sa.text(f"UPDATE {table} SET {column} = :link WHERE id = :row"),
            {"link": link, "row": row},
        )
        await conn.commit()  # the deferred links are checked here


@pytest.mark.parametrize(("table", "column", "parent"), IMMEDIATE_LINKS + DEFERRED_LINKS)
async def test_the_database_refuses_relinking_a_row_into_another_tenant(
    engine, tenants, table, column, parent
):
    a, b = tenants
    row = _parent(a, table)
    with pytest.raises(IntegrityError) as refused:
        await _relink(engine, a.tenant_id, table, column, row, _parent(b, parent))
    assert constraint_of(refused.value) == _fk(table, column, parent)
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        kept = await conn.execute(
            sa.text(f"SELECT {column} FROM {table} WHERE id = :row"), {"row": row}
        )
        assert kept.scalar_one() == _parent(a, parent)


@pytest.mark.parametrize(
    ("column", "parent"), [("voice_id", "voices"), ("default_number_id", "phone_numbers")]
)
async def test_the_agent_repository_reports_a_forged_link_as_an_invalid_field(
    engine, tenants, column, parent
):
    a, b = tenants
    uows = PostgresUnitOfWorkFactory(engine)
    now = datetime.now(UTC)
    forged = VoiceAgent(
        AgentId(ids.new()), a.tenant_id, "Forged", now, now, **{column: _parent(b, parent)}
    )
    async with uows(tenant_id=a.tenant_id) as tx:
        with pytest.raises(InvalidValue) as added:
            await tx.agents.add(forged)
    assert added.value.field == column
    assert str(b.tenant_id) not in added.value.message

    moved = attrs.evolve(a.agent, **{column: _parent(b, parent)})
    async with uows(tenant_id=a.tenant_id) as tx:
        with pytest.raises(InvalidValue) as saved:
            await tx.agents.save(moved)
    assert saved.value.field == column

    async with uows(tenant_id=a.tenant_id) as tx:
        assert await tx.agents.get(a.tenant_id, forged.id) is None
        assert await tx.agents.get(a.tenant_id, a.agent.id) == a.agent


@pytest.mark.parametrize(
    ("column", "parent"),
    [(column, parent) for table, column, parent in IMMEDIATE_LINKS if table == "voice_calls"],
)
async def test_the_call_repository_reports_a_forged_link_as_an_invalid_field(
    engine, tenants, column, parent
):
    a, b = tenants
    now = datetime.now(UTC)
    forged = VoiceCall(
        CallId(ids.new()),
        a.tenant_id,
        CallDirection.OUTBOUND,
        CallStatus.QUEUED,
        LEAD_PHONE,
        now,
        now,
        **{column: _parent(b, parent)},
    )
    async with PostgresUnitOfWorkFactory(engine)(tenant_id=a.tenant_id) as tx:
        with pytest.raises(InvalidValue) as refused:
            await tx.calls.add(forged)
    assert refused.value.field == column


async def test_forged_links_checked_at_commit_are_refused_and_nothing_is_stored(engine, tenants):
    """The two links closing a cycle are deferred: the statement goes through and the commit
    fails, reported as the unit of work reports any deferred link that fails there."""
    a, b = tenants
    uows = PostgresUnitOfWorkFactory(engine)
    now = datetime.now(UTC)
    routed_away = PhoneLine(
        PhoneNumberId(ids.new()),
        a.tenant_id,
        PhoneNumber.parse("+14155550160"),
        NumberProvider.VAPI,
        now,
        now,
        inbound_agent_id=b.agent.id,
    )
    async with uows(tenant_id=a.tenant_id) as tx:
        await tx.phone_numbers.add(routed_away)
        with pytest.raises(ConcurrencyConflict):
            await tx.commit()
    called_elsewhere = attrs.evolve(a.lead, last_call_id=b.call.id)
    async with uows(tenant_id=a.tenant_id) as tx:
        await tx.leads.save(called_elsewhere)
        with pytest.raises(ConcurrencyConflict):
            await tx.commit()
    async with uows(tenant_id=a.tenant_id) as tx:
        assert await tx.phone_numbers.get(a.tenant_id, routed_away.id) is None
        assert await tx.leads.get(a.tenant_id, a.lead.id) == a.lead


# --- an active number belongs to one tenant -----------------------------------------------

_ADD_NUMBER = sa.text(
    "INSERT INTO phone_numbers (id, tenant_id, number, provider, status)"
    " VALUES (:id, :t, :n, 'vapi', :status)"
)


async def _add_number(conn, tenant_id, number: str, status: str) -> uuid.UUID:
    await enter(conn, role=None, tenant=tenant_id)
    row = uuid.uuid4()
    await conn.execute(_ADD_NUMBER, {"id": row, "t": tenant_id, "n": number, "status": status})
    return row


@pytest.mark.parametrize("same_tenant", [False, True], ids=["other-tenant", "same-tenant"])
async def test_a_number_active_anywhere_cannot_be_active_again(engine, tenants, same_tenant):
    a, b = tenants
    holder = b if not same_tenant else a
    number = holder.line.number.e164
    async with engine.connect() as conn:
        with pytest.raises(IntegrityError) as refused:
            await _add_number(conn, a.tenant_id, number, "active")
    assert constraint_of(refused.value) == "uq_phone_numbers_number_active"


async def test_released_rows_of_a_number_live_beside_its_active_one(engine, tenants):
    a, b = tenants
    async with engine.connect() as conn:
        # The seed already holds B's number active in B and released in A.
        await _add_number(conn, a.tenant_id, NUMBER_B, "released")
        await _add_number(conn, b.tenant_id, NUMBER_B, "released")
        await enter(conn, role=None, tenant=a.tenant_id)
        with pytest.raises(IntegrityError) as refused:
            await conn.execute(
                sa.text("UPDATE phone_numbers SET status = 'active' WHERE id = :id"),
                {"id": a.released.id},
            )
    assert constraint_of(refused.value) == "uq_phone_numbers_number_active"

    async with engine.connect() as conn:
        # Once B releases it, A may take it back.
        await enter(conn, role=None, tenant=b.tenant_id)
        await conn.execute(
            sa.text(
                "UPDATE phone_numbers SET status = 'released', inbound_agent_id = NULL"
                " WHERE id = :id"
            ),
            {"id": b.line.id},
        )
        await enter(conn, role=None, tenant=a.tenant_id)
        back = await conn.execute(
            sa.text("UPDATE phone_numbers SET status = 'active' WHERE id = :id"),
            {"id": a.released.id},
        )
        assert back.rowcount == 1
        await conn.commit()


async def test_the_repository_reports_a_taken_number_without_naming_its_tenant(engine, tenants):
    a, b = tenants
    now = datetime.now(UTC)
    line = PhoneLine(
        PhoneNumberId(ids.new()), a.tenant_id, b.line.number, NumberProvider.VAPI, now, now
    )
    async with PostgresUnitOfWorkFactory(engine)(tenant_id=a.tenant_id) as tx:
        with pytest.raises(AlreadyExists) as taken:
            await tx.phone_numbers.add(line)
    assert (taken.value.entity, taken.value.field) == ("phone number", "number")
    assert taken.value.existing_id is None
    assert str(b.tenant_id) not in taken.value.message
    assert str(b.line.id) not in taken.value.message


async def test_a_lead_phone_is_unique_within_a_tenant_only(engine, tenants):
    a, b = tenants
    assert a.lead.phone == b.lead.phone  # the seed: one phone, a lead in each tenant
    now = datetime.now(UTC)
    again = Lead.new(ids.new(), a.tenant_id, a.lead.phone, now)
    async with PostgresUnitOfWorkFactory(engine)(tenant_id=a.tenant_id) as tx:
        with pytest.raises(AlreadyExists) as taken:
            await tx.leads.add(again)
    assert (taken.value.entity, taken.value.field) == ("lead", "phone")
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        with pytest.raises(IntegrityError) as refused:
            await conn.execute(
                sa.text("INSERT INTO leads (id, tenant_id, phone) VALUES (:id, :t, :p)"),
                {"id": uuid.uuid4(), "t": a.tenant_id, "p": LEAD_PHONE},
            )
    assert constraint_of(refused.value) == "uq_leads_tenant_id_phone"


# --- a released number routes nowhere -----------------------------------------------------


async def test_a_released_number_with_an_inbound_agent_is_refused(engine, tenants):
    a, _ = tenants
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        with pytest.raises(IntegrityError) as inserted:
            await conn.execute(
                sa.text(
                    "INSERT INTO phone_numbers (id, tenant_id, number, provider, status,"
                    " inbound_agent_id) VALUES (:id, :t, '+14155550161', 'vapi', 'released', :ag)"
                ),
                {"id": uuid.uuid4(), "t": a.tenant_id, "ag": a.agent.id},
            )
    assert constraint_of(inserted.value) == "ck_phone_numbers_released_routes_nowhere"

    release = "UPDATE phone_numbers SET status = 'released'{also} WHERE id = :id"
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        assert a.line.inbound_agent_id == a.agent.id
        with pytest.raises(IntegrityError) as updated:
            await conn.execute(sa.text(release.format(also="")), {"id": a.line.id})
    assert constraint_of(updated.value) == "ck_phone_numbers_released_routes_nowhere"
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        done = await conn.execute(
            sa.text(release.format(also=", inbound_agent_id = NULL")), {"id": a.line.id}
        )
        assert done.rowcount == 1


# --- E.164 ----------------------------------------------------------------------------------

MALFORMED = [
    "14155550123",  # no +
    "+04155550123",  # no country code starts with 0
    "+123456",  # 6 digits: too short
    "+1 4155550123",
    "+1-415-555-012",
    "+1415555012a",
    "++14155550123",
    " +14155550123",
    "+14155550123\n",
    "+",
    "",
]
WELL_FORMED = ["+1234567", "+123456789012345", "+14155550123"]
E164_COLUMNS = {
    "phone_numbers": (
        "INSERT INTO phone_numbers (id, tenant_id, number, provider, status)"
        " VALUES (:id, :t, :n, 'vapi', 'released')",
        "ck_phone_numbers_number_e164",
    ),
    "leads": (
        "INSERT INTO leads (id, tenant_id, phone) VALUES (:id, :t, :n)",
        "ck_leads_phone_e164",
    ),
}


@pytest.mark.parametrize("table", sorted(E164_COLUMNS))
@pytest.mark.parametrize("number", MALFORMED)
async def test_a_malformed_number_is_refused(engine, tenants, table, number):
    a, _ = tenants
    insert, check = E164_COLUMNS[table]
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        with pytest.raises(IntegrityError) as refused:
            await conn.execute(sa.text(insert), {"id": uuid.uuid4(), "t": a.tenant_id, "n": number})
    assert constraint_of(refused.value) == check


@pytest.mark.parametrize("table", sorted(E164_COLUMNS))
async def test_well_formed_numbers_are_stored(engine, tenants, table):
    a, _ = tenants
    insert, _ = E164_COLUMNS[table]
    async with session(engine, role=None, tenant=a.tenant_id) as conn:
        for number in WELL_FORMED:
            await conn.execute(sa.text(insert), {"id": uuid.uuid4(), "t": a.tenant_id, "n": number})
        await conn.commit()
