"""What an operator watches of the database: the pool, calls on the line, the job queue, the
tenants' webhook deliveries due."""

from __future__ import annotations

import attrs
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.postgres.timeouts import STATEMENT_SECONDS, milliseconds

# A scrape must never wait on a struggling database for long: it reports what it can. The
# server stops a slow read; a server that does not answer at all has its connection cut a
# grace later (adapters/postgres/timeouts.py) — cancelling the task would wait on it instead.
_SCRAPE_SECONDS = 2.0
_FIGURES = sa.text(
    "SELECT (SELECT count(*) FROM live_calls),"
    " (SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'),"
    " due.count, COALESCE(EXTRACT(EPOCH FROM now() - due.oldest), 0)"
    " FROM (SELECT count(*) AS count, min(due_at) AS oldest"
    " FROM webhook_delivery_queue WHERE due_at <= now()) AS due"
)


class PoolWatch:
    """Connections handed out by the pool, and units of work waiting for one."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self.waiting = 0

    async def connect(self) -> AsyncConnection:
        self.waiting += 1
        try:
            return await self._engine.connect()
        finally:
            self.waiting -= 1

    @property
    def in_use(self) -> int:
        pool = self._engine.sync_engine.pool
        checked_out = getattr(pool, "checkedout", None)
        return int(checked_out()) if checked_out is not None else 0


@attrs.frozen
class DatabaseFigures:
    live_calls: int
    queued_jobs: int
    webhook_deliveries_due: int
    oldest_webhook_due_seconds: float


class PostgresOperationalFigures:
    def __init__(self, engine: AsyncEngine, pool: PoolWatch) -> None:
        self._engine = engine
        self.pool = pool

    async def read(self) -> DatabaseFigures:
        """Calls on the line (every tenant's) and jobs waiting for a worker."""
        async with self._engine.connect() as conn:
            await conn.execution_options(**{STATEMENT_SECONDS: _SCRAPE_SECONDS})
            await conn.begin()
            await conn.execute(
                sa.text("SELECT set_config('statement_timeout', :t, true)"),
                {"t": milliseconds(_SCRAPE_SECONDS)},
            )
            live, queued, due, oldest = (await conn.execute(_FIGURES)).one()
        return DatabaseFigures(
            live_calls=int(live),
            queued_jobs=int(queued),
            webhook_deliveries_due=int(due),
            oldest_webhook_due_seconds=float(oldest),
        )
