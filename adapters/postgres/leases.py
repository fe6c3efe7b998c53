"""Process leases on PostgreSQL: a session advisory lock per live process.

A process takes its lease on a connection of its own and keeps that connection open while it
runs. PostgreSQL drops a session's locks with the session, so the lease of a killed process
is free as soon as the server sees its connection close. Leases need a direct connection:
behind a transaction-mode pooler (PgBouncer) a session lock follows the server connection, not
the client, so a lease can look free while its process runs (docs/decisions.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection
from typing import Any

import psycopg
import structlog

from adapters.postgres.engine import libpq_url
from application.errors import ServiceUnavailable

log = structlog.get_logger(__name__)

# The advisory lock space of process leases (the first of the two int4 keys; the second is
# the instance). Distinct from the single-key locks of migrations and call placement.
LEASES = 0x7661_6C65

# How long a lease statement may wait for an answer: they never wait for a lock.
ANSWER_SECONDS = 10
_UNREACHABLE = "the database is unreachable: the process lease is not held"


class PostgresProcessLeases:
    def __init__(self, url: str, *, connect_timeout: float = 5, keep_every: float = 5) -> None:
        self._url = libpq_url(url)
        self._connect_timeout = max(1, round(connect_timeout))
        self._keep_every = keep_every
        self._instance: int | None = None
        self._conn: psycopg.AsyncConnection[tuple[Any, ...]] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._guard = asyncio.Lock()  # one statement at a time on the lease's connection

    async def _connect(self, *, autocommit: bool) -> psycopg.AsyncConnection[tuple[Any, ...]]:
        try:
            return await psycopg.AsyncConnection.connect(
                self._url, autocommit=autocommit, connect_timeout=self._connect_timeout
            )
        except psycopg.OperationalError as error:
            raise ServiceUnavailable(_UNREACHABLE) from error

    async def hold(self, instance: int) -> None:
        self._instance = instance
        if self._keeper is None:
            self._keeper = asyncio.create_task(self._keep())
        async with self._guard:
            await self._take()

    async def _take(self) -> None:
        """Take the lease unless this connection holds it already (with the guard held)."""
        if self._conn is not None and not self._conn.broken and not self._conn.closed:
            return
        await self._drop()
        conn = await self._connect(autocommit=True)
        try:
            async with asyncio.timeout(ANSWER_SECONDS):
                taken = await conn.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", (LEASES, self._instance)
                )
                row = await taken.fetchone()
        except (psycopg.Error, TimeoutError) as error:
            await _close(conn)
            raise ServiceUnavailable(_UNREACHABLE) from error
        if not (row and row[0]):
            # Another live session has it: a process that had lost sight of the database
            # but not been dropped by it yet. Try again on the next round.
            await _close(conn)
            raise ServiceUnavailable("the process lease is held by another session")
        self._conn = conn

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await _close(conn)

    async def _alive(self) -> bool:
        """Whether the lease's connection still answers (with the guard held)."""
        if self._conn is None:
            return False
        try:
            async with asyncio.timeout(ANSWER_SECONDS):
                await self._conn.execute("SELECT 1")
        except (psycopg.Error, TimeoutError):
            return False
        return True

    async def _keep(self) -> None:
        """Check the lease's connection now and then; take the lease again when it was lost
        (PostgreSQL restarted, the connection was cut)."""
        lost = False
        while True:
            await asyncio.sleep(self._keep_every)
            async with self._guard:
                if await self._alive():
                    continue
                if not lost:
                    log.warning("process lease lost; taking it again", instance=self._instance)
                    lost = True
                await self._drop()
                with contextlib.suppress(ServiceUnavailable):  # next round
                    await self._take()
                    log.info("process lease taken again", instance=self._instance)
                    lost = False

    async def release(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        async with self._guard:
            await self._drop()

    async def gone(self, instances: Collection[int]) -> set[int]:
        wanted = sorted(set(instances))
        if not wanted:
            return set()
        # A lock taken here for the transaction proves no session holds it; it is let go
        # when the transaction ends, with the connection.
        conn = await self._connect(autocommit=False)
        try:
            async with asyncio.timeout(ANSWER_SECONDS):
                taken = await conn.execute(
                    "SELECT k FROM unnest(%s::int[]) AS k WHERE pg_try_advisory_xact_lock(%s, k)",
                    (wanted, LEASES),
                )
                return {int(row[0]) for row in await taken.fetchall()}
        except (psycopg.Error, TimeoutError) as error:
            raise ServiceUnavailable(_UNREACHABLE) from error
        finally:
            await _close(conn)


async def _close(conn: psycopg.AsyncConnection[tuple[Any, ...]]) -> None:
    with contextlib.suppress(psycopg.Error):
        await conn.close()
