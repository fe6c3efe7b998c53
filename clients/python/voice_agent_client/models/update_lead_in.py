from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.lead_status import LeadStatus, check_lead_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.update_lead_in_metadata import UpdateLeadInMetadata


T = TypeVar("T", bound="UpdateLeadIn")


@_attrs_define
class UpdateLeadIn:
    """A change to a lead; fields left out stay, null clears.

    Attributes:
        phone (str | Unset): Any common format; without a leading + give `country`.
        country (None | str | Unset):
        name (None | str | Unset):
        email (None | str | Unset):
        source (None | str | Unset):
        status (LeadStatus | Unset): Where a lead stands: `new` until first contacted, then as the tenant records it.
        timezone (None | str | Unset):
        do_not_call (bool | Unset): true: no call is placed to the lead.
        metadata (UpdateLeadInMetadata | Unset): Free-form data about the lead (an import puts its other columns here).
        version (int | None | Unset):
    """

    phone: str | Unset = UNSET
    country: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    source: None | str | Unset = UNSET
    status: LeadStatus | Unset = UNSET
    timezone: None | str | Unset = UNSET
    do_not_call: bool | Unset = UNSET
    metadata: UpdateLeadInMetadata | Unset = UNSET
    version: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        phone = self.phone

        country: None | str | Unset
        if isinstance(self.country, Unset):
            country = UNSET
        else:
            country = self.country

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status

        timezone: None | str | Unset
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

        do_not_call = self.do_not_call

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if phone is not UNSET:
            field_dict["phone"] = phone
        if country is not UNSET:
            field_dict["country"] = country
        if name is not UNSET:
            field_dict["name"] = name
        if email is not UNSET:
            field_dict["email"] = email
        if source is not UNSET:
            field_dict["source"] = source
        if status is not UNSET:
            field_dict["status"] = status
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if do_not_call is not UNSET:
            field_dict["do_not_call"] = do_not_call
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.update_lead_in_metadata import UpdateLeadInMetadata  # noqa: PLC0415

        d = dict(src_dict)
        phone = d.pop("phone", UNSET)

        def _parse_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        country = _parse_country(d.pop("country", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        _status = d.pop("status", UNSET)
        status: LeadStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = check_lead_status(_status)

        def _parse_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

        do_not_call = d.pop("do_not_call", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: UpdateLeadInMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = UpdateLeadInMetadata.from_dict(_metadata)

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        update_lead_in = cls(
            phone=phone,
            country=country,
            name=name,
            email=email,
            source=source,
            status=status,
            timezone=timezone,
            do_not_call=do_not_call,
            metadata=metadata,
            version=version,
        )

        return update_lead_in
