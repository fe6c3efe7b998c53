"""The job worker (entrypoints/jobs.py run_worker): a worker that stops, on an error or by
returning, is started again with a growing delay and the reason logged, asks for a sweep at
each start, and reports its health; cancelling it (the process stopping) ends it for good."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import procrastinate
import pytest
from procrastinate.testing import InMemoryConnector
from structlog.testing import capture_logs

from adapters.postgres import job_queue
from application.batches import DispatchReport
from application.reconciliation import SweepReport
from application.webhook_delivery import DeliveryReport
from entrypoints import cli, jobs
from entrypoints.jobs import (
    DELIVER_TASK,
    DISPATCH_TASK,
    EXPORT_TASK,
    RECONCILE_TASK,
    SETTLE_NUMBERS_TASK,
    job_app,
    postgres_connector,
    run_worker,
    worker_in_background,
)
from entrypoints.worker_health import WorkerHealth


class StubTask:
    """A job's task: records each defer, or refuses it as the queueing lock does."""

    def __init__(self, *, already_enqueued: bool = False) -> None:
        self.defers: list[dict[str, Any]] = []
        self._already_enqueued = already_enqueued

    async def defer_async(self, **kwargs: Any) -> int:
        self.defers.append(kwargs)
        if self._already_enqueued:
            raise procrastinate.exceptions.AlreadyEnqueued("a sweep is waiting")
        return len(self.defers)


class StubApp:
    """What run_worker uses of a procrastinate App: `open_async()`, `run_worker_async` and
    the reconcile and dispatch tasks.
    Each run raises the next scripted error, then returns as often as scripted, then runs
    until cancelled."""

    def __init__(self, *errors: Exception, returns: int = 0) -> None:
        self._errors = list(errors)
        self._returns = returns
        self.runs: list[dict[str, Any]] = []
        self.opened = 0
        self.closed = 0
        self.running = asyncio.Event()
        self.cancelled = False
        self.closed_again = 0
        self.sweeps = StubTask()
        self.dispatches = StubTask()
        self.deliveries = StubTask()
        self.exports = StubTask()
        self.settles = StubTask()
        self.tasks = {
            RECONCILE_TASK: self.sweeps,
            DISPATCH_TASK: self.dispatches,
            DELIVER_TASK: self.deliveries,
            EXPORT_TASK: self.exports,
            SETTLE_NUMBERS_TASK: self.settles,
        }

    async def close_async(self) -> None:
        self.closed_again += 1

    @asynccontextmanager
    async def open_async(self) -> AsyncIterator[StubApp]:
        self.opened += 1
        try:
            yield self
        finally:
            self.closed += 1

    async def run_worker_async(self, **options: Any) -> None:
        self.runs.append(options)
        if self._errors:
            raise self._errors.pop(0)
        if self._returns:
            self._returns -= 1
            return
        self.running.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "RESTART_DELAYS", (0,))


async def running(app: StubApp, health: WorkerHealth | None = None) -> asyncio.Task[None]:
    """run_worker in a task, once the app runs for good (a worker that died instead
    raises what it died of)."""
    task = asyncio.create_task(run_worker(app, health))  # type: ignore[arg-type]
    started = asyncio.create_task(app.running.wait())
    await asyncio.wait({task, started}, timeout=2, return_when=asyncio.FIRST_COMPLETED)
    started.cancel()
    if task.done():
        task.result()
        pytest.fail("the worker returned")
    assert app.running.is_set(), "the worker never ran"
    return task


async def test_a_worker_that_stops_on_an_error_is_started_again():
    app = StubApp(RuntimeError("the database went away"))

    task = await running(app)

    assert len(app.runs) == 2
    assert app.runs[0] == app.runs[1]
    assert app.runs[0]["install_signal_handlers"] is False  # serve owns the signals
    assert (app.opened, app.closed) == (2, 1), "each run on a freshly opened app"
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_it_keeps_starting_again_whatever_the_error():
    errors = [OSError("connection refused"), ValueError("bad row"), RuntimeError("lost")]
    app = StubApp(*errors)

    task = await running(app)

    assert len(app.runs) == len(errors) + 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_cancelling_the_worker_stops_it_and_closes_the_app():
    app = StubApp(RuntimeError("once"))
    task = await running(app)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert app.cancelled
    assert app.opened == app.closed == 2
    await asyncio.sleep(0)
    assert len(app.runs) == 2, "not started again after being cancelled"


