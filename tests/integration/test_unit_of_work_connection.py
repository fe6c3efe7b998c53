"""A unit of work opens its transaction and its context in one round trip (the driver in
autocommit mode, `BEGIN; context` sent together, with a provider message's routing when
asked), yet everything in it is one transaction, and its pooled connection goes back as it
came however the unit of work ends: in the driver's usual mode, outside any transaction,
without the role or the tenant."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import attrs
import psycopg
import pytest
import sqlalchemy as sa

from adapters.ids import Uuid7Generator
from adapters.postgres.rls import APP_ROLE
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.errors import DatabaseBusy
from application.ports.calls import CallRoute, InboxMessage
from domain.calls import VoiceCall
from domain.ids import CallId, PhoneNumberId, TenantId
from domain.phones import NumberProvider, PhoneLine, PhoneNumber
from domain.tenancy import Tenant
from tests.contract.test_call_repositories import a_call, a_message, seed
from tests.integration.test_quick_reads import BOUNDS, connection_state, one_connection  # noqa: F401

pytestmark = pytest.mark.postgres

ids = Uuid7Generator()
CLEAN = ("", False, psycopg.pq.TransactionStatus.IDLE)


def a_tenant() -> Tenant:
    now = datetime.now(UTC)
    return Tenant(TenantId(ids.new()), "Acme", now, now)


def clean(state: tuple[str, str, int, bool, object]) -> tuple[str, bool, object]:
    assert state[0] != APP_ROLE
    return (state[1], state[3], state[4])


async def test_the_unit_of_work_is_one_transaction_in_its_context(one_connection):  # noqa: F811
    uows = PostgresUnitOfWorkFactory(one_connection, BOUNDS)
    tenant = a_tenant()
    async with uows(tenant_id=tenant.id) as tx:
        seen = (
            await tx.connection.execute(
                sa.text("SELECT current_user, current_setting('app.tenant_id')")
            )
        ).one()
        first = (await tx.connection.execute(sa.text("SELECT now()"))).scalar_one()
        second = (await tx.connection.execute(sa.text("SELECT now()"))).scalar_one()

    assert (seen[0], seen[1]) == (APP_ROLE, str(tenant.id))
    assert first == second  # now() is the transaction's start: one transaction throughout


async def test_a_committed_unit_of_work_leaves_the_connection_as_it_came(one_connection):  # noqa: F811
    before = await connection_state(one_connection)
    uows = PostgresUnitOfWorkFactory(one_connection, BOUNDS)
    tenant = a_tenant()
    async with uows() as tx:
        await tx.tenants.add(tenant)
        await tx.commit()

    after = await connection_state(one_connection)
    assert clean(after) == CLEAN
    assert after[2] == before[2]  # the same connection, kept by the pool
    async with uows() as tx:
        assert await tx.tenants.get(tenant.id) == tenant


@pytest.mark.parametrize("ending", ["left", "raised", "refused", "timed out"])
async def test_an_unfinished_unit_of_work_is_rolled_back_and_leaves_the_connection_clean(
    one_connection,  # noqa: F811
    ending,
):
    uows = PostgresUnitOfWorkFactory(one_connection, BOUNDS)
    tenant, kept = a_tenant(), a_tenant()
    async with uows() as tx:
        await tx.tenants.add(kept)
        await tx.commit()

    with pytest.raises(Exception) as raised:  # noqa: PT011, PT012
        async with uows() as tx:
            await tx.tenants.add(tenant)
            if ending == "left":
                raise LookupError("left before the commit")
            if ending == "raised":
                raise RuntimeError("a bug")
            if ending == "refused":
                await tx.tenants.add(kept)  # the same id: a refused row
            if ending == "timed out":
                await tx.connection.execute(sa.text("SELECT pg_sleep(5)"))
    expected = {
        "left": LookupError,
        "raised": RuntimeError,
        "refused": sa.exc.IntegrityError,
        "timed out": DatabaseBusy,
    }
    assert isinstance(raised.value, expected[ending])

    assert clean(await connection_state(one_connection)) == CLEAN
    async with uows() as tx:
        assert await tx.tenants.get(tenant.id) is None
        assert await tx.tenants.get(kept.id) == kept


async def test_a_stored_message_waits_for_its_call_and_a_repeat_does_not(engine):
    uows = PostgresUnitOfWorkFactory(engine)
    acme = a_tenant()
    async with uows() as tx:
        await tx.tenants.add(acme)
        await tx.commit()
    # The call stays locked by a message's transaction until it ends: another message about
    # it waits for it, while a repeat of a message kept before answers at once.
    call = a_call(acme, 1)
    await seed(uows, acme, call)
    kept, holding_message, waiting_message = a_message(acme), a_message(acme), a_message(acme)
    async with uows(tenant_id=acme.id) as tx:
        assert await tx.inbox.add(kept) is True
        await tx.commit()

    async def deliver(message: InboxMessage) -> tuple[bool, VoiceCall | None]:
        async with uows(tenant_id=acme.id) as tx:
            found = await tx.store_and_lock_call(message, call.id)
            await tx.commit()
            return found

    async with uows(tenant_id=acme.id) as holding:
        assert await holding.store_and_lock_call(holding_message, call.id) == (True, call)
        waiting = asyncio.create_task(deliver(waiting_message))
        repeat = await asyncio.wait_for(deliver(attrs.evolve(kept, id=ids.new())), 2)
        await asyncio.sleep(0.1)
        assert not waiting.done()
        await holding.commit()
    assert repeat == (False, None)
    assert await asyncio.wait_for(waiting, 10) == (True, call)


@pytest.mark.parametrize("named", ["ours", "provider's", "both", "none of ours"])
async def test_a_route_entered_as_the_unit_of_work_opens_costs_no_statement_of_its_own(
    engine, monkeypatch, named
):
    uows = PostgresUnitOfWorkFactory(engine)
    acme = a_tenant()
    async with uows() as tx:
        await tx.tenants.add(acme)
        await tx.commit()
    call = a_call(acme, 1, vapi_call_id=f"vapi-{ids.new()}")
    await seed(uows, acme, call)
    route = {
        "ours": CallRoute(call_id=call.id),
        "provider's": CallRoute(provider_call_id=call.vapi_call_id),
        "both": CallRoute(call.id, call.vapi_call_id),
        "none of ours": CallRoute(call_id=CallId(ids.new())),
    }[named]
    sent: list[object] = []
    execute = psycopg.AsyncCursor.execute

    async def counted(cursor, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(query)
        return await execute(cursor, query, *args, **kwargs)

    async def entered(*, entering: bool) -> tuple[object, int, str]:
        async with uows(call_route=route, entering=entering) as tx:
            monkeypatch.setattr(psycopg.AsyncCursor, "execute", counted)
            found = await tx.enter_routed_call(route)
            monkeypatch.undo()
            statements = len(sent)
            sent.clear()
            context = (
                await tx.connection.execute(sa.text("SELECT current_setting('app.tenant_id')"))
            ).scalar_one()
            return found, statements, context

    first = await entered(entering=True)
    separate = await entered(entering=False)

    expected = None if named == "none of ours" else (acme.id, call.id)
    assert first[0] == separate[0] == expected
    assert first[2] == separate[2] == ("" if expected is None else str(acme.id))
    assert (first[1], separate[1]) == (0, 1)


async def test_a_called_line_entered_as_the_unit_of_work_opens_costs_no_statement_of_its_own(
    engine, monkeypatch
):
    uows = PostgresUnitOfWorkFactory(engine)
    acme = a_tenant()
    async with uows() as tx:
        await tx.tenants.add(acme)
        await tx.commit()
    now = datetime.now(UTC)
    line = PhoneLine(
        PhoneNumberId(ids.new()),
        acme.id,
        PhoneNumber.parse(f"+1212555{ids.new().int % 10_000:04d}"),
        NumberProvider.VAPI,
        now,
        now,
    )
    async with uows(tenant_id=acme.id) as tx:
        await tx.phone_numbers.add(line)
        await tx.commit()
    assert line.number is not None
    sent: list[object] = []
    execute = psycopg.AsyncCursor.execute

    async def counted(cursor, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(query)
        return await execute(cursor, query, *args, **kwargs)

    async def entered(*, entering: bool) -> tuple[object, int]:
        assert line.number is not None
        async with uows(called_number=line.number, entering=entering) as tx:
            monkeypatch.setattr(psycopg.AsyncCursor, "execute", counted)
            found = await tx.enter_called_line(line.number)
            monkeypatch.undo()
            statements = len(sent)
            sent.clear()
            return found, statements

    assert await entered(entering=True) == (line, 0)
    assert await entered(entering=False) == (line, 1)


@pytest.mark.parametrize("left", ["in a transaction", "in a failed transaction", "idle"])
async def test_a_connection_is_rolled_back_when_returned_only_if_it_needs_it(
    one_connection,  # noqa: F811
    left,
):
    # Statements sent on the driver itself, as the hot paths send theirs: SQLAlchemy does not
    # know of the transaction they opened, so only the pool's reset can end it.
    tenant = a_tenant()
    insert = "INSERT INTO tenants (id, name, created_at, updated_at) VALUES (%s, 'A', now(), now())"
    async with one_connection.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if left != "idle":
            await driver.execute(insert, (tenant.id,))
        if left == "in a failed transaction":
            with pytest.raises(psycopg.errors.DivisionByZero):
                await driver.execute("SELECT 1 / 0")

    assert clean(await connection_state(one_connection)) == CLEAN
    async with PostgresUnitOfWorkFactory(one_connection, BOUNDS)() as tx:
        assert await tx.tenants.get(tenant.id) is None
