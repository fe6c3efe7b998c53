"""Worker processes for CPU-bound work (checking an import's rows), shared by the process."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait
from typing import Any, TypeVar

from application.errors import ServiceUnavailable

R = TypeVar("R")


def _serve_until_the_parent_goes() -> None:
    """In each worker, before any work. Ctrl-C reaches a terminal's whole process group: the
    parent decides what stops, and stops its workers. A parent killed outright (no chance to
    stop them) must not leave them waiting for work forever: each leaves when it is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch(sentinel: int) -> None:
            wait([sentinel])
            os._exit(0)

        threading.Thread(target=watch, args=(parent.sentinel,), daemon=True).start()


def _started() -> None:
    """Nothing: submitted to have a worker process started."""


class ProcessWorkerPool:
    """`workers` processes, started with the first work (or by start()) and shared by all
    the work of this process; closed by close(). Processes are spawned, not forked: a fork
    of a process with threads and an event loop could inherit a lock held by another thread.
    A pool one of whose processes died (killed, out of memory) takes no more work: it is
    replaced, and the work it held is tried once more in the new one."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("a worker pool has at least one worker")
        self._workers = workers
        self._executor: ProcessPoolExecutor | None = None

    @property
    def workers(self) -> int:
        return self._workers

    def start(self) -> None:
        executor = self._pool()
        # Processes start as work arrives and none is idle: one piece each starts them all.
        for _ in range(self._workers):
            try:
                executor.submit(_started)
            except BrokenProcessPool:
                self._discard(executor)
                return

    async def run(self, fn: Callable[..., R], /, *args: Any) -> R:
        loop = asyncio.get_running_loop()
        executor = self._pool()
        try:
            return await loop.run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            self._discard(executor)
        executor = self._pool()
        try:
            return await loop.run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            self._discard(executor)
            raise ServiceUnavailable("the worker processes stopped while working") from None

    async def close(self) -> None:
        """Stop the processes: work not begun is dropped, work under way ends first."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_serve_until_the_parent_goes,
            )
        return self._executor

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        if self._executor is executor:
            self._executor = None
        executor.shutdown(wait=False, cancel_futures=True)
