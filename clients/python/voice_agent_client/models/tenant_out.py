from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.tenant_out_object import TenantOutObject, check_tenant_out_object
from ..models.tenant_out_status import TenantOutStatus, check_tenant_out_status

T = TypeVar("T", bound="TenantOut")


@_attrs_define
class TenantOut:
    """A tenant: a company using the platform, with its members, plan and records.

    Attributes:
        object_ (TenantOutObject):
        id (UUID): The tenant's id.
        name (str): The tenant's name.
        status (TenantOutStatus): suspended: nobody acts in it until it is reactivated. closed: closed by its owner, who
            may still read it, download its exports and reopen it until purge_after, when its data is deleted.
        is_active (bool): Whether status is active.
        plan_id (None | UUID): The plan it is on.
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
        closed_at (datetime.datetime | None): When it was closed (RFC 3339); null unless closed.
        purge_after (datetime.datetime | None): When a closed tenant's data is deleted (RFC 3339); it can be reopened
            until then. Null unless closed.
    """

    object_: TenantOutObject
    id: UUID
    name: str
    status: TenantOutStatus
    is_active: bool
    plan_id: None | UUID
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    closed_at: datetime.datetime | None
    purge_after: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        name = self.name

        status: str = self.status

        is_active = self.is_active

        plan_id: None | str
        if isinstance(self.plan_id, UUID):
            plan_id = str(self.plan_id)
        else:
            plan_id = self.plan_id

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        closed_at: None | str
        if isinstance(self.closed_at, datetime.datetime):
            closed_at = self.closed_at.isoformat()
        else:
            closed_at = self.closed_at

        purge_after: None | str
        if isinstance(self.purge_after, datetime.datetime):
            purge_after = self.purge_after.isoformat()
        else:
            purge_after = self.purge_after

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "name": name,
                "status": status,
                "is_active": is_active,
                "plan_id": plan_id,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
                "closed_at": closed_at,
                "purge_after": purge_after,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_tenant_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        name = d.pop("name")

        status = check_tenant_out_status(d.pop("status"))

        is_active = d.pop("is_active")

        def _parse_plan_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                plan_id_type_0 = UUID(data)

                return plan_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        plan_id = _parse_plan_id(d.pop("plan_id"))

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_closed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                closed_at_type_0 = datetime.datetime.fromisoformat(data)

                return closed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        closed_at = _parse_closed_at(d.pop("closed_at"))

        def _parse_purge_after(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                purge_after_type_0 = datetime.datetime.fromisoformat(data)

                return purge_after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        purge_after = _parse_purge_after(d.pop("purge_after"))

        tenant_out = cls(
            object_=object_,
            id=id,
            name=name,
            status=status,
            is_active=is_active,
            plan_id=plan_id,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
            closed_at=closed_at,
            purge_after=purge_after,
        )

        tenant_out.additional_properties = d
        return tenant_out

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
