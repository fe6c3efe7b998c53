"""QuickReads on PostgreSQL: the transaction, the tenant's context, the query and the commit
sent as one multi-statement query, one round trip instead of a unit of work's four.

The simple query protocol, which alone takes several statements at once, takes no
parameters: psycopg's client-side cursor quotes each value as a literal of its type. The
context is the unit of work's own (ENTER_CONTEXT), transaction-local as there, so the
connection goes back to the pool as it came.
"""

from __future__ import annotations

import re
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.postgres.errors import DatabaseNotAnswering, translate
from adapters.postgres.mapping import call_from_mapping
from adapters.postgres.rls import APP_ROLE
from adapters.postgres.tables import voice_calls
from adapters.postgres.timeouts import driver_answering_within
from adapters.postgres.unit_of_work import (
    ENTER_CONTEXT,
    PostgresUnitOfWorkFactory,
    context_values,
)
from application.errors import ServiceUnavailable
from domain.calls import VoiceCall
from domain.ids import CallId, TenantId

_CONTEXT = re.sub(r":(\w+)", r"%(\1)s", str(ENTER_CONTEXT))
_COLUMNS = ", ".join(f'"{column.name}"' for column in voice_calls.columns)
_CALL = (
    f"BEGIN; {_CONTEXT}; SELECT {_COLUMNS} FROM voice_calls"
    " WHERE tenant_id = %(tenant)s AND id = %(call)s; COMMIT"
)
# The results of _CALL before the SELECT's: BEGIN's and the context's.
_BEFORE_THE_QUERY = 2


class _ConnectionLost(Exception):
    """The connection broke under the read (most often: closed by a server restart while
    it sat in the pool). A read changes nothing, so another connection may try again."""

    def __init__(self, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.error = error


class PostgresQuickReads:
    def __init__(self, uows: PostgresUnitOfWorkFactory) -> None:
        self._pool = uows.pool
        self._statement_seconds, self._lock_seconds = uows.timeouts.for_work(bulk=False)

    async def call(self, tenant_id: TenantId, call_id: CallId) -> VoiceCall | None:
        row = await self._read(_CALL, tenant_id, {"tenant": tenant_id, "call": call_id})
        return call_from_mapping(row) if row is not None else None

    async def _read(
        self, query: str, tenant_id: TenantId, values: dict[str, Any]
    ) -> dict[str, Any] | None:
        values |= context_values(
            role=APP_ROLE,
            tenant_id=tenant_id,
            statement_seconds=self._statement_seconds,
            lock_seconds=self._lock_seconds,
        )
        try:
            return await self._attempt(query, values)
        except _ConnectionLost:
            pass
        try:
            return await self._attempt(query, values)
        except _ConnectionLost as lost:
            raise ServiceUnavailable(
                "the database is unreachable; nothing was changed"
            ) from lost.error

    async def _attempt(self, query: str, values: dict[str, Any]) -> dict[str, Any] | None:
        try:
            conn = await self._pool.connect()
        except Exception as error:
            raise (translate(error) or error) from error
        try:
            raw = await conn.get_raw_connection()
            driver = cast(psycopg.AsyncConnection[Any], raw.driver_connection)
            async with driver_answering_within(conn, self._statement_seconds):
                return await _one_row(conn, driver, query, values)
        except DatabaseNotAnswering as error:
            raise (translate(error) or error) from error
        finally:
            await conn.close()


async def _one_row(
    conn: AsyncConnection,
    driver: psycopg.AsyncConnection[Any],
    query: str,
    values: dict[str, Any],
) -> dict[str, Any] | None:
    """The SELECT's row; the connection left out of any transaction, in its usual mode."""
    try:
        await driver.set_autocommit(True)  # the query brings its own BEGIN and COMMIT
        try:
            cursor = psycopg.AsyncClientCursor(driver, row_factory=dict_row)
            await cursor.execute(query, values)
            for _ in range(_BEFORE_THE_QUERY):
                cursor.nextset()
            return await cursor.fetchone()
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
