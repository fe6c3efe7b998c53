"""QuickReads on PostgreSQL: the tenant's context and the queries sent as one multi-statement
query, one round trip instead of a unit of work's four or more.

The simple query protocol, which alone takes several statements at once, takes no
parameters: psycopg's client-side cursor quotes each value as a literal of its type. The
queries are the repositories' own statements, built and compiled once (`Prebuilt`), their
values processed as SQLAlchemy would. The context is the unit of work's own (ENTER_CONTEXT),
transaction-local as there, so the connection goes back to the pool as it came.

PostgreSQL runs the statements of one simple query as one transaction (an implicit block),
committed after the last and rolled back at the first that fails: the context holds for
every query of the message and ends with it, as between an explicit BEGIN and COMMIT, which
would only add two statements for the server to run and two results for the driver to walk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple, TypeVar

import psycopg
import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from psycopg.rows import tuple_row
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres.calls import CALL_BY_ID, list_item, page_of_calls
from adapters.postgres.errors import DatabaseNotAnswering, translate
from adapters.postgres.mapping import call_from_mapping
from adapters.postgres.prebuilt import Prebuilt, driver_connection
from adapters.postgres.rls import APP_ROLE
from adapters.postgres.tables import leads
from adapters.postgres.timeouts import driver_answering_within
from adapters.postgres.unit_of_work import (
    ENTER_CONTEXT,
    PostgresUnitOfWorkFactory,
    context_values,
)
from application.errors import ServiceUnavailable
from application.pagination import PageRequest
from application.ports.calls import CallFilter, CallListItem
from domain.calls import VoiceCall
from domain.ids import CallId, LeadId, TenantId

_CONTEXT = re.sub(r":(\w+)", r"%(\1)s", str(ENTER_CONTEXT))
_DIALECT = psycopg_dialect.dialect()  # type: ignore[no-untyped-call]

# Caches of what every read would otherwise work out anew: a tenant's context as sent (its
# values are the tenant's id and this process's bounds) and a query's column names (its
# text names them). Both hold a few entries per tenant or per query shape; emptied when full,
# so that no sequence of tenants or queries grows them without bound.
_MOST_CACHED = 4096
_K = TypeVar("_K")
_V = TypeVar("_V")
_COLUMNS: dict[str, tuple[str, ...]] = {}


class Result(NamedTuple):
    """One query's columns, by name, and its rows."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def mappings(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


# A query as sent: its text with `%(name)s` placeholders, and their values.
Rendered = tuple[str, dict[str, Any]]


