"""What the in-process job worker is doing, as `/readyz` and `/metrics` report it.

Written by the worker loop (entrypoints/jobs.run_worker) and by each reconciler sweep, read
by the HTTP handlers; all of them run on the serving process's one event loop.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import attrs

WorkerState = Literal["starting", "running", "restarting", "stopped"]


@attrs.define
class WorkerHealth:
    state: WorkerState = "starting"
    """starting: not running yet; running; restarting: it stopped and waits to start again;
    stopped: the process is shutting down."""
    restarts: int = 0
    """How many times it stopped by itself and was started again."""
    last_sweep_at: datetime | None = None
    """When the reconciler last finished a sweep in this process."""
    last_stopped_at: datetime | None = None
    last_error: str | None = None
    """Why it last stopped (logged with it; not shown on the public endpoints)."""

    def started(self) -> None:
        self.state = "running"

    def stopping(self) -> None:
        """It is shutting itself down (its database went away) and will start again."""
        self.state = "restarting"

    def stopped(self, reason: str) -> None:
        """It stopped by itself and will be started again."""
        self.state = "restarting"
        self.restarts += 1
        self.last_stopped_at = datetime.now(UTC)
        self.last_error = reason

    def shut_down(self) -> None:
        self.state = "stopped"

    def swept(self) -> None:
        self.last_sweep_at = datetime.now(UTC)