async def test_a_worker_that_returns_without_an_error_is_started_again():
    """procrastinate's worker shuts itself down and returns normally when one of its side
    tasks (the LISTEN connection, the heartbeat) loses the database: that is a stop too."""
    app = StubApp(returns=2)

    with capture_logs() as logs:
        task = await running(app)

    assert len(app.runs) == 3
    assert (app.opened, app.closed) == (3, 2)
    stops = [e for e in logs if e["event"] == "worker stopped; starting again"]
    assert [e["log_level"] for e in stops] == ["warning", "warning"]
    assert all("returned" in e["reason"] for e in stops), stops
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_serve_stops_its_background_worker_on_the_way_out():
    app = StubApp(RuntimeError("once"))

    async with worker_in_background(app):  # type: ignore[arg-type]
        await asyncio.wait_for(app.running.wait(), timeout=2)
        assert len(app.runs) == 2

    assert app.cancelled
    assert app.opened == app.closed == 2


async def test_its_health_counts_restarts_and_says_when_it_is_shut_down():
    app = StubApp(RuntimeError("the database went away"), returns=1)
    health = WorkerHealth()
    assert health.state == "starting"

    task = await running(app, health)

    assert (health.state, health.restarts) == ("running", 2)
    assert health.last_error == "it returned by itself"
    assert health.last_stopped_at is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (health.state, health.restarts) == ("stopped", 2)


