"""Leases that prove a process alive on the shared database."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol


class ProcessLeases(Protocol):
    """A lease each live process holds on the shared database while it runs: a lease no one
    holds proves its process gone (a killed process loses it with its connection)."""

    async def hold(self, instance: int) -> None:
        """Take `instance`'s lease and keep it until `release`, taking it again after a lost
        connection. Raises ServiceUnavailable when the database cannot be reached now."""
        ...

    async def release(self) -> None:
        """Let go of the lease (idempotent)."""
        ...

    async def gone(self, instances: Collection[int]) -> set[int]:
        """Those of `instances` whose lease no one holds."""
        ...
