from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.tenant_export_out_object import TenantExportOutObject, check_tenant_export_out_object
from ..models.tenant_export_out_status import TenantExportOutStatus, check_tenant_export_out_status

if TYPE_CHECKING:
    from ..models.tenant_export_out_counts import TenantExportOutCounts


T = TypeVar("T", bound="TenantExportOut")


@_attrs_define
class TenantExportOut:
    """An export of the tenant's data: a gzip-compressed JSON-lines archive, one record a
    line as {"kind", "data"}, built by a worker and kept until `expires_at`.

    Attributes:
        object_ (TenantExportOutObject):
        id (UUID): The export's id.
        tenant_id (UUID): The tenant it belongs to.
        requested_by (None | UUID): The user who asked for it (null: an API key).
        status (TenantExportOutStatus): pending: waiting for a worker; running: being built; ready: downloadable;
            failed: see `error`, and ask for a new one.
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        started_at (datetime.datetime | None): When its build began.
        completed_at (datetime.datetime | None): When it became ready, or failed.
        error (None | str): Why it failed (null unless failed).
        counts (TenantExportOutCounts): Records in the archive per kind: tenant, member, invitation, api_key,
            feature_override, voice, phone_number, agent, lead, call, ai_usage, batch, batch_item, webhook_endpoint, audit.
        size_bytes (int | None): The archive's size.
        sha256 (None | str): The archive's SHA-256 (hex); also its ETag.
        expires_at (datetime.datetime): When it is deleted (RFC 3339).
        download_url (None | str): Where to download it, once ready.
    """

    object_: TenantExportOutObject
    id: UUID
    tenant_id: UUID
    requested_by: None | UUID
    status: TenantExportOutStatus
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    error: None | str
    counts: TenantExportOutCounts
    size_bytes: int | None
    sha256: None | str
    expires_at: datetime.datetime
    download_url: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id = str(self.tenant_id)

        requested_by: None | str
        if isinstance(self.requested_by, UUID):
            requested_by = str(self.requested_by)
        else:
            requested_by = self.requested_by

        status: str = self.status

        created_at = self.created_at.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        completed_at: None | str
        if isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        error: None | str
        error = self.error

        counts = self.counts.to_dict()

        size_bytes: int | None
        size_bytes = self.size_bytes

        sha256: None | str
        sha256 = self.sha256

        expires_at = self.expires_at.isoformat()

        download_url: None | str
        download_url = self.download_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "requested_by": requested_by,
                "status": status,
                "created_at": created_at,
                "started_at": started_at,
                "completed_at": completed_at,
                "error": error,
                "counts": counts,
                "size_bytes": size_bytes,
                "sha256": sha256,
                "expires_at": expires_at,
                "download_url": download_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tenant_export_out_counts import TenantExportOutCounts  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_tenant_export_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        def _parse_requested_by(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                requested_by_type_0 = UUID(data)

                return requested_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        requested_by = _parse_requested_by(d.pop("requested_by"))

        status = check_tenant_export_out_status(d.pop("status"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_completed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        completed_at = _parse_completed_at(d.pop("completed_at"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        counts = TenantExportOutCounts.from_dict(d.pop("counts"))

        def _parse_size_bytes(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        size_bytes = _parse_size_bytes(d.pop("size_bytes"))

        def _parse_sha256(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sha256 = _parse_sha256(d.pop("sha256"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        def _parse_download_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        download_url = _parse_download_url(d.pop("download_url"))

        tenant_export_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            requested_by=requested_by,
            status=status,
            created_at=created_at,
            started_at=started_at,
            completed_at=completed_at,
            error=error,
            counts=counts,
            size_bytes=size_bytes,
            sha256=sha256,
            expires_at=expires_at,
            download_url=download_url,
        )

        tenant_export_out.additional_properties = d
        return tenant_export_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
