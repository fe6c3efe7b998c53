"""Process leases in memory: one shared set stands for the database every process uses."""

from __future__ import annotations

from collections.abc import Collection


class InMemoryProcessLeases:
    def __init__(self, held: set[int]) -> None:
        self._held = held
        self._instance: int | None = None

    async def hold(self, instance: int) -> None:
        self._instance = instance
        self._held.add(instance)

    async def release(self) -> None:
        """Also what a killed process's lease comes to: no one holds it any more."""
        if self._instance is not None:
            self._held.discard(self._instance)

    async def gone(self, instances: Collection[int]) -> set[int]:
        return {instance for instance in instances if instance not in self._held}
