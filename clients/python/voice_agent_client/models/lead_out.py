from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.lead_out_object import LeadOutObject, check_lead_out_object
from ..models.lead_status import LeadStatus, check_lead_status

if TYPE_CHECKING:
    from ..models.lead_out_metadata import LeadOutMetadata


T = TypeVar("T", bound="LeadOut")


@_attrs_define
class LeadOut:
    """A lead of the tenant: someone to call, known by their number.

    Attributes:
        object_ (LeadOutObject):
        id (UUID): The lead's id.
        tenant_id (UUID): The tenant it belongs to.
        name (None | str): The lead's name.
        phone (str): The number, E.164.
        email (None | str): An email address.
        source (None | str): Where the lead came from.
        status (LeadStatus): Where a lead stands: `new` until first contacted, then as the tenant records it.
        timezone (None | str): An IANA time zone.
        do_not_call (bool): true: no call is placed to the lead.
        metadata (LeadOutMetadata): Free-form data about the lead (an import puts its other columns here).
        last_contacted_at (datetime.datetime | None): When it was last contacted; null: never.
        last_call_id (None | UUID): The call of the last contact, when one made it.
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: LeadOutObject
    id: UUID
    tenant_id: UUID
    name: None | str
    phone: str
    email: None | str
    source: None | str
    status: LeadStatus
    timezone: None | str
    do_not_call: bool
    metadata: LeadOutMetadata
    last_contacted_at: datetime.datetime | None
    last_call_id: None | UUID
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id = str(self.tenant_id)

        name: None | str
        name = self.name

        phone = self.phone

        email: None | str
        email = self.email

        source: None | str
        source = self.source

        status: str = self.status

        timezone: None | str
        timezone = self.timezone

        do_not_call = self.do_not_call

        metadata = self.metadata.to_dict()

        last_contacted_at: None | str
        if isinstance(self.last_contacted_at, datetime.datetime):
            last_contacted_at = self.last_contacted_at.isoformat()
        else:
            last_contacted_at = self.last_contacted_at

        last_call_id: None | str
        if isinstance(self.last_call_id, UUID):
            last_call_id = str(self.last_call_id)
        else:
            last_call_id = self.last_call_id

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "tenant_id": tenant_id,
                "name": name,
                "phone": phone,
                "email": email,
                "source": source,
                "status": status,
                "timezone": timezone,
                "do_not_call": do_not_call,
                "metadata": metadata,
                "last_contacted_at": last_contacted_at,
                "last_call_id": last_call_id,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.lead_out_metadata import LeadOutMetadata  # noqa: PLC0415

        d = dict(src_dict)
        object_ = check_lead_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        phone = d.pop("phone")

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        def _parse_source(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source = _parse_source(d.pop("source"))

        status = check_lead_status(d.pop("status"))

        def _parse_timezone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        timezone = _parse_timezone(d.pop("timezone"))

        do_not_call = d.pop("do_not_call")

        metadata = LeadOutMetadata.from_dict(d.pop("metadata"))

        def _parse_last_contacted_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_contacted_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_contacted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_contacted_at = _parse_last_contacted_at(d.pop("last_contacted_at"))

        def _parse_last_call_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_call_id_type_0 = UUID(data)

                return last_call_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        last_call_id = _parse_last_call_id(d.pop("last_call_id"))

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        lead_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            name=name,
            phone=phone,
            email=email,
            source=source,
            status=status,
            timezone=timezone,
            do_not_call=do_not_call,
            metadata=metadata,
            last_contacted_at=last_contacted_at,
            last_call_id=last_call_id,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        lead_out.additional_properties = d
        return lead_out

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
