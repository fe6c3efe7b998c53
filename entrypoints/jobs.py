"""Background work on procrastinate (a PostgreSQL task queue): the periodic reconciler, the
batch dispatcher, the delivery of tenants' webhooks, tenants' exports and the purge of closed
tenants.

Every worker runs the periodic deferrer; procrastinate defers each minute's job once,
whatever the number of workers, and the queueing lock keeps sweeps from piling up. A worker
also asks for a sweep each time it starts, so that after a database outage the calls due
are settled at once rather than at the next minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import timedelta

import procrastinate
import structlog

from adapters.postgres.job_queue import job_queue_connector
from application.batches import BatchDispatcher
from application.phone_numbers import PhoneNumberService
from application.reconciliation import Reconciler
from application.retention import Retention
from application.tenant_closure import TenantClosureService
from application.tenant_exports import TenantExportService
from application.webhook_delivery import WebhookDeliverer
from application.webhook_messages import WebhookMessages
from entrypoints.worker_health import WorkerHealth

log = structlog.get_logger("jobs")

RECONCILE_TASK = "calls.reconcile"
RECONCILE_CRON = "* * * * *"  # every minute
DISPATCH_TASK = "batches.dispatch"
# A dispatch job runs rounds for a few seconds, then defers the next at once while batches
# run (any free worker takes it, so workers share the dialling and none waits for a minute's
# job), or in DISPATCH_IDLE_POLL_SECONDS when none does (a started batch is served within
# that). The minute's job starts the chain again if a killed worker broke it.
DISPATCH_SLICE = timedelta(seconds=5)
DISPATCH_IDLE_POLL_SECONDS = 2
DISPATCH_IDLE_SECONDS = 0.5
DELIVER_TASK = "webhooks.deliver"
# A delivery job starts what is due for a few seconds (its requests finish on their own),
# then defers the next at once: a new event waits DELIVER_IDLE_SECONDS at most.
DELIVER_SLICE = timedelta(seconds=5)
DELIVER_IDLE_SECONDS = 0.5
# Tenants' exports: a pass builds what is due (each build in its own short transactions),
# then the next pass is deferred in EXPORT_POLL_SECONDS, so a new export waits that long.
EXPORT_TASK = "tenants.exports"
EXPORT_POLL_SECONDS = 5
# Closed tenants past their grace period, and expired exports, deleted once a minute.
PURGE_TASK = "tenants.purge"
# Numbers whose provisioning the provider left unanswered, or still activating, are looked at
# again every minute.
SETTLE_NUMBERS_TASK = "numbers.settle"
# The provider's messages past their keeping time leave the inbox once an hour.
PURGE_INBOX_TASK = "webhooks.inbox_purge"
PURGE_INBOX_CRON = "23 * * * *"
# Calls' content past the tenant's retention goes every five minutes: a period of 0 days is
# honoured within that, and a pass over nothing due costs one index read per tenant and kind.
PURGE_CONTENT_TASK = "retention.purge"
PURGE_CONTENT_CRON = "*/5 * * * *"


def job_app(
    connector: procrastinate.BaseConnector,
    reconciler: Reconciler,
    health: WorkerHealth | None = None,
    dispatcher: BatchDispatcher | None = None,
    deliverer: WebhookDeliverer | None = None,
    closure: TenantClosureService | None = None,
    exports: TenantExportService | None = None,
    numbers: PhoneNumberService | None = None,
    inbox: WebhookMessages | None = None,
    retention: Retention | None = None,
) -> procrastinate.App:
    """The job queue's app; each finished sweep is noted in `health`. Without a
    `dispatcher`, dispatch jobs are taken and do nothing (a worker that cannot dial); without
    a `deliverer`, delivery jobs likewise."""
    app = procrastinate.App(connector=connector)
    # One sweep at a time in this process: a worker's start and the minute's cron may ask at
    # once, and a sweep may last most of a minute. (Not procrastinate's `lock`: a job left
    # "doing" by a killed worker would hold it for ever.)
    sweeping = asyncio.Lock()

    @app.periodic(cron=RECONCILE_CRON, periodic_id=RECONCILE_TASK)
    @app.task(name=RECONCILE_TASK, queueing_lock=RECONCILE_TASK, pass_context=False)
    async def reconcile_calls(timestamp: int) -> None:
        if sweeping.locked():
            log.info("sweep skipped: one is running in this process")
            return
        async with sweeping:
            report = await reconciler.sweep()
        if health is not None:
            health.swept()
        if report.checked:
            log.info(
                "calls reconciled",
                checked=report.checked,
                settled=report.settled,
                postponed=report.postponed,
            )

    dispatching = asyncio.Lock()

    @app.periodic(cron=RECONCILE_CRON, periodic_id=DISPATCH_TASK)
    @app.task(name=DISPATCH_TASK, queueing_lock=DISPATCH_TASK, pass_context=False)
    async def dispatch_batches(timestamp: int) -> None:
        if dispatcher is None or dispatching.locked():
            return  # the slice running in this process defers the next
        async with dispatching:
            report = await dispatcher.run(DISPATCH_SLICE, DISPATCH_IDLE_SECONDS)
        await _defer_next(
            app, DISPATCH_TASK, in_seconds=None if report.running else DISPATCH_IDLE_POLL_SECONDS
        )
        if report.dialled or report.paused or report.completed:
            log.info(
                "batches dispatched",
                dialled=report.dialled,
                skipped=report.skipped,
                rescheduled=report.rescheduled,
                paused=report.paused,
                completed=report.completed,
            )

    delivering = asyncio.Lock()

    @app.periodic(cron=RECONCILE_CRON, periodic_id=DELIVER_TASK)
    @app.task(name=DELIVER_TASK, queueing_lock=DELIVER_TASK, pass_context=False)
    async def deliver_webhooks(timestamp: int) -> None:
        if deliverer is None or delivering.locked():
            return  # the slice running in this process defers the next
        async with delivering:
            report = await deliverer.run(DELIVER_SLICE, DELIVER_IDLE_SECONDS)
        await _defer_next(app, DELIVER_TASK)
        if report.started:
            log.info(
                "webhooks delivered",
                started=report.started,
                delivered=report.delivered,
                failed_attempts=report.failed_attempts,
            )

    exporting = asyncio.Lock()

    @app.periodic(cron=RECONCILE_CRON, periodic_id=EXPORT_TASK)
    @app.task(name=EXPORT_TASK, queueing_lock=EXPORT_TASK, pass_context=False)
    async def build_exports(timestamp: int) -> None:
        if exports is None or exporting.locked():
            return
        async with exporting:
            report = await exports.run_due()
        await _defer_next(app, EXPORT_TASK, in_seconds=EXPORT_POLL_SECONDS)
        if report.built or report.failed or report.removed:
            log.info(
                "tenant exports",
                built=report.built,
                failed=report.failed,
                removed=report.removed,
            )

    purging = asyncio.Lock()

    @app.periodic(cron=RECONCILE_CRON, periodic_id=PURGE_TASK)
    @app.task(name=PURGE_TASK, queueing_lock=PURGE_TASK, pass_context=False)
    async def purge_tenants(timestamp: int) -> None:
        if closure is None or purging.locked():
            return
        async with purging:
            report = await closure.purge_due()
            removed = await exports.remove_expired() if exports is not None else 0
        if report.purged or removed:
            log.info("tenants purged", tenants=len(report.purged), expired_exports=removed)

    settling = asyncio.Lock()

    @app.periodic(cron=RECONCILE_CRON, periodic_id=SETTLE_NUMBERS_TASK)
    @app.task(name=SETTLE_NUMBERS_TASK, queueing_lock=SETTLE_NUMBERS_TASK, pass_context=False)
    async def settle_numbers(timestamp: int) -> None:
        if numbers is None or settling.locked():
            return
        async with settling:
            report = await numbers.settle_due()
        if report.checked:
            log.info(
                "phone numbers settled",
                checked=report.checked,
                activated=report.activated,
                failed=report.failed,
            )

    purging_inbox = asyncio.Lock()

    @app.periodic(cron=PURGE_INBOX_CRON, periodic_id=PURGE_INBOX_TASK)
    @app.task(name=PURGE_INBOX_TASK, queueing_lock=PURGE_INBOX_TASK, pass_context=False)
    async def purge_inbox(timestamp: int) -> None:
        if inbox is None or purging_inbox.locked():
            return
        async with purging_inbox:
            removed = await inbox.purge_kept()
        if removed:
            log.info("webhook inbox purged", messages=sum(removed.values()), tenants=len(removed))

    purging_content = asyncio.Lock()

    @app.periodic(cron=PURGE_CONTENT_CRON, periodic_id=PURGE_CONTENT_TASK)
    @app.task(name=PURGE_CONTENT_TASK, queueing_lock=PURGE_CONTENT_TASK, pass_context=False)
    async def purge_content(timestamp: int) -> None:
        if retention is None or purging_content.locked():
            return
        async with purging_content:
            purged = await retention.purge_due()
        if purged:
            totals: dict[str, int] = {}
            for counts in purged.values():
                for kind, count in counts.items():
                    totals[kind] = totals.get(kind, 0) + count
            log.info("call content purged", tenants=len(purged), **totals)

    return app


async def _defer_next(app: procrastinate.App, task: str, *, in_seconds: int | None = None) -> None:
    """The next slice of a chain of jobs: at once for any free worker, or in `in_seconds`."""
    with suppress(procrastinate.exceptions.AlreadyEnqueued):  # one is waiting: it will do
        job = app.tasks[task]
        deferrer = (
            job.configure()
            if in_seconds is None
            else job.configure(schedule_in={"seconds": in_seconds})
        )
        await deferrer.defer_async(timestamp=int(time.time()))


def postgres_connector(
    database_url: str, connect_timeout: int = 5
) -> procrastinate.PsycopgConnector:
    return job_queue_connector(database_url, connect_timeout=connect_timeout)


# Seconds to wait before starting a stopped worker again, growing with each stop in a row.
# Capped low: a failed start costs one refused connection, and the reconciler should be
# back within seconds of its database.
RESTART_DELAYS = (0.5, 1, 2, 5)
STEADY_RUN_SECONDS = 60.0  # a run this long was healthy: the next stop starts the delays over


async def request_sweep(app: procrastinate.App) -> None:
    """Ask for a sweep now, not at the next minute: a worker (re)starting after a database
    outage settles what piled up at once. The queueing lock keeps it to one waiting sweep,
    whatever the number of workers starting."""
    for task in (RECONCILE_TASK, DISPATCH_TASK, DELIVER_TASK, EXPORT_TASK, SETTLE_NUMBERS_TASK):
        with suppress(procrastinate.exceptions.AlreadyEnqueued):  # one is waiting: it will do
            await app.tasks[task].defer_async(timestamp=int(time.time()))


def _describe(error: BaseException) -> str:
    """An error on one line; for procrastinate's ConnectorException ("Database error."),
    the driver's error it wraps, which says what happened."""
    if isinstance(error, procrastinate.exceptions.ConnectorException) and error.__cause__:
        error = error.__cause__
    return " ".join(f"{type(error).__name__}: {error}".split())