class _ConnectionLost(Exception):
    """The connection broke under the read (most often: closed by a server restart while
    it sat in the pool). A read changes nothing, so another connection may try again."""

    def __init__(self, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.error = error


_LEAD = Prebuilt(
    sa.select(leads.c.id).where(
        leads.c.tenant_id == sa.bindparam("tenant_id"), leads.c.id == sa.bindparam("lead_id")
    )
)


def _rendered(statement: Prebuilt, values: dict[str, Any]) -> Rendered:
    return statement.sql(_DIALECT), statement.parameters(_DIALECT, values)


class PostgresQuickReads:
    def __init__(self, uows: PostgresUnitOfWorkFactory) -> None:
        self._pool = uows.pool
        self._statement_seconds, self._lock_seconds = uows.timeouts.for_work(bulk=False)
        self._contexts: dict[TenantId, str] = {}

    async def call(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        query = _rendered(CALL_BY_ID, {"tenant_id": tenant_id, "call_id": call_id})
        (found,) = await self._read(tenant_id, [query])
        return call_from_mapping(found.mappings()[0]) if found.rows else None

    async def calls(
        self, tenant_id: TenantId, where: CallFilter, page: PageRequest
    ) -> list[CallListItem]:
        (found,) = await self._read(tenant_id, [_rendered(*page_of_calls(tenant_id, where, page))])
        return [list_item(row) for row in found.rows]

    async def lead_calls(
        self, tenant_id: TenantId, lead_id: LeadId, page: PageRequest
    ) -> list[CallListItem] | None:
        (calls,) = await self._read(
            tenant_id, [_rendered(*page_of_calls(tenant_id, CallFilter(lead_id=lead_id), page))]
        )
        if calls.rows:
            # A call names its lead through a foreign key: the lead exists. Only an empty
            # page (a lead never called, the end of its history, or no such lead) asks.
            return [list_item(row) for row in calls.rows]
        (lead,) = await self._read(
            tenant_id, [_rendered(_LEAD, {"tenant_id": tenant_id, "lead_id": lead_id})]
        )
        return [] if lead.rows else None

    async def _read(self, tenant_id: TenantId, queries: Sequence[Rendered]) -> list[Result]:
        """Each query's rows, read in one transaction in the tenant's context."""
        try:
            return await self._attempt(tenant_id, queries)
        except _ConnectionLost:
            pass
        try:
            return await self._attempt(tenant_id, queries)
        except _ConnectionLost as lost:
            raise ServiceUnavailable(
                "the database is unreachable; nothing was changed"
            ) from lost.error

    def _context(self, cursor: psycopg.AsyncClientCursor[Any], tenant_id: TenantId) -> str:
        """The statement that enters the tenant's context, its values quoted."""
        sent = self._contexts.get(tenant_id)
        if sent is None:
            values = context_values(
                role=APP_ROLE,
                tenant_id=tenant_id,
                statement_seconds=self._statement_seconds,
                lock_seconds=self._lock_seconds,
            )
            sent = _remember(self._contexts, tenant_id, cursor.mogrify(_CONTEXT, values))
        return sent

    async def _attempt(self, tenant_id: TenantId, queries: Sequence[Rendered]) -> list[Result]:
        try:
            conn = await self._pool.connect()
        except Exception as error:
            raise (translate(error) or error) from error
        try:
            driver = await driver_connection(conn)
            async with driver_answering_within(conn, self._statement_seconds):
                cursor = psycopg.AsyncClientCursor(driver, row_factory=tuple_row)
                return await _results(conn, cursor, self._context(cursor, tenant_id), queries)
        except DatabaseNotAnswering as error:
            raise (translate(error) or error) from error
        finally:
            await conn.close()


async def _results(
    conn: AsyncConnection,
    cursor: psycopg.AsyncClientCursor[Any],
    context: str,
    queries: Sequence[Rendered],
) -> list[Result]:
    """The rows of every query, read after `context` (the statement entering the tenant's
    context) in one transaction; the connection left out of any transaction, in its usual
    mode."""
    driver = cursor.connection
    try:
        # The query is its own transaction: psycopg must not open one before it.
        await driver.set_autocommit(True)
        try:
            sent = "; ".join([context, *(cursor.mogrify(text, values) for text, values in queries)])
            # Never prepared: with its values inline, each query is new to the server, and
            # psycopg would only hash it and keep count of it.
            await cursor.execute(sent, prepare=False)
            results = []
            for text, _ in queries:  # each query's result follows the context's
                cursor.nextset()
                results.append(Result(_columns(text, cursor), await cursor.fetchall()))
            return results
        finally:
            if not (driver.broken or driver.closed):
                # The server ends the query's transaction, also when a statement fails;
                # should the driver still count one open, none is left to the pool's next user.
                if driver.info.transaction_status != TransactionStatus.IDLE:
                    await driver.execute("ROLLBACK")
                await driver.set_autocommit(False)
    except psycopg.Error as error:
        if driver.broken or driver.closed:
            await conn.invalidate(error)
            raise _ConnectionLost(error) from error
        wrapped = sa.exc.DBAPIError.instance(None, None, error, psycopg.Error)
        raise (translate(wrapped) or error) from error


def _columns(text: str, cursor: psycopg.AsyncClientCursor[Any]) -> tuple[str, ...]:
    """The names of the columns of the current result, that of the query `text`."""
    columns = _COLUMNS.get(text)
    if columns is None:
        result = cursor.pgresult
        assert result is not None, "a query without its result"
        columns = tuple((result.fname(i) or b"").decode() for i in range(result.nfields))
        _remember(_COLUMNS, text, columns)
    return columns


def _remember(cache: dict[_K, _V], key: _K, value: _V) -> _V:
    """`value`, kept in `cache` under `key`; the cache emptied first when full."""
    if len(cache) >= _MOST_CACHED:
        cache.clear()
    cache[key] = value
    return value
