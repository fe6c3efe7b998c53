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

from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, NamedTuple, cast

import psycopg
import sqlalchemy as sa
from psycopg.pq import ExecStatus, TransactionStatus
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler

from adapters.postgres.errors import DatabaseNotAnswering
from adapters.postgres.timeouts import (
    STATEMENT_SECONDS,
    DatabaseTimeouts,
    arm,
    disarm,
    raise_if_cut,
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
    encoded: bytes
    """The text as the driver sends it: one object, whose hash the driver's cache of parsed
    queries computes once."""
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
        # The columns a statement answers with are the statement's: named once, not read
        # from the driver's description (a list of objects made anew on each read).
        self._columns: tuple[str, ...] | None = None

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
            done.string.encode(),
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
        compiled = self._for(dialect)
        async with _OnDriver(conn, compiled.sql, parameters) as cursor:
            await cursor.execute(compiled.encoded, parameters)
            return await self._rows(cursor)

    async def _rows(self, cursor: psycopg.AsyncCursor[Any]) -> Rows:
        """The answer of the statement `cursor` ran (or of its current result)."""
        result = cursor.pgresult
        if result is None or not (result.nfields or result.status == ExecStatus.TUPLES_OK):
            return Rows((), [], cursor.rowcount)
        columns = self._columns
        if columns is None or len(columns) != result.nfields:
            columns = self._columns = tuple(column.name for column in cursor.description or ())
        return Rows(columns, await cursor.fetchall(), cursor.rowcount)

    async def executemany(self, conn: AsyncConnection, values: Sequence[Mapping[str, Any]]) -> int:
        """Run once per set of values in one flight (psycopg's executemany), in `conn`'s
        transaction; the rows touched in all."""
        dialect = conn.dialect
        parameters = [self.parameters(dialect, one) for one in values]
        compiled = self._for(dialect)
        async with _OnDriver(conn, compiled.sql, parameters) as cursor:
            await cursor.executemany(compiled.encoded, parameters)
            return cursor.rowcount

    async def begin_with(
        self,
        conn: AsyncConnection,
        values: Mapping[str, Any],
        then: tuple[Prebuilt, Mapping[str, Any]] | None = None,
    ) -> Rows | None:
        """Open `conn`'s transaction and run this statement first in it, and `then`'s
        statement after it if given, in one round trip (psycopg would send its BEGIN on its
        own first): the driver is put in autocommit mode, so that it starts no transaction of
        its own, and sent `BEGIN; statement[; then]` as one query, the values inline (the
        simple protocol, the only one that takes BEGIN with other statements in one message).
        The transaction then runs until COMMIT or ROLLBACK as any other; `end_transaction`
        puts the driver back in its usual mode afterwards. The answer is `then`'s (None
        without it)."""
        dialect = conn.dialect
        parameters = self.parameters(dialect, values)
        sql = self._for(dialect).sql
        async with _OnDriver(conn, sql, parameters) as cursor:
            await cursor.connection.set_autocommit(True)
            quoting = psycopg.AsyncClientCursor(cursor.connection)
            query = f"BEGIN; {quoting.mogrify(sql, parameters)}"
            if then is not None:
                following, following_values = then
                query += "; " + quoting.mogrify(
                    following.sql(dialect), following.parameters(dialect, following_values)
                )
            # Never prepared: with its values inline, each query is new to the server.
            await quoting.execute(query, prepare=False)
            if then is None:
                return None
            while quoting.nextset():  # the last statement's answer is `then`'s
                pass
            return await then[0]._rows(quoting)


async def commit(conn: AsyncConnection) -> None:
    """Commit `conn`'s transaction on the driver's connection, bounded and with its errors
    raised as a statement's (SQLAlchemy's commit hops into its greenlet for it).
    SQLAlchemy's own transaction ends when the connection is closed: its rollback then finds
    the driver's connection idle, and sends nothing."""
    async with _OnDriver(conn, "COMMIT", None) as cursor:
        await cursor.connection.commit()


async def end_transaction(conn: AsyncConnection) -> None:
    """After `Prebuilt.begin_with`: roll back what was not committed, and put the driver back
    in its usual mode (it opens its own transactions), as the pool's next user expects it.
    A connection that broke, or breaks now, is invalidated: the pool discards it."""
    if conn.closed or conn.invalidated:
        return
    driver = await driver_connection(conn)
    if driver.broken or driver.closed or not driver.autocommit:
        return
    try:
        if driver.info.transaction_status != TransactionStatus.IDLE:
            await driver.rollback()
        await driver.set_autocommit(False)
    except psycopg.Error as error:  # lost meanwhile (a cut socket, a server gone)
        await conn.invalidate(error)


async def driver_connection(conn: AsyncConnection) -> psycopg.AsyncConnection[Any]:
    """`conn`'s psycopg connection. Taken from the open connection directly where it can be:
    SQLAlchemy's `get_raw_connection` hops into its greenlet to read an attribute, which
    cost more than a statement's own work in the driver."""
    sync = conn.sync_connection
    if sync is not None and not sync.closed and not sync.invalidated:
        raw = sync.connection
    else:  # reconnecting, or raising what SQLAlchemy raises for a closed connection
        raw = await conn.get_raw_connection()
    return cast(psycopg.AsyncConnection[Any], raw.driver_connection)


class _OnDriver:
    """A cursor on `conn`'s driver connection, bounded as the connection's statements are
    (adapters.postgres.timeouts), its errors raised as SQLAlchemy raises them (the
    connection invalidated when lost). One object rather than nested generator-based
    context managers: it is entered for every statement of the hot paths."""

    __slots__ = ("conn", "driver", "info", "parameters", "sql")

    def __init__(self, conn: AsyncConnection, sql: str, parameters: Any) -> None:
        self.conn = conn
        self.sql = sql
        self.parameters = parameters
        self.info: dict[Any, Any] | None = None

    async def __aenter__(self) -> psycopg.AsyncCursor[Any]:
        conn = self.conn
        sync = conn.sync_connection
        options = sync.get_execution_options() if sync is not None else {}
        seconds = float(options.get(STATEMENT_SECONDS, DatabaseTimeouts().statement_seconds))
        driver = self.driver = await driver_connection(conn)
        self.info = arm(conn, seconds)
        return driver.cursor()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        info = self.info
        if info is not None:
            disarm(info)
        if error is None or isinstance(error, DatabaseNotAnswering):
            return
        await raise_if_cut(self.conn, info, error)
        if isinstance(error, psycopg.Error):
            driver = self.driver
            lost = driver.broken or driver.closed
            if lost:
                await self.conn.invalidate(error)
            raise sa.exc.DBAPIError.instance(
                self.sql, self.parameters, error, psycopg.Error, connection_invalidated=lost
            ) from error
