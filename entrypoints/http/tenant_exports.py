"""/v1/tenants/{tenant_id}/close, /reopen and /exports: an owner closes the tenant, or takes
its data out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from application.tenant_exports import archive_name
from domain.tenant_exports import ExportId, ExportKind, TenantExport
from entrypoints.http.requests import page_request, path_id, principal, tenant_id
from entrypoints.http.routing import PAGE_PARAMS, Endpoint, reply, use_cases
from entrypoints.http.schemas import CreatedAt, Items, NextCursor, TenantOut, TenantRef

ARCHIVE_TYPE = "application/gzip"

Instant = Annotated[datetime, msgspec.Meta(tz=True)]


class TenantExportOut(msgspec.Struct, tag_field="object", tag="tenant_export"):
    """An export of the tenant's data: a gzip-compressed JSON-lines archive, one record a
    line as {"kind", "data"}, built by a worker and kept until `expires_at`."""

    id: Annotated[UUID, msgspec.Meta(description="The export's id.")]
    tenant_id: TenantRef
    requested_by: Annotated[
        UUID | None,
        msgspec.Meta(description="The user who asked for it (null: an API key)."),
    ]
    status: Annotated[
        Literal["pending", "running", "ready", "failed"],
        msgspec.Meta(
            description="pending: waiting for a worker; running: being built; ready: "
            "downloadable; failed: see `error`, and ask for a new one.",
            examples=["ready"],
        ),
    ]
    created_at: CreatedAt
    started_at: Annotated[Instant | None, msgspec.Meta(description="When its build began.")]
    completed_at: Annotated[
        Instant | None, msgspec.Meta(description="When it became ready, or failed.")
    ]
    error: Annotated[
        str | None,
        msgspec.Meta(
            description="Why it failed (null unless failed).",
            examples=["the database could not be reached: connection refused"],
        ),
    ]
    counts: Annotated[
        dict[str, int],
        msgspec.Meta(
            description="Records in the archive per kind: "
            + ", ".join(k.value for k in ExportKind)
            + ".",
            examples=[{"tenant": 1, "member": 2, "lead": 120, "call": 340}],
        ),
    ]
    size_bytes: Annotated[int | None, msgspec.Meta(description="The archive's size.")]
    sha256: Annotated[
        str | None,
        msgspec.Meta(
            description="The archive's SHA-256 (hex); also its ETag.",
            examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
        ),
    ]
    expires_at: Annotated[Instant, msgspec.Meta(description="When it is deleted (RFC 3339).")]
    download_url: Annotated[
        str | None,
        msgspec.Meta(
            description="Where to download it, once ready.",
            examples=[
                "/v1/tenants/0192f0c4-9a1e-7cc1-8f3e-2d4b6a8c0e11/exports/"
                "0192f0c5-1b2c-7d3e-8f40-516273849a0b/download"
            ],
        ),
    ]

    @classmethod
    def of(cls, e: TenantExport) -> TenantExportOut:
        return cls(
            e.id,
            e.tenant_id,
            e.requested_by,
            e.status.value,
            e.created_at,
            e.started_at,
            e.completed_at,
            e.error,
            dict(e.counts),
            e.size_bytes,
            e.sha256,
            e.expires_at,
            f"{_path(e)}/download" if e.status.value == "ready" else None,
        )


class TenantExportPage(msgspec.Struct):
    """A page of the tenant's exports, newest first."""

    items: Annotated[list[TenantExportOut], Items]
    next_cursor: NextCursor


def _path(e: TenantExport) -> str:
    return f"/v1/tenants/{e.tenant_id}/exports/{e.id}"


def export_id(request: web.Request) -> ExportId:
    return ExportId(path_id(request, "export_id"))


async def close_tenant(request: web.Request) -> web.Response:
    """Close the tenant (owners; platform admins too, audited). At once its members and keys
    are refused (403) except to read the tenant, download its exports and reopen it; its
    running batches pause. Its data is deleted after the grace period (`purge_after`), and
    it can be reopened until then. Closing a tenant that is not active is a 409."""
    tenant = await use_cases(request).tenant_closure.close(principal(request), tenant_id(request))
    return reply(TenantOut.of(tenant))


