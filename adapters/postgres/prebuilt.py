"""The hot paths' statements, built once and run on the driver's own connection.

SQLAlchemy's execution of a statement (the hop into its greenlet, the execution context, the
cache lookup, the result object and its metadata) cost more in this process than the
statement's round trip to the server: measured on the benchmark's machine, locking a call by
id took 680 µs through `AsyncConnection.execute` and 370 µs on psycopg's connection, round
trip included. A provider message runs several such statements, and the process's own work
per statement, not the database, was what limited the webhooks (docs/benchmarks.md).

A `Prebuilt` statement is compiled once per dialect (the engine's: its JSON serializer is
the one the columns use), its values go through the same bind processors SQLAlchemy would
apply, and it runs in the unit of work's own transaction on the same connection, under the
same client-side bound (adapters.postgres.timeouts), with errors raised as SQLAlchemy would
raise them (IntegrityError for a refused row, a lost connection invalidated). Only
statements built once belong here: one whose shape depends on the values is SQLAlchemy's to
run.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, NamedTuple, cast

import psycopg
import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler

from adapters.postgres.timeouts import (
    STATEMENT_SECONDS,
    DatabaseTimeouts,
    driver_answering_within,
)

_Processor = Callable[[Any], Any]


class Rows(NamedTuple):
    """A statement's columns by name, its rows, and how many rows it touched."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    rowcount: int

    def first(self) -> dict[str, Any] | None:
        """The first row by column name, or None."""
        return dict(zip(self.columns, self.rows[0], strict=True)) if self.rows else None


class _Compiled(NamedTuple):
    dialect: Dialect
    sql: str
    defaults: dict[str, Any]
    """Every parameter the statement takes, with the values built into it (None if none)."""
    processors: tuple[tuple[str, _Processor], ...]
    required: frozenset[str]
    """The parameters without a value of their own: each run must give them."""


class Prebuilt:
    """A statement built once (its values as bind parameters), compiled once per dialect."""

    def __init__(self, statement: sa.Executable) -> None:
        self.statement = statement
        self._compiled: _Compiled | None = None

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled
        if compiled is not None and compiled.dialect is dialect:
            return compiled
        done = cast(SQLCompiler, cast(sa.ClauseElement, self.statement).compile(dialect=dialect))
        processors = []
        for bind, name in done.bind_names.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((name, process))
        compiled = self._compiled = _Compiled(
            dialect,
            done.string,
            dict(done.construct_params(_check=False) or {}),
            tuple(processors),
            frozenset(name for bind, name in done.bind_names.items() if bind.required),
        )
        return compiled

    def sql(self, dialect: Dialect) -> str:
        """The statement's text for the driver, its parameters as `%(name)s`."""
        return self._for(dialect).sql

    def parameters(self, dialect: Dialect, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values as the driver takes them: the statement's own filled in, each
        processed as SQLAlchemy would (a JSON column's serializer, an array's items)."""
        compiled = self._for(dialect)
        unknown = values.keys() - compiled.defaults.keys()
        missing = compiled.required - values.keys()
        if unknown or missing:
            raise KeyError(f"parameters unknown {sorted(unknown)}, missing {sorted(missing)}")
        parameters = {**compiled.defaults, **values}
        for name, process in compiled.processors:
            parameters[name] = process(parameters[name])
        return parameters

    async def run(self, conn: AsyncConnection, values: Mapping[str, Any]) -> Rows:
        """Run once in `conn`'s transaction."""
        dialect = conn.dialect
        parameters = self.parameters(dialect, values)
        sql = self._for(dialect).sql
        async with _driver_of(conn, sql, parameters) as cursor:
            await cursor.execute(sql, parameters)
            description = cursor.description
            if description is None:
                return Rows((), [], cursor.rowcount)
            columns = tuple(column.name for column in description)
            return Rows(columns, await cursor.fetchall(), cursor.rowcount)

    async def executemany(self, conn: AsyncConnection, values: Sequence[Mapping[str, Any]]) -> int:
        """Run once per set of values in one flight (psycopg's executemany), in `conn`'s
        transaction; the rows touched in all."""
        dialect = conn.dialect
        parameters = [self.parameters(dialect, one) for one in values]
        sql = self._for(dialect).sql
        async with _driver_of(conn, sql, parameters) as cursor:
            await cursor.executemany(sql, parameters)
            return cursor.rowcount

    async def begin_with(self, conn: AsyncConnection, values: Mapping[str, Any]) -> None:
        """Open `conn`'s transaction and run this statement first in it, in one round trip
        (psycopg would send its BEGIN on its own first): the driver is put in autocommit
        mode, so that it starts no transaction of its own, and sent `BEGIN; statement` as
        one query, the values inline (the only protocol that takes two statements at once).
        The transaction then runs until COMMIT or ROLLBACK as any other; `end_transaction`
        puts the driver back in its usual mode afterwards."""
        dialect = conn.dialect
        parameters = self.parameters(dialect, values)
        sql = self._for(dialect).sql
        async with _driver_of(conn, sql, parameters) as cursor:
            driver = cursor.connection
            await driver.set_autocommit(True)
            quoting = psycopg.AsyncClientCursor(driver)
            # Never prepared: with its values inline, each query is new to the server.
            await quoting.execute(f"BEGIN; {quoting.mogrify(sql, parameters)}", prepare=False)


async def end_transaction(conn: AsyncConnection) -> None:
    """After `Prebuilt.begin_with`: roll back what was not committed, and put the driver back
    in its usual mode (it opens its own transactions), as the pool's next user expects it.
    A connection that broke, or breaks now, is invalidated: the pool discards it."""
    if conn.closed or conn.invalidated:
        return
    raw = await conn.get_raw_connection()
    driver = cast(psycopg.AsyncConnection[Any], raw.driver_connection)
    if driver.broken or driver.closed or not driver.autocommit:
        return
    try:
        if driver.info.transaction_status != TransactionStatus.IDLE:
            await driver.rollback()
        await driver.set_autocommit(False)
    except psycopg.Error as error:  # lost meanwhile (a cut socket, a server gone)
        await conn.invalidate(error)


@contextlib.asynccontextmanager
async def _driver_of(
    conn: AsyncConnection, sql: str, parameters: Any
) -> AsyncIterator[psycopg.AsyncCursor[Any]]:
    """A cursor on `conn`'s driver connection, bounded as the connection's statements are,
    its errors raised as SQLAlchemy raises them (the connection invalidated when lost)."""
    sync = conn.sync_connection
    options = sync.get_execution_options() if sync is not None else {}
    seconds = float(options.get(STATEMENT_SECONDS, DatabaseTimeouts().statement_seconds))
    raw = await conn.get_raw_connection()
    driver = cast(psycopg.AsyncConnection[Any], raw.driver_connection)
    try:
        async with driver_answering_within(conn, seconds):
            yield driver.cursor()
    except psycopg.Error as error:
        lost = driver.broken or driver.closed
        if lost:
            await conn.invalidate(error)
        raise sa.exc.DBAPIError.instance(
            sql, parameters, error, psycopg.Error, connection_invalidated=lost
        ) from error