class _SideTaskFailures(logging.Handler):
    """Why procrastinate's worker shut itself down: when a side task (the LISTEN connection,
    the heartbeat, the periodic deferrer) fails, it logs the error, then stops, which may
    take a while (it waits for its database to unregister), and returns normally."""

    def __init__(self, health: WorkerHealth) -> None:
        super().__init__(logging.ERROR)
        self._health = health
        self.reasons: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "action", None) == "side_task_failed":
            task = getattr(record, "task_name", "?")
            error = record.exc_info[1] if record.exc_info else None
            what = _describe(error) if error else getattr(record, "exception", "")
            self.reasons.append(f"its {task} task failed: {what}")
            self._health.stopping()

    @contextmanager
    def watching(self) -> Iterator[_SideTaskFailures]:
        logger = logging.getLogger("procrastinate.worker")
        logger.addHandler(self)
        try:
            yield self
        finally:
            logger.removeHandler(self)


async def run_worker(app: procrastinate.App, health: WorkerHealth | None = None) -> None:
    """Run a worker until cancelled (the process is stopping).

    procrastinate's worker stops when it loses its database: it raises, or, when a side
    task failed, shuts itself down and returns normally. Either way it is started again,
    on a freshly opened app, after a delay that grows with each stop in a row, and the
    reason is logged. Each start asks for a sweep (`request_sweep`)."""
    health = health if health is not None else WorkerHealth()
    loop = asyncio.get_running_loop()
    stops_in_a_row = 0
    while True:
        started = loop.time()
        with _SideTaskFailures(health).watching() as failures:
            try:
                async with app.open_async():
                    await request_sweep(app)
                    _stop_if_asked()
                    health.started()
                    # A sweep, a dispatch, a delivery, an export pass, a purge, and one more
                    # starting as its predecessor ends.
                    # Finished jobs are deleted: dispatch and delivery jobs run every few
                    # seconds.
                    await app.run_worker_async(
                        install_signal_handlers=False,
                        concurrency=6,
                        delete_jobs=procrastinate.jobs.DeleteJobCondition.SUCCESSFUL,
                    )
                reason = failures.reasons[0] if failures.reasons else "it returned by itself"
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is None or current.cancelling():
                    health.shut_down()
                    raise
                # Not a stop request of ours: a cancellation leaked from inside the worker.
                reason = "it was cancelled from inside"
            except Exception as error:
                # A side task's failure is the cause; the error is often the shutdown's.
                reason = failures.reasons[0] if failures.reasons else _describe(error)
                # A pool that failed to open stays on the connector, closed: drop it, so
                # that the next start opens a new one.
                with suppress(Exception):
                    await app.close_async()
        if loop.time() - started >= STEADY_RUN_SECONDS:
            stops_in_a_row = 0
        delay = RESTART_DELAYS[min(stops_in_a_row, len(RESTART_DELAYS) - 1)]
        stops_in_a_row += 1
        health.stopped(reason)
        log.warning(
            "worker stopped; starting again",
            reason=reason,
            in_seconds=delay,
            restarts=health.restarts,
        )
        await asyncio.sleep(delay)


def _stop_if_asked() -> None:
    """CancelledError when this task was asked to stop: a cancellation can be lost on the way
    in (Python 3.11's `asyncio.wait_for` drops one that lands as the awaited task finishes),
    and the worker would then start and run on as if no stop had been asked."""
    current = asyncio.current_task()
    if current is not None and current.cancelling():
        raise asyncio.CancelledError


@asynccontextmanager
async def worker_in_background(
    app: procrastinate.App, health: WorkerHealth | None = None
) -> AsyncIterator[None]:
    """A worker alongside the API (`serve`), stopped with it."""
    task = asyncio.create_task(run_worker(app, health), name="procrastinate-worker")
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