async def test_each_start_asks_for_a_sweep_at_once():
    """The minute's periodic sweep was already deferred before the database went away:
    without this, a worker back after an outage would wait for the next minute."""
    app = StubApp(RuntimeError("once"))

    task = await running(app)

    assert len(app.sweeps.defers) == 2
    assert all(isinstance(d["timestamp"], int) for d in app.sweeps.defers)
    assert len(app.deliveries.defers) == 2  # webhooks waiting are sent at once too
    assert len(app.exports.defers) == 2  # and exports asked for meanwhile are built
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_sweep_already_waiting_does_not_stop_the_start():
    app = StubApp()
    app.sweeps = app.tasks[RECONCILE_TASK] = StubTask(already_enqueued=True)

    with capture_logs() as logs:
        task = await running(app)

    assert (len(app.runs), len(app.sweeps.defers)) == (1, 1)
    assert not [e for e in logs if e["event"] == "worker stopped; starting again"]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_reason_of_a_database_error_is_its_cause_on_one_line():
    lost = OSError("connection to server failed:\n  Connection refused")
    wrapped = procrastinate.exceptions.ConnectorException()
    wrapped.__cause__ = lost
    app = StubApp(wrapped)

    with capture_logs() as logs:
        task = await running(app)

    [stop] = [e for e in logs if e["event"] == "worker stopped; starting again"]
    assert stop["reason"] == "OSError: connection to server failed: Connection refused"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_delay_grows_with_each_stop_in_a_row_up_to_a_cap(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(jobs, "RESTART_DELAYS", (0, 0.001, 0.002))
    app = StubApp(*(OSError("connection refused") for _ in range(5)))

    with capture_logs() as logs:
        task = await running(app)

    delays = [e["in_seconds"] for e in logs if e["event"] == "worker stopped; starting again"]
    assert delays == [0, 0.001, 0.002, 0.002, 0.002]
    assert {e["reason"] for e in logs if "reason" in e} == {"OSError: connection refused"}
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancellation_from_inside_the_worker_is_a_stop_not_a_shutdown():
    """Only cancelling run_worker itself (the process stopping) ends it."""
    app = StubApp(asyncio.CancelledError())  # type: ignore[arg-type]

    task = await running(app)

    assert len(app.runs) == 2
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


class ListenLostOnce(InMemoryConnector):
    """procrastinate's in-memory queue, whose first LISTEN connection is lost."""

    def __init__(self) -> None:
        super().__init__()
        self.listens = 0

    async def listen_notify(self, on_notification: Any, channels: Any) -> None:
        self.listens += 1
        if self.listens == 1:  # as procrastinate's psycopg connector wraps the driver's error
            lost = OSError("server closed the connection\n\tunexpectedly")
            raise procrastinate.exceptions.ConnectorException() from lost
        await super().listen_notify(on_notification, channels)


class SweepsAfterARestart:
    """A reconciler that notes the sweeps run once the worker was started again."""

    def __init__(self, health: WorkerHealth) -> None:
        self._health = health
        self.after_restart = asyncio.Event()

    async def sweep(self) -> SweepReport:
        if self._health.restarts:
            self.after_restart.set()
        return SweepReport()


async def test_a_real_worker_that_lost_its_listen_connection_is_started_again_and_sweeps() -> None:
    """The fault as procrastinate 3 has it: the LISTEN side task fails, the worker logs it,
    shuts itself down and returns without raising."""
    connector = ListenLostOnce()
    health = WorkerHealth()
    reconciler = SweepsAfterARestart(health)
    app = job_app(connector, reconciler, health)  # type: ignore[arg-type]

    with capture_logs() as logs:
        task = asyncio.create_task(run_worker(app, health))
        async with asyncio.timeout(5):
            await reconciler.after_restart.wait()

    [stop] = [e for e in logs if e["event"] == "worker stopped; starting again"]
    assert stop["log_level"] == "warning"
    assert stop["reason"] == (
        "its listener task failed: OSError: server closed the connection unexpectedly"
    )
    assert (connector.listens, health.restarts) == (2, 1)
    await asyncio.sleep(0)  # the sweep's job finishes
    assert (health.state, health.last_sweep_at is not None) == ("running", True)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_worker_whose_database_is_down_tries_a_new_pool_at_each_start(
    monkeypatch: pytest.MonkeyPatch,
):
    """Opening the queue's pool gives up quickly (and psycopg_pool closes it); the next
    start must open a new pool, not find the closed one still on the connector."""
    monkeypatch.setattr(job_queue, "WAIT_SECONDS", 0.2)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"postgresql://nobody@127.0.0.1:{probe.getsockname()[1]}/none"
    health = WorkerHealth()
    app = job_app(postgres_connector(url, connect_timeout=1), SweepsAfterARestart(health))  # type: ignore[arg-type]

    with capture_logs() as logs:
        task = asyncio.create_task(run_worker(app, health))
        async with asyncio.timeout(10):
            while health.restarts < 3:  # noqa: ASYNC110 (the health has nothing to wait on)
                await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    reasons = [e["reason"] for e in logs if e["event"] == "worker stopped; starting again"]
    assert len(reasons) >= 3
    assert all(r.startswith("PoolTimeout: pool initialization incomplete") for r in reasons), (
        reasons
    )
    assert health.state == "stopped"


def unused_port_url() -> str:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return f"postgresql://nobody@127.0.0.1:{probe.getsockname()[1]}/none"


async def test_a_worker_stopped_while_its_pool_opens_leaves_nothing_running():
    """A stop (SIGTERM) while the queue's pool is still connecting closes that pool: its
    connection attempts retry for ever otherwise, and the process never exits."""
    health = WorkerHealth()
    app = job_app(
        postgres_connector(unused_port_url(), connect_timeout=1), SweepsAfterARestart(health)
    )  # type: ignore[arg-type]
    before = asyncio.all_tasks()
    task = asyncio.create_task(run_worker(app, health))
    await asyncio.sleep(0.3)  # the pool is opening: it waits up to WAIT_SECONDS

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    await asyncio.sleep(0.1)
    left_behind = {t.get_name() for t in asyncio.all_tasks() - before if not t.done()}
    assert not left_behind
    assert health.state == "stopped"


class ListenLostThenUnregisterWaits(ListenLostOnce):
    """…and whose worker then waits to unregister, as it does for a database not back yet."""

    def __init__(self) -> None:
        super().__init__()
        self.unregistering = asyncio.Event()
        self.database_back = asyncio.Event()

    async def unregister_worker_run(self, worker_id: int) -> None:
        self.unregistering.set()
        await self.database_back.wait()
        await super().unregister_worker_run(worker_id)


async def test_a_worker_shutting_itself_down_is_reported_as_restarting_at_once():
    connector = ListenLostThenUnregisterWaits()
    health = WorkerHealth()
    app = job_app(connector, SweepsAfterARestart(health), health)  # type: ignore[arg-type]
    task = asyncio.create_task(run_worker(app, health))
    async with asyncio.timeout(5):
        await connector.unregistering.wait()

    assert (health.state, health.restarts) == ("restarting", 0)

    connector.database_back.set()
    async with asyncio.timeout(5):
        while health.restarts == 0 or health.state != "running":  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


class HeldSweeps:
    """A reconciler whose sweeps last until released."""

    def __init__(self) -> None:
        self.sweeps = 0
        self.sweeping = asyncio.Event()
        self.release = asyncio.Event()

    async def sweep(self) -> SweepReport:
        self.sweeps += 1
        self.sweeping.set()
        await self.release.wait()
        return SweepReport()


async def test_a_sweep_due_while_one_runs_in_this_process_is_skipped():
    """A worker's start asks for a sweep, and the minute's may come at the same time: two
    sweeps at once would look every due call up twice."""
    reconciler = HeldSweeps()
    health = WorkerHealth()
    app = job_app(InMemoryConnector(), reconciler, health)  # type: ignore[arg-type]
    sweep = app.tasks[RECONCILE_TASK].func
    first = asyncio.create_task(sweep(timestamp=0))
    async with asyncio.timeout(2):
        await reconciler.sweeping.wait()

    with capture_logs() as logs:
        await asyncio.wait_for(sweep(timestamp=60), timeout=2)

    assert reconciler.sweeps == 1
    assert [e["event"] for e in logs] == ["sweep skipped: one is running in this process"]
    reconciler.release.set()
    await asyncio.wait_for(first, timeout=2)
    assert health.last_sweep_at is not None
    await asyncio.wait_for(sweep(timestamp=120), timeout=2)  # the next one runs
    assert reconciler.sweeps == 2


class ScriptedDispatcher:
    """A dispatcher whose slices report the running batches it is given, one per slice."""

    def __init__(self, *running: int) -> None:
        self._running = list(running)
        self.slices = 0

    async def run(self, budget: Any, idle_pause: float) -> DispatchReport:
        self.slices += 1
        return DispatchReport(running=self._running.pop(0))


async def _queued_dispatches(connector: InMemoryConnector) -> list[dict[str, Any]]:
    return [
        job
        for job in connector.jobs.values()
        if job["task_name"] == DISPATCH_TASK and job["status"] == "todo"
    ]


async def test_a_dispatch_slice_defers_the_next_at_once_while_batches_run_and_later_when_none_do():
    """Any free worker takes the next slice, so workers share the dialling; with nothing
    running the chain goes on slowly, so a batch started meanwhile is served soon."""
    connector = InMemoryConnector()
    dispatcher = ScriptedDispatcher(2, 0)
    app = job_app(connector, HeldSweeps(), dispatcher=dispatcher)  # type: ignore[arg-type]
    dispatch = app.tasks[DISPATCH_TASK].func
    async with app.open_async():
        await dispatch(timestamp=0)
        [soon] = await _queued_dispatches(connector)
        assert soon["scheduled_at"] is None
        connector.jobs.clear()

        await dispatch(timestamp=5)
        [later] = await _queued_dispatches(connector)
        assert later["scheduled_at"] is not None
        assert later["scheduled_at"] > datetime.now(UTC)
    assert dispatcher.slices == 2


class SwallowingApp(StubApp):
    """An app whose opening loses a cancellation that lands in it, as Python 3.11's
    `asyncio.wait_for` can when the awaited task finishes at that moment."""

    def __init__(self) -> None:
        super().__init__()
        self.opening = asyncio.Event()

    @asynccontextmanager
    async def open_async(self) -> AsyncIterator[StubApp]:
        self.opened += 1
        self.opening.set()
        with contextlib.suppress(asyncio.CancelledError):  # lost on the way in
            await asyncio.sleep(1)
        try:
            yield self
        finally:
            self.closed += 1


async def test_a_stop_lost_while_the_app_opens_still_stops_the_worker():
    app = SwallowingApp()
    task = asyncio.create_task(run_worker(app))  # type: ignore[arg-type]
    await app.opening.wait()

    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=2)
    assert app.runs == []  # the worker never started
    assert (app.opened, app.closed) == (1, 1)


