"""QuickReads on PostgreSQL: the transaction, the tenant's context, the queries and the commit
sent as one multi-statement query, one round trip instead of a unit of work's four or more.

The simple query protocol, which alone takes several statements at once, takes no
parameters: psycopg's client-side cursor quotes each value as a literal of its type. The
queries are the repositories' own statements, built and compiled once (`Prebuilt`), their
values processed as SQLAlchemy would. The context is the unit of work's own (ENTER_CONTEXT),
transaction-local as there, so the connection goes back to the pool as it came.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

import psycopg
import sqlalchemy as sa
from psycopg.pq import ExecStatus, TransactionStatus
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
        context = context_values(
            role=APP_ROLE,
            tenant_id=tenant_id,
            statement_seconds=self._statement_seconds,
            lock_seconds=self._lock_seconds,
        )
        statements = [(_CONTEXT, context), *queries]
        try:
            return await self._attempt(statements)
        except _ConnectionLost:
            pass
        try:
            return await self._attempt(statements)
        except _ConnectionLost as lost:
            raise ServiceUnavailable(
                "the database is unreachable; nothing was changed"
            ) from lost.error

    async def _attempt(self, statements: Sequence[Rendered]) -> list[Result]:
        try:
            conn = await self._pool.connect()
        except Exception as error:
            raise (translate(error) or error) from error
        try:
            driver = await driver_connection(conn)
            async with driver_answering_within(conn, self._statement_seconds):
                return await _results(conn, driver, statements)
        except DatabaseNotAnswering as error:
            raise (translate(error) or error) from error
        finally:
            await conn.close()


async def _results(
    conn: AsyncConnection,
    driver: psycopg.AsyncConnection[Any],
    statements: Sequence[Rendered],
) -> list[Result]:
    """The rows of every statement after the first (the context) in one transaction; the
    connection left out of any transaction, in its usual mode."""
    try:
        await driver.set_autocommit(True)  # the query brings its own BEGIN and COMMIT
        try:
            cursor = psycopg.AsyncClientCursor(driver, row_factory=tuple_row)
            sent = "; ".join(cursor.mogrify(text, values) for text, values in statements)
            # Never prepared: with its values inline, each query is new to the server, and
            # psycopg would only hash it and keep count of it.
            await cursor.execute(f"BEGIN; {sent}; COMMIT", prepare=False)
            results = []
            while True:  # BEGIN's and COMMIT's have no rows, the context's is the first
                result = cursor.pgresult
                if result is not None and result.status == ExecStatus.TUPLES_OK:
                    columns = tuple(
                        (result.fname(i) or b"").decode() for i in range(result.nfields)
                    )
                    results.append(Result(columns, await cursor.fetchall()))
                if not cursor.nextset():
                    return results[1:]
        finally:
            if not (driver.broken or driver.closed):
                if driver.info.transaction_status != TransactionStatus.IDLE:
                    await driver.execute("ROLLBACK")  # a statement failed before the COMMIT
                await driver.set_autocommit(False)
    except psycopg.Error as error:
        if driver.broken or driver.closed:
            await conn.invalidate(error)
            raise _ConnectionLost(error) from error
        wrapped = sa.exc.DBAPIError.instance(None, None, error, psycopg.Error)
        raise (translate(wrapped) or error) from error
