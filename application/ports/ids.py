"""Where new ids come from."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class IdGenerator(Protocol):
    def new(self) -> UUID:
        """A new unique, time-ordered id (UUIDv7)."""
        ...
