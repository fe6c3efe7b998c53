from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.number_ownership import NumberOwnership, check_number_ownership
from ..models.number_provider import NumberProvider, check_number_provider
from ..models.number_status import NumberStatus, check_number_status
from ..models.phone_number_out_object import PhoneNumberOutObject, check_phone_number_out_object

T = TypeVar("T", bound="PhoneNumberOut")


@_attrs_define
class PhoneNumberOut:
    """A phone number of the tenant's inventory.

    Attributes:
        object_ (PhoneNumberOutObject):
        id (UUID): The number's id.
        tenant_id (UUID): The tenant it belongs to.
        number (None | str): The number, E.164; null while a bought number is provisioning.
        provider (NumberProvider): Who provides the number's line (Vapi's `provider` of a phone number).
        provider_number_id (None | str): The provider's id (Vapi phoneNumberId).
        label (None | str): A name for the number.
        status (NumberStatus): `provisioning`: asked of the provider, not yet in service (its number may not be known
                yet); `active`: in service; `released`: answers no calls and may be provisioned again;
                `failed`: the provider made no number of it.
        ownership (NumberOwnership): How the tenant came to hold the number, which is what lets it route and dial.
        in_service (bool): Active and proven the tenant's: it answers and places calls.
        credential_id (None | str): The provider credential it was imported with (Vonage, Telnyx, SIP).
        error (None | str): Why provisioning failed (status failed).
        inbound_agent_id (None | UUID): The agent that answers calls to the number.
        version (int): Moves by one with each change; send it back as `version` with a change to have a stale write
            refused (409).
        created_at (datetime.datetime): When it was created (RFC 3339, UTC).
        updated_at (datetime.datetime): When it last changed (RFC 3339, UTC).
    """

    object_: PhoneNumberOutObject
    id: UUID
    tenant_id: UUID
    number: None | str
    provider: NumberProvider
    provider_number_id: None | str
    label: None | str
    status: NumberStatus
    ownership: NumberOwnership
    in_service: bool
    credential_id: None | str
    error: None | str
    inbound_agent_id: None | UUID
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_: str = self.object_

        id = str(self.id)

        tenant_id = str(self.tenant_id)

        number: None | str
        number = self.number

        provider: str = self.provider

        provider_number_id: None | str
        provider_number_id = self.provider_number_id

        label: None | str
        label = self.label

        status: str = self.status

        ownership: str = self.ownership

        in_service = self.in_service

        credential_id: None | str
        credential_id = self.credential_id

        error: None | str
        error = self.error

        inbound_agent_id: None | str
        if isinstance(self.inbound_agent_id, UUID):
            inbound_agent_id = str(self.inbound_agent_id)
        else:
            inbound_agent_id = self.inbound_agent_id

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
                "number": number,
                "provider": provider,
                "provider_number_id": provider_number_id,
                "label": label,
                "status": status,
                "ownership": ownership,
                "in_service": in_service,
                "credential_id": credential_id,
                "error": error,
                "inbound_agent_id": inbound_agent_id,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = check_phone_number_out_object(d.pop("object"))

        id = UUID(d.pop("id"))

        tenant_id = UUID(d.pop("tenant_id"))

        def _parse_number(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        number = _parse_number(d.pop("number"))

        provider = check_number_provider(d.pop("provider"))

        def _parse_provider_number_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_number_id = _parse_provider_number_id(d.pop("provider_number_id"))

        def _parse_label(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        label = _parse_label(d.pop("label"))

        status = check_number_status(d.pop("status"))

        ownership = check_number_ownership(d.pop("ownership"))

        in_service = d.pop("in_service")

        def _parse_credential_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        credential_id = _parse_credential_id(d.pop("credential_id"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_inbound_agent_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                inbound_agent_id_type_0 = UUID(data)

                return inbound_agent_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        inbound_agent_id = _parse_inbound_agent_id(d.pop("inbound_agent_id"))

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        phone_number_out = cls(
            object_=object_,
            id=id,
            tenant_id=tenant_id,
            number=number,
            provider=provider,
            provider_number_id=provider_number_id,
            label=label,
            status=status,
            ownership=ownership,
            in_service=in_service,
            credential_id=credential_id,
            error=error,
            inbound_agent_id=inbound_agent_id,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )

        phone_number_out.additional_properties = d
        return phone_number_out

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
