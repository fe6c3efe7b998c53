"""Background work on procrastinate (a PostgreSQL task queue): the periodic reconciler.

Every worker runs the periodic deferrer; procrastinate defers each minute's job once,
whatever the number of workers, and the queueing lock keeps sweeps from piling up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import procrastinate
import structlog

from adapters.postgres.engine import libpq_url
from application.reconciliation import Reconciler

log = structlog.get_logger("jobs")

RECONCILE_TASK = "calls.reconcile"
RECONCILE_CRON = "* * * * *"  # every minute


def job_app(connector: procrastinate.BaseConnector, reconciler: Reconciler) -> procrastinate.App:
    app = procrastinate.App(connector=connector)

    @app.periodic(cron=RECONCILE_CRON, periodic_id=RECONCILE_TASK)
    @app.task(name=RECONCILE_TASK, queueing_lock=RECONCILE_TASK, pass_context=False)
    async def reconcile_calls(timestamp: int) -> None:
        report = await reconciler.sweep()
        if report.checked:
            log.info(
                "calls reconciled",
                checked=report.checked,
                settled=report.settled,
                postponed=report.postponed,
            )

    return app


def postgres_connector(database_url: str) -> procrastinate.PsycopgConnector:
    return procrastinate.PsycopgConnector(conninfo=libpq_url(database_url))


RESTART_DELAYS = (1, 2, 5, 10, 30, 60)


async def run_worker(app: procrastinate.App) -> None:
    """Run a worker until cancelled, starting it again (with backoff) whenever it stops on
    an error, e.g. when the database went away for a while."""
    failures = 0
    while True:
        try:
            async with app.open_async():
                await app.run_worker_async(install_signal_handlers=False, concurrency=2)
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:
            delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS) - 1)]
            failures += 1
            log.warning("worker stopped; starting again", error=str(error), in_seconds=delay)
            await asyncio.sleep(delay)


@asynccontextmanager
async def worker_in_background(app: procrastinate.App) -> AsyncIterator[None]:
    """A worker alongside the API (`serve`), stopped with it."""
    task = asyncio.create_task(run_worker(app), name="procrastinate-worker")
    try:
        yield
    finally:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception as error:  # a worker that died must not hide the shutdown
            log.warning("worker stopped with an error", error=str(error))
