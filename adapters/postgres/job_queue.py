"""The job queue's connections: procrastinate's psycopg connector, with bounded waits.

A worker that loses its database is started again by entrypoints/jobs.run_worker, on a
fresh pool. Left to their defaults, procrastinate and psycopg_pool would wait up to 30 s
for that pool to open, and as long for a connection, while the pool's own retries back off
to 16 s apart: a database back after 20 s would wait a further 10 to 15 s for its worker.
Bounded here, each start gives up within `WAIT_SECONDS`, and the worker's restart delays
(at most 5 s) decide how soon the next attempt comes.
"""

from __future__ import annotations

import asyncio

import procrastinate
import psycopg_pool

from adapters.postgres.engine import libpq_url

WAIT_SECONDS = 5.0


class _BoundedPool(psycopg_pool.AsyncConnectionPool):
    # procrastinate opens its pool with wait=True and psycopg_pool's default 30 s (hence
    # the `timeout` of the signature overridden); on timeout the pool closes, PoolTimeout.
    async def open(self, wait: bool = False, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        try:
            await super().open(wait=wait, timeout=min(timeout, WAIT_SECONDS))
        except asyncio.CancelledError:
            # psycopg_pool closes a pool that failed to open in time, not one whose opening
            # was cancelled (a worker stopping): its connection attempts would retry for
            # ever, and keep the stopping process from exiting.
            await self.close(timeout=1)
            raise


def job_queue_connector(
    database_url: str, *, connect_timeout: int = 5
) -> procrastinate.PsycopgConnector:
    return procrastinate.PsycopgConnector(
        conninfo=libpq_url(database_url),
        pool_factory=_BoundedPool,
        timeout=WAIT_SECONDS,  # for a connection from the pool
        kwargs={"connect_timeout": connect_timeout},
    )
