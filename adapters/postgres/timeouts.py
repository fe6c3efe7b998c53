"""Every wait for PostgreSQL ends: for a connection, for a lock, for a statement, for an answer.

The pool hands out a connection within `pool_seconds` (SQLAlchemy's pool timeout). The server
gives up a lock wait after `lock_seconds` and a statement after `statement_seconds` (set per
transaction, so a pooler in transaction mode keeps working). Those two need a server that
answers: a frozen one (or a network that drops packets silently) never does, and cancelling
the waiting task does not help either — psycopg then asks the server to cancel the query and
waits for that too (measured: 11 s after a 1 s asyncio timeout). So every statement also has a
client-side bound, `ANSWER_GRACE_SECONDS` after the server's own: when it passes, the
connection's socket is shut down, the wait ends at once with a disconnect, SQLAlchemy discards
the connection and the caller gets `DatabaseNotAnswering`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
from sqlalchemy import event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.postgres.errors import DatabaseNotAnswering

# Beyond the server's statement timeout: a slow statement is stopped by the server (its
# connection stays usable); only a server that does not answer at all meets this bound.
ANSWER_GRACE_SECONDS = 1.0

# The execution option that carries a connection's statement bound (in seconds).
STATEMENT_SECONDS = "voice_agent_statement_seconds"
_WATCH = "voice_agent_answer_watch"
_CUT = "voice_agent_answer_cut"


@attrs.frozen
class DatabaseTimeouts:
    """The bounds of every wait for the database, in seconds."""

    pool_seconds: float = 5.0
    """For a free connection from the pool."""
    statement_seconds: float = 10.0
    """For one statement of a request (server-side statement_timeout), and for an answer."""
    lock_seconds: float = 5.0
    """For a row or table lock another transaction holds (server-side lock_timeout)."""
    bulk_seconds: float = 600.0
    """Statement and lock bound of a bulk unit of work (an import of many rows)."""

    def for_work(self, *, bulk: bool) -> tuple[float, float]:
        """(statement, lock) bounds of a unit of work."""
        return (
            (self.bulk_seconds, self.bulk_seconds)
            if bulk
            else (
                self.statement_seconds,
                self.lock_seconds,
            )
        )


def milliseconds(seconds: float) -> str:
    """A PostgreSQL duration setting (0 would mean no limit, so at least 1 ms)."""
    return f"{max(1, round(seconds * 1000))}ms"


def _cut(fd: int) -> None:
    """End every wait on the socket: reads see end-of-file, writes fail. The descriptor
    itself stays the driver's (only a duplicate is closed here)."""
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fd)) as duplicate:
        duplicate.shutdown(socket.SHUT_RDWR)


class _Watch:
    """A connection's answer bound: the deadline of the statement under way (None between
    statements) and one timer that enforces it. The timer is moved along to the latest
    deadline when it fires early, not scheduled and cancelled for every statement: a timer a
    statement cost about a twentieth of a webhook's time."""

    __slots__ = ("deadline", "driver", "info", "loop", "seconds", "timer")

    def __init__(self, info: dict[Any, Any], loop: asyncio.AbstractEventLoop) -> None:
        self.info = info
        self.loop = loop
        self.deadline: float | None = None
        self.seconds = 0.0
        self.driver: Any = None
        self.timer: asyncio.TimerHandle | None = None

    def check(self) -> None:
        self.timer = None
        deadline = self.deadline
        if deadline is None:
            return  # the statement answered; the next one schedules its own check
        if self.loop.time() < deadline:
            self.timer = self.loop.call_at(deadline, self.check)
            return
        try:
            fd = self.driver.fileno()
        except Exception:  # closed meanwhile: the statement fails by itself
            return
        self.info[_CUT] = self.seconds
        _cut(fd)


