"""Every wait of a unit of work for PostgreSQL ends within its bound, as a ServiceUnavailable
that says which bound: a held lock, a slow statement, an exhausted pool, a server that has
stopped answering (a relay that stops passing bytes on stands in for a frozen server). The
pool serves again once the server answers, and a connection the server closed while it sat
in the pool is replaced without the caller noticing."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
import pytest
import sqlalchemy as sa
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.postgres.engine import create_engine, libpq_url
from adapters.postgres.errors import DatabaseNotAnswering
from adapters.postgres.timeouts import ANSWER_GRACE_SECONDS, DatabaseTimeouts
from adapters.postgres.unit_of_work import PostgresUnitOfWork, PostgresUnitOfWorkFactory
from application.context import UseCaseDeps
from application.errors import ServiceUnavailable
from application.ports.leads import StagedLead
from domain.ids import LeadId, TenantId
from tests.support import World

pytestmark = pytest.mark.postgres

FAST = DatabaseTimeouts(pool_seconds=0.3, statement_seconds=0.6, lock_seconds=0.3, bulk_seconds=5)
# The machine is shared: a bound is kept when the wait ends within this much after it.
SLACK = 1.0


@pytest.fixture
async def tenant_id(pg_deps: UseCaseDeps) -> TenantId:
    world = World(pg_deps)
    return (await world.tenant(await world.user("owner@example.com"))).id


@contextlib.asynccontextmanager
async def row_locked(
    pg_url: str, tenant_id: TenantId, *, release_after: float | None = None
) -> AsyncIterator[None]:
    """Another session holds the tenant's row, as a long import does: until the block ends,
    or `release_after` seconds."""
    async with await psycopg.AsyncConnection.connect(libpq_url(pg_url)) as holder:
        await holder.execute("SELECT 1 FROM tenants WHERE id = %s FOR UPDATE", (tenant_id,))

        async def release() -> None:
            if release_after is not None:
                await asyncio.sleep(release_after)
                await holder.rollback()

        releasing = asyncio.create_task(release())
        try:
            yield
        finally:
            await releasing
            await holder.rollback()


@contextlib.asynccontextmanager
async def timed() -> AsyncIterator[list[float]]:
    elapsed: list[float] = []
    started = time.monotonic()
    try:
        yield elapsed
    finally:
        elapsed.append(time.monotonic() - started)


async def test_a_lock_held_past_the_lock_timeout_is_a_503_within_it(engine, pg_url, tenant_id):
    uows = PostgresUnitOfWorkFactory(engine, FAST)

    async with row_locked(pg_url, tenant_id), timed() as elapsed:
        with pytest.raises(ServiceUnavailable, match="lock timeout") as raised:
            async with uows(tenant_id=tenant_id) as tx:
                await tx.tenants.get_for_update(tenant_id)

    assert FAST.lock_seconds <= elapsed[0] < FAST.lock_seconds + SLACK
    assert raised.value.retry_after_seconds > 0


async def test_a_statement_past_the_statement_timeout_is_a_503_within_it(engine, pg_url, tenant_id):
    # A lock wait as long as the statement's bound: the statement timeout ends it.
    bounds = DatabaseTimeouts(statement_seconds=0.5, lock_seconds=0.5)
    uows = PostgresUnitOfWorkFactory(engine, bounds)

    async with row_locked(pg_url, tenant_id), timed() as elapsed:
        with pytest.raises(ServiceUnavailable, match="statement timeout"):
            async with uows(tenant_id=tenant_id) as tx:
                await tx.tenants.get_for_update(tenant_id)

    assert bounds.statement_seconds <= elapsed[0] < bounds.statement_seconds + SLACK


async def test_bulk_work_waits_for_a_lock_longer_than_a_request_may(engine, pg_url, tenant_id):
    uows = PostgresUnitOfWorkFactory(engine, FAST)
    held_for = FAST.statement_seconds + ANSWER_GRACE_SECONDS + 0.3  # past a request's bounds

    async with (
        row_locked(pg_url, tenant_id, release_after=held_for),
        timed() as elapsed,
        uows(tenant_id=tenant_id, bulk=True) as tx,
    ):
        assert await tx.tenants.get_for_update(tenant_id) is not None

    assert elapsed[0] >= held_for


async def test_bulk_work_still_waits_no_longer_than_the_bulk_bound(engine, pg_url, tenant_id):
    bounds = DatabaseTimeouts(statement_seconds=0.2, lock_seconds=0.2, bulk_seconds=0.5)
    uows = PostgresUnitOfWorkFactory(engine, bounds)

    async with row_locked(pg_url, tenant_id), timed() as elapsed:
        with pytest.raises(ServiceUnavailable):
            async with uows(tenant_id=tenant_id, bulk=True) as tx:
                await tx.tenants.get_for_update(tenant_id)

    assert bounds.bulk_seconds <= elapsed[0] < bounds.bulk_seconds + SLACK


async def test_a_checkout_past_the_pool_timeout_is_a_503_within_it(pg_url, tenant_id):
    engine = create_engine(pg_url, pool_size=1, timeouts=FAST)  # two connections at most
    uows = PostgresUnitOfWorkFactory(engine, FAST)
    try:
        async with uows() as first, uows() as second:
            assert first is not second
            async with timed() as elapsed:
                with pytest.raises(ServiceUnavailable, match="in use") as raised:
                    async with uows():
                        pass
        assert FAST.pool_seconds <= elapsed[0] < FAST.pool_seconds + SLACK
        assert raised.value.retry_after_seconds > 0
        async with uows(tenant_id=tenant_id) as tx:  # both came back
            assert await tx.tenants.get(tenant_id) is not None
    finally:
        await engine.dispose()


class Relay:
    """A TCP relay to the test server that can stop passing bytes on: to the client, a
    frozen server (the connections stay open, nothing answers)."""

    def __init__(self, pg_url: str) -> None:
        params = conninfo_to_dict(libpq_url(pg_url))
        host = str(params.get("host") or "localhost")
        port = int(params.get("port") or 5432)
        self._target = (
            (None, f"{host}/.s.PGSQL.{port}") if host.startswith("/") else ((host, port), None)
        )
        self._url = pg_url
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._pumps: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Relay:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return (
            make_url(self._url)
            .set(host="127.0.0.1", port=port, query={})
            .render_as_string(hide_password=False)
        )

    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    async def _serve(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter):
        address, path = self._target
        if path is not None:
            server_in, server_out = await asyncio.open_unix_connection(path)
        else:
            server_in, server_out = await asyncio.open_connection(*address)
        for source, sink in ((client_in, server_out), (server_in, client_out)):
            pump = asyncio.create_task(self._pump(source, sink))
            self._pumps.add(pump)
            pump.add_done_callback(self._pumps.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                await self._flowing.wait()
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sink.close()


@pytest.fixture
async def relayed(pg_url: str) -> AsyncIterator[tuple[Relay, AsyncEngine]]:
    async with Relay(pg_url) as relay:
        engine = create_engine(relay.url, pool_size=2, timeouts=FAST)
        try:
            yield relay, engine
        finally:
            relay.thaw()
            await engine.dispose()


async def test_a_server_that_stops_answering_is_a_503_within_the_bound_and_the_pool_recovers(
    relayed, tenant_id
):
    relay, engine = relayed
    uows = PostgresUnitOfWorkFactory(engine, FAST)
    bound = FAST.statement_seconds + ANSWER_GRACE_SECONDS

    async def read_once_frozen() -> None:
        async with uows(tenant_id=tenant_id) as tx:  # holding a pooled connection
            relay.freeze()
            await tx.tenants.get(tenant_id)

    async with timed() as elapsed:
        with pytest.raises(ServiceUnavailable, match="did not answer") as raised:
            await read_once_frozen()

    assert bound <= elapsed[0] < bound + SLACK
    assert raised.value.retry_after_seconds > 0
    relay.thaw()
    async with uows(tenant_id=tenant_id) as tx:
        assert await tx.tenants.get(tenant_id) is not None


async def test_a_commit_the_server_never_confirms_is_a_503_that_says_the_outcome_is_unknown(
    relayed, tenant_id
):
    relay, engine = relayed
    uows = PostgresUnitOfWorkFactory(engine, FAST)
    bound = FAST.statement_seconds + ANSWER_GRACE_SECONDS

    async def commit_once_frozen() -> None:
        async with uows(tenant_id=tenant_id) as tx:
            await tx.tenants.get(tenant_id)
            relay.freeze()
            await tx.commit()

    async with timed() as elapsed:
        with pytest.raises(ServiceUnavailable, match="may or may not have been saved"):
            await commit_once_frozen()

    assert bound <= elapsed[0] < bound + SLACK


async def test_a_connection_lost_during_the_commit_is_a_503_that_says_the_outcome_is_unknown(
    engine, pg_url, tenant_id
):
    """A server restart or a network cut while COMMIT is on its way leaves the caller unable
    to know whether the change was saved: it must not be told that nothing was changed."""
    uows = PostgresUnitOfWorkFactory(engine)

    async def commit_after_the_server_dropped_the_connection() -> None:
        async with uows(tenant_id=tenant_id) as tx:
            tenant = await tx.tenants.get(tenant_id)
            assert tenant is not None
            async with await psycopg.AsyncConnection.connect(
                libpq_url(pg_url), autocommit=True
            ) as admin:
                ended = await admin.execute(  # and waits until it is gone
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND state = 'idle in transaction'"
                )
                assert await ended.fetchall() == [(True,)]
            await tx.commit()

    async with asyncio.timeout(10):
        with pytest.raises(ServiceUnavailable, match="may or may not have been saved"):
            await commit_after_the_server_dropped_the_connection()

    async with uows(tenant_id=tenant_id) as tx:  # the pool serves again
        assert await tx.tenants.get(tenant_id) is not None


async def test_a_connection_the_server_closed_while_pooled_is_replaced_unnoticed(
    engine, pg_url, tenant_id
):
    uows = PostgresUnitOfWorkFactory(engine)
    async with uows(tenant_id=tenant_id) as tx:  # a connection, back in the pool after
        await tx.tenants.get(tenant_id)
    async with await psycopg.AsyncConnection.connect(libpq_url(pg_url), autocommit=True) as admin:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )

    async with uows(tenant_id=tenant_id) as tx:
        assert await tx.tenants.get(tenant_id) is not None


async def test_every_statement_on_the_engine_is_bounded_not_only_units_of_work(relayed):
    relay, engine = relayed
    bound = FAST.statement_seconds + ANSWER_GRACE_SECONDS

    async with engine.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))
        relay.freeze()
        async with timed() as elapsed:
            with pytest.raises(DatabaseNotAnswering):
                await conn.execute(sa.text("SELECT 1"))

    assert bound <= elapsed[0] < bound + SLACK


# An import's bound, short enough for a test.
BULK = DatabaseTimeouts(pool_seconds=0.3, statement_seconds=0.3, lock_seconds=0.3, bulk_seconds=0.6)


def staged_rows(count: int) -> list[StagedLead]:
    return [
        StagedLead(n + 2, f"+1415555{n:04d}", None, None, None, None, {}, LeadId(uuid.uuid4()))
        for n in range(count)
    ]


async def _stage_frozen(relay: Relay, tx: PostgresUnitOfWork, tenant_id: TenantId) -> None:
    relay.freeze()
    await tx.leads.stage(staged_rows(10))


async def _merge_frozen(relay: Relay, tx: PostgresUnitOfWork, tenant_id: TenantId) -> None:
    await tx.leads.stage(staged_rows(10))
    relay.freeze()
    await tx.leads.merge_staged(tenant_id, source="import", at=datetime.now(UTC))


@pytest.mark.parametrize(
    "work",
    [_stage_frozen, _merge_frozen],
    ids=["stage-copy", "merge"],
)
async def test_an_imports_copy_and_merge_on_a_silent_server_end_within_the_bulk_bound(
    pg_url, tenant_id, work
):
    """COPY goes through the driver, not SQLAlchemy's statements, and the merge is one long
    statement: both are bounded all the same, or a frozen server holds an import forever."""
    async with Relay(pg_url) as relay:
        engine = create_engine(relay.url, pool_size=2, timeouts=BULK)
        try:
            uows = PostgresUnitOfWorkFactory(engine, BULK)
            bound = BULK.bulk_seconds + ANSWER_GRACE_SECONDS

            async def import_once_frozen() -> None:
                async with uows(tenant_id=tenant_id, bulk=True) as tx:
                    await work(relay, tx, tenant_id)

            async with asyncio.timeout(bound + 10), timed() as elapsed:
                with pytest.raises(ServiceUnavailable, match="did not answer"):
                    await import_once_frozen()

            assert bound <= elapsed[0] < bound + SLACK
            relay.thaw()
            async with uows(tenant_id=tenant_id) as tx:  # the pool serves again
                assert await tx.tenants.get(tenant_id) is not None
        finally:
            relay.thaw()
            await engine.dispose()
