"""UUIDv7 ids (time-ordered: good index locality, creation order for free)."""

from uuid import UUID

import uuid6


class Uuid7Generator:
    def new(self) -> UUID:
        return UUID(bytes=uuid6.uuid7().bytes)
