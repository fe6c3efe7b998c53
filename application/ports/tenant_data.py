"""What the application needs to take a tenant's data out (exports) and to delete it (the
purge of a closed tenant)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from application.pagination import PageRequest
from domain.ids import TenantId
from domain.tenant_exports import ExportId, ExportKind, TenantExport


class TenantExportRepository(Protocol):
    """A tenant's exports, their archives' chunks, and the queue of exports due for work."""

    async def add(self, export: TenantExport) -> None: ...
    async def get(self, tenant_id: TenantId, export_id: ExportId) -> TenantExport | None: ...
    async def save(self, export: TenantExport) -> None: ...
    async def remove(self, export: TenantExport) -> None:
        """The export with its chunks and its place in the queue."""
        ...

    async def list(self, tenant_id: TenantId, page: PageRequest) -> list[TenantExport]:
        """Newest first, at most `page.limit + 1` rows after `page.after`."""
        ...

    async def clear_chunks(self, tenant_id: TenantId, export_id: ExportId) -> None: ...
    async def add_chunk(
        self, tenant_id: TenantId, export_id: ExportId, seq: int, data: bytes
    ) -> None: ...
    async def chunk(self, tenant_id: TenantId, export_id: ExportId, seq: int) -> bytes | None: ...

    async def schedule(self, tenant_id: TenantId, export_id: ExportId, due_at: datetime) -> None:
        """Put the export in the queue (or move it) to be looked at from `due_at`."""
        ...

    async def claim(
        self, tenant_id: TenantId, export_id: ExportId, now: datetime, until: datetime
    ) -> bool:
        """Move a due export's due time to `until`; False when it is not due (any more):
        another worker took it. Of two claiming at once, one wins."""
        ...

    async def due(self, now: datetime, limit: int) -> Sequence[tuple[TenantId, ExportId]]:
        """Exports due for work, across tenants, longest due first."""
        ...


class TenantRecords(Protocol):
    """Every record a tenant has, read for its export."""

    def records(self, tenant_id: TenantId, kind: ExportKind) -> AsyncIterator[dict[str, Any]]:
        """The tenant's records of one kind as JSON-ready dicts (no secrets), read in pages
        (never all in memory), each page in its own short transaction."""
        ...

    async def count(self, tenant_id: TenantId, kind: ExportKind) -> int: ...


class TenantPurger(Protocol):
    """Deletes a tenant's data in bounded batches, so the database stays responsive."""

    async def due(self, now: datetime, limit: int) -> list[TenantId]:
        """Closed tenants whose grace period ended by `now`, longest due first."""
        ...

    async def delete_rows(self, tenant_id: TenantId, chunk_rows: int) -> dict[str, int]:
        """Every row of the tenant in every tenant-scoped table, children first, in
        transactions of at most `chunk_rows` rows each; the rows deleted per table. The
        tenant's own row is left for the caller to delete with its audit entry."""
        ...
