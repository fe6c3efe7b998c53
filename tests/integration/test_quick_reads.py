"""PostgresQuickReads: a read sent with its transaction and the tenant's context in one
round trip runs in that context, leaves its pooled connection as it found it (also when the
read fails or the connection was lost), and is bounded like a unit of work's."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.ids import Uuid7Generator
from adapters.postgres.engine import create_engine, libpq_url
from adapters.postgres.reads import PostgresQuickReads
from adapters.postgres.rls import APP_ROLE
from adapters.postgres.timeouts import ANSWER_GRACE_SECONDS, DatabaseTimeouts
from adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.errors import DatabaseBusy, ServiceUnavailable
from domain.calls import CallDirection, CallStatus, VoiceCall
from domain.ids import CallId, TenantId
from domain.tenancy import Tenant
from tests.integration.test_database_bounds import FAST, SLACK, relayed  # noqa: F401

pytestmark = pytest.mark.postgres

ids = Uuid7Generator()
BOUNDS = DatabaseTimeouts(statement_seconds=0.5, lock_seconds=0.5)
# The context as the read sees it, in place of a query.
SEEN = (
    "SELECT current_user AS who, current_setting('app.tenant_id') AS tenant,"
    " current_setting('statement_timeout') AS bound",
    {},
)
SLEEP = ("SELECT pg_sleep(5) AS slept", {})
STATE = sa.text(
    "SELECT current_user AS who, coalesce(current_setting('app.tenant_id', true), '') AS tenant,"
    " pg_backend_pid() AS pid"
)


@pytest.fixture
async def one_connection(pg_url: str) -> AsyncIterator[AsyncEngine]:
    """A pool of exactly one connection, so that every read and check shares it."""
    engine = create_engine(pg_url, pool_size=1, max_overflow=0, timeouts=BOUNDS)
    try:
        yield engine
    finally:
        await engine.dispose()


async def a_call(engine: AsyncEngine) -> VoiceCall:
    now = datetime.now(UTC)
    tenant = Tenant(TenantId(ids.new()), "Acme", now, now)
    call = VoiceCall(
        CallId(ids.new()),
        tenant.id,
        CallDirection.OUTBOUND,
        CallStatus.QUEUED,
        "+14155550123",
        tenant.created_at,
        tenant.created_at,
    )
    uows = PostgresUnitOfWorkFactory(engine, BOUNDS)
    async with uows() as tx:
        await tx.tenants.add(tenant)
        await tx.commit()
    async with uows(tenant_id=tenant.id) as tx:
        await tx.calls.add(call)
        await tx.commit()
    return call


async def connection_state(engine: AsyncEngine) -> tuple[str, str, int, bool, object]:
    """The pooled connection as the next user gets it: its role, tenant setting, backend,
    and the driver's mode and transaction status before anything is sent."""
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        mode, status = driver.autocommit, driver.info.transaction_status
        row = (await conn.execute(STATE)).one()
        await conn.rollback()
    return (row.who, row.tenant, row.pid, mode, status)


async def test_the_read_runs_as_the_application_role_in_the_tenants_context(one_connection):
    quick = PostgresQuickReads(PostgresUnitOfWorkFactory(one_connection, BOUNDS))
    tenant_id = TenantId(ids.new())

    seen = await quick._read(tenant_id, [SEEN, SEEN])

    context = {"who": APP_ROLE, "tenant": str(tenant_id), "bound": "500ms"}
    assert [result.mappings() for result in seen] == [[context]] * 2


async def test_each_read_runs_in_its_own_tenants_context_whatever_was_read_before(
    one_connection,
):
    quick = PostgresQuickReads(PostgresUnitOfWorkFactory(one_connection, BOUNDS))
    first, second = TenantId(ids.new()), TenantId(ids.new())

    seen = [
        (await quick._read(tenant_id, [SEEN]))[0].mappings()[0]["tenant"]
        for tenant_id in (first, second, first, second)
    ]

    assert seen == [str(first), str(second), str(first), str(second)]


async def test_row_level_security_hides_another_tenants_rows_from_the_read(one_connection):
    call = await a_call(one_connection)
    quick = PostgresQuickReads(PostgresUnitOfWorkFactory(one_connection, BOUNDS))
    # By id alone: only the tenant's context stands between the read and the row.
    by_id = ("SELECT id FROM voice_calls WHERE id = %(id)s", {"id": call.id})

    (own,) = await quick._read(call.tenant_id, [by_id])
    (other,) = await quick._read(TenantId(ids.new()), [by_id])

    assert [row[0] for row in own.rows] == [call.id]
    assert other.rows == []


async def test_the_connection_goes_back_to_the_pool_as_it_came(one_connection):
    before = await connection_state(one_connection)
    call = await a_call(one_connection)
    quick = PostgresQuickReads(PostgresUnitOfWorkFactory(one_connection, BOUNDS))

    assert await quick.call(call.tenant_id, call.id) == call
    after = await connection_state(one_connection)

    assert after == before
    assert (after[1], after[3], after[4]) == ("", False, psycopg.pq.TransactionStatus.IDLE)
    assert after[0] != APP_ROLE


async def test_a_read_past_the_statement_timeout_is_busy_and_leaves_the_connection_clean(
    one_connection,
):
    before = await connection_state(one_connection)
    quick = PostgresQuickReads(PostgresUnitOfWorkFactory(one_connection, BOUNDS))

    with pytest.raises(DatabaseBusy, match="statement timeout"):
        await quick._read(TenantId(ids.new()), [SLEEP])

    assert await connection_state(one_connection) == before


async def test_a_connection_lost_while_pooled_is_replaced_and_the_read_served(
    one_connection, pg_url
):
    call = await a_call(one_connection)
    quick = PostgresQuickReads(PostgresUnitOfWorkFactory(one_connection, BOUNDS))
    pooled = (await connection_state(one_connection))[2]
    async with await psycopg.AsyncConnection.connect(libpq_url(pg_url), autocommit=True) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", (pooled,))

    assert await quick.call(call.tenant_id, call.id) == call
    assert (await connection_state(one_connection))[2] != pooled


async def test_a_server_that_stops_answering_is_a_503_within_the_bound(relayed):  # noqa: F811
    relay, engine = relayed
    quick = PostgresQuickReads(PostgresUnitOfWorkFactory(engine, FAST))
    bound = FAST.statement_seconds + ANSWER_GRACE_SECONDS
    assert await quick.call(TenantId(ids.new()), CallId(ids.new())) is None  # one pooled
    relay.freeze()

    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="did not answer"):
        await quick.call(TenantId(ids.new()), CallId(ids.new()))
    elapsed = time.monotonic() - started

    assert bound <= elapsed < bound + SLACK
    relay.thaw()
    assert await quick.call(TenantId(ids.new()), CallId(ids.new())) is None