class CountedDeliveries:
    def __init__(self) -> None:
        self.slices = 0

    async def run(self, budget: Any, idle_pause: float) -> DeliveryReport:
        self.slices += 1
        return DeliveryReport(started=1, delivered=1)


async def test_a_delivery_slice_defers_the_next_at_once_and_none_runs_without_a_deliverer():
    """A new event waits half a second at most, whichever worker takes the next slice; a
    worker that cannot deliver takes the jobs and starts no chain."""
    connector = InMemoryConnector()
    deliverer = CountedDeliveries()
    app = job_app(connector, HeldSweeps(), deliverer=deliverer)  # type: ignore[arg-type]
    deliver = app.tasks[DELIVER_TASK].func

    def queued() -> list[dict[str, Any]]:
        return [
            job
            for job in connector.jobs.values()
            if job["task_name"] == DELIVER_TASK and job["status"] == "todo"
        ]

    async with app.open_async():
        await deliver(timestamp=0)
        [next_slice] = queued()
        assert next_slice["scheduled_at"] is None
    assert deliverer.slices == 1

    idle = InMemoryConnector()
    without = job_app(idle, HeldSweeps())  # type: ignore[arg-type]
    async with without.open_async():
        await without.tasks[DELIVER_TASK].func(timestamp=0)
    assert [j for j in idle.jobs.values() if j["task_name"] == DELIVER_TASK] == []


def test_every_worker_is_given_every_job_it_can_do(memory_container, monkeypatch):
    """`serve`'s worker and `voice-agent worker` build their jobs in one place, which gives
    each job of job_app what it needs: a job left without one takes its turns and does
    nothing (as the retention purge once did in `serve`)."""
    given: dict[str, Any] = {}

    def recording(*args: Any, **kwargs: Any) -> None:
        names = list(inspect.signature(job_app).parameters)
        given.update(zip(names, args, strict=False), **kwargs)

    monkeypatch.setattr(cli, "job_app", recording)

    cli.jobs_of(memory_container, InMemoryConnector(), WorkerHealth())

    expected = set(inspect.signature(job_app).parameters)
    assert {name for name, value in given.items() if value is not None} == expected
