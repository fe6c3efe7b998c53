"""Which core runs what: the server under test on one, the load generator on the other."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

SERVER_CORE = 0
LOAD_CORE = 1


def pinned(core: int, command: Sequence[str]) -> list[str]:
    """`command`, started on `core` only (taskset: its threads and children inherit it)."""
    return ["taskset", "-c", str(core), *command]


def set_affinity(pid: int, cores: set[int]) -> None:
    """Move a running process, every thread of it and its children, to `cores`."""
    import psutil

    processes = [psutil.Process(pid)]
    with contextlib.suppress(psutil.NoSuchProcess):
        processes += processes[0].children(recursive=True)
    for process in processes:
        for task in Path(f"/proc/{process.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(task.name), cores)