def _arm(info: dict[Any, Any], driver_connection: Any, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    watch = info.get(_WATCH)
    if watch is None or watch.loop is not loop:
        watch = info[_WATCH] = _Watch(info, loop)
    watch.driver = driver_connection
    watch.seconds = seconds
    deadline = watch.deadline = loop.time() + seconds + ANSWER_GRACE_SECONDS
    timer = watch.timer
    if timer is None or timer.when() > deadline:  # a shorter bound than the one waited for
        if timer is not None:
            timer.cancel()
        watch.timer = loop.call_at(deadline, watch.check)


def disarm(info: dict[Any, Any]) -> None:
    watch = info.get(_WATCH)
    if watch is not None:
        watch.deadline = None


def _statement_seconds(conn: Connection, default: float) -> float:
    seconds = conn.get_execution_options().get(STATEMENT_SECONDS, default)
    return float(seconds)


def bound_every_statement(engine: AsyncEngine, default_seconds: float) -> None:
    """Give every statement run on `engine` a client-side bound: its connection's
    `STATEMENT_SECONDS` execution option (else `default_seconds`) plus the grace."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def arm_statement(conn: Connection, *_: object) -> None:
        _arm(
            conn.info, conn.connection.driver_connection, _statement_seconds(conn, default_seconds)
        )

    @event.listens_for(sync_engine, "after_cursor_execute")
    def disarm_statement(conn: Connection, *_: object) -> None:
        disarm(conn.info)

    @event.listens_for(sync_engine, "handle_error")
    def not_answering(context: ExceptionContext) -> BaseException | None:
        conn = context.connection
        if conn is None or conn.invalidated:
            return None
        disarm(conn.info)
        seconds = conn.info.pop(_CUT, None)
        if seconds is None:
            return None
        context.is_disconnect = True  # discard the connection, whatever the driver said
        return DatabaseNotAnswering(seconds)


def arm(conn: AsyncConnection, seconds: float) -> dict[Any, Any] | None:
    """Arm the connection's answer timer for `seconds`; the connection's info, which
    `disarm` takes when the wait is over (None: nothing to bound, the connection is gone
    already)."""
    sync = conn.sync_connection
    if sync is None or sync.invalidated:
        return None
    info = sync.info  # read once: an invalidated connection has none to give
    _arm(info, sync.connection.driver_connection, seconds)
    return info


async def raise_if_cut(
    conn: AsyncConnection, info: dict[Any, Any] | None, error: BaseException
) -> None:
    """When the answer's bound cut the connection's socket while `error` was raised (`info`
    as `arm` gave it): the connection invalidated and DatabaseNotAnswering raised from
    `error`. Else nothing: `error` is the wait's own."""
    cut = None if info is None else info.pop(_CUT, None)
    if cut is not None:
        await conn.invalidate(error)
        raise DatabaseNotAnswering(cut) from error


@contextlib.contextmanager
def _armed(conn: AsyncConnection, seconds: float) -> Iterator[dict[Any, Any] | None]:
    """The connection's info with its answer timer armed for `seconds` (None: nothing to
    bound, the connection is gone already)."""
    info = arm(conn, seconds)
    try:
        yield info
    finally:
        if info is not None:
            disarm(info)


@contextlib.contextmanager
def answering_within(conn: AsyncConnection, seconds: float) -> Iterator[None]:
    """Bound what is not a statement (commit, the rollback of a close) like one."""
    with _armed(conn, seconds):
        yield


@contextlib.asynccontextmanager
async def driver_answering_within(conn: AsyncConnection, seconds: float) -> AsyncIterator[None]:
    """Bound work done on the driver's own connection (COPY, a server-side cursor's FETCH),
    which SQLAlchemy's statement events never see, like a statement: past `seconds` and the
    grace the socket is cut, the connection discarded and DatabaseNotAnswering raised."""
    with _armed(conn, seconds) as info:
        try:
            yield
        except DatabaseNotAnswering:
            raise  # already told through SQLAlchemy's handle_error
        except Exception as error:
            await raise_if_cut(conn, info, error)
            raise
