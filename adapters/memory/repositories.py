"""What every in-memory repository shares: a transaction's overlay of pending writes
over the committed tables, pages, version checks and tenant scoping.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from application.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    lead_phone_taken,
    number_taken,
    provider_number_taken,
)
from application.pagination import PageRequest, Position
from application.ports.leads import StagedLead
from domain.ids import TenantId

if TYPE_CHECKING:
    from adapters.memory.unit_of_work import InMemoryDatabase


T = TypeVar("T")
_DELETED = object()


class Overlay:
    """Pending writes of one transaction over the committed tables."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self.pending: dict[str, dict[Any, Any]] = {name: {} for name in db.tables}
        # The committed version each versioned save started from: checked again at commit,
        # as PostgreSQL's row lock would, so two transactions cannot both win.
        self.based_on: dict[tuple[str, Any], int] = {}
        # An import's rows, private to the transaction like PostgreSQL's temporary table.
        self.staged_leads: list[StagedLead] = []

    def get(self, table: str, key: Any) -> Any:
        value = self.pending[table].get(key, None)
        if value is _DELETED:
            return None
        if value is None:
            value = self._db.tables[table].get(key)
        return copy.deepcopy(value)

    def rows(self, table: str) -> list[Any]:
        merged = {**self._db.tables[table], **self.pending[table]}
        return [copy.deepcopy(v) for v in merged.values() if v is not _DELETED]

    def rows_where(self, table: str, keep: Callable[[Any], bool]) -> list[Any]:
        """`rows` filtered, copying only the rows kept (a large table stays cheap to query)."""
        merged = {**self._db.tables[table], **self.pending[table]}
        return [copy.deepcopy(v) for v in merged.values() if v is not _DELETED and keep(v)]

    def items(self, table: str) -> list[tuple[Any, Any]]:
        """`rows` with their keys."""
        merged = {**self._db.tables[table], **self.pending[table]}
        return [(k, copy.deepcopy(v)) for k, v in merged.items() if v is not _DELETED]

    def put(self, table: str, key: Any, value: Any) -> None:
        self.pending[table][key] = copy.deepcopy(value)

    def delete(self, table: str, key: Any) -> None:
        self.pending[table][key] = _DELETED

    def committed(self, table: str, key: Any) -> Any:
        return self._db.tables[table].get(key)

    def _check_unique(
        self, table: str, key: Callable[[Any], Any], error: Callable[[], AlreadyExists]
    ) -> None:
        """A unique index: checked at commit against what others committed meanwhile."""
        for row_id, row in self.pending[table].items():
            if row is _DELETED or key(row) is None:
                continue
            for other_id, other in self._db.tables[table].items():
                if other_id != row_id and key(other) == key(row):
                    pending = self.pending[table].get(other_id)
                    if pending is _DELETED or (pending is not None and key(pending) != key(row)):
                        continue
                    raise error()

    def publish(self) -> None:
        for (table, key), version in self.based_on.items():
            committed = self._db.tables[table].get(key)
            if committed is None or committed.version != version:
                raise ConcurrencyConflict(table, key)
        for user in self.pending["users"].values():
            if user is not _DELETED and any(
                other.email == user.email and other.id != user.id
                for other in self._db.tables["users"].values()
            ):
                raise AlreadyExists("user", "email")
        self._check_unique(
            "phone_numbers", lambda n: n.number if n.is_held and n.number else None, number_taken
        )
        self._check_unique(
            "phone_numbers",
            lambda n: n.provider_number_id if n.is_held else None,
            provider_number_taken,
        )
        self._check_unique(
            "phone_numbers",
            lambda n: (n.tenant_id, n.idempotency_key) if n.idempotency_key else None,
            lambda: AlreadyExists("phone number", "idempotency_key"),
        )
        self._check_unique("leads", lambda lead: (lead.tenant_id, lead.phone), lead_phone_taken)
        self._check_unique(
            "calls",
            lambda c: (c.tenant_id, c.idempotency_key) if c.idempotency_key else None,
            lambda: AlreadyExists("call", "idempotency_key"),
        )
        self._check_unique(
            "calls", lambda c: c.vapi_call_id, lambda: AlreadyExists("call", "vapi_call_id")
        )
        self._check_unique(
            "inbox", lambda m: m.dedupe_key, lambda: AlreadyExists("message", "dedupe_key")
        )
        self.based_on.clear()
        for table, writes in self.pending.items():
            for key, value in writes.items():
                if value is _DELETED:
                    self._db.tables[table].pop(key, None)
                else:
                    self._db.tables[table][key] = value
            writes.clear()


def page_of(
    rows: Iterable[T],
    request: PageRequest,
    position: Callable[[T], Position],
    *,
    newest_first: bool = False,
) -> list[T]:
    def key(row: T) -> tuple[datetime, UUID]:
        p = position(row)
        return (p.created_at, p.id)

    ordered = sorted(rows, key=key, reverse=newest_first)
    if request.after is not None:
        mark = (request.after.created_at, request.after.id)
        ordered = [r for r in ordered if (key(r) < mark if newest_first else key(r) > mark)]
    return ordered[: request.limit + 1]


def save_versioned(overlay: Overlay, table: str, entity: Any, name: str) -> None:
    current = overlay.get(table, entity.id)
    committed = overlay.committed(table, entity.id)
    if (
        current is None
        or getattr(current, "tenant_id", None) != getattr(entity, "tenant_id", None)
        or current.version != entity.version
        or (committed is not None and committed.version > entity.version)
    ):
        raise ConcurrencyConflict(name, entity.id)
    if committed is not None:  # else added in this transaction: nobody else has it yet
        overlay.based_on.setdefault((table, entity.id), entity.version)
    entity.version += 1
    overlay.put(table, entity.id, entity)


def owned(row: T | None, tenant_id: TenantId) -> T | None:
    """A tenant-scoped row, only for its own tenant."""
    return row if row is not None and getattr(row, "tenant_id", None) == tenant_id else None