async def reopen_tenant(request: web.Request) -> web.Response:
    """Reopen a closed tenant before its `purge_after` (owners, platform admins): active
    again with everything it had (paused batches are resumed by hand). A tenant that is not
    closed, or whose grace period is over, is a 409."""
    tenant = await use_cases(request).tenant_closure.reopen(principal(request), tenant_id(request))
    return reply(TenantOut.of(tenant))


async def request_export(request: web.Request) -> web.Response:
    """Ask for an export of every record the tenant has (owners): answered at once with the
    pending export (202, Location); a worker builds it. Poll it until `ready`, then
    download it."""
    export = await use_cases(request).tenant_exports.request_export(
        principal(request), tenant_id(request)
    )
    response = reply(TenantExportOut.of(export), 202)
    response.headers["Location"] = _path(export)
    return response


async def list_exports(request: web.Request) -> web.Response:
    """The tenant's exports, newest first (owners; also while the tenant is closed)."""
    page = await use_cases(request).tenant_exports.list_exports(
        principal(request), tenant_id(request), page_request(request)
    )
    return reply(TenantExportPage([TenantExportOut.of(e) for e in page.items], page.next_cursor))


async def get_export(request: web.Request) -> web.Response:
    """One export of the tenant (owners; also while the tenant is closed)."""
    export = await use_cases(request).tenant_exports.get_export(
        principal(request), tenant_id(request), export_id(request)
    )
    return reply(TenantExportOut.of(export))


async def download_export(request: web.Request) -> web.StreamResponse:
    """The export's archive (owners; also while the tenant is closed), streamed as it is
    read: gzip-compressed JSON lines, one record a line as {"kind": …, "data": {…}}, API
    keys' and webhook endpoints' secrets left out. ETag is its SHA-256. 409 until the export
    is ready."""
    download = await use_cases(request).tenant_exports.download(
        principal(request), tenant_id(request), export_id(request)
    )
    export = download.export
    response = web.StreamResponse(
        headers={
            "Content-Type": ARCHIVE_TYPE,
            "Content-Disposition": f'attachment; filename="{archive_name(export)}"',
            "Content-Length": str(export.size_bytes or 0),
            "ETag": f'"{export.sha256}"',
        }
    )
    await response.prepare(request)
    async for chunk in download.chunks:
        await response.write(chunk)
    await response.write_eof()
    return response


TENANT = "/v1/tenants/{tenant_id}"
EXPORT = TENANT + "/exports/{export_id}"

ROUTES = [
    Endpoint(
        "POST",
        TENANT + "/close",
        close_tenant,
        "Close a tenant: refused at once, deleted after a grace period (owners)",
        "tenants",
        response=TenantOut,
        errors=(403, 404, 409),
    ),
    Endpoint(
        "POST",
        TENANT + "/reopen",
        reopen_tenant,
        "Reopen a closed tenant before its data is deleted (owners)",
        "tenants",
        response=TenantOut,
        errors=(403, 404, 409),
    ),
    Endpoint(
        "POST",
        TENANT + "/exports",
        request_export,
        "Export the tenant's data (owners)",
        "exports",
        response=TenantExportOut,
        status=202,
        errors=(403, 404),
    ),
    Endpoint(
        "GET",
        TENANT + "/exports",
        list_exports,
        "List the tenant's exports (owners)",
        "exports",
        response=TenantExportPage,
        query=PAGE_PARAMS,
        errors=(403, 404, 422),
    ),
    Endpoint(
        "GET",
        EXPORT,
        get_export,
        "Get an export (owners)",
        "exports",
        response=TenantExportOut,
        errors=(403, 404),
    ),
    Endpoint(
        "GET",
        EXPORT + "/download",
        download_export,
        "Download an export's archive (owners)",
        "exports",
        media=ARCHIVE_TYPE,
        errors=(403, 404, 409),
    ),
]
