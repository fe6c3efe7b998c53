"""The in-process job worker (entrypoints/jobs.py run_worker): a worker that stops on an
error is started again, so the reconciler keeps running after the database comes back;
cancelling it (serve shutting down) stops it for good."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from entrypoints import jobs
from entrypoints.jobs import run_worker, worker_in_background


class StubApp:
    """What run_worker uses of a procrastinate App: `open_async()` and `run_worker_async`.
    Each run raises the next scripted error, then runs until cancelled."""

    def __init__(self, *errors: Exception, stop: bool = False) -> None:
        self._errors = list(errors)
        self._stop = stop
        self.runs: list[dict[str, Any]] = []
        self.opened = 0
        self.closed = 0
        self.running = asyncio.Event()
        self.cancelled = False

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
        if self._stop:
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


async def running(app: StubApp) -> asyncio.Task[None]:
    """run_worker in a task, once the app runs for good (a worker that died instead
    raises what it died of)."""
    task = asyncio.create_task(run_worker(app))  # type: ignore[arg-type]
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


async def test_a_worker_that_returns_is_not_started_again():
    app = StubApp(stop=True)

    await asyncio.wait_for(run_worker(app), timeout=2)  # type: ignore[arg-type]

    assert (len(app.runs), app.opened, app.closed) == (1, 1, 1)


async def test_serve_stops_its_background_worker_on_the_way_out():
    app = StubApp(RuntimeError("once"))

    async with worker_in_background(app):  # type: ignore[arg-type]
        await asyncio.wait_for(app.running.wait(), timeout=2)
        assert len(app.runs) == 2

    assert app.cancelled
    assert app.opened == app.closed == 2
