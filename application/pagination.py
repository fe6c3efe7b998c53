"""Keyset pagination: opaque cursors over (created_at, id), stable under inserts."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

import attrs

from application.errors import InvalidCursor

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# A cursor we issue is about 120 characters; anything much longer is not ours.
_MAX_CURSOR_LENGTH = 256


@attrs.frozen
class Position:
    """Where a page ends: the sort key of its last item."""

    created_at: datetime
    id: UUID

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), str(self.id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        if len(cursor) > _MAX_CURSOR_LENGTH:
            raise InvalidCursor()
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            created_at, id_ = json.loads(raw)
            if not (isinstance(created_at, str) and isinstance(id_, str)):
                raise InvalidCursor()
            position = cls(datetime.fromisoformat(created_at), UUID(id_))
        except (ValueError, TypeError, RecursionError, binascii.Error):
            raise InvalidCursor() from None
        if position.created_at.tzinfo is None:
            raise InvalidCursor()
        return position


@attrs.frozen
class PageRequest:
    limit: int = DEFAULT_PAGE_SIZE
    after: Position | None = None

    @classmethod
    def parse(cls, limit: int | None, cursor: str | None) -> PageRequest:
        size = DEFAULT_PAGE_SIZE if limit is None else max(1, min(limit, MAX_PAGE_SIZE))
        return cls(size, Position.decode(cursor) if cursor else None)


@attrs.frozen
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None

    @classmethod
    def from_rows(
        cls, rows: Sequence[T], request: PageRequest, position: Callable[[T], Position]
    ) -> Page[T]:
        """Repositories fetch `limit + 1` rows; the extra one only says a next page exists."""
        items = rows[: request.limit]
        more = len(rows) > request.limit
        return cls(items, position(items[-1]).encode() if more and items else None)

    @classmethod
    def cut(
        cls, everything: Iterable[T], request: PageRequest, position: Callable[[T], Position]
    ) -> Page[T]:
        """A page of a collection read whole (a catalogue of a few dozen rows that the
        process reads and caches whole anyway), in (created_at, id) order as the
        repositories' pages are, with the same cursors."""

        def key(item: T) -> tuple[datetime, UUID]:
            at = position(item)
            return at.created_at, at.id

        ordered = sorted(everything, key=key)
        if request.after is not None:
            after = (request.after.created_at, request.after.id)
            ordered = [item for item in ordered if key(item) > after]
        return cls.from_rows(ordered[: request.limit + 1], request, position)
