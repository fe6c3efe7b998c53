"""An owner takes the tenant's data out: an export, built by a worker as a gzip-compressed
JSON-lines archive of every record the tenant has, kept in ordered chunks for a while."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import attrs
import structlog

from application.access import Permission, Principal, authorize
from application.context import UseCaseDeps
from application.errors import NotFound
from application.pagination import Page, PageRequest, Position
from application.ports.tenant_data import TenantRecords
from application.tenant_closure import LeavingPolicy
from domain.audit import SYSTEM
from domain.errors import InvalidStateTransition
from domain.ids import TenantId
from domain.tenant_exports import ExportId, ExportKind, ExportStatus, TenantExport

log = structlog.get_logger(__name__)

# A build's hold on an export, renewed with each chunk it writes: a worker that dies lets
# another start it over this long after its last chunk.
BUILD_LEASE = timedelta(minutes=2)
# Exports one worker pass looks at.
_DUE_PER_PASS = 20
_GZIP = 16 + zlib.MAX_WBITS  # zlib's gzip container


def export_position(export: TenantExport) -> Position:
    return Position(export.created_at, export.id)


def archive_name(export: TenantExport) -> str:
    return f"tenant-{export.tenant_id}-export-{export.id}.jsonl.gz"


class _Superseded(Exception):
    """Another worker started this export over (this one's lease ran out): stop quietly."""


@attrs.frozen
class Download:
    export: TenantExport
    chunks: AsyncIterator[bytes]


@attrs.define
class ExportWorkReport:
    built: int = 0
    failed: int = 0
    removed: int = 0


class TenantExportService:
    def __init__(
        self, deps: UseCaseDeps, records: TenantRecords, policy: LeavingPolicy | None = None
    ) -> None:
        self._deps = deps
        self._records = records
        self._policy = policy or LeavingPolicy()

    # --- the API's ---------------------------------------------------------------------

    async def request_export(self, principal: Principal, tenant_id: TenantId) -> TenantExport:
        """A new export, pending until a worker builds it."""
        now = self._deps.clock.now()
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.EXPORTS_MANAGE, tenant_id, tx)
            export = TenantExport.request(
                ExportId(self._deps.ids.new()),
                tenant_id,
                None if principal.is_api_key else principal.user_id,
                now,
                self._policy.export_keep_for,
            )
            await tx.exports.add(export)
            await tx.exports.schedule(tenant_id, export.id, now)
            await self._deps.audit(
                tx,
                principal,
                "tenant.export_requested",
                "tenant_export",
                export.id,
                tenant_id=tenant_id,
            )
            await tx.commit()
        return export

    async def list_exports(
        self, principal: Principal, tenant_id: TenantId, page: PageRequest
    ) -> Page[TenantExport]:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.EXPORTS_READ, tenant_id, tx)
            rows = await tx.exports.list(tenant_id, page)
        return Page.from_rows(rows, page, export_position)

    async def get_export(
        self, principal: Principal, tenant_id: TenantId, export_id: ExportId
    ) -> TenantExport:
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await self._deps.authorize(principal, Permission.EXPORTS_READ, tenant_id, tx)
            return _existing(await tx.exports.get(tenant_id, export_id), export_id)

    async def download(
        self, principal: Principal, tenant_id: TenantId, export_id: ExportId
    ) -> Download:
        """The archive of a ready export, read a chunk per transaction as it is sent."""
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            await authorize(principal, Permission.EXPORTS_READ, tenant_id, tx)
            export = _existing(await tx.exports.get(tenant_id, export_id), export_id)
            if export.status is not ExportStatus.READY:
                raise InvalidStateTransition(
                    f"the export is {export.status}; it can be downloaded once it is ready",
                    field="status",
                )
            await self._deps.audit(
                tx,
                principal,
                "tenant.export_downloaded",
                "tenant_export",
                export.id,
                tenant_id=tenant_id,
            )
            await tx.commit()
        return Download(export, self._chunks(export))

    async def _chunks(self, export: TenantExport) -> AsyncIterator[bytes]:
        for seq in range(export.chunks or 0):
            async with self._deps.uows(tenant_id=export.tenant_id) as tx:
                data = await tx.exports.chunk(export.tenant_id, export.id, seq)
            if data is None:  # removed meanwhile (expired, or the tenant purged)
                raise NotFound("tenant_export", export.id)
            yield data

    # --- the worker's ------------------------------------------------------------------

    async def run_due(self) -> ExportWorkReport:
        """One pass over the exports due: pending ones (or ones whose build's lease ran out)
        are built from the start; finished ones past their expiry are removed."""
        report = ExportWorkReport()
        async with self._deps.uows() as tx:
            due = await tx.exports.due(self._deps.clock.now(), _DUE_PER_PASS)
        for tenant_id, export_id in due:
            await self._work(tenant_id, export_id, report)
        return report

    async def remove_expired(self) -> int:
        """What the purge pass does for exports: remove those past their expiry."""
        report = ExportWorkReport()
        async with self._deps.uows() as tx:
            due = await tx.exports.due(self._deps.clock.now(), _DUE_PER_PASS)
        for tenant_id, export_id in due:
            await self._work(tenant_id, export_id, report, build=False)
        return report.removed

    async def _work(
        self,
        tenant_id: TenantId,
        export_id: ExportId,
        report: ExportWorkReport,
        *,
        build: bool = True,
    ) -> None:
        now = self._deps.clock.now()
        async with self._deps.uows(tenant_id=tenant_id) as tx:
            export = await tx.exports.get(tenant_id, export_id)
            if export is None or not (build or export.is_finished):
                return
            # One worker at a time: the claim moves the export's due time on, and a worker
            # that finds it moved already leaves it.
            if not await tx.exports.claim(tenant_id, export_id, now, now + BUILD_LEASE):
                return
            if export.is_finished:
                if export.expires_at > now:
                    await tx.exports.schedule(tenant_id, export_id, export.expires_at)
                else:
                    await tx.exports.remove(export)
                    await self._deps.audit(
                        tx,
                        SYSTEM,
                        "tenant.export_expired",
                        "tenant_export",
                        export.id,
                        tenant_id=tenant_id,
                    )
                    report.removed += 1
                await tx.commit()
                return
            export.start(now)
            await tx.exports.save(export)
            await tx.exports.clear_chunks(tenant_id, export_id)
            await tx.commit()
        try:
            await self._build(export)
        except _Superseded:
            return
        except Exception as error:
            log.exception("export failed", tenant_id=str(tenant_id), export_id=str(export_id))
            await self._finish(export, failure=_reason(error))
            report.failed += 1
            return
        report.built += 1

    async def _build(self, export: TenantExport) -> None:
        compressor = zlib.compressobj(level=6, wbits=_GZIP)
        digest = hashlib.sha256()
        pending = bytearray()
        counts: dict[str, int] = {}
        seq = 0
        size = 0

        async def flush(data: bytes) -> None:
            nonlocal seq, size
            await self._write_chunk(export, seq, data)
            digest.update(data)
            size += len(data)
            seq += 1

        for kind in ExportKind:
            counts[kind.value] = 0
            async for record in self._records.records(export.tenant_id, kind):
                line = json.dumps(
                    {"kind": kind.value, "data": record}, ensure_ascii=False, separators=(",", ":")
                )
                pending += compressor.compress(line.encode() + b"\n")
                counts[kind.value] += 1
                while len(pending) >= self._policy.export_chunk_bytes:
                    await flush(bytes(pending[: self._policy.export_chunk_bytes]))
                    del pending[: self._policy.export_chunk_bytes]
        pending += compressor.flush()
        while pending:
            await flush(bytes(pending[: self._policy.export_chunk_bytes]))
            del pending[: self._policy.export_chunk_bytes]
        export.counts = counts
        await self._finish(export, size_bytes=size, chunks=seq, sha256=digest.hexdigest())

    async def _write_chunk(self, export: TenantExport, seq: int, data: bytes) -> None:
        now = self._deps.clock.now()
        async with self._deps.uows(tenant_id=export.tenant_id) as tx:
            current = await tx.exports.get(export.tenant_id, export.id)
            if current is None or current.started_at != export.started_at:
                raise _Superseded()
            await tx.exports.add_chunk(export.tenant_id, export.id, seq, data)
            await tx.exports.schedule(export.tenant_id, export.id, now + BUILD_LEASE)
            await tx.commit()

    async def _finish(
        self,
        export: TenantExport,
        *,
        failure: str | None = None,
        size_bytes: int = 0,
        chunks: int = 0,
        sha256: str = "",
    ) -> None:
        now = self._deps.clock.now()
        keep_for = self._policy.export_keep_for
        async with self._deps.uows(tenant_id=export.tenant_id) as tx:
            current = await tx.exports.get(export.tenant_id, export.id)
            if current is None or current.started_at != export.started_at or current.is_finished:
                return  # removed, or started over by another worker
            if failure is None:
                current.complete(
                    now,
                    keep_for,
                    counts=export.counts,
                    size_bytes=size_bytes,
                    chunks=chunks,
                    sha256=sha256,
                )
            else:
                current.fail(now, keep_for, failure)
                await tx.exports.clear_chunks(export.tenant_id, export.id)
            await tx.exports.save(current)
            await tx.exports.schedule(export.tenant_id, export.id, current.expires_at)
            changes: dict[str, Any] = (
                {"counts": current.counts, "size_bytes": size_bytes}
                if failure is None
                else {"error": current.error}
            )
            await self._deps.audit(
                tx,
                SYSTEM,
                "tenant.export_ready" if failure is None else "tenant.export_failed",
                "tenant_export",
                current.id,
                tenant_id=export.tenant_id,
                changes=changes,
            )
            await tx.commit()
        export.status, export.completed_at = current.status, now


def _existing(export: TenantExport | None, export_id: ExportId) -> TenantExport:
    if export is None:
        raise NotFound("tenant_export", export_id)
    return export


def _reason(error: Exception) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())
