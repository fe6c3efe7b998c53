"""Worker processes for CPU-bound work: results, errors, dead workers and no leftovers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from adapters.workers import ProcessWorkerPool
from application.errors import ServiceUnavailable


def _pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def _refuse(n: int) -> int:
    raise ValueError(f"no {n}")


def _die(_: int) -> int:
    os._exit(3)  # as a process killed or out of memory


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


async def test_work_runs_in_another_process_and_its_errors_come_back() -> None:
    pool = ProcessWorkerPool(1)
    try:
        pid, square = await pool.run(_pid_and_square, 7)
        with pytest.raises(ValueError, match="no 3"):
            await pool.run(_refuse, 3)
        again, _ = await pool.run(_pid_and_square, 1)
    finally:
        await pool.close()

    assert square == 49
    assert pid != os.getpid()
    assert again == pid  # one process, kept for all the work


async def test_a_worker_that_dies_is_replaced_and_the_pool_serves_on() -> None:
    pool = ProcessWorkerPool(1)
    try:
        first, _ = await pool.run(_pid_and_square, 2)
        with pytest.raises(ServiceUnavailable):
            await pool.run(_die, 0)  # dies once, and again when tried once more
        after, square = await pool.run(_pid_and_square, 3)
    finally:
        await pool.close()

    assert square == 9
    assert after != first


async def test_closing_leaves_no_process_behind() -> None:
    before = _children()
    pool = ProcessWorkerPool(2)
    pool.start()
    await pool.run(_pid_and_square, 1)
    assert len(_children() - before) == 2

    await pool.close()

    assert _children() - before == set()


def test_workers_leave_when_their_process_is_killed_outright() -> None:
    """A parent killed without a chance to stop them (SIGKILL) leaves no worker waiting."""
    script = textwrap.dedent(
        """
        import asyncio, os, sys
        from adapters.workers import ProcessWorkerPool

        async def main():
            pool = ProcessWorkerPool(2)
            pool.start()
            await pool.run(abs, -1)
            import psutil
            print(*(p.pid for p in psutil.Process().children()), flush=True)
            os._exit(0)  # no shutdown, as SIGKILL would

        if __name__ == "__main__":
            asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    workers = [int(pid) for pid in done.stdout.split()]  # and multiprocessing's tracker
    assert len(workers) >= 2

    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [pid for pid in workers if psutil.pid_exists(pid)]
    assert alive == [] or all(psutil.Process(p).status() == psutil.STATUS_ZOMBIE for p in alive)
