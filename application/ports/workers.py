"""Processes for CPU-bound work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

R = TypeVar("R")


class WorkerPool(Protocol):
    """Processes beside this one for CPU-bound work: another core works on it, and this
    process's event loop stays free for I/O meanwhile."""

    @property
    def workers(self) -> int:
        """How many pieces of work run at once."""
        ...

    def start(self) -> None:
        """Have the processes start now, when they are not running yet (else the first
        work starts them): they take a moment to start."""
        ...

    async def run(self, fn: Callable[..., R], /, *args: Any) -> R:
        """fn(*args) in one of the processes. fn is a module-level function, its arguments
        and result plain picklable values; what it raises is raised here. Cancelling the
        wait drops the result (work that has begun runs to its end, its process stays)."""
        ...
